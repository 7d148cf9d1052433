-- A whole tierwise session in a real headless Neovim against the real `tierwise serve` and the replay
-- model server (tests/editors/test_nvim_e2e.py prepares the project and asserts on disk and on the replay log).
-- Env: TIERWISE_WORKDIR (the project), TIERWISE_SERVER_CMD (JSON list), TIERWISE_TASK (task text).
local here = vim.fs.dirname(debug.getinfo(1, 'S').source:sub(2))
package.path = here .. '/?.lua;' .. package.path
local E = require('e2e_common')
local H = E.H

local tierwise = require('tierwise')
local state = require('tierwise.state')

local calc = E.calc
local task_text = assert(E.task_text)
local ORIGINAL = 'def add(a, b):\n    return a - b\n\n\ndef mul(a, b):\n    return a + b\n'
local TIMEOUT = E.TIMEOUT

H.results.ids = {}
H.results.statuslines = {}

local calc_buf = E.calc_buf

local function focus_calc()
  E.focus(calc)
end

--- Waits for the task's final tierwise/status; returns it.
local function wait_finished(task_id)
  return E.wait_phase(task_id, nil)
end

--- Runs `:Tierwise sub ...` and waits for the server's {taskId} answer to become the current task.
local function start(cmd, previous)
  vim.cmd(cmd)
  return H.wait(10000, function()
    return state.current ~= previous and state.tasks[state.current or ''] and state.current
  end, 'the answer to :' .. cmd)
end

local function record_statusline(label)
  H.results.statuslines[label] = vim.api.nvim_eval_statusline(vim.o.statusline, { maxwidth = 300 }).str
end

local function tierwise_diagnostics(bufnr)
  return vim.tbl_filter(function(d)
    return d.source == 'tierwise'
  end, vim.diagnostic.get(bufnr))
end

local case = E.case

--- What `:Tierwise status` shows (a notification), once it names a test command.
local function status_text()
  local seen = #H.results.notifications
  vim.cmd('Tierwise status')
  return H.wait(10000, function()
    local t = E.notified(seen)
    return t:find('test command', 1, true) and t
  end, 'the status answer')
end

E.start_plugin()

case('before any task: an empty statusline; :Tierwise status names the test command a task would record', function()
  H.eq('', tierwise.statusline(), 'statusline before any task')
  local text = status_text()
  H.truthy(text:find('test command a new task would record: ' .. E.test_command .. ' (configured)', 1, true),
    'the next test command:\n' .. text)
end)

case('plan: asks for the task, PLAN.md opens in a split', function()
  local real_input = vim.ui.input
  local prompt
  vim.ui.input = function(opts, on_confirm)
    prompt = opts.prompt
    on_confirm(task_text)
  end
  local id = start('Tierwise plan', nil)
  vim.ui.input = real_input
  H.eq('tierwise plan: ', prompt, 'asked for the task')
  H.results.ids.plan = id
  local st = wait_finished(id, 'plan')
  H.eq('ready', state.outcome(st), 'plan outcome (' .. tostring(st.message) .. ')')
  H.eq('refine', st.nextPhase, 'the next phase')
  local plan_win = H.wait(10000, function()
    for _, win in ipairs(vim.api.nvim_tabpage_list_wins(0)) do
      if vim.api.nvim_buf_get_name(vim.api.nvim_win_get_buf(win)):match('PLAN%.md$') then
        return win
      end
    end
  end, 'a window showing PLAN.md')
  H.eq(2, #vim.api.nvim_tabpage_list_wins(0), 'PLAN.md opened in a split, beside calc.py')
  H.truthy(vim.fn.bufwinid(calc_buf()) > 0, 'calc.py still shown')
  local plan_text = H.buf_text(vim.api.nvim_win_get_buf(plan_win))
  H.truthy(plan_text:find('## Files', 1, true), 'plan text in the buffer')
  H.results.plan_path = vim.api.nvim_buf_get_name(vim.api.nvim_win_get_buf(plan_win))
  record_statusline('after plan')
end)

case("the task's recorded test command: in its status and in :Tierwise status (issue #11)", function()
  local id = H.results.ids.plan
  local commands = state.tasks[id].commands
  H.eq({ taskId = id, test = E.test_command, recorded = true }, commands and {
    taskId = commands.taskId, test = commands.test, recorded = commands.recorded }, 'commands of the status')
  local text = status_text()
  H.truthy(text:find(('test command (recorded by task %s): %s'):format(id, E.test_command), 1, true),
    'the recorded test command:\n' .. text)
  H.results.status_text = text
end)

case('refine: a cheap pass over the plan', function()
  focus_calc()
  vim.cmd('Tierwise refine')
  E.wait_phase(H.results.ids.plan, 'refine')
  H.eq('ready', state.outcome(state.tasks[H.results.ids.plan]), 'refine outcome')
end)

case('implement: the buffer changes through LSP edits and `u` undoes them', function()
  focus_calc()
  H.eq(ORIGINAL, H.buf_text(calc_buf()), 'calc.py before')
  vim.cmd('Tierwise implement')
  E.wait_phase(H.results.ids.plan, 'implement')
  H.eq('ready', state.outcome(state.tasks[H.results.ids.plan]), 'implement outcome: ' .. tostring(state.tasks[H.results.ids.plan].message))
  local implemented = H.buf_text(calc_buf())
  H.truthy(implemented:find('return a + b', 1, true), 'add() fixed in the buffer:\n' .. implemented)
  H.eq(implemented, H.read_file(calc), 'the edit is on disk (saved, buffer had no unsaved text)')
  H.eq(false, vim.bo[calc_buf()].modified, 'buffer not modified after the save')
  vim.cmd('silent normal! u')
  H.eq(ORIGINAL, H.buf_text(calc_buf()), 'one `u` takes the edit back')
  vim.cmd('silent redo')
  H.eq(implemented, H.buf_text(calc_buf()), 'redo')
  vim.cmd('silent update')
  record_statusline('after implement')
end)

case('fix: tests run and fail, the light tier fixes them until they pass', function()
  focus_calc()
  vim.cmd('Tierwise fix')
  E.wait_phase(H.results.ids.plan, 'fix')
  local st = state.tasks[H.results.ids.plan]
  H.eq('ready', state.outcome(st), 'fix outcome: ' .. tostring(st.message))
  H.eq('fix finished; next: review', st.message, 'fix message')
  vim.cmd('silent checktime')
  local text = H.buf_text(calc_buf())
  H.truthy(text:find('return a * b', 1, true), 'mul() fixed in the buffer:\n' .. text)
  H.eq(text, H.read_file(calc), 'buffer and disk agree')
  record_statusline('after fix')
end)

case('review: findings become tierwise diagnostics', function()
  focus_calc()
  vim.cmd('Tierwise review')
  E.wait_phase(H.results.ids.plan, 'review')
  local diags = H.wait(10000, function()
    local d = tierwise_diagnostics(calc_buf())
    return #d > 0 and d
  end, 'tierwise diagnostics in calc.py')
  H.eq(1, #diags, 'one finding')
  H.eq(0, diags[1].lnum, 'on line 1')
  H.truthy(diags[1].message:find('no docstring', 1, true), 'finding message: ' .. diags[1].message)
  H.results.diagnostic = diags[1].message
end)

case('quick fix through a code action on the diagnostic', function()
  focus_calc()
  vim.api.nvim_win_set_cursor(0, { 1, 0 })
  local titles = E.fix_with_tierwise(nil)
  H.wait(TIMEOUT, function()
    return H.buf_text(calc_buf()):find('Return the sum', 1, true)
  end, 'the quick fix to change the buffer (actions offered: ' .. table.concat(titles, ' | ') .. ')')
  H.results.code_actions = titles
  -- the code action's edit went through workspace/applyEdit: saved like every tierwise edit (issue #12, 6)
  H.wait(10000, function()
    return not vim.bo[calc_buf()].modified
  end, 'the quick fix saved')
  H.eq(H.buf_text(calc_buf()), H.read_file(calc), 'buffer and disk agree after the code action')
end)

case('the user edits the buffer while a task runs; nothing typed is lost', function()
  focus_calc()
  local id = start('Tierwise plan Add sub(a, b) to calc.py', H.results.ids.plan)
  H.results.ids.sub = id
  H.eq('ready', state.outcome(wait_finished(id, 'plan')), 'plan of task 2')
  focus_calc()
  vim.cmd('Tierwise implement')
  -- The mid tier answers after a delay; meanwhile the user types at the top of calc.py (not saved).
  H.wait(TIMEOUT, function()
    local st = state.tasks[id]
    return st and st.phase == 'implement' and st.state == 'running'
  end, 'implement to start')
  vim.wait(500)
  vim.api.nvim_feedkeys(vim.api.nvim_replace_termcodes('ggO# typed while tierwise works<Esc>', true, false, true), 'x', false)
  H.eq('# typed while tierwise works', vim.api.nvim_buf_get_lines(calc_buf(), 0, 1, false)[1], 'typed line')
  E.wait_phase(id, 'implement')
  H.eq('ready', state.outcome(state.tasks[id]), 'implement outcome: ' .. tostring(state.tasks[id].message))
  local text = H.buf_text(calc_buf())
  H.truthy(text:find('^# typed while tierwise works\n'), 'the typed line is still there:\n' .. text)
  H.truthy(text:find('def sub(a, b):', 1, true), "tierwise's edit is there too:\n" .. text)
  H.truthy(text:find('Return the sum', 1, true), 'the quick fix is still there')
  H.results.buffer_after_user_edit = text
  H.results.disk_after_user_edit = H.read_file(calc)
  H.eq(true, vim.bo[calc_buf()].modified, 'the unsaved user text stays unsaved')
  vim.cmd('silent write')
end)

case('cancel mid-task: the task stops, the workspace is untouched', function()
  focus_calc()
  local before = H.read_file(calc)
  local id = start('Tierwise plan Add div(a, b) to calc.py', H.results.ids.sub)
  H.results.ids.cancelled = id
  vim.wait(1500)
  H.eq('running', state.tasks[id].state, 'still running before the cancel')
  local started = vim.uv.hrtime()
  vim.cmd('Tierwise cancel')
  local st = H.wait(20000, function()
    local s = state.tasks[id]
    return s and state.is_finished(s.state) and s
  end, 'the cancelled task to stop')
  H.results.cancel_ms = math.floor((vim.uv.hrtime() - started) / 1e6)
  H.results.cancelled_state = st.state
  H.truthy(st.state == 'cancelled' or st.state == 'resumable', 'state after cancel: ' .. tostring(st.state))
  H.eq(before, H.read_file(calc), 'calc.py untouched')
  H.eq(before, H.buf_text(calc_buf()), 'buffer untouched')
end)

case('the statusline shows phase, tier and cost', function()
  focus_calc()
  for _, label in ipairs({ 'after plan', 'after implement', 'after fix' }) do
    H.truthy((H.results.statuslines[label] or ''):find('%$%d+%.%d+'), label .. ': ' .. tostring(H.results.statuslines[label]))
  end
  H.truthy(H.results.statuslines['after plan']:find('plan finished, next: refine', 1, true), 'plan phase and the next one shown')
  H.truthy(H.results.statuslines['after plan']:find('frontier', 1, true), 'frontier tier shown')
  H.truthy(H.results.statuslines['after implement']:find('mid', 1, true), 'mid tier shown')
  H.truthy(H.results.statuslines['after fix']:find('fix finished, next: review · light', 1, true),
    'the fix ran on light: ' .. H.results.statuslines['after fix'])
  H.results.final_statusline = vim.api.nvim_eval_statusline(vim.o.statusline, { maxwidth = 300 }).str
end)

case(':Tierwise cost shows the cost table', function()
  vim.cmd('Tierwise cost ' .. H.results.ids.plan)
  local bufnr = H.wait(10000, function()
    local b = vim.fn.bufnr('tierwise://cost')
    return b > 0 and b
  end, 'the cost buffer')
  H.results.cost_lines = vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)
  H.truthy(table.concat(H.results.cost_lines, '\n'):find('Routing saved', 1, true), 'cost table')
end)

E.finish()
