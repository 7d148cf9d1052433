--- Keeps statuslines fresh while the server reports `$/progress` (Neovim's LspProgress event); the
--- progress text itself is available from vim.lsp.status() like any other server's.
local M = {}

local group = nil

function M.attach()
  if group then
    return
  end
  group = vim.api.nvim_create_augroup('tierwise.progress', { clear = true })
  vim.api.nvim_create_autocmd('LspProgress', {
    group = group,
    callback = function(args)
      local client = vim.lsp.get_client_by_id(args.data and args.data.client_id or -1)
      if client and client.name == 'tierwise' then
        vim.cmd('redrawstatus!')
      end
    end,
  })
end

return M
