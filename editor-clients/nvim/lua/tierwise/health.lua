--- :checkhealth tierwise — the executable, its version, the configuration and which tiers are usable.
local M = {}

local health = vim.health

--- The command without its `serve` part: {"tierwise", "serve"} -> {"tierwise"}.
--- @param cmd string[]
--- @return string[]
function M.base_cmd(cmd)
  local base = {}
  for _, word in ipairs(cmd) do
    if word == 'serve' then
      break
    end
    base[#base + 1] = word
  end
  return #base > 0 and base or { cmd[1] }
end

--- Runs a command with a timeout; returns code, stdout, stderr.
--- @param argv string[]
--- @param cwd string?
--- @return integer code, string stdout, string stderr
local function run(argv, cwd)
  local ok, proc = pcall(vim.system, argv, { text = true, cwd = cwd })
  if not ok then
    return -1, '', tostring(proc)
  end
  local result = proc:wait(30000)
  return result.code or -1, result.stdout or '', result.stderr or ''
end

--- Reports a `tierwise doctor --json` object: configuration files, tiers, routes, problems and notes.
--- @param doctor table
function M.report_doctor(doctor)
  for _, file in ipairs(type(doctor.files) == 'table' and doctor.files or {}) do
    if file.status == 'used' then
      health.ok('configuration file ' .. tostring(file.label))
    elseif file.status ~= 'absent' then
      health.warn(('configuration file %s: %s'):format(tostring(file.label), tostring(file.status)))
    end
  end
  local tiers = type(doctor.tiers) == 'table' and doctor.tiers or {}
  local names = vim.tbl_keys(tiers)
  table.sort(names)
  local usable = 0
  for _, name in ipairs(names) do
    local tier = tiers[name]
    local label = ('tier %s: %s%s'):format(name, tostring(tier.model or 'no model'), tier['local'] and ' (local)' or '')
    if tier.usable then
      usable = usable + 1
      health.ok(label)
    else
      health.warn(label .. ' — not usable: ' .. tostring(tier.reason or 'unknown reason'))
    end
  end
  if #names > 0 and usable == 0 then
    health.error('no usable tier', 'set a model and the variable holding its key; see `tierwise doctor`')
  end
  local routes = {}
  for _, route in ipairs(type(doctor.routes) == 'table' and doctor.routes or {}) do
    local effective = type(route.effective) == 'table' and #route.effective > 0 and table.concat(route.effective, '→')
      or 'nothing usable'
    routes[#routes + 1] = ('%s→%s'):format(tostring(route.action), effective)
  end
  if #routes > 0 then
    health.info('routes: ' .. table.concat(routes, ', '))
  end
  for _, problem in ipairs(type(doctor.problems) == 'table' and doctor.problems or {}) do
    local first, rest = tostring(problem):match('^([^\n]*)\n?(.*)$')
    health.error(first, rest ~= '' and { rest } or nil)
  end
  for _, note in ipairs(type(doctor.notes) == 'table' and doctor.notes or {}) do
    health.info(tostring(note))
  end
end

function M.check()
  health.start('tierwise: Neovim')
  if vim.fn.has('nvim-0.11') == 1 then
    health.ok('Neovim ' .. tostring(vim.version()))
  else
    health.error('Neovim 0.11 or newer is needed', 'upgrade Neovim')
  end

  local config = require('tierwise.config')
  local options = config.get()
  if not config.is_configured() then
    health.warn('require("tierwise").setup() has not been called', 'call it from your init.lua (or lazy.nvim opts)')
  end

  health.start('tierwise: executable')
  local root = vim.fs.root(0, options.root_markers) or vim.fn.getcwd()
  local cmd = config.resolve_cmd(options.cmd, root)
  if type(cmd) ~= 'table' then
    health.info('cmd is a function (custom RPC client); executable checks skipped')
    return
  end
  local exe = cmd[1]
  if vim.fn.executable(exe) ~= 1 then
    health.error(
      ('`%s` not found on PATH nor in a virtual environment of %s'):format(exe, root),
      { 'pip install tierwise (or: pipx install tierwise)', 'or set cmd = { "/path/to/tierwise", "serve" } in setup()' }
    )
    return
  end
  health.ok('server command: ' .. table.concat(cmd, ' ') .. ' (' .. vim.fn.exepath(exe) .. ')')
  local base = M.base_cmd(cmd)
  local code, out, err = run(vim.list_extend(vim.deepcopy(base), { '--version' }), root)
  if code == 0 then
    health.ok('version: ' .. vim.trim(out))
  else
    health.error('`' .. table.concat(base, ' ') .. ' --version` failed: ' .. vim.trim(err ~= '' and err or out))
  end

  health.start('tierwise: configuration and tiers (' .. root .. ')')
  code, out, err = run(vim.list_extend(vim.deepcopy(base), { 'doctor', '--json' }), root)
  local ok, doctor = pcall(vim.json.decode, out ~= '' and out or 'null', { luanil = { object = true, array = true } })
  if ok and type(doctor) == 'table' then
    M.report_doctor(doctor)
  else
    -- An invalid configuration: doctor names the file, the key and the fix on stderr.
    local text = vim.trim(err ~= '' and err or out)
    local first, rest = text:match('^([^\n]*)\n?(.*)$')
    health.error(('`tierwise doctor --json` failed (exit %d): %s'):format(code, first or text), rest ~= '' and { rest } or nil)
  end

  health.start('tierwise: language server')
  local client = require('tierwise.client').get()
  if client then
    health.ok(('running (id %d, root %s)'):format(client.id, tostring(client.root_dir)))
  else
    health.info('not running for this buffer; it starts when you open a file under a root marker: '
      .. table.concat(vim.tbl_map(function(m)
        return type(m) == 'table' and table.concat(m, '|') or m
      end, options.root_markers), ', '))
  end
end

return M
