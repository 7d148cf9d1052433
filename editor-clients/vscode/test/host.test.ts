/** The extension against the vscode stand-in: activation, palette commands, trust, status bar, progress. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeEach, describe, it } from 'node:test';
import * as vscode from 'vscode';
import { WorkDoneProgressCancelNotification } from 'vscode-languageclient';
import type { ClientHooks } from '../src/client';
import { UI } from '../src/constants';
import { activate, type Deps, type TierwiseExtension } from '../src/extension';
import { NotificationProgress } from '../src/progress';
import type { ServerCommand } from '../src/serverCommand';
import { SETTING_PATHS } from '../src/settings';
import * as stub from './support/vscode-stub';

type Answer = unknown; // a result, or a function of the arguments returning one

/** A language client stand-in: records requests and answers executeCommand from a table. */
class FakeClient {
  started = 0;
  stopped = 0;
  requests: { command: string; args: Record<string, unknown> }[] = [];
  notifications: { method: unknown; params: unknown }[] = [];
  requestHandlers = new Map<string, (params: unknown) => unknown>();
  progressHandlers = new Map<string, (value: unknown) => void>();
  constructor(
    public server: ServerCommand,
    public hooks: ClientHooks,
    public answers: Record<string, Answer>,
  ) {}
  start(): Promise<void> {
    this.started += 1;
    return Promise.resolve();
  }
  stop(): Promise<void> {
    this.stopped += 1;
    return Promise.resolve();
  }
  dispose(): Promise<void> {
    return Promise.resolve();
  }
  sendRequest(method: string, params: { command: string; arguments: Record<string, unknown>[] }): Promise<unknown> {
    assert.equal(method, 'workspace/executeCommand');
    assert.equal(params.arguments.length, 1, 'one argument object');
    const args = params.arguments[0];
    this.requests.push({ command: params.command, args });
    const answer = this.answers[params.command];
    if (answer === undefined) {
      return Promise.reject(new Error(`no answer for ${params.command}`));
    }
    try {
      return Promise.resolve(typeof answer === 'function' ? (answer as (a: Record<string, unknown>) => unknown)(args) : answer);
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }
  sendNotification(method: unknown, params: unknown): Promise<void> {
    this.notifications.push({ method, params });
    return Promise.resolve();
  }
  onRequest(type: { method: string } | string, handler: (params: unknown) => unknown): vscode.Disposable {
    this.requestHandlers.set(typeof type === 'string' ? type : type.method, handler);
    return new stub.Disposable();
  }
  onProgress<P>(_type: unknown, token: string | number, handler: (value: P) => void): vscode.Disposable {
    this.progressHandlers.set(String(token), handler as (value: unknown) => void);
    return new stub.Disposable(() => this.progressHandlers.delete(String(token)));
  }
}

function context(): vscode.ExtensionContext {
  return { subscriptions: [] as { dispose(): unknown }[] } as unknown as vscode.ExtensionContext;
}

async function start(answers: Record<string, Answer>, executables = ['/usr/local/bin/tierwise']): Promise<{ ext: TierwiseExtension; client: () => FakeClient }> {
  let made: FakeClient | undefined;
  const deps: Deps = {
    isExecutable: (file) => executables.includes(file),
    createClient: ((server: ServerCommand, _cwd: string | undefined, hooks: ClientHooks) => {
      made = new FakeClient(server, hooks, answers);
      return made;
    }) as unknown as Deps['createClient'],
  };
  process.env.PATH = '/usr/local/bin:/usr/bin';
  const ext = await activate(context(), deps);
  return { ext, client: () => { assert.ok(made, 'a client was created'); return made; } };
}

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

beforeEach(() => stub.reset());

describe('activation', () => {
  it('registers every palette command of package.json and starts the server found on PATH', async () => {
    const { client } = await start({});
    const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
      contributes: { commands: { command: string; title: string; category: string }[] };
    };
    const declared = manifest.contributes.commands.map((c) => c.command).sort();
    assert.deepEqual(stub.registeredCommands().sort(), declared);
    assert.deepEqual(Object.values(UI).sort(), declared);
    assert.deepEqual(
      manifest.contributes.commands.filter((c) => c.command !== UI.restartServer).map((c) => `${c.category}: ${c.title}`),
      ['Tierwise: Plan Task…', 'Tierwise: Refine Plan', 'Tierwise: Implement Plan', 'Tierwise: Run Tests and Fix',
        'Tierwise: Review Changes', 'Tierwise: Run Whole Loop…', 'Tierwise: Cancel', 'Tierwise: Undo Task', 'Tierwise: Show Cost',
        'Tierwise: Show Status', 'Tierwise: Show Context…'],
    );
    assert.equal(client().started, 1);
    assert.deepEqual(client().server, { command: '/usr/local/bin/tierwise', args: ['serve'], source: 'PATH' });
    assert.ok(client().requestHandlers.has('window/workDoneProgress/create'), 'progress shown by the extension');
    const bar = stub.statusBarItems[stub.statusBarItems.length - 1];
    assert.equal(bar.text, '$(circle-outline) tierwise');
    assert.equal(bar.command, UI.showCost);
  });

  it('says how to install the server when it is missing', async () => {
    stub.answers.message.push('Copy Install Command');
    const { ext } = await start({}, []);
    assert.equal(ext.client, undefined);
    const error = stub.recorded.messages.find((m) => m.level === 'error');
    assert.ok(error);
    assert.match(error.text, /`tierwise` command was not found on PATH or the workspace's virtual environment/);
    assert.match(error.text, /pip install tierwise/);
    assert.equal(stub.recorded.clipboard, 'pip install tierwise');
  });

  it('every server setting is declared in package.json', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
      contributes: { configuration: { properties: Record<string, { description?: string; markdownDescription?: string }> } };
    };
    const props = manifest.contributes.configuration.properties;
    for (const key of Object.keys(SETTING_PATHS)) {
      const prop = props[`tierwise.${key}`];
      assert.ok(prop, `tierwise.${key} declared`);
      assert.ok(prop.description ?? prop.markdownDescription, `tierwise.${key} described`);
    }
  });

  it('sends settings changes to the server and restarts it when the command changes', async () => {
    const { client } = await start({});
    stub.setConfiguration('tierwise.budget.perTaskUsd', { globalValue: 1.25 });
    stub.fireConfigurationChange(['tierwise.budget.perTaskUsd']);
    await flush();
    assert.deepEqual(client().notifications.at(-1), {
      method: 'workspace/didChangeConfiguration',
      params: { settings: { tierwise: { budget: { per_task_usd: 1.25 } } } },
    });
    assert.deepEqual(client().hooks.settings(), { budget: { per_task_usd: 1.25 } });
    const first = client();
    stub.fireConfigurationChange(['tierwise.server.command']);
    await flush();
    await flush();
    assert.equal(first.stopped, 1);
    assert.notEqual(client(), first);
    assert.equal(client().started, 1);
  });
});

describe('palette commands', () => {
  it('Plan Task… asks for the task and sends the selection', async () => {
    const doc = stub.fakeDocument('/work/proj/src/a.py', 'def f():\n    return 1\nx = f()\n');
    stub.window.activeTextEditor = { document: doc, selection: new stub.Selection(0, 0, 2, 0) };
    stub.answers.inputBox.push('make f return 2');
    const { ext, client } = await start({ 'tierwise.plan': { taskId: 't1', phase: 'plan' } });
    await stub.runCommand(UI.planTask);
    assert.match(String(stub.recorded.inputBoxes[0].prompt), /selected lines 1-2 of src\/a\.py/);
    assert.deepEqual(client().requests, [{
      command: 'tierwise.plan',
      args: { task: 'make f return 2\n\nSelected lines 1-2 of src/a.py:\n```python\ndef f():\n    return 1\n```', uris: ['file:///work/proj/src/a.py'] },
    }]);
    assert.equal(ext.store.current, 't1');
    assert.equal(stub.statusBarItems.at(-1)?.text, '$(sync~spin) plan · $0.00');
  });

  it('an empty answer sends nothing; Escape sends nothing', async () => {
    const { client } = await start({});
    stub.answers.inputBox.push('   ');
    await stub.runCommand(UI.planTask);
    await stub.runCommand(UI.runLoop); // no answer scripted: Escape
    assert.deepEqual(client().requests, []);
    assert.match(stub.recorded.messages[0].text, /Give a task/);
  });

  it('Implement Plan uses the current task, else lets the user pick one', async () => {
    const { ext, client } = await start({
      'tierwise.status': { running: [], tasks: [{ id: 'old', phase: 'plan', status: 'done' }, { id: 'new', phase: 'plan', status: 'done' }] },
      'tierwise.implement': (args: Record<string, unknown>) => ({ taskId: args.taskId, phase: 'implement' }),
    });
    stub.answers.quickPick.push('old');
    await stub.runCommand(UI.implementPlan);
    assert.deepEqual(client().requests.map((r) => r.command), ['tierwise.status', 'tierwise.implement']);
    const labels = (stub.recorded.quickPicks[0].items as { label: string }[]).map((item) => item.label);
    assert.deepEqual(labels, ['new', 'old']);
    assert.deepEqual(client().requests[1].args, { taskId: 'old' });
    assert.equal(ext.store.current, 'old');
    await stub.runCommand(UI.implementPlan);
    assert.deepEqual(client().requests[2], { command: 'tierwise.implement', args: { taskId: 'old' } });
  });

  it('Run Tests and Fix is refused in Restricted Mode, with the reason', async () => {
    const { client } = await start({ 'tierwise.testFix': { taskId: 't', phase: 'fix' } });
    stub.workspace.isTrusted = false;
    stub.answers.message.push('Manage Workspace Trust');
    await stub.runCommand(UI.testAndFix);
    await stub.runCommand(UI.runLoop);
    assert.deepEqual(client().requests, []);
    assert.match(stub.recorded.messages[0].text, /"Run Tests and Fix" runs the project's test and lint commands, which Restricted Mode does not allow/);
    assert.match(stub.recorded.messages[1].text, /"Run Whole Loop…"/);
    assert.deepEqual(stub.recorded.executed[0], { command: 'workbench.trust.manage', args: [] });
    stub.workspace.isTrusted = true;
    await stub.runCommand(UI.testAndFix);
    assert.deepEqual(client().requests, [{ command: 'tierwise.testFix', args: {} }]);
  });

  it('granting trust tells the running server, with the settings Restricted Mode held back', async () => {
    stub.workspace.isTrusted = false;
    stub.setConfiguration('tierwise.loop.testCommand', { workspaceValue: 'pytest -q' });
    const { client } = await start({});
    assert.equal(client().hooks.trusted(), false);
    assert.deepEqual(client().hooks.settings(), {});
    const first = client();
    stub.grantTrust();
    await flush();
    assert.equal(client(), first, 'no restart: running tasks go on');
    assert.equal(first.stopped, 0);
    assert.equal(client().hooks.trusted(), true);
    assert.deepEqual(first.notifications, [
      { method: 'tierwise/trust', params: { trusted: true } },
      { method: 'workspace/didChangeConfiguration', params: { settings: { tierwise: { loop: { test_command: 'pytest -q' } } } } },
    ]);
  });

  it('server errors become one message naming the command', async () => {
    await start({
      'tierwise.review': () => {
        throw new Error('there is no tierwise task yet');
      },
    });
    await stub.runCommand(UI.reviewChanges);
    assert.deepEqual(stub.recorded.messages.map((m) => [m.level, m.text]), [
      ['error', 'tierwise: Review Changes failed: there is no tierwise task yet'],
    ]);
  });

  it('Cancel cancels the running task', async () => {
    const { ext, client } = await start({ 'tierwise.cancel': { taskId: 't1', cancelled: true, message: 'cancelling' } });
    client().hooks.onStatus({ taskId: 't1', phase: 'implement', state: 'running' });
    await stub.runCommand(UI.cancel);
    assert.deepEqual(client().requests, [{ command: 'tierwise.cancel', args: { taskId: 't1' } }]);
    client().hooks.onStatus({ taskId: 't1', phase: 'implement', state: 'resumable', message: 'cancelled' });
    assert.equal(ext.store.running().length, 0);
    assert.deepEqual(stub.recorded.messages.at(-1), { level: 'warning', text: 'tierwise: implement interrupted: cancelled', items: [] });
  });

  it('a phase that finished with phases left offers the next one', async () => {
    const { client } = await start({});
    stub.answers.message.push('Implement Plan');
    client().hooks.onStatus({
      taskId: 't1', phase: 'refine', tier: 'light', state: 'ready', message: 'refine finished; next: implement', nextPhase: 'implement',
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    assert.deepEqual(stub.recorded.messages.at(-1), { level: 'info', text: 'tierwise: refine finished; next: implement', items: ['Implement Plan'] });
    assert.deepEqual(stub.recorded.executed.at(-1), { command: 'tierwise.ui.implementPlan', args: [] });
  });

  it('Undo asks first, and offers to force when the user changed a file since', async () => {
    let calls = 0;
    const { ext, client } = await start({
      'tierwise.undo': (args: Record<string, unknown>) => {
        calls += 1;
        if (!args.force) {
          throw new Error('undo of t1 failed: a.py changed since the task wrote it');
        }
        return { taskId: 't1', restored: ['a.py'] };
      },
    });
    ext.store.started('t1');
    stub.answers.message.push('Undo', 'Undo Anyway');
    await stub.runCommand(UI.undoTask);
    assert.equal(calls, 2);
    assert.deepEqual(client().requests.map((r) => r.args), [{ taskId: 't1' }, { taskId: 't1', force: true }]);
    assert.deepEqual(stub.recorded.messages.at(-1), { level: 'info', text: 'tierwise: put back a.py', items: [] });
  });

  it('Show Cost opens the cost table beside the editor', async () => {
    const { ext } = await start({
      'tierwise.cost': (args: Record<string, unknown>) => ({ taskId: args.taskId ?? null, calls: 1, costUsd: 0.001, frontierCostUsd: 0.01, savedUsd: 0.009, byTier: { light: { calls: 1, costUsd: 0.001, frontierCostUsd: 0.01 } } }),
    });
    ext.store.started('t1');
    await stub.runCommand(UI.showCost);
    const shown = stub.recorded.shownDocuments[0] as { document: { language: string; content: string }; options: { viewColumn: number } };
    assert.equal(shown.document.language, 'markdown');
    assert.match(shown.document.content, /# tierwise cost — task t1/);
    assert.match(shown.document.content, /# tierwise cost — all tasks/);
    assert.match(shown.document.content, /Routing saved \$0\.0090 \(90%\)/);
    assert.equal(shown.options.viewColumn, stub.ViewColumn.Beside);
  });
});

describe('Show Status', () => {
  it("opens the server's status with the recorded test command beside the editor", async () => {
    const { ext } = await start({
      'tierwise.status': () => ({ configured: true, running: [], tasks: [], commands: { taskId: null, test: 'pytest -q', lint: null, recorded: false, source: 'configured', problem: null } }),
    });
    ext.onStatus({ taskId: 't1', phase: 'plan', state: 'ready', commands: { taskId: 't1', test: 'make test', recorded: true } });
    await stub.runCommand(UI.showStatus);
    const shown = stub.recorded.shownDocuments[0] as { document: { language: string; content: string }; options: { viewColumn: number } };
    assert.equal(shown.document.language, 'markdown');
    assert.match(shown.document.content, /test command a new task would record: pytest -q \(configured\)/);
    assert.match(shown.document.content, /test command \(recorded by task t1\): make test/);
    assert.match(ext.statusBar.tooltip as string, /test command \(recorded by task t1\): make test/);
    assert.equal(shown.options.viewColumn, stub.ViewColumn.Beside);
  });
});

describe('progress notifications', () => {
  it('shows begin/report/end with a Cancel button that cancels the work', async () => {
    const client = new FakeClient({ command: 'x', args: [], source: 'PATH' }, {} as ClientHooks, {});
    const progress = new NotificationProgress(client);
    progress.create('tok');
    const send = client.progressHandlers.get('tok');
    assert.ok(send);
    send({ kind: 'report', message: 'early' });
    send({ kind: 'begin', title: 'tierwise: implement', cancellable: true, message: 'starting', percentage: 0 });
    await flush();
    send({ kind: 'report', message: 'implement · mid · $0.0100', percentage: 40 });
    const entry = stub.recorded.progress[0];
    assert.deepEqual(entry.options, { location: stub.ProgressLocation.Notification, title: 'tierwise: implement', cancellable: true });
    assert.deepEqual(entry.reports, [
      { message: 'starting', increment: undefined },
      { message: 'early', increment: undefined },
      { message: 'implement · mid · $0.0100', increment: 40 },
    ]);
    entry.cancel();
    assert.deepEqual(client.notifications, [{ method: WorkDoneProgressCancelNotification.type, params: { token: 'tok' } }]);
    send({ kind: 'end', message: 'cancelled' });
    await flush();
    assert.equal(entry.done, true);
    assert.equal(client.progressHandlers.size, 0);
  });
});
