--- What the plugin knows about tierwise tasks: the last `tierwise/status` of each task, and the current one.
--- Pure Lua (no LSP calls), so the formatting is easy to test.
local M = {}

--- @class tierwise.Status
--- @field taskId string
--- @field phase string?
--- @field tier string?
--- @field model string?
--- @field state string?  running | done | failed | budget_stopped | cancelled | resumable
--- @field costUsd number?
--- @field savedUsd number?
--- @field message string?

--- @type table<string, tierwise.Status>
M.tasks = {}
--- @type string?
M.current = nil

local FINISHED = { done = true, failed = true, budget_stopped = true, cancelled = true, resumable = true }

--- @param state string?
--- @return boolean
function M.is_finished(state)
  return state ~= nil and FINISHED[state] == true
end

--- The outcome of a status, for people: a phase that ended well while the task has phases left is reported
--- by the server as `resumable` with no message; that reads as `done` here. A cancelled task is `resumable`
--- with a message saying so.
--- @param status tierwise.Status?
--- @return string running | done | failed | budget_stopped | cancelled | resumable
function M.outcome(status)
  if not status or not status.state then
    return 'running'
  end
  if status.state == 'resumable' and (status.message == nil or status.message == '') then
    return 'done'
  end
  return status.state
end

--- Records a status notification; fields absent from `status` keep their previous value.
--- @param status table
--- @return tierwise.Status?
function M.update(status)
  if type(status) ~= 'table' or type(status.taskId) ~= 'string' or status.taskId == '' then
    return nil
  end
  local prev = M.tasks[status.taskId] or { taskId = status.taskId }
  local merged = vim.tbl_extend('force', prev, status)
  for key, value in pairs(merged) do
    if value == vim.NIL then
      merged[key] = nil
    end
  end
  M.tasks[status.taskId] = merged
  M.current = status.taskId
  return merged
end

--- Marks `task_id` as the current task (a command started it) without other information.
--- @param task_id string
function M.set_current(task_id)
  if not M.tasks[task_id] then
    M.tasks[task_id] = { taskId = task_id, state = 'running' }
  end
  M.current = task_id
end

--- @return tierwise.Status?
function M.current_status()
  return M.current and M.tasks[M.current] or nil
end

--- Known task ids, most recent first (for completion).
--- @return string[]
function M.task_ids()
  local ids = vim.tbl_keys(M.tasks)
  table.sort(ids, function(a, b)
    if a == M.current then
      return true
    elseif b == M.current then
      return false
    end
    return a > b
  end)
  return ids
end

function M.reset()
  M.tasks = {}
  M.current = nil
end

--- Dollars with enough digits that small model calls are not shown as $0.00.
--- @param usd number?
--- @return string
function M.money(usd)
  usd = tonumber(usd) or 0
  if usd ~= 0 and math.abs(usd) < 1 then
    return ('$%.4f'):format(usd)
  end
  return ('$%.2f'):format(usd)
end

--- One line for a statusline: phase (and outcome when it ended), tier, cost and saving. The model is left out
--- (model strings are long); require('tierwise').status() has it.
--- @param status tierwise.Status?
--- @param opts tierwise.StatuslineOptions
--- @return string
function M.format(status, opts)
  if not status then
    return opts.idle or ''
  end
  if opts.format then
    return opts.format(status)
  end
  local parts = {}
  if opts.prefix and opts.prefix ~= '' then
    parts[#parts + 1] = opts.prefix
  end
  local phase = status.phase or 'task'
  local outcome = M.outcome(status)
  if outcome ~= 'running' then
    phase = phase .. ' ' .. outcome:gsub('_', ' ')
  end
  parts[#parts + 1] = phase
  if status.tier then
    parts[#parts + 1] = status.tier
  end
  local cost = M.money(status.costUsd)
  if status.savedUsd and tonumber(status.savedUsd) and tonumber(status.savedUsd) > 0 then
    cost = cost .. ' saved ' .. M.money(status.savedUsd)
  end
  parts[#parts + 1] = cost
  return table.concat(parts, opts.separator or ' · ')
end

--- Escapes `%` so the text can be returned from a 'statusline' expression.
--- @param text string
--- @return string
function M.statusline_escape(text)
  return (text:gsub('%%', '%%%%'))
end

return M
