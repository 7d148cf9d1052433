/** What the extension knows about tasks from `tierwise/status` notifications, and how it is shown. */

export interface TaskStatus {
  taskId: string;
  phase?: string | null;
  tier?: string | null;
  model?: string | null;
  /** running | ready | done | failed | budget_stopped | cancelled | resumable */
  state?: string | null;
  costUsd?: number | null;
  savedUsd?: number | null;
  message?: string | null;
  /** With state `ready`: the phase to run next. */
  nextPhase?: string | null;
  /** The task's budget ceiling (configured + what the user raised); absent: no per-task ceiling. */
  ceilingUsd?: number | null;
  /** Deployments cooling down after repeated failures (gateway.allowed_fails / cooldown_time_s). */
  cooldowns?: { tier?: string; model?: string; remainingS?: number; reason?: string | null }[] | null;
  /** The task's test and lint commands, recorded in task.json when it started. */
  commands?: TaskCommands | null;
}

/**
 * Test and lint commands as the server reports them: a task's recorded ones (`recorded`), or the ones a new task
 * would record (`source`: configured or detected; `problem`: why it could not start).
 */
export interface TaskCommands {
  taskId?: string | null;
  test?: string | null;
  lint?: string | null;
  recorded?: boolean;
  source?: string | null;
  problem?: string | null;
}

/** Lines naming the test (and lint) command: `test command (recorded by task t1): pytest -q`. */
export function commandLines(commands: TaskCommands | null | undefined): string[] {
  if (!commands || typeof commands !== 'object') {
    return [];
  }
  const lines = commands.recorded
    ? [`test command (recorded by task ${commands.taskId ?? '?'}): ${commands.test || 'none'}`]
    : [`test command a new task would record: ${commands.test || 'none'}${commands.source ? ` (${commands.source})` : ''}`];
  if (commands.lint) {
    lines.push(`lint command: ${commands.lint}`);
  }
  if (commands.problem) {
    lines.push(`problem: ${commands.problem}`);
  }
  return lines;
}

/** Spend against the ceiling: `$0.0123 of $1.00`, or just the spend without a ceiling. */
export function spend(status: TaskStatus): string {
  const cost = money(status.costUsd);
  return typeof status.ceilingUsd === 'number' ? `${cost} of ${money(status.ceilingUsd)}` : cost;
}

/** Cooled-down tiers in a few words: `mid cooling 42s`. */
export function cooling(status: TaskStatus): string | undefined {
  const items = (status.cooldowns ?? []).filter((c) => c && c.tier);
  if (items.length === 0) {
    return undefined;
  }
  return items.map((c) => `${c.tier} cooling ${Math.ceil(c.remainingS ?? 0)}s`).join(', ');
}

const FINISHED = new Set(['ready', 'done', 'failed', 'budget_stopped', 'cancelled', 'resumable']);

export function isFinished(state: string | null | undefined): boolean {
  return state != null && FINISHED.has(state);
}

/**
 * The state as the server reports it (`running` until it says otherwise): `ready` — the phase finished cleanly
 * and the task has phases left (`nextPhase`); `resumable` — interrupted, the message says how to resume;
 * `done` — every requested phase finished.
 */
export function outcome(status: TaskStatus | undefined): string {
  return status?.state ? status.state : 'running';
}

/** The phase and its outcome in words: `implement`, `plan finished, next: refine`, `fix interrupted`, `review done`. */
export function describe(status: TaskStatus): string {
  const phase = status.phase ?? 'task';
  const result = outcome(status);
  if (result === 'running') {
    return phase;
  }
  if (result === 'ready') {
    return status.nextPhase ? `${phase} finished, next: ${status.nextPhase}` : `${phase} finished`;
  }
  if (result === 'resumable') {
    return `${phase} interrupted`;
  }
  return `${phase} ${result.replace(/_/g, ' ')}`;
}

/** Dollars with enough digits that small model calls are not shown as $0.00. */
export function money(usd: number | null | undefined): string {
  const value = typeof usd === 'number' && Number.isFinite(usd) ? usd : 0;
  return value !== 0 && Math.abs(value) < 1 ? `$${value.toFixed(4)}` : `$${value.toFixed(2)}`;
}

function isStatus(value: unknown): value is TaskStatus {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { taskId?: unknown }).taskId === 'string' &&
    (value as { taskId: string }).taskId !== ''
  );
}

/** Fields a `null` leaves as they were within one phase (progress events without a model call carry none). */
const STICKY = new Set(['tier', 'model', 'costUsd', 'savedUsd']);

/** Task id → last status; the current task is the last one started here or reporting. */
export class TaskStore {
  private readonly tasks = new Map<string, TaskStatus>();
  current: string | undefined;

  /**
   * Merge a notification; returns the merged status. A status of another phase starts afresh; within a phase,
   * absent fields keep their value, and so does a null tier, model or cost (a null state, message or nextPhase
   * clears it).
   */
  update(params: unknown): TaskStatus | undefined {
    if (!isStatus(params)) {
      return undefined;
    }
    const previous = this.tasks.get(params.taskId) ?? { taskId: params.taskId };
    const samePhase = params.phase == null || params.phase === previous.phase;
    const merged: Record<string, unknown> = samePhase ? { ...previous } : { taskId: params.taskId };
    for (const [key, value] of Object.entries(params)) {
      if (value !== null && value !== undefined) {
        merged[key] = value;
      } else if (value === null && !STICKY.has(key)) {
        delete merged[key];
      }
    }
    const status = merged as unknown as TaskStatus;
    this.tasks.set(params.taskId, status);
    this.current = params.taskId;
    return status;
  }

  started(taskId: string, phase?: string): void {
    if (!this.tasks.has(taskId)) {
      this.tasks.set(taskId, { taskId, phase, state: 'running' });
    }
    this.current = taskId;
  }

  get(taskId: string | undefined): TaskStatus | undefined {
    return taskId === undefined ? undefined : this.tasks.get(taskId);
  }

  currentStatus(): TaskStatus | undefined {
    return this.get(this.current);
  }

  running(): TaskStatus[] {
    return [...this.tasks.values()].filter((status) => !isFinished(status.state));
  }
}

export interface StatusBarView {
  text: string;
  tooltip: string;
}

/** Status bar text (phase, tier, cost, saving) and tooltip (model, state, message). */
export function statusBarView(status: TaskStatus | undefined): StatusBarView {
  if (!status) {
    return { text: '$(circle-outline) tierwise', tooltip: 'tierwise: no task yet. Click for the cost table.' };
  }
  const result = outcome(status);
  const icons: Record<string, string> = {
    running: '$(sync~spin)',
    done: '$(check)',
    ready: '$(arrow-right)',
    waiting: '$(question)',
  };
  const icon = icons[result] ?? '$(warning)';
  const parts = [describe(status)];
  if (status.tier) {
    parts.push(status.tier);
  }
  let cost = spend(status);
  if (typeof status.savedUsd === 'number' && status.savedUsd > 0) {
    cost += ` (saved ${money(status.savedUsd)})`;
  }
  parts.push(cost);
  const cooled = cooling(status);
  if (cooled) {
    parts.push(cooled);
  }
  const tooltip = [
    `tierwise task ${status.taskId}`,
    `phase: ${status.phase ?? '?'} (${outcome(status)}${status.nextPhase ? `; next: ${status.nextPhase}` : ''})`,
    status.tier ? `tier: ${status.tier}${status.model ? ` — ${status.model}` : ''}` : undefined,
    `cost: ${spend(status)}, saved against the frontier tier: ${money(status.savedUsd)}`,
    cooling(status) ? `cooling down: ${cooling(status)}` : undefined,
    ...commandLines(status.commands),
    status.message ? status.message : undefined,
    'Click for the cost table.',
  ]
    .filter((line): line is string => line !== undefined)
    .join('\n');
  return { text: `${icon} ${parts.join(' · ')}`, tooltip };
}

/** Text of a progress notification report for a status. */
export function progressMessage(status: TaskStatus): string {
  const parts = [status.phase ?? 'task'];
  if (status.tier) {
    parts.push(status.model ? `${status.tier} (${status.model})` : status.tier);
  }
  parts.push(spend(status));
  const head = parts.join(' · ');
  return status.message ? `${head} — ${status.message}` : head;
}
