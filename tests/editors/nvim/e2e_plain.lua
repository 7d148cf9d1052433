-- A client without the tierwise plugin (plain `vim.lsp.start`) in a real headless Neovim, against
-- `tierwise serve` and the replay model server (test_nvim_e2e.py::test_plain_neovim_buffers_and_disk_agree,
-- issue #12): LSP has no "save this document", so after an edit applied to an open buffer the server writes
-- it through to disk and says so (the buffer holds exactly the file's text, only its modified mark is stale:
-- `:w!` loses nothing, and asks nothing); when the buffer had the user's unsaved text, the disk is left alone and the user is
-- told the edit is only in the editor until they save. Disk and buffer never disagree silently.
local here = vim.fs.dirname(debug.getinfo(1, 'S').source:sub(2))
package.path = here .. '/?.lua;' .. package.path
local E = require('e2e_common')
local H = E.H

local calc = E.calc
local TYPED = '# typed, not saved'
local client
H.results.ids = {}

--- Polls `tierwise.status` until nothing runs and the task has left `running`; its TaskState.
local function wait_task(id)
  local deadline = vim.uv.now() + E.TIMEOUT
  while vim.uv.now() < deadline do
    local err, answer = E.execute('tierwise.status', { taskId = id }, client)
    -- an error: the task's first save has not happened yet
    if not err and #answer.running == 0 and answer.task.status ~= 'running' then
      return answer.task
    end
    vim.wait(200)
  end
  error('timed out waiting for task ' .. id)
end

E.case('a plain vim.lsp client starts tierwise serve for calc.py', function()
  vim.cmd.edit(calc)
  local id = vim.lsp.start({ name = 'tierwise-plain', cmd = E.server_cmd, root_dir = E.work })
  client = H.wait(E.TIMEOUT, function()
    local c = vim.lsp.get_client_by_id(id)
    return c and c.initialized and c
  end, 'the client to initialize')
  H.eq(nil, package.loaded['tierwise'], 'no tierwise plugin loaded')
end)

E.case('plan', function()
  local err, answer = E.execute('tierwise.plan', { task = E.task_text }, client)
  H.eq(nil, err, 'tierwise.plan')
  H.results.ids.task = answer.taskId
  H.eq('ready', wait_task(answer.taskId).status, 'plan finished')
end)

E.case('implement: written through to disk, the user is told, and :w! loses nothing', function()
  E.focus(calc)
  local bufnr = E.calc_buf()
  H.eq(false, vim.bo[bufnr].modified, 'calc.py unmodified before')
  local seen = #H.results.notifications
  local err = E.execute('tierwise.implement', { taskId = H.results.ids.task }, client)
  H.eq(nil, err, 'tierwise.implement')
  local task = wait_task(H.results.ids.task)
  H.eq('ready', task.status, 'implement finished: ' .. tostring(task.message))
  local text = H.buf_text(bufnr)
  H.truthy(text:find('return a + b', 1, true), 'the edit is in the buffer:\n' .. text)
  H.eq(text, H.read_file(calc), 'the disk holds what the buffer shows')
  H.results.modified_after_edit = vim.bo[bufnr].modified
  local told = H.wait(10000, function()
    local t = E.notified(seen)
    return t:find('tierwise saved its edit of calc.py to disk', 1, true) and t
  end, 'the message that the edit was saved')
  H.results.saved_message = told
  vim.cmd('silent write!')
  H.eq(text, H.buf_text(bufnr), 'saving again kept every line')
  H.eq(text, H.read_file(calc), 'and wrote the same text')
  H.eq(false, vim.bo[bufnr].modified, 'not modified after :w!')
  H.results.implemented = text
end)

E.case('unsaved user text: the edit stays in the buffer, the disk is left alone, the user is told', function()
  E.focus(calc)
  local bufnr = E.calc_buf()
  vim.api.nvim_buf_set_lines(bufnr, 0, 0, false, { TYPED })
  local before_disk = H.read_file(calc)
  local seen = #H.results.notifications
  local diagnostic = {
    range = { start = { line = 1, character = 0 }, ['end'] = { line = 2, character = 16 } },
    message = 'add() has no docstring', severity = 2, source = 'e2e-linter',
  }
  local err = E.execute('tierwise.quickFix', { uri = vim.uri_from_fname(calc), diagnostic = diagnostic }, client)
  H.eq(nil, err, 'tierwise.quickFix')
  H.wait(E.TIMEOUT, function()
    return H.buf_text(bufnr):find('Return the sum', 1, true)
  end, 'the quick fix in the buffer')
  local told = H.wait(10000, function()
    local t = E.notified(seen)
    return t:find("tierwise's edit of calc.py is in your editor but not on disk", 1, true) and t
  end, 'the message that the edit is not saved')
  H.results.unsaved_message = told
  H.eq(before_disk, H.read_file(calc), 'the disk is left alone')
  H.eq(true, vim.bo[bufnr].modified, 'the buffer holds unsaved text')
  vim.cmd('silent write')
  H.eq(false, vim.bo[bufnr].modified, 'saved by the user')
  H.results.saved_by_user = H.read_file(calc)
  H.eq(H.buf_text(bufnr), H.results.saved_by_user, 'buffer and disk agree')
end)

E.finish()
