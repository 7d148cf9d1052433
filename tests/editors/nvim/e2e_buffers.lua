-- Open buffers stay the truth, in a real headless Neovim against `tierwise serve` and the replay model server
-- (tests/editors/test_nvim_e2e.py::test_buffers_stay_the_truth_in_neovim): the user edits PLAN.md without
-- saving and refines (the result keeps the note, buffer and disk agree, nothing left unsaved); the user types
-- while implement runs (typing kept, tierwise's edit applied on top); a code action's edit ends saved; undo
-- refuses while the file holds a change made after the task, and a forced undo restores buffer and disk
-- through the buffer (nothing left unsaved, no "file changed" warning).
-- Env: TIERWISE_WORKDIR, TIERWISE_SERVER_CMD (JSON list), TIERWISE_TASK, TIERWISE_NOTE (the line typed in PLAN.md).
local here = vim.fs.dirname(debug.getinfo(1, 'S').source:sub(2))
package.path = here .. '/?.lua;' .. package.path
local E = require('e2e_common')
local H = E.H

local work, calc = E.work, E.calc
local task_text = assert(E.task_text)
local note = assert(os.getenv('TIERWISE_NOTE'))
local state = require('tierwise.state')

local TYPED = '# typed while tierwise works'
local TIMEOUT = E.TIMEOUT
H.results.ids = {}
local calc_buf, focus, wait_phase, execute, case = E.calc_buf, E.focus, E.wait_phase, E.execute, E.case

E.start_plugin()

case('plan, then edit PLAN.md without saving, then refine: the note is kept, buffer and disk agree', function()
  vim.cmd('Tierwise plan ' .. task_text)
  local id = H.wait(10000, function()
    return state.current and state.tasks[state.current] and state.current
  end, 'the plan task')
  H.results.ids.task = id
  wait_phase(id, 'plan')
  local plan = work .. '/.tierwise/tasks/' .. id .. '/PLAN.md'
  H.results.plan = plan
  local plan_buf = H.wait(10000, function()
    local b = vim.fn.bufnr(plan)
    return b > 0 and vim.api.nvim_buf_is_loaded(b) and b
  end, 'PLAN.md shown')
  H.wait(10000, function()
    return #vim.lsp.get_clients({ name = 'tierwise', bufnr = plan_buf }) > 0
  end, 'PLAN.md attached to the server')
  local lines = vim.api.nvim_buf_get_lines(plan_buf, 0, -1, false)
  local at = vim.fn.index(lines, '## Constraints') + 1
  H.truthy(at > 0, 'a Constraints section')
  vim.api.nvim_buf_set_lines(plan_buf, at, at, false, { note })
  H.eq(true, vim.bo[plan_buf].modified, 'the note is unsaved')
  focus(calc)
  vim.cmd('Tierwise refine')
  local st = wait_phase(id, 'refine')
  H.eq('ready', state.outcome(st), 'refine outcome: ' .. tostring(st.message))
  local text = H.buf_text(plan_buf)
  H.truthy(text:find(note, 1, true), 'the note is in the refined plan:\n' .. text)
  H.truthy(text:find('Refined: edge cases checked.', 1, true), "the refine tier's text is in the buffer:\n" .. text)
  H.eq(text, H.read_file(plan), 'buffer and disk agree')
  H.eq(false, vim.bo[plan_buf].modified, 'nothing left unsaved')
  H.results.refined_plan = text
end)

case('typing during implement: the typing is kept and the edit applies on top', function()
  focus(calc)
  vim.cmd('Tierwise implement')
  H.wait(TIMEOUT, function()
    local st = state.tasks[H.results.ids.task]
    return st and st.phase == 'implement' and st.state == 'running'
  end, 'implement to start')
  vim.wait(500)
  vim.api.nvim_feedkeys(vim.api.nvim_replace_termcodes('ggO' .. TYPED .. '<Esc>', true, false, true), 'x', false)
  local st = wait_phase(H.results.ids.task, 'implement')
  H.eq('ready', state.outcome(st), 'implement outcome: ' .. tostring(st.message))
  local text = H.buf_text(calc_buf())
  H.truthy(text:find('^' .. TYPED .. '\n'), 'the typed line is kept:\n' .. text)
  H.truthy(text:find('return a + b', 1, true), "tierwise's edit is there:\n" .. text)
  H.eq(true, vim.bo[calc_buf()].modified, 'the unsaved typing stays unsaved (the user saves)')
  H.results.disk_during_typing = H.read_file(calc)
  vim.cmd('silent write')
  H.results.implemented = H.buf_text(calc_buf())
end)

case("a code action's edit ends saved", function()
  focus(calc)
  local bufnr = calc_buf()
  local lnum = vim.fn.index(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false), '    return a + b', 4)
  H.truthy(lnum > 0, "mul()'s body")
  -- another linter's diagnostic, as its language server would send it with the code-action request
  local range = { start = { line = lnum, character = 4 }, ['end'] = { line = lnum, character = 16 } }
  local diagnostic = { range = range, message = 'mul() adds its arguments', source = 'e2e-linter', severity = 2 }
  vim.api.nvim_win_set_cursor(0, { lnum + 1, 4 })
  local titles = E.fix_with_tierwise({ diagnostics = { diagnostic } })
  H.wait(TIMEOUT, function()
    return H.buf_text(bufnr):find('return a * b', 1, true) and not vim.bo[bufnr].modified
  end, 'the quick fix applied and saved (actions: ' .. table.concat(titles, ' | ') .. ')')
  H.eq(H.buf_text(bufnr), H.read_file(calc), 'buffer and disk agree')
  H.results.after_code_action = H.buf_text(bufnr)
end)

case('undo refuses while the file holds a change made after the task; forced, it restores the buffer', function()
  focus(calc)
  local bufnr = calc_buf()
  local err = execute('tierwise.undo', { taskId = H.results.ids.task })
  H.truthy(err and err.message:find('calc.py was changed after the task edited it', 1, true),
    'undo refused: ' .. vim.inspect(err))
  H.eq(H.results.after_code_action, H.buf_text(bufnr), 'nothing restored by the refused undo')
  local forced_err, result = execute('tierwise.undo', { taskId = H.results.ids.task, force = true })
  H.eq(nil, forced_err, 'forced undo')
  H.truthy(vim.tbl_contains(result.restored, 'calc.py'), 'calc.py restored: ' .. vim.inspect(result))
  H.wait(10000, function()
    return not vim.bo[bufnr].modified and H.buf_text(bufnr) == H.read_file(calc)
  end, 'buffer and disk restored and saved')
  H.results.after_undo = H.buf_text(bufnr)
  H.eq(false, vim.bo[bufnr].modified, 'not modified')
  vim.cmd('silent checktime')
  H.eq(H.results.after_undo, H.buf_text(bufnr), 'no reload from a disk that moved behind the buffer')
end)

E.finish()
