--- tierwise for Neovim: a thin client for the `tierwise serve` language server.
---
---   require("tierwise").setup({ settings = { budget = { per_task_usd = 2 } } })
---   vim.o.statusline = "%f %= %{v:lua.require'tierwise'.statusline()}"
local M = {}

--- Registers the server with vim.lsp.config and enables it (unless `autostart = false`).
--- @param opts tierwise.Options|table|nil
function M.setup(opts)
  local config = require('tierwise.config')
  local options = config.set(opts)
  require('tierwise.client').register(options)
  require('tierwise.progress').attach()
end

--- Statusline component: phase, tier (model), cost and saving of the current task; "" when there is none.
--- @return string
function M.statusline()
  local state = require('tierwise.state')
  local options = require('tierwise.config').get()
  return state.statusline_escape(state.format(state.current_status(), options.statusline))
end

--- Runs a subcommand as `:Tierwise NAME TEXT` would, e.g. require("tierwise").command("fix").
--- @param name string
--- @param text string?
function M.command(name, text)
  require('tierwise.commands').dispatch({ args = name .. ' ' .. (text or ''), range = 0 })
end

--- The id of the task the plugin considers current (the last one started or reporting), or nil.
--- @return string?
function M.current_task()
  return require('tierwise.state').current
end

--- The last status of a task (default: the current one).
--- @param task_id string?
--- @return tierwise.Status?
function M.status(task_id)
  local state = require('tierwise.state')
  return state.tasks[task_id or state.current or '']
end

return M
