-- The plugin's own logic in a real headless Neovim, against the in-process fake server (fake_server.lua).
-- Run by tests/editors/test_nvim_plugin.py; TIERWISE_WORKDIR is a scratch project with a.py, b.py and .tierwise.toml.
local here = vim.fs.dirname(debug.getinfo(1, 'S').source:sub(2))
package.path = here .. '/?.lua;' .. package.path
local H = require('harness')
local F = require('fake_server')

local work = assert(os.getenv('TIERWISE_WORKDIR'))
vim.cmd.cd(work)

local tierwise = require('tierwise')
local state = require('tierwise.state')
local commands = require('tierwise.commands')
local handlers = require('tierwise.handlers')
local config = require('tierwise.config')

local function uri(name)
  return vim.uri_from_fname(work .. '/' .. name)
end

local function text_edit(l1, c1, l2, c2, text)
  return { range = { start = { line = l1, character = c1 }, ['end'] = { line = l2, character = c2 } }, newText = text }
end

local client
local cases = {}
local function case(name, fn)
  cases[#cases + 1] = { name, fn }
end

case('setup rejects bad options with a readable message', function()
  local ok, err = pcall(tierwise.setup, { plan_open = 'sideways' })
  H.eq(false, ok, 'setup ok')
  H.truthy(tostring(err):find('plan_open: expected one of', 1, true), 'message names the option: ' .. tostring(err))
  ok, err = pcall(tierwise.setup, { cmd = {} })
  H.eq(false, ok, 'empty cmd accepted')
  H.truthy(tostring(err):find('cmd:', 1, true), 'message names cmd')
end)

case('setup registers the server and the client starts on a project file', function()
  tierwise.setup({ cmd = F.cmd, settings = { budget = { per_task_usd = 1.5 } }, notify_progress = true })
  local cfg = vim.lsp.config.tierwise
  H.eq({ '.tierwise.toml', '.git', 'pyproject.toml' }, cfg.root_markers, 'root markers')
  H.eq({ tierwise = { budget = { per_task_usd = 1.5 } } }, cfg.init_options, 'init options')
  H.eq({ tierwise = { budget = { per_task_usd = 1.5 } } }, cfg.settings, 'settings')
  H.eq('{"tierwise":{}}', vim.json.encode(config.init_options({ settings = {} })), 'empty settings are an object')
  vim.cmd.edit(work .. '/a.py')
  client = H.wait(5000, function()
    local c = vim.lsp.get_clients({ name = 'tierwise', bufnr = 0 })[1]
    return c and c.initialized and c
  end, 'the client to initialize')
  H.eq(work, client.root_dir, 'root dir from .tierwise.toml')
  local init = F.sent[1]
  H.eq('initialize', init.method, 'first message')
  H.eq({ tierwise = { budget = { per_task_usd = 1.5 } } }, init.params.initializationOptions,
    'initializationOptions sent')
  H.eq({ status = true }, init.params.capabilities.experimental.tierwise,
    'the plugin shows tierwise/status (the server then sends no second message for a failure)')
end)

case('statusline shows spend against the ceiling and cooled-down tiers; showMessageRequest is Neovim\'s', function()
  F.notify_client('tierwise/status', {
    taskId = 'b1', phase = 'budget', state = 'waiting', costUsd = 0.0412, ceilingUsd = 0.05,
    message = 'Raise this task\'s ceiling by $0.50?', cooldowns = { { tier = 'light', model = 'm', remainingS = 41.2 } },
  })
  H.wait(1000, function() return state.current == 'b1' end, 'budget status')
  H.eq('tierwise · budget waiting · $0.0412 of $0.0500 · light cooling 42s', tierwise.statusline(), 'spend vs ceiling')
  H.eq(nil, vim.lsp.config.tierwise.handlers['window/showMessageRequest'], 'the plugin leaves showMessageRequest to vim.lsp')
  H.eq('function', type(vim.lsp.handlers['window/showMessageRequest']), 'vim.lsp answers it (vim.ui.select)')
  state.tasks.b1 = nil
  state.current = nil
end)

case('statusline formats phase, tier, model, cost and saving', function()
  H.eq('', tierwise.statusline(), 'no task yet')
  F.notify_client('tierwise/status', {
    taskId = 't1', phase = 'implement', tier = 'mid', model = 'replay-mid', state = 'running',
    costUsd = 0.01234, savedUsd = 0.05, message = 'editing calc.py',
  })
  H.wait(1000, function() return state.current == 't1' end, 'status notification')
  H.eq('tierwise · implement · mid · $0.0123 saved $0.0500', tierwise.statusline(), 'statusline')
  F.notify_client('tierwise/status', { taskId = 't1', phase = 'implement', tier = vim.NIL, state = 'running', costUsd = 0.02, savedUsd = 0.05 })
  H.wait(1000, function() return state.tasks.t1.costUsd == 0.02 end, 'status without a tier')
  H.eq('tierwise · implement · mid · $0.0200 saved $0.0500', tierwise.statusline(), 'a null tier keeps the phase\'s tier')
  F.notify_client('tierwise/status', { taskId = 't1', phase = 'fix', state = 'budget_stopped', costUsd = 2.5 })
  H.wait(1000, function() return state.tasks.t1.phase == 'fix' end, 'second status')
  H.eq('tierwise · fix budget stopped · $2.50', tierwise.statusline(), 'a new phase does not show the old tier')
  F.notify_client('tierwise/status', {
    taskId = 't1', phase = 'refine', tier = 'light', state = 'ready', costUsd = 2.5, savedUsd = 0.05,
    message = 'refine finished; next: implement', nextPhase = 'implement',
  })
  H.wait(1000, function() return state.tasks.t1.phase == 'refine' end, 'third status')
  H.eq('tierwise · refine finished, next: implement · light · $2.50 saved $0.0500', tierwise.statusline(),
    'a phase that ended well, with the next one')
  F.notify_client('tierwise/status', {
    taskId = 't1', phase = 'implement', state = 'resumable', costUsd = 2.5, nextPhase = vim.NIL,
    message = 'cancelled during implement; resume with: tierwise run --resume t1',
  })
  H.wait(1000, function() return state.tasks.t1.phase == 'implement' end, 'fourth status')
  H.eq('tierwise · implement interrupted · $2.50', tierwise.statusline(), 'an interrupted phase')
  local warned, ready, interrupted = false, false, false
  for _, n in ipairs(H.results.notifications) do
    warned = warned or (n.msg:find('fix budget stopped', 1, true) and n.level == vim.log.levels.WARN)
    ready = ready or (n.msg:find('refine finished; next: implement (:Tierwise implement)', 1, true)
      and n.level == vim.log.levels.INFO)
    interrupted = interrupted or (n.msg:find('implement interrupted: cancelled during implement; resume with', 1, true)
      and n.level == vim.log.levels.WARN)
  end
  H.truthy(warned, 'a stopped task is notified as a warning')
  H.truthy(ready, 'a clean stop names the next phase and its command')
  H.truthy(interrupted, 'an interruption says how to resume')
  H.eq('100%% done', state.statusline_escape('100% done'), 'percent escaped')
end)

case('build_args: tasks, selections and task ids', function()
  local args, err = commands.build_args('plan', { text = 'add a flag' })
  H.eq({ task = 'add a flag' }, args, 'plain plan')
  args = commands.build_args('plan', { text = 'explain', selection = 'SEL', uri = 'file:///x.py' })
  H.eq({ task = 'explain\n\nSEL', uris = { 'file:///x.py' } }, args, 'plan with selection')
  args = commands.build_args('run', { text = 'do it', selection = 'SEL', uri = 'file:///x.py' })
  H.eq({ task = 'do it\n\nSEL' }, args, 'run carries no uris')
  args, err = commands.build_args('implement', { text = '' })
  H.eq(nil, args, 'implement without a task')
  H.truthy(err:find('no current task', 1, true), 'explains: ' .. tostring(err))
  H.eq({ taskId = 'cur' }, commands.build_args('implement', { text = '', current = 'cur' }), 'current task')
  H.eq({ taskId = 'other' }, commands.build_args('undo', { text = 'other', current = 'cur' }), 'explicit id')
  H.eq({}, commands.build_args('fix', { text = '' }), 'fix defaults to the latest task on the server')
  H.eq({}, commands.build_args('status', { text = '' }), 'status')
  args, err = commands.build_args('frobnicate', { text = '' })
  H.eq(nil, args, 'unknown')
  H.truthy(err:find('one of: cancel, context, cost, fix', 1, true), 'lists subcommands: ' .. err)
end)

case('completion of subcommands and task ids', function()
  H.eq({ 'refine', 'review', 'run' }, commands.complete('r', 'Tierwise r'), 'subcommands')
  H.eq(commands.names(), commands.complete('', 'Tierwise '), 'all subcommands')
  H.eq({ 't1' }, commands.complete('', 'Tierwise implement '), 'task ids')
  H.eq({}, commands.complete('', 'Tierwise plan '), 'plan takes free text')
  local via_cmdline = vim.fn.getcompletion('Tierwise im', 'cmdline')
  H.eq({ 'implement' }, via_cmdline, 'registered completion')
end)

case(':Tierwise plan asks for the task and sends the selection', function()
  F.reset()
  F.answers['tierwise.plan'] = { taskId = 'p42' }
  vim.api.nvim_buf_set_lines(0, 0, -1, false, { 'def f():', '    return 1', 'x = f()' })
  local asked
  local real_input = vim.ui.input
  vim.ui.input = function(opts, on_confirm)
    asked = opts.prompt
    on_confirm('make f return 2')
  end
  vim.cmd('1,2Tierwise plan')
  vim.ui.input = real_input
  H.eq('tierwise plan: ', asked, 'prompt')
  H.wait(1000, function() return state.current == 'p42' end, 'the task id answer')
  local sent = F.commands()
  H.eq(1, #sent, 'one command')
  H.eq('tierwise.plan', sent[1].command, 'command')
  H.eq({ uri('a.py') }, sent[1].args.uris, 'uris')
  H.truthy(sent[1].args.task:find('^make f return 2\n\nSelected lines 1%-2 of a.py:\n```python\ndef f%(%):\n    return 1\n```$'),
    'task text: ' .. sent[1].args.task)
  H.eq('running', state.tasks.p42.state, 'state of a started task')
  vim.cmd('Tierwise implement')
  H.wait(1000, function() return #F.commands() == 2 end, 'implement sent')
  H.eq({ command = 'tierwise.implement', args = { taskId = 'p42' } }, F.commands()[2], 'implement uses the current task')
  H.wait(1000, function()
    for _, n in ipairs(H.results.notifications) do
      if n.msg:find('implement failed: no answer scripted', 1, true) and n.level == vim.log.levels.ERROR then
        return true
      end
    end
  end, 'server errors notified')
  vim.cmd('silent! edit!')
end)

case('applyEdit: applied as one undo step and saved', function()
  local bufnr = vim.fn.bufnr(work .. '/a.py')
  vim.api.nvim_set_current_buf(bufnr)
  local before = H.buf_text(bufnr)
  local version = vim.lsp.util.buf_versions[bufnr]
  local result = F.server_request('workspace/applyEdit', {
    label = 'tierwise implement',
    edit = { documentChanges = {
      { textDocument = { uri = uri('a.py'), version = version }, edits = {
        text_edit(0, 0, 0, 0, '# header\n'), text_edit(1, 11, 1, 12, '2'),
      } },
      { textDocument = { uri = uri('b.py'), version = vim.NIL }, edits = { text_edit(0, 0, 0, 0, 'import a\n') } },
    } },
  })
  H.eq({ applied = true }, result, 'result')
  local after = '# header\ndef f():\n    return 2\nx = f()\n'
  H.eq(after, H.buf_text(bufnr), 'buffer')
  H.eq(after, H.read_file(work .. '/a.py'), 'a.py saved')
  H.eq('import a\nprint("b")\n', H.read_file(work .. '/b.py'), 'b.py (not open before) saved')
  vim.cmd('silent normal! u')
  H.eq(before, H.buf_text(bufnr), 'one `u` undoes the whole edit')
  vim.cmd('silent redo')
  H.eq(after, H.buf_text(bufnr), 'redo')
  vim.cmd('silent write')
end)

case('applyEdit: lines appended at the end of a file get no extra empty line', function()
  local bufnr = vim.fn.bufnr(work .. '/a.py')
  local before = H.buf_text(bufnr)
  local count = vim.api.nvim_buf_line_count(bufnr)
  local result = F.server_request('workspace/applyEdit', {
    edit = { documentChanges = {
      { textDocument = { uri = uri('a.py'), version = vim.lsp.util.buf_versions[bufnr] },
        edits = { text_edit(count, 0, count, 0, '\n\ndef g():\n    return 3\n') } },
    } },
  })
  H.eq({ applied = true }, result, 'result')
  H.eq(before .. '\n\ndef g():\n    return 3\n', H.buf_text(bufnr), 'buffer')
  H.eq(H.buf_text(bufnr), H.read_file(work .. '/a.py'), 'disk')
  vim.cmd('silent normal! u')
  vim.cmd('silent write')
  H.eq(before, H.read_file(work .. '/a.py'), 'undone')
  H.eq({ { newText = 'x', range = { start = { line = 1, character = 0 } } } },
    handlers.fix_eof_inserts({ { newText = 'x\n', range = { start = { line = 1, character = 0 } } } }, 1), 'pure')
end)

case('applyEdit: a stale version is refused and nothing is applied', function()
  local bufnr = vim.fn.bufnr(work .. '/a.py')
  local version = vim.lsp.util.buf_versions[bufnr]
  -- The user types after the server read the buffer.
  vim.api.nvim_buf_set_lines(bufnr, 3, 3, false, { 'typed = "by the user"' })
  local b_before = H.read_file(work .. '/b.py')
  local result = F.server_request('workspace/applyEdit', {
    edit = { documentChanges = {
      { textDocument = { uri = uri('b.py'), version = vim.NIL }, edits = { text_edit(0, 0, 0, 0, 'X\n') } },
      { textDocument = { uri = uri('a.py'), version = version }, edits = { text_edit(0, 0, 1, 0, '') } },
    } },
  })
  H.eq(false, result.applied, 'applied')
  H.truthy(result.failureReason:find('a.py changed in the editor', 1, true), 'reason: ' .. tostring(result.failureReason))
  H.eq('# header\ndef f():\n    return 2\ntyped = "by the user"\nx = f()\n', H.buf_text(bufnr), 'user text kept')
  H.eq(b_before, H.read_file(work .. '/b.py'), 'the other file untouched too')
  vim.cmd('silent write')
end)

case('applyEdit: version 0 (didOpen, before any change) is a real version and is checked', function()
  local fname = work .. '/c.py'
  vim.fn.writefile({ 'c = 1' }, fname)
  vim.cmd('split ' .. fname)
  local bufnr = vim.fn.bufnr(fname)
  H.wait(5000, function()
    return #vim.lsp.get_clients({ name = 'tierwise', bufnr = bufnr }) > 0
  end, 'c.py attached')
  H.eq(0, vim.lsp.util.buf_versions[bufnr], 'the version didOpen sent')
  local function edit_at(version, text)
    return F.server_request('workspace/applyEdit', {
      edit = { documentChanges = {
        { textDocument = { uri = uri('c.py'), version = version }, edits = { text_edit(0, 0, 0, 0, text) } },
      } },
    })
  end
  vim.api.nvim_buf_set_lines(bufnr, 1, 1, false, { 'typed = 2' })  -- the user types before the first edit
  local result = edit_at(0, '# stale\n')
  H.eq(false, result.applied, 'an edit for version 0 on a buffer that moved is refused')
  H.truthy(result.failureReason:find('c.py changed in the editor', 1, true), 'reason: ' .. tostring(result.failureReason))
  H.eq('c = 1\ntyped = 2\n', H.buf_text(bufnr), 'nothing applied')
  result = edit_at(vim.lsp.util.buf_versions[bufnr], '# fresh\n')
  H.eq({ applied = true }, result, 'an edit for the current version applies')
  H.eq('# fresh\nc = 1\ntyped = 2\n', H.buf_text(bufnr), 'applied')
  vim.cmd('silent write | close')
end)

case('applyEdit: a task document (PLAN.md) is saved after the edit even with unsaved text', function()
  local plan = work .. '/.tierwise/tasks/p7/PLAN.md'
  vim.fn.mkdir(vim.fs.dirname(plan), 'p')
  vim.fn.writefile({ '# Plan', 'v1' }, plan)
  vim.cmd('split ' .. plan)
  local bufnr = vim.fn.bufnr(plan)
  vim.api.nvim_buf_set_lines(bufnr, 2, 2, false, { 'typed by the user' })
  H.eq(true, vim.bo[bufnr].modified, 'unsaved user text')
  local result = F.server_request('workspace/applyEdit', {
    edit = { documentChanges = {
      { textDocument = { uri = vim.uri_from_fname(plan), version = vim.NIL }, edits = { text_edit(1, 0, 1, 2, 'v2') } },
    } },
  })
  H.eq({ applied = true }, result, 'result')
  H.eq(false, vim.bo[bufnr].modified, 'saved: the refined plan was made from the whole buffer')
  H.eq('# Plan\nv2\ntyped by the user\n', H.read_file(plan), 'disk')
  vim.cmd('close')
end)

case('applyEdit: a buffer with unsaved user text is edited but not saved', function()
  local bufnr = vim.fn.bufnr(work .. '/a.py')
  vim.api.nvim_buf_set_lines(bufnr, 0, 0, false, { '# unsaved note' })
  local on_disk = H.read_file(work .. '/a.py')
  local version = vim.lsp.util.buf_versions[bufnr]
  local result = F.server_request('workspace/applyEdit', {
    edit = { documentChanges = {
      { textDocument = { uri = uri('a.py'), version = version }, edits = { text_edit(5, 0, 5, 0, 'y = 3\n') } },
    } },
  })
  H.eq({ applied = true }, result, 'result')
  H.eq('# unsaved note\n# header\ndef f():\n    return 2\ntyped = "by the user"\ny = 3\nx = f()\n', H.buf_text(bufnr), 'buffer')
  H.eq(on_disk, H.read_file(work .. '/a.py'), 'disk untouched')
  H.eq(true, vim.bo[bufnr].modified, 'still modified')
  vim.api.nvim_buf_set_lines(bufnr, 0, 1, false, {})
  vim.api.nvim_buf_set_lines(bufnr, 4, 5, false, {})
  vim.cmd('silent write')
end)

case('showDocument opens the plan in a split, once, and reloads it', function()
  local plan = work .. '/.tierwise/tasks/p42/PLAN.md'
  vim.fn.mkdir(vim.fs.dirname(plan), 'p')
  vim.fn.writefile({ '# Plan', 'v1' }, plan)
  vim.cmd('only')
  local code_win = vim.api.nvim_get_current_win()
  local result = F.server_request('window/showDocument', { uri = vim.uri_from_fname(plan), takeFocus = false })
  H.eq({ success = true }, result, 'result')
  H.eq(2, #vim.api.nvim_tabpage_list_wins(0), 'a split')
  H.eq(code_win, vim.api.nvim_get_current_win(), 'focus kept with takeFocus=false')
  H.eq('a.py', vim.fn.fnamemodify(vim.api.nvim_buf_get_name(0), ':t'), 'code buffer still in the first window')
  local plan_buf = vim.fn.bufnr(plan)
  H.eq({ '# Plan', 'v1' }, vim.api.nvim_buf_get_lines(plan_buf, 0, -1, false), 'plan text')
  vim.fn.writefile({ '# Plan', 'v2' }, plan)
  vim.uv.fs_utime(plan, os.time() + 5, os.time() + 5)
  result = F.server_request('window/showDocument', { uri = vim.uri_from_fname(plan), takeFocus = true })
  H.eq({ success = true }, result, 'second result')
  H.eq(2, #vim.api.nvim_tabpage_list_wins(0), 'the same split is reused')
  H.eq(plan_buf, vim.api.nvim_get_current_buf(), 'focus moved with takeFocus=true')
  H.eq({ '# Plan', 'v2' }, vim.api.nvim_buf_get_lines(plan_buf, 0, -1, false), 'plan reloaded from disk')
  vim.cmd('only')
  vim.api.nvim_set_current_win(vim.fn.bufwinid(vim.fn.bufnr(work .. '/a.py')) > 0
    and vim.fn.bufwinid(vim.fn.bufnr(work .. '/a.py')) or vim.api.nvim_get_current_win())
end)

case('cost shows the server table in a scratch buffer', function()
  F.answers['tierwise.cost'] = {
    taskId = 'p42', calls = 3, costUsd = 0.012, frontierCostUsd = 0.06, savedUsd = 0.048,
    byTier = { mid = { calls = 2, costUsd = 0.011, frontierCostUsd = 0.05 }, light = { calls = 1, costUsd = 0.001, frontierCostUsd = 0.01 } },
  }
  vim.cmd('Tierwise cost')
  local bufnr = H.wait(1000, function()
    local b = vim.fn.bufnr('tierwise://cost')
    return b > 0 and b
  end, 'the cost buffer')
  H.eq({
    '# tierwise cost — task p42', '',
    '| tier | calls | cost | on frontier |', '|---|---:|---:|---:|',
    '| light | 1 | $0.0010 | $0.0100 |', '| mid | 2 | $0.0110 | $0.0500 |',
    '| **total** | 3 | $0.0120 | $0.0600 |', '',
    'Routing saved $0.0480 (80%) against running every call on the frontier tier.',
  }, vim.api.nvim_buf_get_lines(bufnr, 0, -1, false), 'cost lines')
  H.eq({ taskId = 'p42' }, F.commands()[#F.commands()].args, 'cost of the current task')
  local format = require('tierwise.format')
  H.eq({ 'configuration error: tiers.mid: bad', 'running: t9 (fix)', 'tasks (newest last):',
    '  t9  fix running  $0.5000  make it faster' }, format.status_lines({
    configured = false, configError = 'tiers.mid: bad', running = { { taskId = 't9', phase = 'fix' } },
    tasks = { { id = 't9', phase = 'fix', status = 'running', cost_usd = 0.5, task = 'make\n it faster' } },
  }), 'status lines')
  H.eq({ 'untrusted workspace: its .tierwise.toml is ignored', 'no tasks yet: start one with :Tierwise plan' },
    format.status_lines({ trusted = false, trustNote = 'untrusted workspace: its .tierwise.toml is ignored',
      configured = true, running = {}, tasks = {} }), 'an untrusted workspace is said first')
  -- issue #11: the recorded test command, and the one a new task would record
  H.eq({ 'test command a new task would record: pytest -q (detected)', 'lint command: ruff check .',
    'test command (recorded by task t7): make test', 'no tasks yet: start one with :Tierwise plan' },
    format.status_lines({ configured = true, running = {}, tasks = {},
      commands = { test = 'pytest -q', lint = 'ruff check .', recorded = false, source = 'detected' } },
      { taskId = 't7', commands = { taskId = 't7', test = 'make test', recorded = true } }),
    'status lines with the commands')
  H.eq({ 'test command a new task would record: none', '  problem: no test command: set loop.test_command' },
    format.command_lines({ recorded = false, problem = 'no test command: set loop.test_command' }), 'no command')
end)

case('health check runs and reports a missing executable', function()
  tierwise.setup({ cmd = { 'tierwise-definitely-missing', 'serve' }, autostart = false })
  vim.cmd('checkhealth tierwise')
  local text = H.buf_text(0)
  H.truthy(text:find('tierwise-definitely-missing` not found', 1, true), 'health text:\n' .. text)
  H.eq({ 'python', '-m', 'tierwise' }, require('tierwise.health').base_cmd({ 'python', '-m', 'tierwise', 'serve', '--x' }),
    'base command')
  config.set({ cmd = F.cmd })
end)

case('health check with the real tierwise: version, configuration and tiers', function()
  local bin = os.getenv('TIERWISE_BIN')
  if not bin or bin == '' then
    H.log('TIERWISE_BIN not set: skipped')
    return
  end
  config.set({ cmd = { bin, 'serve' }, autostart = false })
  vim.cmd('checkhealth tierwise')
  local text = H.buf_text(0)
  H.truthy(text:find('version: tierwise, version', 1, true), 'version line:\n' .. text)
  H.truthy(text:find('tier frontier: no model', 1, true), 'tiers listed:\n' .. text)
  H.truthy(text:find('no usable tier', 1, true), 'no usable tier:\n' .. text)
  H.truthy(text:find('No model tier is usable', 1, true), "doctor's problem:\n" .. text)
  local toml = work .. '/.tierwise.toml'
  local saved = H.read_file(toml)
  vim.fn.writefile({ 'tiers = 3' }, toml)
  vim.cmd('bwipeout!')
  vim.cmd('checkhealth tierwise')
  text = H.buf_text(0)
  vim.fn.writefile(vim.split(saved, '\n', { plain = true, trimempty = true }), toml)
  H.truthy(text:find('.tierwise.toml, line 1: tiers: expected a table', 1, true), 'config error named:\n' .. text)
  config.set({ cmd = F.cmd })
end)

H.run(cases, false)
vim.cmd('qall!')
