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

--- Reports the tiers from a `tierwise doctor --json` object (shape tolerated: list or map of tiers).
--- @param doctor table
function M.report_doctor(doctor)
  local cfg = doctor.config
  if type(cfg) == 'table' then
    local sources = cfg.sources or cfg.files or cfg.path
    if type(sources) == 'table' then
      sources = table.concat(vim.tbl_map(tostring, sources), ', ')
    end
    if cfg.ok == false or cfg.error then
      health.error('configuration: ' .. tostring(cfg.error or 'invalid'))
    else
      health.ok('configuration loaded' .. (sources and sources ~= '' and (' from ' .. sources) or ''))
    end
  elseif doctor.error then
    health.error('configuration: ' .. tostring(doctor.error))
  end
  local tiers = doctor.tiers
  if type(tiers) ~= 'table' then
    health.warn('`tierwise doctor --json` did not list tiers')
    return
  end
  local list = {}
  if vim.islist(tiers) then
    list = tiers
  else
    for name, tier in pairs(tiers) do
      if type(tier) == 'table' then
        list[#list + 1] = vim.tbl_extend('keep', tier, { name = name })
      end
    end
    table.sort(list, function(a, b)
      return tostring(a.name) < tostring(b.name)
    end)
  end
  local usable = 0
  for _, tier in ipairs(list) do
    local label = ('tier %s: %s'):format(tostring(tier.name), tostring(tier.model or 'no model'))
    if tier.usable then
      usable = usable + 1
      health.ok(label)
    else
      health.warn(label .. ' — not usable: ' .. tostring(tier.reason or tier.why or 'unknown reason'))
    end
  end
  if usable == 0 then
    health.error('no usable tier: set a model and its API key (see `tierwise doctor`)')
  end
  local routes = doctor.routes
  if type(routes) == 'table' and not vim.islist(routes) then
    local names = vim.tbl_keys(routes)
    table.sort(names)
    local parts = {}
    for _, action in ipairs(names) do
      local route = routes[action]
      local target = type(route) == 'table' and (route.tier or route.resolved or table.concat(route.tiers or {}, '→'))
        or tostring(route)
      parts[#parts + 1] = action .. '→' .. tostring(target)
    end
    health.info('routes: ' .. table.concat(parts, ', '))
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
    if code ~= 0 and code ~= 1 then
      health.warn('`tierwise doctor --json` exited with ' .. code .. ': ' .. vim.trim(err))
    end
  else
    health.error('`tierwise doctor --json` failed (exit ' .. code .. '): ' .. vim.trim(err ~= '' and err or out))
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
