-- :Tierwise {plan|refine|implement|fix|review|run|cancel|undo|status|cost} [args]
-- The language server is registered by require("tierwise").setup(); this file only defines the command.
if vim.g.loaded_tierwise then
  return
end
vim.g.loaded_tierwise = true

if vim.fn.has('nvim-0.11') == 0 then
  vim.notify('tierwise.nvim needs Neovim 0.11 or newer', vim.log.levels.ERROR)
  return
end

vim.api.nvim_create_user_command('Tierwise', function(opts)
  require('tierwise.commands').dispatch(opts)
end, {
  nargs = '*',
  range = true,
  desc = 'tierwise: plan, refine, implement, fix, review, run, cancel, undo, status, cost',
  complete = function(arglead, cmdline)
    return require('tierwise.commands').complete(arglead, cmdline)
  end,
})
