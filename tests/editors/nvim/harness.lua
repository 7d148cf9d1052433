-- A tiny test harness for headless Neovim: named cases, each run in a pcall; results go to a JSON file
-- (TIERWISE_RESULT) that the pytest wrapper reads. Neovim exits when the cases are done.
local H = {}

H.results = { cases = {}, notifications = {}, log = {} }
local result_path = assert(os.getenv('TIERWISE_RESULT'), 'TIERWISE_RESULT is not set')

function H.log(fmt, ...)
  local line = select('#', ...) > 0 and fmt:format(...) or fmt
  H.results.log[#H.results.log + 1] = line
end

-- Capture vim.notify so tests can assert on what the user was told.
local real_notify = vim.notify
vim.notify = function(msg, level, opts)
  H.results.notifications[#H.results.notifications + 1] = { msg = tostring(msg), level = level or 2 }
  return real_notify and nil
end

function H.write()
  local file = assert(io.open(result_path .. '.tmp', 'w'))
  file:write(vim.json.encode(H.results))
  file:close()
  assert(os.rename(result_path .. '.tmp', result_path))
end

--- Waits until fn() is truthy, processing events; raises `what` on timeout.
function H.wait(ms, fn, what)
  local value
  local ok = vim.wait(ms, function()
    value = fn()
    return value and true or false
  end, 20)
  if not ok then
    error('timed out after ' .. ms .. ' ms waiting for ' .. (what or 'a condition'), 2)
  end
  return value
end

function H.eq(expected, actual, what)
  if not vim.deep_equal(expected, actual) then
    error(('%s: expected %s, got %s'):format(what or 'value', vim.inspect(expected), vim.inspect(actual)), 2)
  end
end

function H.truthy(value, what)
  if not value then
    error((what or 'value') .. ' is not true', 2)
  end
  return value
end

function H.buf_text(bufnr)
  return table.concat(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false), '\n') .. '\n'
end

function H.read_file(path)
  local file = io.open(path, 'r')
  if not file then
    return nil
  end
  local text = file:read('*a')
  file:close()
  return text
end

--- Runs the cases in order; `cases` is a list of {name, fn}. A failed case is recorded and, when `stop_on_failure`,
--- the later cases are recorded as skipped (they depend on the earlier ones).
function H.run(cases, stop_on_failure)
  local failed = false
  for _, case in ipairs(cases) do
    local name, fn = case[1], case[2]
    if failed and stop_on_failure then
      H.results.cases[#H.results.cases + 1] = { name = name, ok = false, skipped = true }
    else
      local started = vim.uv.hrtime()
      local ok, err = xpcall(fn, debug.traceback)
      H.results.cases[#H.results.cases + 1] = {
        name = name,
        ok = ok,
        error = not ok and tostring(err) or nil,
        ms = math.floor((vim.uv.hrtime() - started) / 1e6),
      }
      failed = failed or not ok
    end
    H.write()
  end
  H.results.done = true
  H.write()
end

return H
