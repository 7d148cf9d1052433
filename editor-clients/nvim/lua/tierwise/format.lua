--- Text for the answers of `tierwise.cost` and `tierwise.status` (pure functions, tested headless).
local state = require('tierwise.state')

local M = {}

local function num(value)
  return tonumber(value) or 0
end

--- The cost table: one row per tier, a total, and the saving against the frontier tier.
--- @param cost table {taskId, calls, costUsd, frontierCostUsd, savedUsd, byTier = {tier = {calls, costUsd, frontierCostUsd}}}
--- @return string[]
function M.cost_lines(cost)
  if type(cost) ~= 'table' then
    return { 'tierwise: no cost information' }
  end
  local scope = (type(cost.taskId) == 'string' and cost.taskId ~= '') and ('task ' .. cost.taskId) or 'all tasks'
  local lines = { '# tierwise cost — ' .. scope, '' }
  if num(cost.calls) == 0 then
    lines[#lines + 1] = 'No model calls yet.'
    return lines
  end
  lines[#lines + 1] = '| tier | calls | cost | on frontier |'
  lines[#lines + 1] = '|---|---:|---:|---:|'
  local tiers = vim.tbl_keys(type(cost.byTier) == 'table' and cost.byTier or {})
  table.sort(tiers)
  for _, tier in ipairs(tiers) do
    local row = cost.byTier[tier]
    lines[#lines + 1] = ('| %s | %d | %s | %s |'):format(
      tier, num(row.calls), state.money(row.costUsd), state.money(row.frontierCostUsd))
  end
  lines[#lines + 1] = ('| **total** | %d | %s | %s |'):format(
    num(cost.calls), state.money(cost.costUsd), state.money(cost.frontierCostUsd))
  lines[#lines + 1] = ''
  local frontier = num(cost.frontierCostUsd)
  local saved = num(cost.savedUsd)
  local share = frontier > 0 and (' (%d%%)'):format(math.floor(saved / frontier * 100 + 0.5)) or ''
  lines[#lines + 1] = ('Routing saved %s%s against running every call on the frontier tier.'):format(state.money(saved), share)
  return lines
end

--- A task's one-line summary: id, phase, status, cost.
--- @param task table a TaskState as JSON
--- @return string
function M.task_line(task)
  local text = type(task.task) == 'string' and task.task:gsub('%s+', ' ') or ''
  if #text > 50 then
    text = text:sub(1, 47) .. '...'
  end
  return ('%s  %s %s  %s  %s'):format(
    tostring(task.id), tostring(task.phase or '?'), tostring(task.status or '?'), state.money(task.cost_usd), text)
end

--- The test and lint commands of `tierwise.status` (or of a `tierwise/status`): a task's recorded ones
--- (task.json), or the ones a new task would record, with the problem that would stop it.
--- @param commands table? {taskId, test, lint, recorded, source, problem}
--- @return string[]
function M.command_lines(commands)
  if type(commands) ~= 'table' then
    return {}
  end
  local function text(value)
    return type(value) == 'string' and value ~= '' and value or nil
  end
  local lines = {}
  if commands.recorded == true then
    lines[#lines + 1] = ('test command (recorded by task %s): %s'):format(tostring(commands.taskId),
      text(commands.test) or 'none')
  else
    local source = text(commands.source) and (' (' .. commands.source .. ')') or ''
    lines[#lines + 1] = 'test command a new task would record: ' .. (text(commands.test) or 'none') .. source
  end
  if text(commands.lint) then
    lines[#lines + 1] = 'lint command: ' .. commands.lint
  end
  if text(commands.problem) then
    lines[#lines + 1] = '  problem: ' .. commands.problem
  end
  return lines
end

--- The answer of `tierwise.status`: configuration problems, running tasks, the test command (and the one the
--- current task recorded, from its last `tierwise/status`, when the server answered for another), recent tasks.
--- @param answer table
--- @param current tierwise.Status? the plugin's current task
--- @return string[]
function M.status_lines(answer, current)
  if type(answer) ~= 'table' then
    return { 'no status' }
  end
  local lines = {}
  if answer.trusted == false then
    lines[#lines + 1] = type(answer.trustNote) == 'string' and answer.trustNote or 'untrusted workspace'
  end
  if type(answer.configError) == 'string' and answer.configError ~= '' then
    lines[#lines + 1] = 'configuration error: ' .. answer.configError
  elseif answer.configured == false then
    lines[#lines + 1] = 'not configured yet'
  end
  local running = type(answer.running) == 'table' and answer.running or {}
  for _, item in ipairs(running) do
    lines[#lines + 1] = ('running: %s (%s)'):format(tostring(item.taskId), tostring(item.phase))
  end
  vim.list_extend(lines, M.command_lines(answer.commands))
  local mine = type(current) == 'table' and current.commands or nil
  local theirs = type(answer.commands) == 'table' and answer.commands or {}
  if type(mine) == 'table' and mine.recorded == true and (theirs.recorded ~= true or theirs.taskId ~= mine.taskId) then
    vim.list_extend(lines, M.command_lines(mine))
  end
  if type(answer.task) == 'table' then
    lines[#lines + 1] = M.task_line(answer.task)
    if type(answer.task.message) == 'string' and answer.task.message ~= '' then
      lines[#lines + 1] = '  ' .. answer.task.message
    end
  end
  local tasks = type(answer.tasks) == 'table' and answer.tasks or {}
  if #tasks > 0 then
    lines[#lines + 1] = 'tasks (newest last):'
    for i = math.max(1, #tasks - 9), #tasks do
      lines[#lines + 1] = '  ' .. M.task_line(tasks[i])
    end
  elseif not answer.task and #running == 0 then
    lines[#lines + 1] = 'no tasks yet: start one with :Tierwise plan'
  end
  return lines
end

return M
