--- `:Tierwise {subcommand} [args]`: builds the server command's argument and shows its answer.
--- No routing or editing logic lives here; the server does the work.
local client_mod = require('tierwise.client')
local config = require('tierwise.config')
local state = require('tierwise.state')

local M = {}

local function notify(msg, level)
  vim.notify('tierwise: ' .. msg, level or vim.log.levels.INFO, { title = 'tierwise' })
end

--- @class tierwise.Subcommand
--- @field command string server command
--- @field input? "task" the free text is a task (asked for when empty)
--- @field task_id? "required"|"optional" the free text is a task id (default: the current task)
--- @field long? boolean the server answers `{taskId}` at once and works in the background
--- @field desc string

--- @type table<string, tierwise.Subcommand>
M.SUBCOMMANDS = {
  plan = { command = 'tierwise.plan', input = 'task', long = true, desc = 'write PLAN.md for a task' },
  refine = { command = 'tierwise.refine', task_id = 'required', long = true, desc = 'cheap pass over the plan' },
  implement = { command = 'tierwise.implement', task_id = 'required', long = true, desc = 'apply the plan' },
  fix = { command = 'tierwise.testFix', task_id = 'optional', long = true, desc = 'run tests and fix failures' },
  review = { command = 'tierwise.review', task_id = 'optional', long = true, desc = 'review the changes' },
  run = { command = 'tierwise.run', input = 'task', long = true, desc = 'the whole loop for a task' },
  cancel = { command = 'tierwise.cancel', task_id = 'required', desc = 'cancel the running task' },
  undo = { command = 'tierwise.undo', task_id = 'required', desc = "put back the task's files" },
  status = { command = 'tierwise.status', desc = 'show the tasks and their state' },
  cost = { command = 'tierwise.cost', task_id = 'optional', desc = 'show the cost table' },
  context = { command = 'tierwise.showContext', input = 'task', desc = 'show the code the planner would see' },
}

--- Subcommand names, sorted (for completion and help).
--- @return string[]
function M.names()
  local names = vim.tbl_keys(M.SUBCOMMANDS)
  table.sort(names)
  return names
end

--- Text of lines `line1..line2` of `bufnr`, fenced, with the file name and line numbers.
--- @param bufnr integer
--- @param line1 integer
--- @param line2 integer
--- @return string
function M.selection_block(bufnr, line1, line2)
  local lines = vim.api.nvim_buf_get_lines(bufnr, line1 - 1, line2, false)
  local name = vim.fn.fnamemodify(vim.api.nvim_buf_get_name(bufnr), ':.')
  local ft = vim.bo[bufnr].filetype or ''
  return ('Selected lines %d-%d of %s:\n```%s\n%s\n```'):format(line1, line2, name, ft, table.concat(lines, '\n'))
end

--- @class tierwise.CommandContext
--- @field text string the words after the subcommand
--- @field current string? the current task id
--- @field uri string? the current buffer's URI (file buffers only)
--- @field selection string? the selected lines, as built by selection_block

--- The argument object for a subcommand, or nil and an error message.
--- @param name string
--- @param ctx tierwise.CommandContext
--- @return table? args
--- @return string? err
function M.build_args(name, ctx)
  local spec = M.SUBCOMMANDS[name]
  if not spec then
    return nil, ('unknown subcommand %q; one of: %s'):format(name, table.concat(M.names(), ', '))
  end
  local text = vim.trim(ctx.text or '')
  if spec.input == 'task' then
    if text == '' and not ctx.selection then
      return nil, 'give a task, e.g. :Tierwise ' .. name .. ' add a --verbose flag'
    end
    local task = text
    if ctx.selection then
      task = (task ~= '' and (task .. '\n\n') or '') .. ctx.selection
    end
    local args = { task = task }
    if ctx.uri and (name == 'plan' or name == 'context') then
      args.uris = { ctx.uri }
    end
    return args, nil
  end
  if spec.task_id then
    local id = text ~= '' and text or ctx.current
    if not id then
      if spec.task_id == 'required' then
        return nil, ('no current task: give its id (:Tierwise %s TASK_ID) or start one with :Tierwise plan'):format(name)
      end
      return {}, nil
    end
    return { taskId = id }, nil
  end
  return {}, nil
end

--- Shows `lines` in a scratch buffer named `tierwise://NAME` in a split (reused when open).
--- @param name string
--- @param lines string[]
--- @return integer bufnr
function M.show_scratch(name, lines)
  local bufname = 'tierwise://' .. name
  local bufnr = vim.fn.bufnr(bufname)
  if bufnr < 0 then
    bufnr = vim.api.nvim_create_buf(false, true)
    vim.api.nvim_buf_set_name(bufnr, bufname)
    vim.bo[bufnr].bufhidden = 'hide'
    vim.bo[bufnr].filetype = 'markdown'
  end
  vim.bo[bufnr].modifiable = true
  vim.api.nvim_buf_set_lines(bufnr, 0, -1, false, lines)
  vim.bo[bufnr].modifiable = false
  if vim.fn.bufwinid(bufnr) < 0 then
    vim.cmd('botright split')
    vim.api.nvim_win_set_buf(0, bufnr)
    vim.api.nvim_win_set_height(0, math.min(math.max(#lines, 3), 15))
  end
  return bufnr
end

--- What to do with each command's answer.
--- @param name string
--- @param result any
local function on_success(name, result)
  local spec = M.SUBCOMMANDS[name]
  if spec.long and type(result) == 'table' and type(result.taskId) == 'string' then
    state.set_current(result.taskId)
    vim.cmd('redrawstatus!')
    if config.get().notify_progress then
      notify(('%s started (task %s)'):format(name, result.taskId))
    end
    return
  end
  local format = require('tierwise.format')
  if name == 'cost' then
    M.show_scratch('cost', format.cost_lines(result))
  elseif name == 'context' then
    local text = type(result) == 'table' and (result.markdown or result.text) or 'no context'
    M.show_scratch('context', vim.split(tostring(text), '\n', { plain = true }))
  elseif name == 'status' then
    notify(table.concat(format.status_lines(result, state.current_status()), '\n'))
  elseif name == 'undo' then
    local files = type(result) == 'table' and result.restored or {}
    if type(files) == 'table' and #files > 0 then
      vim.cmd('silent! checktime')
      notify('put back ' .. table.concat(files, ', '))
    else
      notify('undo: nothing to put back')
    end
  elseif name == 'cancel' then
    local message = type(result) == 'table' and result.message or 'cancel requested'
    notify(tostring(message), type(result) == 'table' and result.cancelled == false and vim.log.levels.WARN or nil)
  end
end

--- Sends subcommand `name` with the built args to the server.
--- @param name string
--- @param args table
--- @param bufnr integer?
function M.send(name, args, bufnr)
  local client = client_mod.get(bufnr)
  if not client then
    local hint = config.is_configured() and 'open a file inside a project (see :checkhealth tierwise)'
      or 'call require("tierwise").setup() first'
    notify('no tierwise server is running: ' .. hint, vim.log.levels.ERROR)
    return
  end
  client_mod.execute(client, M.SUBCOMMANDS[name].command, args, function(err, result)
    if err then
      notify(('%s failed: %s'):format(name, err.message or vim.inspect(err)), vim.log.levels.ERROR)
      return
    end
    on_success(name, result)
  end, bufnr)
end

--- Builds the subcommand's argument (a warning when it cannot) and sends it.
--- @param name string
--- @param ctx tierwise.CommandContext
--- @param bufnr integer
local function build_and_send(name, ctx, bufnr)
  local args, err = M.build_args(name, ctx)
  if not args then
    notify(err, vim.log.levels.WARN)
    return
  end
  M.send(name, args, bufnr)
end

--- Entry point of the user command.
--- @param cmd_opts table the table given to nvim_create_user_command callbacks
function M.dispatch(cmd_opts)
  local name, rest = (cmd_opts.args or ''):match('^%s*(%S*)%s*(.-)%s*$')
  if not name or name == '' then
    notify('usage: :Tierwise {' .. table.concat(M.names(), '|') .. '} [args]', vim.log.levels.WARN)
    return
  end
  local spec = M.SUBCOMMANDS[name]
  local bufnr = vim.api.nvim_get_current_buf()
  local ctx = { text = rest, current = state.current }
  local ranged = spec and spec.input == 'task' and (cmd_opts.range or 0) > 0
  if ranged and vim.bo[bufnr].buftype == '' and vim.api.nvim_buf_get_name(bufnr) ~= '' then
    ctx.selection = M.selection_block(bufnr, cmd_opts.line1, cmd_opts.line2)
    ctx.uri = vim.uri_from_bufnr(bufnr)
  end
  if spec and spec.input == 'task' and vim.trim(rest) == '' then
    vim.ui.input({ prompt = 'tierwise ' .. name .. ': ' }, function(answer)
      if not answer or vim.trim(answer) == '' then
        return
      end
      ctx.text = answer
      build_and_send(name, ctx, bufnr)
    end)
    return
  end
  build_and_send(name, ctx, bufnr)
end

--- Completion for `:Tierwise`: subcommands, then task ids for commands that take one.
--- @param arglead string
--- @param cmdline string
--- @return string[]
function M.complete(arglead, cmdline)
  local words = vim.split(vim.trim(cmdline), '%s+')
  local completing_first = #words == 1 or (#words == 2 and not cmdline:match('%s$'))
  if completing_first then
    return vim.tbl_filter(function(name)
      return vim.startswith(name, arglead)
    end, M.names())
  end
  local spec = M.SUBCOMMANDS[words[2]]
  if spec and spec.task_id and (#words == 2 or (#words == 3 and not cmdline:match('%s$'))) then
    return vim.tbl_filter(function(id)
      return vim.startswith(id, arglead)
    end, state.task_ids())
  end
  return {}
end

return M
