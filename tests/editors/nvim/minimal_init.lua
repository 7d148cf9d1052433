-- Minimal init for the editor tests: only the tierwise plugin on the runtimepath, nothing from the user.
local plugin = assert(os.getenv('TIERWISE_NVIM_PLUGIN'), 'TIERWISE_NVIM_PLUGIN is not set')
vim.opt.runtimepath:prepend(plugin)
vim.opt.swapfile = false
vim.opt.shadafile = 'NONE'
vim.opt.more = false
vim.opt.hidden = true
vim.cmd('runtime plugin/tierwise.lua')
