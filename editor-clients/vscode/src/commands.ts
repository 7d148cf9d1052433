/** The palette commands: ask what is needed, call the server command, say what happened. No loop logic. */
import * as vscode from 'vscode';
import { optionalTaskIdArgs, type Selection, startedTask, type TaskArgs, taskArgs, taskIdArgs } from './args';
import { NEEDS_TRUST, SERVER, TITLES, UI, type UiCommand } from './constants';
import { costMarkdown, type CostAnswer, type StatusAnswer, statusMarkdown, taskPickItem, tasksNewestFirst } from './format';
import type { TaskStore } from './status';

/** What the commands need from the rest of the extension (stand-ins in tests). */
export interface CommandHost {
  /** `workspace/executeCommand` with one argument object; rejects with the server's error. */
  execute(command: string, args: object): Promise<unknown>;
  store: TaskStore;
  refresh(): void;
  restart(): Promise<void>;
  isTrusted(): boolean;
}

function errorText(err: unknown): string {
  if (err instanceof Error) {
    return err.message;
  }
  return typeof err === 'string' ? err : JSON.stringify(err);
}

/** The active editor's non-empty selection, as the server's task text wants it. */
export function activeSelection(): Selection | undefined {
  const editor = vscode.window.activeTextEditor;
  if (!editor || editor.selection.isEmpty || editor.document.uri.scheme !== 'file') {
    return undefined;
  }
  const { start, end } = editor.selection;
  const lastLine = end.character === 0 && end.line > start.line ? end.line - 1 : end.line;
  const range = new vscode.Range(start.line, 0, lastLine, editor.document.lineAt(lastLine).text.length);
  return {
    path: vscode.workspace.asRelativePath(editor.document.uri),
    uri: editor.document.uri.toString(),
    languageId: editor.document.languageId,
    startLine: start.line + 1,
    endLine: lastLine + 1,
    text: editor.document.getText(range),
  };
}

export class Commands {
  constructor(private readonly host: CommandHost) {}

  register(context: vscode.ExtensionContext): void {
    const table: Record<UiCommand, () => Promise<void>> = {
      [UI.planTask]: () => this.startTask(UI.planTask, SERVER.plan),
      [UI.runLoop]: () => this.startTask(UI.runLoop, SERVER.run),
      [UI.refinePlan]: () => this.onTask(UI.refinePlan, SERVER.refine),
      [UI.implementPlan]: () => this.onTask(UI.implementPlan, SERVER.implement),
      [UI.testAndFix]: () => this.onLatest(UI.testAndFix, SERVER.testFix),
      [UI.reviewChanges]: () => this.onLatest(UI.reviewChanges, SERVER.review),
      [UI.cancel]: () => this.cancel(),
      [UI.undoTask]: () => this.undo(),
      [UI.showCost]: () => this.showCost(),
      [UI.showStatus]: () => this.showStatus(),
      [UI.showContext]: () => this.showContext(),
      [UI.restartServer]: () => this.host.restart(),
    };
    for (const [id, run] of Object.entries(table) as [UiCommand, () => Promise<void>][]) {
      context.subscriptions.push(vscode.commands.registerCommand(id, () => this.guard(id, run)));
    }
  }

  /** Restricted Mode check, then the command; errors become one message naming the command. */
  async guard(id: UiCommand, run: () => Promise<void>): Promise<void> {
    if (NEEDS_TRUST.has(id) && !this.host.isTrusted()) {
      const choice = await vscode.window.showWarningMessage(
        `tierwise: "${TITLES[id]}" runs the project's test and lint commands, which Restricted Mode does not allow. Trust this workspace to use it.`,
        'Manage Workspace Trust',
      );
      if (choice === 'Manage Workspace Trust') {
        await vscode.commands.executeCommand('workbench.trust.manage');
      }
      return;
    }
    try {
      await run();
    } catch (err) {
      void vscode.window.showErrorMessage(`tierwise: ${TITLES[id]} failed: ${errorText(err)}`);
    }
  }

  private started(result: unknown): void {
    const started = startedTask(result);
    if (started) {
      this.host.store.started(started.taskId, started.phase);
      this.host.refresh();
    }
  }

  /** Asks for a task (the active selection is added); the server command's argument, or undefined. */
  private async askTask(title: string, prompt: string): Promise<TaskArgs | undefined> {
    const selection = activeSelection();
    const task = await vscode.window.showInputBox({
      title,
      prompt: selection
        ? `${prompt} The selected lines ${selection.startLine}-${selection.endLine} of ${selection.path} are added.`
        : prompt,
      placeHolder: 'e.g. add a --verbose flag to the CLI',
      ignoreFocusOut: true,
    });
    if (task === undefined) {
      return undefined;
    }
    const args = taskArgs(task, selection);
    if (typeof args === 'string') {
      void vscode.window.showWarningMessage(`tierwise: ${args}`);
      return undefined;
    }
    return args;
  }

  /** Markdown in a preview editor beside the current one. */
  private async showBeside(content: string): Promise<void> {
    const document = await vscode.workspace.openTextDocument({ language: 'markdown', content });
    await vscode.window.showTextDocument(document, { viewColumn: vscode.ViewColumn.Beside, preview: true });
  }

  async startTask(id: UiCommand, command: string): Promise<void> {
    const args = await this.askTask(`tierwise: ${TITLES[id].replace('…', '')}`, 'What should tierwise do?');
    if (args) {
      this.started(await this.host.execute(command, args));
    }
  }

  /** The current task, else one the user picks from the server's list; undefined when there is none. */
  async chooseTask(purpose: string): Promise<string | undefined> {
    if (this.host.store.current) {
      return this.host.store.current;
    }
    const answer = (await this.host.execute(SERVER.status, {})) as StatusAnswer;
    const tasks = tasksNewestFirst(answer);
    if (tasks.length === 0) {
      void vscode.window.showInformationMessage('tierwise: there is no task yet. Start one with "Tierwise: Plan Task…".');
      return undefined;
    }
    const picked = await vscode.window.showQuickPick(tasks.map(taskPickItem), {
      title: `tierwise: which task to ${purpose}?`,
    });
    return picked?.label;
  }

  async onTask(id: UiCommand, command: string): Promise<void> {
    const args = taskIdArgs(await this.chooseTask(TITLES[id].toLowerCase()));
    if (args) {
      this.started(await this.host.execute(command, args));
    }
  }

  async onLatest(_id: UiCommand, command: string): Promise<void> {
    this.started(await this.host.execute(command, optionalTaskIdArgs(this.host.store.current)));
  }

  async cancel(): Promise<void> {
    let running = this.host.store.running().map((status) => status.taskId);
    if (running.length === 0) {
      const answer = (await this.host.execute(SERVER.status, {})) as StatusAnswer;
      running = (answer.running ?? []).map((entry) => entry.taskId);
    }
    if (running.length === 0) {
      void vscode.window.showInformationMessage('tierwise: nothing is running.');
      return;
    }
    const taskId =
      running.length === 1 ? running[0] : await vscode.window.showQuickPick(running, { title: 'tierwise: cancel which task?' });
    if (!taskId) {
      return;
    }
    const result = (await this.host.execute(SERVER.cancel, { taskId })) as { cancelled?: boolean; message?: string };
    if (result?.cancelled === false) {
      void vscode.window.showInformationMessage(`tierwise: ${result.message ?? 'the task is not running'}`);
    }
  }

  async undo(): Promise<void> {
    const taskId = await this.chooseTask('undo');
    if (!taskId) {
      return;
    }
    const confirm = await vscode.window.showWarningMessage(
      `Undo tierwise task ${taskId}? The files it changed are put back as they were before it.`,
      { modal: true },
      'Undo',
    );
    if (confirm !== 'Undo') {
      return;
    }
    let result: { restored?: string[] };
    try {
      result = (await this.host.execute(SERVER.undo, { taskId })) as { restored?: string[] };
    } catch (err) {
      const again = await vscode.window.showWarningMessage(
        `tierwise: ${errorText(err)}`,
        { modal: true },
        'Undo Anyway',
      );
      if (again !== 'Undo Anyway') {
        return;
      }
      result = (await this.host.execute(SERVER.undo, { taskId, force: true })) as { restored?: string[] };
    }
    const restored = result?.restored ?? [];
    void vscode.window.showInformationMessage(
      restored.length > 0 ? `tierwise: put back ${restored.join(', ')}` : 'tierwise: nothing to put back',
    );
  }

  async showCost(): Promise<void> {
    const current = this.host.store.current;
    const parts: string[] = [];
    if (current) {
      parts.push(costMarkdown((await this.host.execute(SERVER.cost, { taskId: current })) as CostAnswer));
    }
    parts.push(costMarkdown((await this.host.execute(SERVER.cost, {})) as CostAnswer));
    await this.showBeside(parts.join('\n'));
  }

  /** The server's status: running tasks, cooled-down tiers, the recorded (or next) test and lint commands, tasks. */
  async showStatus(): Promise<void> {
    const answer = (await this.host.execute(SERVER.status, {})) as StatusAnswer;
    await this.showBeside(statusMarkdown(answer, this.host.store.currentStatus()));
  }

  /** The code the planner would see for a task (definitions, outlines, repo map, why each was picked). */
  async showContext(): Promise<void> {
    const args = await this.askTask('tierwise: Show Context', 'Which task? tierwise shows the code its planner would see for it.');
    if (!args) {
      return;
    }
    const answer = (await this.host.execute(SERVER.showContext, args)) as { markdown?: string; text?: string };
    await this.showBeside(answer?.markdown ?? answer?.text ?? '(no context)');
  }
}
