/** Markdown and text for the answers of `tierwise.cost` and `tierwise.status`. */
import { commandLines, cooling, money, type TaskCommands, type TaskStatus } from './status';

export interface TierCost {
  calls?: number;
  costUsd?: number;
  frontierCostUsd?: number;
}

export interface CostAnswer {
  taskId?: string | null;
  calls?: number;
  costUsd?: number;
  frontierCostUsd?: number;
  savedUsd?: number;
  byTier?: Record<string, TierCost>;
}

export interface TaskSummary {
  id: string;
  task?: string;
  phase?: string;
  status?: string;
  cost_usd?: number;
  saved_usd?: number;
  message?: string | null;
}

export interface StatusAnswer {
  running?: { taskId: string; phase: string }[];
  configured?: boolean;
  configError?: string | null;
  modelStackReady?: boolean;
  trusted?: boolean;
  trustNote?: string | null;
  cooldowns?: TaskStatus['cooldowns'];
  commands?: TaskCommands | null;
  tasks?: TaskSummary[];
  task?: TaskSummary;
}

const num = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) ? value : 0);

/** The cost table as Markdown: one row per tier, the total, and what routing saved. */
export function costMarkdown(cost: CostAnswer | null | undefined): string {
  const scope = cost?.taskId ? `task ${cost.taskId}` : 'all tasks';
  const lines = [`# tierwise cost — ${scope}`, ''];
  if (!cost || num(cost.calls) === 0) {
    lines.push('No model calls yet.');
    return lines.join('\n') + '\n';
  }
  lines.push('| tier | calls | cost | on frontier |', '|---|---:|---:|---:|');
  const tiers = Object.keys(cost.byTier ?? {}).sort();
  for (const tier of tiers) {
    const row = cost.byTier?.[tier] ?? {};
    lines.push(`| ${tier} | ${num(row.calls)} | ${money(row.costUsd)} | ${money(row.frontierCostUsd)} |`);
  }
  lines.push(`| **total** | ${num(cost.calls)} | ${money(cost.costUsd)} | ${money(cost.frontierCostUsd)} |`, '');
  const frontier = num(cost.frontierCostUsd);
  const saved = num(cost.savedUsd);
  const share = frontier > 0 ? ` (${Math.round((saved / frontier) * 100)}%)` : '';
  lines.push(`Routing saved ${money(saved)}${share} against running every call on the frontier tier.`);
  return lines.join('\n') + '\n';
}

/** One line per task for a quick pick: label and description. */
export function taskPickItem(task: TaskSummary): { label: string; description: string; detail: string } {
  const text = (task.task ?? '').replace(/\s+/g, ' ').trim();
  return {
    label: task.id,
    description: `${task.phase ?? '?'} · ${task.status ?? '?'} · ${money(task.cost_usd)}`,
    detail: text.length > 80 ? `${text.slice(0, 77)}...` : text,
  };
}

/** Tasks from a status answer, newest first. */
export function tasksNewestFirst(answer: StatusAnswer | null | undefined): TaskSummary[] {
  return [...(answer?.tasks ?? [])].reverse();
}

/**
 * The answer of `tierwise.status` as Markdown: configuration, running tasks, cooled-down tiers, the test and lint
 * commands (and the ones the current task recorded, when the server answered for another), recent tasks.
 */
export function statusMarkdown(answer: StatusAnswer | null | undefined, current?: TaskStatus): string {
  const lines = ['# tierwise status', ''];
  if (answer?.trusted === false) {
    lines.push(`- ${answer.trustNote ?? 'untrusted workspace'}`);
  }
  if (answer?.configError) {
    lines.push(`- configuration error: ${answer.configError}`);
  } else if (answer?.configured === false) {
    lines.push('- not configured yet');
  }
  for (const item of answer?.running ?? []) {
    lines.push(`- running: ${item.taskId} (${item.phase})`);
  }
  const cooled = cooling({ taskId: '-', cooldowns: answer?.cooldowns });
  if (cooled) {
    lines.push(`- cooling down: ${cooled}`);
  }
  const theirs = answer?.commands;
  const mine = current?.commands;
  const commands = commandLines(theirs);
  if (mine?.recorded && (!theirs?.recorded || theirs.taskId !== mine.taskId)) {
    commands.push(...commandLines(mine));
  }
  lines.push(...commands.map((line) => `- ${line}`));
  const tasks = tasksNewestFirst(answer).slice(0, 10);
  lines.push('', tasks.length > 0 ? '## Tasks (newest first)' : 'No tasks yet: start one with "Tierwise: Plan Task…".');
  for (const task of tasks) {
    const item = taskPickItem(task);
    lines.push(`- ${item.label} · ${item.description}${item.detail ? ` — ${item.detail}` : ''}`);
  }
  return lines.join('\n') + '\n';
}
