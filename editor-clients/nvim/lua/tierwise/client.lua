--- Registers the tierwise language server with Neovim's LSP (vim.lsp.config / vim.lsp.enable) and sends
--- `workspace/executeCommand` requests to it.
local config = require('tierwise.config')
local handlers = require('tierwise.handlers')

local M = {}

M.NAME = 'tierwise'

--- The vim.lsp.config table for the options.
--- @param opts tierwise.Options
--- @return vim.lsp.Config
function M.lsp_config(opts)
  local root = vim.fs.root(0, opts.root_markers) or vim.fn.getcwd()
  local capabilities = vim.lsp.protocol.make_client_capabilities()
  -- The plugin shows tierwise/status (a failed phase is notified once, not also as window/showMessage).
  capabilities.experimental = vim.tbl_deep_extend('force', capabilities.experimental or {}, { tierwise = { status = true } })
  if opts.capabilities then
    capabilities = vim.tbl_deep_extend('force', capabilities, opts.capabilities)
  end
  return {
    cmd = config.resolve_cmd(opts.cmd, root),
    cmd_env = opts.cmd_env,
    root_markers = opts.root_markers,
    filetypes = opts.filetypes,
    workspace_required = true,
    init_options = config.init_options(opts),
    settings = { tierwise = config.settings_object(opts.settings) },
    capabilities = capabilities,
    handlers = {
      ['workspace/applyEdit'] = handlers.apply_edit,
      ['window/showDocument'] = handlers.show_document,
      ['tierwise/status'] = handlers.status,
    },
    on_attach = opts.on_attach,
  }
end

--- @param opts tierwise.Options
function M.register(opts)
  vim.lsp.config(M.NAME, M.lsp_config(opts))
  if opts.autostart then
    vim.lsp.enable(M.NAME)
  end
end

--- The tierwise client for `bufnr`, else one whose root holds the current directory, else any.
--- @param bufnr integer?
--- @return vim.lsp.Client?
function M.get(bufnr)
  bufnr = bufnr or vim.api.nvim_get_current_buf()
  local attached = vim.lsp.get_clients({ name = M.NAME, bufnr = bufnr })
  if attached[1] then
    return attached[1]
  end
  local all = vim.lsp.get_clients({ name = M.NAME })
  local cwd = vim.fn.getcwd()
  for _, client in ipairs(all) do
    local root = client.root_dir
    if root and (cwd == root or vim.startswith(cwd, root .. '/')) then
      return client
    end
  end
  return all[1]
end

--- Sends `workspace/executeCommand` with `args` as the single argument.
--- `on_result(err, result)` runs on the main loop.
--- @param client vim.lsp.Client
--- @param command string e.g. "tierwise.plan"
--- @param args table
--- @param on_result fun(err: lsp.ResponseError?, result: any)
--- @param bufnr integer?
function M.execute(client, command, args, on_result, bufnr)
  -- every server command takes one object: an empty Lua table would be encoded as the JSON array `[]`
  if args == nil or (type(args) == 'table' and next(args) == nil) then
    args = vim.empty_dict()
  end
  local params = { command = command, arguments = { args } }
  -- Send every buffer's pending (debounced) didChange first, not only `bufnr`'s: a command reads other open
  -- files too (refine reads PLAN.md while calc.py is current), and must see what the user just typed there.
  pcall(function()
    require('vim.lsp._changetracking').flush(client)
  end)
  local ok, request_id = client:request('workspace/executeCommand', params, function(err, result)
    on_result(err, result)
  end, bufnr)
  if not ok then
    on_result({ code = -32099, message = 'the tierwise server is not running' }, nil)
  end
  return request_id
end

return M
