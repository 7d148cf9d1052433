--- What the plugin knows about tierwise tasks: the last `tierwise/status` of each task, and the current one.
--- Pure Lua (no LSP calls), so the formatting is easy to test.
local M = {}

--- @class tierwise.Status
--- @field taskId string
--- @field phase string?
--- @field tier string?
--- @field model string?
--- @field state string?  running | ready | done | failed | budget_stopped | cancelled | resumable
--- @field costUsd number?
--- @field savedUsd number?
--- @field message string?
--- @field nextPhase string?  with state `ready`: the phase to run next
--- @field ceilingUsd number?  the task's budget ceiling (configured + raised by the user)
--- @field cooldowns table[]?  deployments cooling down: {tier, model, remainingS, reason}
--- @field commands table?  the task's recorded test and lint commands: {taskId, test, lint, recorded}

--- @type table<string, tierwise.Status>
M.tasks = {}
--- @type string?
M.current = nil

local FINISHED = { ready = true, done = true, failed = true, budget_stopped = true, cancelled = true, resumable = true }

--- @param state string?
--- @return boolean
function M.is_finished(state)
  return state ~= nil and FINISHED[state] == true
end

--- The state of a status (`running` until the server says otherwise). `ready`: the phase finished cleanly
--- and the task has phases left (`nextPhase`); `resumable`: it was interrupted (the message says how to
--- resume); `done`: every requested phase finished.
--- @param status tierwise.Status?
--- @return string
function M.outcome(status)
  if not status or not status.state then
    return 'running'
  end
  return status.state
end

--- The phase and its outcome, in words: `implement`, `plan finished, next: refine`, `fix interrupted`,
--- `review done`, `fix budget stopped`.
--- @param status tierwise.Status
--- @return string
function M.describe(status)
  local phase = status.phase or 'task'
  local outcome = M.outcome(status)
  if outcome == 'running' then
    return phase
  elseif outcome == 'ready' then
    local nxt = type(status.nextPhase) == 'string' and status.nextPhase or nil
    return nxt and ('%s finished, next: %s'):format(phase, nxt) or (phase .. ' finished')
  elseif outcome == 'resumable' then
    return phase .. ' interrupted'
  end
  return phase .. ' ' .. outcome:gsub('_', ' ')
end

--- Fields a `null` leaves as they were within one phase (progress events without a model call carry none).
local STICKY = { tier = true, model = true, costUsd = true, savedUsd = true }

--- Records a status notification. A status of another phase starts afresh; within a phase, absent fields
--- keep their value, and so does a null tier, model or cost (a null state, message or nextPhase clears it).
--- @param status table
--- @return tierwise.Status?
function M.update(status)
  if type(status) ~= 'table' or type(status.taskId) ~= 'string' or status.taskId == '' then
    return nil
  end
  local prev = M.tasks[status.taskId] or { taskId = status.taskId }
  local same_phase = status.phase == nil or status.phase == vim.NIL or status.phase == prev.phase
  local merged = same_phase and vim.deepcopy(prev) or { taskId = status.taskId }
  for key, value in pairs(status) do
    if value ~= vim.NIL then
      merged[key] = value
    elseif not STICKY[key] then
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
  parts[#parts + 1] = M.describe(status)
  if status.tier then
    parts[#parts + 1] = status.tier
  end
  local cost = M.money(status.costUsd)
  if type(status.ceilingUsd) == 'number' then
    cost = cost .. ' of ' .. M.money(status.ceilingUsd)
  end
  if status.savedUsd and tonumber(status.savedUsd) and tonumber(status.savedUsd) > 0 then
    cost = cost .. ' saved ' .. M.money(status.savedUsd)
  end
  parts[#parts + 1] = cost
  local cooling = M.cooling(status)
  if cooling then
    parts[#parts + 1] = cooling
  end
  return table.concat(parts, opts.separator or ' · ')
end

--- Cooled-down tiers in a few words (`light cooling 42s`), or nil. Budget questions are left to Neovim's own
--- `window/showMessageRequest` handler (vim.ui.select); the plugin never overrides it.
--- @param status tierwise.Status
--- @return string?
function M.cooling(status)
  if type(status.cooldowns) ~= 'table' then
    return nil
  end
  local items = {}
  for _, c in ipairs(status.cooldowns) do
    if type(c) == 'table' and type(c.tier) == 'string' then
      items[#items + 1] = ('%s cooling %ds'):format(c.tier, math.ceil(tonumber(c.remainingS) or 0))
    end
  end
  return #items > 0 and table.concat(items, ', ') or nil
end

--- Escapes `%` so the text can be returned from a 'statusline' expression.
--- @param text string
--- @return string
function M.statusline_escape(text)
  return (text:gsub('%%', '%%%%'))
end

return M
