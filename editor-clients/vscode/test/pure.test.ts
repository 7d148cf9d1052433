/** The extension's pure logic: settings → init options, status formatting, arguments, server lookup, edits. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { optionalTaskIdArgs, selectionBlock, startedTask, taskArgs, taskIdArgs } from '../src/args';
import { isTaskDocument, staleReason, touchedUris, urisToSave } from '../src/edits';
import { costMarkdown, statusMarkdown, taskPickItem, tasksNewestFirst } from '../src/format';
import { missingServerMessage, type Probe, resolveServerCommand, venvCandidates } from '../src/serverCommand';
import { explicitValue, initializationOptions, serverSettings } from '../src/settings';
import { isFinished, money, outcome, progressMessage, statusBarView, TaskStore } from '../src/status';

describe('the status document', () => {
  it('names the test command a new task would record, and the one the current task recorded', () => {
    const text = statusMarkdown(
      { configured: true, running: [{ taskId: 't2', phase: 'fix' }], cooldowns: [{ tier: 'light', remainingS: 41.2 }],
        commands: { test: 'make test', recorded: false, source: 'detected', problem: 'make: not found' },
        tasks: [{ id: 't1', phase: 'fix', status: 'done', cost_usd: 0.01, task: 'fix it' }] },
      { taskId: 't1', commands: { taskId: 't1', test: 'pytest -q', recorded: true } },
    );
    assert.match(text, /^- running: t2 \(fix\)$/m);
    assert.match(text, /^- cooling down: light cooling 42s$/m);
    assert.match(text, /^- test command a new task would record: make test \(detected\)$/m);
    assert.match(text, /^- problem: make: not found$/m);
    assert.match(text, /^- test command \(recorded by task t1\): pytest -q$/m);
    assert.match(text, /^- t1 · fix · done · \$0\.0100 — fix it$/m);
    assert.doesNotMatch(statusMarkdown({ tasks: [], commands: { taskId: 't1', test: 'x', recorded: true } },
      { taskId: 't1', commands: { taskId: 't1', test: 'x', recorded: true } }), /recorded by task t1.*\n.*recorded by task t1/);
  });
});

describe('settings → initialization options', () => {
  it('sends only explicitly set values, under the keys of .tierwise.toml', () => {
    const values: Record<string, object> = {
      'budget.perTaskUsd': { globalValue: 2 },
      'budget.perDayUsd': { defaultValue: 20 },
      'loop.testCommand': { workspaceValue: 'pytest -q' },
      'routes': { globalValue: { fix: ['light', 'mid'] } },
      'tiers': { globalValue: {} },
      'lsp.writeThrough': { workspaceFolderValue: false, workspaceValue: true },
      'escalateAfter': { globalValue: 3 },
    };
    const settings = serverSettings((key) => values[key], true);
    assert.deepEqual(settings, {
      budget: { per_task_usd: 2 },
      loop: { test_command: 'pytest -q' },
      routes: { fix: ['light', 'mid'] },
      lsp: { writeThrough: false },
      escalate_after: 3,
    });
    assert.deepEqual(initializationOptions(settings, false), { tierwise: settings, trusted: false });
  });

  it('ignores workspace values of commands and tiers in an untrusted workspace', () => {
    const values: Record<string, object> = {
      'loop.testCommand': { workspaceValue: 'rm -rf ~', globalValue: 'pytest' },
      'loop.lintCommand': { workspaceValue: 'curl evil' },
      'tiers': { workspaceValue: { frontier: { api_base: 'http://evil' } } },
      'budget.perTaskUsd': { workspaceValue: 1 },
    };
    assert.deepEqual(serverSettings((key) => values[key], false), {
      loop: { test_command: 'pytest' },
      budget: { per_task_usd: 1 },
    });
  });

  it('keeps an explicit null (no ceiling)', () => {
    assert.equal(explicitValue({ globalValue: null }, true), null);
    assert.deepEqual(serverSettings((key) => (key === 'budget.perDayUsd' ? { globalValue: null } : undefined), true), {
      budget: { per_day_usd: null },
    });
  });
});

describe('status', () => {
  it('formats money with enough digits', () => {
    assert.equal(money(0.01234), '$0.0123');
    assert.equal(money(0), '$0.00');
    assert.equal(money(2.5), '$2.50');
    assert.equal(money(undefined), '$0.00');
  });

  it('merges notifications of one phase, starts afresh on a new phase, and tracks the current task', () => {
    const store = new TaskStore();
    assert.equal(store.update({ taskId: '' }), undefined);
    assert.equal(store.update('nonsense'), undefined);
    store.update({ taskId: 't1', phase: 'implement', tier: 'mid', model: 'gpt', state: 'running', costUsd: 0.01, savedUsd: 0.04 });
    let merged = store.update({ taskId: 't1', phase: 'implement', tier: null, state: 'running', costUsd: 0.02, message: 'editing' });
    assert.deepEqual(merged, { taskId: 't1', phase: 'implement', tier: 'mid', model: 'gpt', state: 'running', costUsd: 0.02, savedUsd: 0.04, message: 'editing' });
    merged = store.update({ taskId: 't1', phase: 'implement', state: 'ready', message: 'implement finished; next: fix', nextPhase: 'fix' });
    assert.equal(merged?.nextPhase, 'fix');
    merged = store.update({ taskId: 't1', phase: 'fix', tier: null, state: 'running', costUsd: 0.03, message: null, nextPhase: null });
    assert.deepEqual(merged, { taskId: 't1', phase: 'fix', state: 'running', costUsd: 0.03 });
    assert.equal(store.current, 't1');
    assert.deepEqual(store.running().map((s) => s.taskId), ['t1']);
    store.update({ taskId: 't1', state: 'done' });
    assert.deepEqual(store.running(), []);
    store.started('t2', 'plan');
    assert.equal(store.current, 't2');
    assert.equal(store.currentStatus()?.state, 'running');
  });

  it('shows phase, tier, cost and saving in the status bar', () => {
    assert.deepEqual(statusBarView(undefined).text, '$(circle-outline) tierwise');
    const running = statusBarView({ taskId: 't1', phase: 'implement', tier: 'mid', model: 'gpt-4.1-mini', state: 'running', costUsd: 0.0123, savedUsd: 0.0456, message: 'editing a.py' });
    assert.equal(running.text, '$(sync~spin) implement · mid · $0.0123 (saved $0.0456)');
    assert.match(running.tooltip, /tier: mid — gpt-4\.1-mini/);
    assert.match(running.tooltip, /editing a\.py/);
    assert.equal(statusBarView({ taskId: 't', phase: 'fix', state: 'budget_stopped', costUsd: 2 }).text, '$(warning) fix budget stopped · $2.00');
    // issue #11: the tooltip names the test and lint commands the task recorded
    const recorded = statusBarView({ taskId: 't1', phase: 'fix', state: 'running', commands: { taskId: 't1', test: 'pytest -q', lint: 'ruff check .', recorded: true } });
    assert.match(recorded.tooltip, /^test command \(recorded by task t1\): pytest -q$/m);
    assert.match(recorded.tooltip, /^lint command: ruff check \.$/m);
    assert.equal(statusBarView({ taskId: 't', phase: 'review', state: 'done', costUsd: 0 }).text, '$(check) review done · $0.00');
    const ready = statusBarView({ taskId: 't', phase: 'plan', state: 'ready', message: 'plan finished; next: refine', nextPhase: 'refine', tier: 'frontier', costUsd: 0.0131 });
    assert.equal(ready.text, '$(arrow-right) plan finished, next: refine · frontier · $0.0131');
    assert.match(ready.tooltip, /phase: plan \(ready; next: refine\)/);
    assert.equal(statusBarView({ taskId: 't', phase: 'plan', state: 'resumable', message: 'cancelled during plan' }).text, '$(warning) plan interrupted · $0.00');
    assert.equal(outcome({ taskId: 't', state: 'resumable', message: null }), 'resumable');
    assert.equal(outcome({ taskId: 't', state: 'ready' }), 'ready');
    assert.equal(outcome(undefined), 'running');
    assert.equal(isFinished('resumable'), true);
    assert.equal(isFinished('ready'), true);
    assert.equal(isFinished('running'), false);
    assert.equal(progressMessage({ taskId: 't', phase: 'fix', tier: 'light', model: 'nano', costUsd: 0.001, message: 'round 2' }), 'fix · light (nano) · $0.0010 — round 2');
  });

  it('shows spend against the ceiling, a budget question and cooled-down tiers', () => {
    const asking = statusBarView({ taskId: 't', phase: 'budget', state: 'waiting', costUsd: 0.0412, ceilingUsd: 0.05, message: 'Raise this task\'s ceiling by $0.50?' });
    assert.equal(asking.text, '$(question) budget waiting · $0.0412 of $0.0500');
    assert.match(asking.tooltip, /cost: \$0\.0412 of \$0\.0500/);
    const cooled = statusBarView({ taskId: 't', phase: 'fix', state: 'running', tier: 'mid', costUsd: 1.5, ceilingUsd: 5, cooldowns: [{ tier: 'light', model: 'm', remainingS: 41.2, reason: '4 failures' }] });
    assert.equal(cooled.text, '$(sync~spin) fix · mid · $1.50 of $5.00 · light cooling 42s');
    assert.match(cooled.tooltip, /cooling down: light cooling 42s/);
    assert.equal(progressMessage({ taskId: 't', phase: 'fix', costUsd: 0.5, ceilingUsd: 1 }), 'fix · $0.5000 of $1.00');
  });
});

describe('format', () => {
  it('renders the cost table with the saving', () => {
    const text = costMarkdown({
      taskId: 't1', calls: 3, costUsd: 0.012, frontierCostUsd: 0.06, savedUsd: 0.048,
      byTier: { mid: { calls: 2, costUsd: 0.011, frontierCostUsd: 0.05 }, light: { calls: 1, costUsd: 0.001, frontierCostUsd: 0.01 } },
    });
    assert.equal(
      text,
      [
        '# tierwise cost — task t1', '',
        '| tier | calls | cost | on frontier |', '|---|---:|---:|---:|',
        '| light | 1 | $0.0010 | $0.0100 |', '| mid | 2 | $0.0110 | $0.0500 |',
        '| **total** | 3 | $0.0120 | $0.0600 |', '',
        'Routing saved $0.0480 (80%) against running every call on the frontier tier.', '',
      ].join('\n'),
    );
    assert.equal(costMarkdown({ calls: 0 }), '# tierwise cost — all tasks\n\nNo model calls yet.\n');
  });

  it('lists tasks newest first for the quick pick', () => {
    const tasks = tasksNewestFirst({ tasks: [{ id: 'a' }, { id: 'b', task: 'x '.repeat(60), phase: 'plan', status: 'done', cost_usd: 0.5 }] });
    assert.deepEqual(tasks.map((t) => t.id), ['b', 'a']);
    const item = taskPickItem(tasks[0]);
    assert.equal(item.description, 'plan · done · $0.5000');
    assert.equal(item.detail.length, 80);
  });
});

describe('arguments', () => {
  const selection = { path: 'src/a.py', uri: 'file:///w/src/a.py', languageId: 'python', startLine: 3, endLine: 4, text: 'x = 1\ny = 2\n' };

  it('builds task arguments with the selection and its file', () => {
    assert.deepEqual(taskArgs('  add a flag ', undefined), { task: 'add a flag' });
    assert.deepEqual(taskArgs('explain', selection), {
      task: 'explain\n\nSelected lines 3-4 of src/a.py:\n```python\nx = 1\ny = 2\n```',
      uris: ['file:///w/src/a.py'],
    });
    assert.equal(taskArgs('', selection) instanceof Object, true);
    assert.equal(typeof taskArgs('   ', undefined), 'string');
    assert.equal(selectionBlock(selection).split('\n')[0], 'Selected lines 3-4 of src/a.py:');
  });

  it('builds task id arguments', () => {
    assert.deepEqual(taskIdArgs('t1'), { taskId: 't1' });
    assert.equal(taskIdArgs(undefined), undefined);
    assert.deepEqual(optionalTaskIdArgs(undefined), {});
    assert.deepEqual(optionalTaskIdArgs('t1'), { taskId: 't1' });
    assert.deepEqual(startedTask({ taskId: 't1', phase: 'plan' }), { taskId: 't1', phase: 'plan' });
    assert.equal(startedTask({ cancelled: true }), undefined);
    assert.equal(startedTask(null), undefined);
  });
});

describe('server command lookup', () => {
  const probe = (executables: string[], PATH = '/usr/bin:/opt/bin'): Probe => ({
    isExecutable: (file: string) => executables.includes(file),
    env: { PATH },
    platform: 'linux',
  });
  const lookup = { setting: '', args: ['serve'], workspaceFolders: ['/w'], trusted: true };

  it('prefers the setting, then PATH, then the workspace virtual environment', () => {
    assert.deepEqual(resolveServerCommand({ ...lookup, setting: '/x/tierwise' }, probe(['/x/tierwise', '/opt/bin/tierwise'])), {
      command: '/x/tierwise', args: ['serve'], source: 'setting',
    });
    assert.deepEqual(resolveServerCommand(lookup, probe(['/opt/bin/tierwise', '/w/.venv/bin/tierwise'])), {
      command: '/opt/bin/tierwise', args: ['serve'], source: 'PATH',
    });
    assert.deepEqual(resolveServerCommand({ ...lookup, args: [] }, probe(['/w/.venv/bin/tierwise'])), {
      command: '/w/.venv/bin/tierwise', args: ['serve'], source: 'virtual environment',
    });
    assert.equal(resolveServerCommand({ ...lookup, setting: '/missing' }, probe(['/opt/bin/tierwise'])), undefined);
  });

  it('never starts a program from an untrusted workspace', () => {
    assert.equal(resolveServerCommand({ ...lookup, trusted: false }, probe(['/w/.venv/bin/tierwise'])), undefined);
    assert.match(missingServerMessage({ ...lookup, trusted: false }, 'pip install tierwise'), /Restricted Mode/);
  });

  it('says how to install it', () => {
    const text = missingServerMessage(lookup, 'pip install tierwise');
    assert.match(text, /`pip install tierwise`/);
    assert.match(text, /tierwise\.server\.command/);
    assert.match(missingServerMessage({ ...lookup, setting: 'tw' }, 'pip install tierwise'), /"tw" \(setting tierwise\.server\.command\)/);
  });

  it('knows Windows layouts', () => {
    assert.ok(venvCandidates(['C:\\w'], 'win32').some((c) => c.includes('Scripts') && c.endsWith('tierwise.exe')));
  });
});

describe('applyEdit checks', () => {
  const edit = {
    documentChanges: [
      { textDocument: { uri: 'file:///w/a.py', version: 5 }, edits: [] },
      { textDocument: { uri: 'file:///w/b.py', version: null }, edits: [] },
      { kind: 'create', uri: 'file:///w/c.py' },
    ],
  };

  it('refuses an edit made for an older version', () => {
    const open = new Map([['file:///w/a.py', { version: 6, isDirty: true }]]);
    assert.equal(staleReason(edit, open, (uri) => uri.slice(8)), 'w/a.py changed in the editor (version 6, edit made for 5)');
    assert.equal(staleReason(edit, new Map([['file:///w/a.py', { version: 5, isDirty: false }]])), undefined);
    assert.equal(staleReason(edit, new Map()), undefined);
  });

  it('saves only documents that had no unsaved changes', () => {
    assert.deepEqual(touchedUris(edit), ['file:///w/a.py', 'file:///w/b.py', 'file:///w/c.py']);
    const open = new Map([
      ['file:///w/a.py', { version: 5, isDirty: true }],
      ['file:///w/b.py', { version: 1, isDirty: false }],
    ]);
    assert.deepEqual(urisToSave(edit, open), ['file:///w/b.py', 'file:///w/c.py']);
  });

  it('checks version 0 like any other version', () => {
    const first = { documentChanges: [{ textDocument: { uri: 'file:///w/a.py', version: 0 }, edits: [] }] };
    assert.equal(staleReason(first, new Map([['file:///w/a.py', { version: 1, isDirty: true }]]), (uri) => uri.slice(8)),
      'w/a.py changed in the editor (version 1, edit made for 0)');
  });

  it('saves a task document (PLAN.md) even when it had unsaved text: the edit was made from all of it', () => {
    const plan = 'file:///w/.tierwise/tasks/t1/PLAN.md';
    const planEdit = { documentChanges: [{ textDocument: { uri: plan, version: 3 }, edits: [] }] };
    assert.deepEqual(urisToSave(planEdit, new Map([[plan, { version: 3, isDirty: true }]])), [plan]);
    assert.equal(isTaskDocument('file:///w/docs/PLAN.md'), false);
  });
});

describe('client capabilities', () => {
  it('declare that the extension shows tierwise/status (the server then sends no second toast)', async () => {
    const { statusFeature } = await import('../src/client');
    const capabilities: { experimental?: unknown } = { experimental: { other: 1 } };
    statusFeature.fillClientCapabilities(capabilities);
    assert.deepEqual(capabilities.experimental, { other: 1, tierwise: { status: true } });
  });
});
