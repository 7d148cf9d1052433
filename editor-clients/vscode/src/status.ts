/** What the extension knows about tasks from `tierwise/status` notifications, and how it is shown. */

export interface TaskStatus {
  taskId: string;
  phase?: string | null;
  tier?: string | null;
  model?: string | null;
  state?: string | null;
  costUsd?: number | null;
  savedUsd?: number | null;
  message?: string | null;
}

const FINISHED = new Set(['done', 'failed', 'budget_stopped', 'cancelled', 'resumable']);

export function isFinished(state: string | null | undefined): boolean {
  return state != null && FINISHED.has(state);
}

/**
 * The outcome for people: a phase that ended well while the task has phases left comes from the server as
 * `resumable` with no message, which reads as `done`; a cancelled task is `resumable` with a message.
 */
export function outcome(status: TaskStatus | undefined): string {
  if (!status?.state) {
    return 'running';
  }
  if (status.state === 'resumable' && !status.message) {
    return 'done';
  }
  return status.state;
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

/** Task id → last status; the current task is the last one started here or reporting. */
export class TaskStore {
  private readonly tasks = new Map<string, TaskStatus>();
  current: string | undefined;

  /** Merge a notification (absent or null fields keep their value); returns the merged status. */
  update(params: unknown): TaskStatus | undefined {
    if (!isStatus(params)) {
      return undefined;
    }
    const previous = this.tasks.get(params.taskId) ?? { taskId: params.taskId };
    const merged: TaskStatus = { ...previous };
    for (const [key, value] of Object.entries(params)) {
      if (value !== null && value !== undefined) {
        (merged as unknown as Record<string, unknown>)[key] = value;
      }
    }
    this.tasks.set(params.taskId, merged);
    this.current = params.taskId;
    return merged;
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
  const icon = result === 'running' ? '$(sync~spin)' : result === 'done' ? '$(check)' : '$(warning)';
  const parts = [status.phase ?? 'task'];
  if (result !== 'running') {
    parts[0] += ` ${result.replace(/_/g, ' ')}`;
  }
  if (status.tier) {
    parts.push(status.tier);
  }
  let cost = money(status.costUsd);
  if (typeof status.savedUsd === 'number' && status.savedUsd > 0) {
    cost += ` (saved ${money(status.savedUsd)})`;
  }
  parts.push(cost);
  const tooltip = [
    `tierwise task ${status.taskId}`,
    `phase: ${status.phase ?? '?'} (${outcome(status)})`,
    status.tier ? `tier: ${status.tier}${status.model ? ` — ${status.model}` : ''}` : undefined,
    `cost: ${money(status.costUsd)}, saved against the frontier tier: ${money(status.savedUsd)}`,
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
  parts.push(money(status.costUsd));
  const head = parts.join(' · ');
  return status.message ? `${head} — ${status.message}` : head;
}
