-- What every Neovim end-to-end script starts with (tests/editors/test_nvim_e2e.py runs them against the real
-- `tierwise serve` and the replay model server): the project from the environment, the case list, waits on
-- the plugin's task state, and the clean exit.
-- Env: TIERWISE_WORKDIR (the project), TIERWISE_SERVER_CMD (JSON list), TIERWISE_TASK (task text, optional).
local H = require('harness')

local E = { H = H, TIMEOUT = 60000 }
E.work = assert(os.getenv('TIERWISE_WORKDIR'))
E.server_cmd = vim.json.decode(assert(os.getenv('TIERWISE_SERVER_CMD')))
E.task_text = os.getenv('TIERWISE_TASK')
E.test_command = os.getenv('TIERWISE_TEST_CMD')
E.calc = E.work .. '/calc.py'
vim.cmd.cd(E.work)

local cases = {}

--- Adds a case (run in order; a failed case skips the later ones).
function E.case(name, fn)
  cases[#cases + 1] = { name, fn }
end

function E.calc_buf()
  return vim.fn.bufnr(E.calc)
end

--- Makes the window showing `fname` current, or edits it in the current window.
function E.focus(fname)
  local win = vim.fn.bufwinid(vim.fn.bufnr(fname))
  if win > 0 then
    vim.api.nvim_set_current_win(win)
  else
    vim.cmd.edit(fname)
  end
end

--- The plugin's status of `task_id` once `phase` finished (any phase when nil).
function E.wait_phase(task_id, phase)
  local state = require('tierwise.state')
  return H.wait(E.TIMEOUT, function()
    local st = state.tasks[task_id]
    return st and (phase == nil or st.phase == phase) and state.is_finished(st.state) and st
  end, (phase or 'the phase') .. ' of ' .. tostring(task_id) .. ' to finish')
end

--- A `workspace/executeCommand` through `client` (the plugin's when nil); returns err, result.
function E.execute(command, args, client)
  local done, err, result = false, nil, nil
  local handler = function(e, r)
    done, err, result = true, e, r
  end
  if client then
    local arg = (args == nil or next(args) == nil) and vim.empty_dict() or args
    client:request('workspace/executeCommand', { command = command, arguments = { arg } }, handler)
  else
    local client_mod = require('tierwise.client')
    client_mod.execute(client_mod.get(), command, args, handler)
  end
  H.wait(E.TIMEOUT, function()
    return done
  end, command .. ' to answer')
  return err, result
end

--- The first case of a plugin session: setup, calc.py opened, the client initialized.
function E.start_plugin(opts)
  E.case('the server starts for a project file', function()
    require('tierwise').setup(vim.tbl_extend('force', { cmd = E.server_cmd, notify_progress = true }, opts or {}))
    vim.o.statusline = "%f %=%{v:lua.require'tierwise'.statusline()}"
    vim.o.laststatus = 2
    vim.cmd.edit(E.calc)
    local client = H.wait(E.TIMEOUT, function()
      local c = vim.lsp.get_clients({ name = 'tierwise', bufnr = 0 })[1]
      return c and c.initialized and c
    end, 'the tierwise client to initialize')
    H.eq(E.work, client.root_dir, 'root')
  end)
end

--- Applies the "Fix with tierwise" code action at the cursor (with `context`, e.g. another linter's
--- diagnostics); returns the titles of the actions offered (filled in when the server answers).
function E.fix_with_tierwise(context)
  local titles = {}
  vim.lsp.buf.code_action({
    context = context,
    apply = true,
    filter = function(action)
      titles[#titles + 1] = action.title
      return action.title:match('^Fix with tierwise') ~= nil
    end,
  })
  return titles
end

--- The messages the user was shown (vim.notify) since index `from`, joined.
function E.notified(from)
  local out = {}
  for i = (from or 0) + 1, #H.results.notifications do
    out[#out + 1] = H.results.notifications[i].msg
  end
  return table.concat(out, '\n')
end

--- Runs the cases, stops the language clients and quits Neovim.
function E.finish()
  H.run(cases, true)
  for _, c in ipairs(vim.lsp.get_clients()) do
    c:stop()
  end
  vim.wait(3000, function()
    return #vim.lsp.get_clients() == 0
  end)
  vim.cmd('qall!')
end

return E
