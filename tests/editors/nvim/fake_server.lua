-- An in-process stand-in for `tierwise serve`, for the plugin's own tests: it records what the client sends
-- and lets a test make server-to-client requests (applyEdit, showDocument) and notifications through the
-- real Neovim LSP client, so the plugin's handlers run exactly as they do against the real server.
local F = {}

F.sent = {} -- {method, params} in order
F.answers = {} -- command name -> result table (or function(args) -> result, err)
F.dispatchers = nil

function F.reset()
  F.sent = {}
end

--- The `cmd` for vim.lsp.config: a function returning an RPC client.
function F.cmd(dispatchers)
  F.dispatchers = dispatchers
  local closing = false
  local next_id = 0
  return {
    request = function(method, params, callback)
      next_id = next_id + 1
      F.sent[#F.sent + 1] = { method = method, params = params }
      vim.schedule(function()
        if method == 'initialize' then
          callback(nil, {
            capabilities = {
              textDocumentSync = { openClose = true, change = 2 },
              executeCommandProvider = { commands = { 'tierwise.plan', 'tierwise.status' } },
            },
            serverInfo = { name = 'fake-tierwise', version = '0' },
          })
        elseif method == 'shutdown' then
          callback(nil, nil)
        elseif method == 'workspace/executeCommand' then
          local answer = F.answers[params.command]
          if type(answer) == 'function' then
            local result, err = answer(params.arguments and params.arguments[1])
            callback(err, result)
          elseif answer ~= nil then
            callback(nil, answer)
          else
            callback({ code = -32601, message = 'no answer scripted for ' .. params.command }, nil)
          end
        else
          callback(nil, nil)
        end
      end)
      return true, next_id
    end,
    notify = function(method, params)
      F.sent[#F.sent + 1] = { method = method, params = params }
      if method == 'exit' then
        closing = true
        vim.schedule(function()
          dispatchers.on_exit(0, 0)
        end)
      end
      return true
    end,
    is_closing = function()
      return closing
    end,
    terminate = function()
      closing = true
    end,
  }
end

--- A request from the "server" to the client; returns the client's result and error.
function F.server_request(method, params)
  return F.dispatchers.server_request(method, params)
end

function F.notify_client(method, params)
  F.dispatchers.notification(method, params)
end

--- The executeCommand requests the client sent, as {command, argument} pairs.
function F.commands()
  local out = {}
  for _, msg in ipairs(F.sent) do
    if msg.method == 'workspace/executeCommand' then
      out[#out + 1] = { command = msg.params.command, args = msg.params.arguments and msg.params.arguments[1] }
    end
  end
  return out
end

return F
