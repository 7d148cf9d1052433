--- LSP handlers the tierwise client installs for itself (never globally):
--- `workspace/applyEdit` (all-or-nothing, refuses stale versions, one undo step per buffer, saves buffers
--- that had no unsaved changes),
--- `window/showDocument` (opens in a split) and the `tierwise/status` notification.
local config = require('tierwise.config')
local state = require('tierwise.state')

local M = {}

local function notify(msg, level)
  vim.notify('tierwise: ' .. msg, level or vim.log.levels.INFO, { title = 'tierwise' })
end

--- The buffer's LSP version as Neovim sent it to the servers: 0 from didOpen until the first change, then
--- the changedtick of the last change (not b:changedtick itself, which also moves when the buffer is saved).
--- @param bufnr integer
--- @return integer
local function buf_version(bufnr)
  local ok, version = pcall(function()
    return vim.lsp.util.buf_versions[bufnr]
  end)
  if ok and type(version) == 'number' then
    return version
  end
  return vim.api.nvim_buf_get_changedtick(bufnr)
end

--- The loaded buffer for `uri`, without creating one.
--- @param uri string
--- @return integer?
local function loaded_buffer(uri)
  local bufnr = vim.fn.bufnr(vim.uri_to_fname(uri))
  if bufnr > 0 and vim.api.nvim_buf_is_loaded(bufnr) then
    return bufnr
  end
  return nil
end

--- Checks every versioned TextDocumentEdit against the buffer before anything is applied.
--- Returns a reason to refuse the whole edit, or nil. Version 0 is a real version (what didOpen sent), checked
--- like any other; only a null version means "no version" (Neovim's own apply_workspace_edit skips 0).
--- @param edit lsp.WorkspaceEdit
--- @return string?
function M.stale_reason(edit)
  for _, change in ipairs(edit.documentChanges or {}) do
    local doc = change.textDocument
    if change.kind == nil and doc and type(doc.version) == 'number' then
      local bufnr = loaded_buffer(doc.uri)
      local name = vim.fn.fnamemodify(vim.uri_to_fname(doc.uri), ':~:.')
      if not bufnr then
        return ('%s was closed after tierwise read it (version %d)'):format(name, doc.version)
      end
      local now = buf_version(bufnr)
      if now ~= doc.version then
        return ('%s changed in the editor (version %d, edit made for %d)'):format(name, now, doc.version)
      end
    end
  end
  return nil
end

--- Buffers an edit touches (loaded or not yet), by file name.
--- @param edit lsp.WorkspaceEdit
--- @return string[]
function M.touched_files(edit)
  local files = {}
  for _, change in ipairs(edit.documentChanges or {}) do
    if change.kind == nil and change.textDocument then
      files[#files + 1] = vim.uri_to_fname(change.textDocument.uri)
    elseif change.kind == 'create' then
      files[#files + 1] = vim.uri_to_fname(change.uri)
    elseif change.kind == 'rename' then
      files[#files + 1] = vim.uri_to_fname(change.newUri)
    end
  end
  for uri in pairs(edit.changes or {}) do
    files[#files + 1] = vim.uri_to_fname(uri)
  end
  return files
end

--- tierwise's own task documents (.tierwise/tasks/<id>/PLAN.md): what tierwise writes there was made from the
--- whole buffer, unsaved text included, so they are saved after its edits even when they had unsaved text.
--- @param fname string
--- @return boolean
function M.is_task_document(fname)
  return fname:match('/%.tierwise/tasks/[^/]+/[^/]+%.md$') ~= nil
end

--- Files of `files` safe to save after an edit: buffers without unsaved changes (or not loaded), and task
--- documents.
--- @param files string[]
--- @return string[]
function M.clean_files(files)
  local clean = {}
  for _, fname in ipairs(files) do
    local bufnr = vim.fn.bufnr(fname)
    if bufnr < 0 or not vim.api.nvim_buf_is_loaded(bufnr) or not vim.bo[bufnr].modified or M.is_task_document(fname) then
      clean[#clean + 1] = fname
    end
  end
  return clean
end

--- Writes the buffers of `files` that are loaded and modified. Returns the files that could not be written.
--- @param files string[]
--- @return string[]
function M.save(files)
  local failed = {}
  for _, fname in ipairs(files) do
    local bufnr = vim.fn.bufnr(fname)
    if bufnr > 0 and vim.api.nvim_buf_is_loaded(bufnr) and vim.bo[bufnr].modified then
      local ok, err = pcall(vim.api.nvim_buf_call, bufnr, function()
        vim.cmd('silent lockmarks update')
      end)
      if not ok then
        failed[#failed + 1] = fname .. ': ' .. tostring(err)
      end
    end
  end
  return failed
end

--- Neovim appends an edit that starts at or after the last line with nvim_buf_set_lines, so a newText ending in
--- "\n" (the usual way to append whole lines at the end of a file) gains an extra empty line. Strip that
--- newline for such edits; the buffer's own end-of-line supplies it.
--- @param edits lsp.TextEdit[]
--- @param line_count integer
--- @return lsp.TextEdit[]
function M.fix_eof_inserts(edits, line_count)
  local fixed = {}
  for i, e in ipairs(edits) do
    if e.range and e.range.start.line >= line_count and type(e.newText) == 'string' and e.newText:sub(-1) == '\n' then
      fixed[i] = vim.tbl_extend('force', e, { newText = e.newText:sub(1, -2) })
    else
      fixed[i] = e
    end
  end
  return fixed
end

--- A copy of `edit` with EOF insertions fixed for every buffer it touches (buffers are loaded as needed).
--- @param edit lsp.WorkspaceEdit
--- @return lsp.WorkspaceEdit
local function with_eof_fix(edit)
  local function line_count(uri)
    local bufnr = vim.uri_to_bufnr(uri)
    if not vim.api.nvim_buf_is_loaded(bufnr) then
      vim.fn.bufload(bufnr)
    end
    return vim.api.nvim_buf_line_count(bufnr)
  end
  local copy = vim.deepcopy(edit)
  for _, change in ipairs(copy.documentChanges or {}) do
    if change.kind == nil and change.textDocument and change.edits then
      change.edits = M.fix_eof_inserts(change.edits, line_count(change.textDocument.uri))
    end
  end
  for uri, edits in pairs(copy.changes or {}) do
    copy.changes[uri] = M.fix_eof_inserts(edits, line_count(uri))
  end
  return copy
end

--- `workspace/applyEdit`: applies the whole edit or nothing, and tells the server the truth about it.
--- Neovim's default handler only prints when a buffer moved on and still answers `applied = true`.
--- @param params lsp.ApplyWorkspaceEditParams
--- @param ctx lsp.HandlerContext
--- @return lsp.ApplyWorkspaceEditResult
function M.apply_edit(_, params, ctx)
  local client = vim.lsp.get_client_by_id(ctx.client_id)
  if not client or type(params) ~= 'table' or type(params.edit) ~= 'table' then
    return { applied = false, failureReason = 'invalid workspace/applyEdit request' }
  end
  local edit = params.edit
  local stale = M.stale_reason(edit)
  if stale then
    -- Send the pending didChange now, ahead of this answer, so the server recomputes against what the
    -- user typed rather than against the version it already had (Neovim debounces didChange).
    pcall(function()
      require('vim.lsp._changetracking').flush(client)
    end)
    return { applied = false, failureReason = stale }
  end
  -- Buffers holding unsaved user text are left unsaved (the server leaves their file alone too).
  local clean = M.clean_files(M.touched_files(edit))
  local ok, err = pcall(function()
    vim.lsp.util.apply_workspace_edit(with_eof_fix(edit), client.offset_encoding)
  end)
  if not ok then
    return { applied = false, failureReason = tostring(err) }
  end
  if config.get().save_edits then
    local failed = M.save(clean)
    if #failed > 0 then
      notify('could not write ' .. table.concat(failed, '; '), vim.log.levels.WARN)
    end
  end
  return { applied = true }
end

--- Window for a document the server shows: an existing window in this tab, else a new split.
--- @param bufnr integer
--- @param mode string
--- @return integer? window, boolean created
local function window_for(bufnr, mode)
  for _, win in ipairs(vim.api.nvim_tabpage_list_wins(0)) do
    if vim.api.nvim_win_get_buf(win) == bufnr then
      return win, false
    end
  end
  if mode == 'current' then
    return vim.api.nvim_get_current_win(), false
  end
  local cmd = ({ vsplit = 'vertical rightbelow split', split = 'rightbelow split', tab = 'tab split' })[mode]
  vim.cmd(cmd or 'vertical rightbelow split')
  return vim.api.nvim_get_current_win(), true
end

--- `window/showDocument`: PLAN.md and review reports open beside the code, not over it.
--- @param params lsp.ShowDocumentParams
--- @param ctx lsp.HandlerContext
--- @return lsp.ShowDocumentResult
function M.show_document(_, params, ctx)
  if type(params) ~= 'table' or type(params.uri) ~= 'string' then
    return { success = false }
  end
  if params.external then
    local ok = pcall(vim.ui.open, params.uri)
    return { success = ok }
  end
  local mode = config.get().plan_open
  if mode == 'none' then
    return { success = true }
  end
  local origin = vim.api.nvim_get_current_win()
  local fname = vim.uri_to_fname(params.uri)
  local bufnr = vim.fn.bufadd(fname)
  vim.bo[bufnr].buflisted = true
  local ok, err = pcall(function()
    local win = window_for(bufnr, mode)
    vim.api.nvim_win_set_buf(win, bufnr)
    -- The server rewrote the file: reload an unmodified buffer instead of asking.
    if not vim.bo[bufnr].modified then
      vim.bo[bufnr].autoread = true
      vim.api.nvim_buf_call(bufnr, function()
        vim.cmd('silent! checktime ' .. bufnr)
      end)
    end
    if type(params.selection) == 'table' and params.selection.start then
      local client = vim.lsp.get_client_by_id(ctx.client_id)
      local pos = params.selection.start
      local line = vim.api.nvim_buf_get_lines(bufnr, pos.line, pos.line + 1, false)[1] or ''
      local okcol, col = pcall(vim.str_byteindex, line, client and client.offset_encoding or 'utf-16', pos.character, false)
      pcall(vim.api.nvim_win_set_cursor, win, { pos.line + 1, okcol and col or 0 })
    end
    if params.takeFocus == false then
      if vim.api.nvim_win_is_valid(origin) then
        vim.api.nvim_set_current_win(origin)
      end
    else
      vim.api.nvim_set_current_win(win)
    end
  end)
  if not ok then
    notify('could not show ' .. fname .. ': ' .. tostring(err), vim.log.levels.ERROR)
    return { success = false }
  end
  return { success = true }
end

local LEVELS = {
  failed = vim.log.levels.ERROR,
  budget_stopped = vim.log.levels.WARN,
  cancelled = vim.log.levels.WARN,
  resumable = vim.log.levels.WARN,
  ready = vim.log.levels.INFO,
  done = vim.log.levels.INFO,
}

--- The notification for a status that ended a phase: what happened and, when the task has phases left,
--- the command that runs the next one.
--- @param status tierwise.Status
--- @return string
function M.outcome_text(status)
  local text = state.describe(status)
  if state.outcome(status) == 'ready' then
    text = status.message and status.message ~= '' and status.message or text
    if type(status.nextPhase) == 'string' then
      text = ('%s (:Tierwise %s)'):format(text, status.nextPhase)
    end
  elseif status.message and status.message ~= '' then
    text = text .. ': ' .. status.message
  end
  return text
end

--- `tierwise/status` notification: remember it, refresh statuslines, tell the user when a task stops.
--- @param params table
function M.status(_, params)
  local previous = type(params) == 'table' and state.tasks[params.taskId or ''] or nil
  local was = previous and previous.state
  local status = state.update(params)
  if not status then
    return
  end
  vim.cmd('redrawstatus!')
  pcall(vim.api.nvim_exec_autocmds, 'User', { pattern = 'TierwiseStatus', data = status, modeline = false })
  if state.is_finished(status.state) and (status.state ~= was or status.phase ~= (previous and previous.phase)) then
    local level = LEVELS[state.outcome(status)] or vim.log.levels.INFO
    if level > vim.log.levels.INFO or config.get().notify_progress then
      notify(M.outcome_text(status), level)
    end
  end
end

return M
