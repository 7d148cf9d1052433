-- Budget questions in a real headless Neovim with the plugin (issue #13, item 6), against `tierwise serve`
-- with a tight per-task ceiling and the replay model server (test_nvim_e2e.py::test_budget_question_in_neovim):
-- the server asks through `window/showMessageRequest`, which Neovim's own handler turns into vim.ui.select; the
-- statusline shows the spend against the ceiling while the question is open and the task is saved resumable.
-- "Raise by $X": the plan call is made and the task goes on. "Stop here": no call, the task ends
-- budget_stopped with its resume hint.
local here = vim.fs.dirname(debug.getinfo(1, 'S').source:sub(2))
package.path = here .. '/?.lua;' .. package.path
local E = require('e2e_common')
local H = E.H

local tierwise = require('tierwise')
local state = require('tierwise.state')
H.results.ids = {}
H.results.questions = {}

local answers = {} -- the title each next budget question is answered with (its beginning)
local real_select = vim.ui.select
vim.ui.select = function(items, opts, on_choice)
  if opts.kind ~= 'lsp_message' then
    return real_select(items, opts, on_choice)
  end
  local id = state.current
  H.results.questions[#H.results.questions + 1] = {
    prompt = opts.prompt,
    titles = vim.tbl_map(function(item)
      return item.title
    end, items),
    statusline = tierwise.statusline(),
    task_json = id and H.read_file(E.work .. '/.tierwise/tasks/' .. id .. '/task.json'),
  }
  local want = table.remove(answers, 1)
  for _, item in ipairs(items) do
    if want and vim.startswith(item.title, want) then
      return on_choice(item)
    end
  end
  on_choice(nil)
end

--- `:Tierwise plan TEXT`; the new task's id.
local function plan(text, previous)
  vim.cmd('Tierwise plan ' .. text)
  return H.wait(10000, function()
    return state.current ~= previous and state.tasks[state.current or ''] and state.current
  end, 'the plan task')
end

E.start_plugin()

E.case('a call that would cross the ceiling asks; "Raise by $X" lets the task go on', function()
  answers = { 'Raise by $' }
  local id = plan(assert(E.task_text), nil)
  H.results.ids.raised = id
  local st = E.wait_phase(id, 'plan')
  H.eq('ready', state.outcome(st), 'plan outcome: ' .. tostring(st.message))
  local q = H.truthy(H.results.questions[1], 'a budget question')
  H.truthy(q.prompt:find("Raise this task's ceiling", 1, true), 'the question: ' .. q.prompt)
  H.truthy(q.prompt:find('has spent $0.0000 of its $0.05 ceiling', 1, true), 'spend against the ceiling: ' .. q.prompt)
  H.truthy(q.titles[1]:match('^Raise by %$%d+%.%d%d$') and q.titles[2] == 'Stop here', vim.inspect(q.titles))
  H.truthy(q.statusline:find('budget waiting · $0.00 of $0.0500', 1, true), 'statusline while asked: ' .. q.statusline)
  local saved = vim.json.decode(q.task_json)
  H.eq('resumable', saved.status, 'the task is saved resumable while the question is open')
  H.truthy(type(st.ceilingUsd) == 'number' and st.ceilingUsd > 0.05, 'the raised ceiling: ' .. tostring(st.ceilingUsd))
  H.results.after_raise = tierwise.statusline()
  H.results.raised_ceiling = st.ceilingUsd
end)

E.case('"Stop here" stops the task before the call, resumable', function()
  answers = { 'Stop here' }
  local seen = #H.results.notifications
  local id = plan('Add sub(a, b) to calc.py', H.results.ids.raised)
  H.results.ids.stopped = id
  local st = E.wait_phase(id, nil)
  H.eq('budget_stopped', st.state, 'state after "Stop here": ' .. tostring(st.message))
  H.truthy((st.message or ''):find('--resume', 1, true), 'the resume hint: ' .. tostring(st.message))
  H.eq(2, #H.results.questions, 'asked once more')
  H.results.after_stop = tierwise.statusline()
  H.truthy(H.results.after_stop:find('budget stopped', 1, true) and H.results.after_stop:find('of $0.0500', 1, true),
    'statusline: ' .. H.results.after_stop)
  H.truthy(E.notified(seen):find('budget stopped', 1, true), 'the user is told: ' .. E.notified(seen))
end)

E.finish()
