--- Options of the tierwise Neovim plugin: defaults, validation and the settings sent to the server.
local M = {}

--- @class tierwise.Options
--- @field cmd string[]|function Command that starts the language server (or an RPC client factory).
--- @field cmd_env table<string,string>? Extra environment for the server process.
--- @field root_markers (string|string[])[] Files that mark the workspace root, strongest first.
--- @field filetypes string[]? Filetypes to attach to; nil attaches to every file buffer.
--- @field settings table Server configuration (same keys as .tierwise.toml), sent as init options and settings.
--- @field autostart boolean Call vim.lsp.enable() in setup().
--- @field plan_open "vsplit"|"split"|"tab"|"current"|"none" Where a document shown by the server opens.
--- @field save_edits boolean Write buffers changed by tierwise edits (when they had no unsaved changes before),
--- so tests run on what you see and Neovim never warns that the file changed on disk.
--- @field notify_progress boolean Notify when a phase ends (errors are always notified).
--- @field statusline tierwise.StatuslineOptions
--- @field on_attach fun(client: vim.lsp.Client, bufnr: integer)?
--- @field capabilities table? Extra client capabilities, merged over Neovim's.

--- @class tierwise.StatuslineOptions
--- @field prefix string Text before the status ("" for none).
--- @field separator string Between the fields.
--- @field idle string Shown when the server is attached but no task has reported yet ("" for nothing).
--- @field format (fun(status: tierwise.Status): string)? Replaces the whole formatting.

--- @type tierwise.Options
M.defaults = {
  cmd = { 'tierwise', 'serve' },
  cmd_env = nil,
  root_markers = { '.tierwise.toml', '.git', 'pyproject.toml' },
  filetypes = nil,
  settings = {},
  autostart = true,
  plan_open = 'vsplit',
  save_edits = true,
  notify_progress = true,
  statusline = { prefix = 'tierwise', separator = ' · ', idle = '', format = nil },
  on_attach = nil,
  capabilities = nil,
}

local OPEN_MODES = { vsplit = true, split = true, tab = true, current = true, none = true }

--- @type tierwise.Options
local current = vim.deepcopy(M.defaults)
local configured = false

--- Checks user options; returns an error message or nil.
--- @param opts table
--- @return string?
function M.validate(opts)
  local ok, err = pcall(function()
    vim.validate('cmd', opts.cmd, { 'table', 'function' }, true)
    vim.validate('cmd_env', opts.cmd_env, 'table', true)
    vim.validate('root_markers', opts.root_markers, 'table', true)
    vim.validate('filetypes', opts.filetypes, 'table', true)
    vim.validate('settings', opts.settings, 'table', true)
    vim.validate('autostart', opts.autostart, 'boolean', true)
    vim.validate('plan_open', opts.plan_open, 'string', true)
    vim.validate('save_edits', opts.save_edits, 'boolean', true)
    vim.validate('notify_progress', opts.notify_progress, 'boolean', true)
    vim.validate('statusline', opts.statusline, 'table', true)
    vim.validate('on_attach', opts.on_attach, 'function', true)
    vim.validate('capabilities', opts.capabilities, 'table', true)
  end)
  if not ok then
    return tostring(err)
  end
  if type(opts.cmd) == 'table' and (#opts.cmd == 0 or type(opts.cmd[1]) ~= 'string') then
    return 'cmd: expected a non-empty list of strings, e.g. { "tierwise", "serve" }'
  end
  if opts.plan_open ~= nil and not OPEN_MODES[opts.plan_open] then
    return ('plan_open: expected one of vsplit, split, tab, current, none; got %q'):format(opts.plan_open)
  end
  return nil
end

--- Merges options over the defaults. Raises with a readable message on bad options.
--- @param opts table?
--- @return tierwise.Options
function M.set(opts)
  opts = opts or {}
  local err = M.validate(opts)
  if err then
    error('tierwise.setup: ' .. err, 0)
  end
  current = vim.tbl_deep_extend('force', vim.deepcopy(M.defaults), opts)
  -- Lists replace, they do not merge index by index.
  if opts.cmd then
    current.cmd = type(opts.cmd) == 'table' and vim.deepcopy(opts.cmd) or opts.cmd
  end
  if opts.root_markers then
    current.root_markers = vim.deepcopy(opts.root_markers)
  end
  configured = true
  return current
end

--- @return tierwise.Options
function M.get()
  return current
end

--- @return boolean
function M.is_configured()
  return configured
end

--- The `initializationOptions` sent to the server: the user's settings under the `tierwise` section (the
--- server reads that section, and would take any other top-level key for a configuration key).
--- @param opts tierwise.Options
--- @return table
function M.init_options(opts)
  return { tierwise = M.settings_object(opts.settings) }
end

--- The settings as a JSON object (an empty Lua table would be sent as `[]`).
--- @param settings table?
--- @return table
function M.settings_object(settings)
  if settings == nil or next(settings) == nil then
    return vim.empty_dict()
  end
  return vim.deepcopy(settings)
end

--- Finds the executable for the default command: PATH first, then a virtual environment in `root`.
--- Returns the command unchanged when it is not the default or nothing better is found.
--- @param cmd string[]|function
--- @param root string?
--- @return string[]|function
function M.resolve_cmd(cmd, root)
  if type(cmd) ~= 'table' then
    return cmd
  end
  local exe = cmd[1]
  if vim.fn.executable(exe) == 1 or exe:find('/', 1, true) then
    return cmd
  end
  if root then
    for _, venv in ipairs({ '.venv', 'venv', '.env' }) do
      local candidate = vim.fs.joinpath(root, venv, 'bin', exe)
      if vim.fn.executable(candidate) == 1 then
        local resolved = vim.deepcopy(cmd)
        resolved[1] = candidate
        return resolved
      end
    end
  end
  return cmd
end

return M
