/**
 * VS Code settings (`tierwise.*`) → the server's configuration keys (those of `.tierwise.toml`).
 *
 * Only values the user set explicitly (user, workspace or folder settings) are sent: VS Code's defaults must
 * not override the workspace's `.tierwise.toml`, which ranks below editor settings on the server.
 */

/** Setting key (after `tierwise.`) → path in the server configuration. */
export const SETTING_PATHS: Readonly<Record<string, readonly string[]>> = {
  tiers: ['tiers'],
  routes: ['routes'],
  escalateAfter: ['escalate_after'],
  frontierTier: ['frontier_tier'],
  tierOrder: ['tier_order'],
  'budget.perTaskUsd': ['budget', 'per_task_usd'],
  'budget.perDayUsd': ['budget', 'per_day_usd'],
  'gateway.timeoutS': ['gateway', 'timeout_s'],
  'gateway.idleTimeoutS': ['gateway', 'idle_timeout_s'],
  'gateway.maxRetries': ['gateway', 'max_retries'],
  'gateway.backoffS': ['gateway', 'backoff_s'],
  'gateway.maxBackoffS': ['gateway', 'max_backoff_s'],
  'gateway.allowedFails': ['gateway', 'allowed_fails'],
  'gateway.cooldownTimeS': ['gateway', 'cooldown_time_s'],
  'loop.implementRounds': ['loop', 'implement_rounds'],
  'loop.fixRounds': ['loop', 'fix_rounds'],
  'loop.planResends': ['loop', 'plan_resends'],
  'loop.testCommand': ['loop', 'test_command'],
  'loop.lintCommand': ['loop', 'lint_command'],
  'loop.testTimeoutS': ['loop', 'test_timeout_s'],
  'loop.maxLogChars': ['loop', 'max_log_chars'],
  'context.enabled': ['context', 'enabled'],
  'context.explore': ['context', 'explore'],
  'context.share': ['context', 'share'],
  'context.planTokens': ['context', 'plan_tokens'],
  'context.implementTokens': ['context', 'implement_tokens'],
  'context.fileTokens': ['context', 'file_tokens'],
  'context.fixTokens': ['context', 'fix_tokens'],
  'context.reviewTokens': ['context', 'review_tokens'],
  'context.maxFiles': ['context', 'max_files'],
  'context.maxFileBytes': ['context', 'max_file_bytes'],
  'commands.envPassthrough': ['commands', 'env_passthrough'],
  'lsp.writeThrough': ['lsp', 'writeThrough'],
  'lsp.warmUp': ['lsp', 'warmUp'],
};

/** Settings that must not come from an untrusted workspace (they choose commands or endpoints). */
export const TRUST_SENSITIVE: ReadonlySet<string> = new Set([
  'loop.testCommand',
  'loop.lintCommand',
  'tiers',
  'commands.envPassthrough', // which of the user's variables reach model-written code
]);

/** What `WorkspaceConfiguration.inspect()` returns, reduced to what matters here. */
export interface Inspected {
  globalValue?: unknown;
  workspaceValue?: unknown;
  workspaceFolderValue?: unknown;
}

/** The explicitly set value (folder over workspace over user), or undefined. */
export function explicitValue(inspected: Inspected | undefined, trusted: boolean): unknown {
  if (!inspected) {
    return undefined;
  }
  if (trusted && inspected.workspaceFolderValue !== undefined) {
    return inspected.workspaceFolderValue;
  }
  if (trusted && inspected.workspaceValue !== undefined) {
    return inspected.workspaceValue;
  }
  return inspected.globalValue;
}

function isEmptyObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 0;
}

/**
 * The server settings from `inspect(key)` of each known setting. Workspace values of trust-sensitive settings
 * are ignored in an untrusted workspace (VS Code also ignores them there through `restrictedConfigurations`).
 */
export function serverSettings(
  inspect: (key: string) => Inspected | undefined,
  trusted: boolean,
): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [key, path] of Object.entries(SETTING_PATHS)) {
    const value = explicitValue(inspect(key), trusted || !TRUST_SENSITIVE.has(key));
    if (value === undefined || isEmptyObject(value)) {
      continue;
    }
    let node = result;
    for (const part of path.slice(0, -1)) {
      const next = node[part];
      if (typeof next !== 'object' || next === null) {
        node[part] = {};
      }
      node = node[part] as Record<string, unknown>;
    }
    node[path[path.length - 1]] = value;
  }
  return result;
}

/**
 * `initializationOptions`: the settings under the `tierwise` section the server reads, and the workspace's
 * trust (an untrusted workspace's `.tierwise.toml` is ignored and its test commands are not run).
 */
export function initializationOptions(
  settings: Record<string, unknown>,
  trusted: boolean,
): { tierwise: Record<string, unknown>; trusted: boolean } {
  return { tierwise: settings, trusted };
}

/** Settings whose change needs a server restart rather than `workspace/didChangeConfiguration`. */
export const RESTART_KEYS: readonly string[] = ['server.command', 'server.args'];
