/** The single argument object of each server command, built from what the user gave. */

export interface Selection {
  path: string; // workspace-relative, for the task text
  uri: string;
  languageId: string;
  startLine: number; // 1-based
  endLine: number; // 1-based, inclusive
  text: string;
}

/** The selected lines, fenced, with the file and line numbers. */
export function selectionBlock(selection: Selection): string {
  return (
    `Selected lines ${selection.startLine}-${selection.endLine} of ${selection.path}:\n` +
    '```' + `${selection.languageId}\n${selection.text.replace(/\n$/, '')}\n` + '```'
  );
}

export interface TaskArgs {
  task: string;
  uris?: string[];
}

/** `tierwise.plan` / `tierwise.run`: the task text, plus the selection and its file when there is one. */
export function taskArgs(task: string, selection?: Selection): TaskArgs | string {
  const text = task.trim();
  if (text === '' && !selection) {
    return 'Give a task, e.g. "add a --verbose flag".';
  }
  if (!selection) {
    return { task: text };
  }
  const full = text === '' ? selectionBlock(selection) : `${text}\n\n${selectionBlock(selection)}`;
  return { task: full, uris: [selection.uri] };
}

/** Commands on one task: the given id, else the current one; undefined when there is none. */
export function taskIdArgs(taskId: string | undefined): { taskId: string } | undefined {
  return taskId ? { taskId } : undefined;
}

/** Commands whose task defaults to the server's latest: `{}` when no task is known. */
export function optionalTaskIdArgs(taskId: string | undefined): { taskId?: string } {
  return taskId ? { taskId } : {};
}

/** A long command's answer `{taskId, phase}`, or undefined. */
export function startedTask(result: unknown): { taskId: string; phase?: string } | undefined {
  if (typeof result === 'object' && result !== null && typeof (result as { taskId?: unknown }).taskId === 'string') {
    const { taskId, phase } = result as { taskId: string; phase?: unknown };
    return { taskId, phase: typeof phase === 'string' ? phase : undefined };
  }
  return undefined;
}
