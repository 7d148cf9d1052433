/** Entry point: wires the status bar, the palette commands and the language client together. */
import * as fs from 'fs';
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { createClient, installProgress } from './client';
import { Commands } from './commands';
import { INSTALL_COMMAND, PHASE_COMMANDS, TITLES, TRUST_NOTIFICATION, UI } from './constants';
import type { NotificationProgress } from './progress';
import { type Lookup, missingServerMessage, resolveServerCommand, type ServerCommand } from './serverCommand';
import { RESTART_KEYS, serverSettings } from './settings';
import { describe, isFinished, outcome, statusBarView, type TaskStatus, TaskStore } from './status';

/** Seams for tests: how the server is found and how the client is made. */
export interface Deps {
  isExecutable(file: string): boolean;
  createClient: typeof createClient;
}

const defaultDeps: Deps = {
  isExecutable(file: string): boolean {
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return fs.statSync(file).isFile();
    } catch {
      return false;
    }
  },
  createClient,
};

export class TierwiseExtension {
  readonly store = new TaskStore();
  readonly statusBar: vscode.StatusBarItem;
  client: LanguageClient | undefined;
  private progress: NotificationProgress | undefined;

  constructor(
    context: vscode.ExtensionContext,
    private readonly deps: Deps,
  ) {
    this.statusBar = vscode.window.createStatusBarItem('tierwise.status', vscode.StatusBarAlignment.Left, 50);
    this.statusBar.name = 'tierwise';
    this.statusBar.command = UI.showCost;
    context.subscriptions.push(this.statusBar);
  }

  settings(): Record<string, unknown> {
    const config = vscode.workspace.getConfiguration('tierwise');
    return serverSettings((key) => config.inspect(key), vscode.workspace.isTrusted);
  }

  lookup(): Lookup {
    const config = vscode.workspace.getConfiguration('tierwise');
    return {
      setting: config.get<string>('server.command') ?? '',
      args: config.get<string[]>('server.args') ?? ['serve'],
      workspaceFolders: (vscode.workspace.workspaceFolders ?? []).map((folder) => folder.uri.fsPath),
      trusted: vscode.workspace.isTrusted,
    };
  }

  refresh(): void {
    const view = statusBarView(this.store.currentStatus());
    this.statusBar.text = view.text;
    this.statusBar.tooltip = view.tooltip;
    this.statusBar.show();
  }

  onStatus(params: unknown): void {
    const status = this.store.update(params);
    if (!status) {
      return;
    }
    this.refresh();
    const result = outcome(status);
    if (!isFinished(status.state) || result === 'done') {
      return;
    }
    if (result === 'ready') {
      void this.offerNext(status);
      return;
    }
    const text = `tierwise: ${describe(status)}${status.message ? `: ${status.message}` : ''}`;
    if (result === 'failed') {
      void vscode.window.showErrorMessage(text);
    } else {
      void vscode.window.showWarningMessage(text);
    }
  }

  /** A phase finished and others remain: say so, with a button for the next phase's command. */
  private async offerNext(status: TaskStatus): Promise<void> {
    const next = status.nextPhase ? PHASE_COMMANDS[status.nextPhase] : undefined;
    const text = `tierwise: ${status.message || describe(status)}`;
    const choice = next
      ? await vscode.window.showInformationMessage(text, TITLES[next])
      : await vscode.window.showInformationMessage(text);
    if (next && choice === TITLES[next]) {
      await vscode.commands.executeCommand(next);
    }
  }

  async execute(command: string, args: object): Promise<unknown> {
    const client = this.client ?? (await this.start());
    if (!client) {
      throw new Error('the tierwise server is not running');
    }
    return client.sendRequest('workspace/executeCommand', { command, arguments: [args] });
  }

  /** Finds and starts the server; shows the install hint when it is missing. */
  async start(): Promise<LanguageClient | undefined> {
    const folders = vscode.workspace.workspaceFolders ?? [];
    if (folders.length === 0) {
      void vscode.window.showInformationMessage('tierwise: open a folder to use tierwise.');
      return undefined;
    }
    const lookup = this.lookup();
    const server: ServerCommand | undefined = resolveServerCommand(lookup, {
      isExecutable: (file) => this.deps.isExecutable(file),
      env: process.env,
      platform: process.platform,
    });
    if (!server) {
      const choice = await vscode.window.showErrorMessage(
        missingServerMessage(lookup, INSTALL_COMMAND),
        'Copy Install Command',
        'Open Settings',
      );
      if (choice === 'Copy Install Command') {
        await vscode.env.clipboard.writeText(INSTALL_COMMAND);
      } else if (choice === 'Open Settings') {
        await vscode.commands.executeCommand('workbench.action.openSettings', 'tierwise.server.command');
      }
      return undefined;
    }
    const client = this.deps.createClient(server, folders[0].uri.fsPath, {
      settings: () => this.settings(),
      trusted: () => vscode.workspace.isTrusted,
      onStatus: (params) => this.onStatus(params),
      planBeside: () => vscode.workspace.getConfiguration('tierwise').get<boolean>('planBeside') ?? true,
    });
    this.client = client;
    try {
      await client.start();
    } catch (err) {
      this.client = undefined;
      void vscode.window.showErrorMessage(`tierwise: the server (${server.command}) did not start: ${String(err)}`);
      return undefined;
    }
    this.progress = installProgress(client);
    this.refresh();
    return client;
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.progress?.clear();
    if (client) {
      await client.stop();
      await client.dispose();
    }
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  /**
   * The user trusted the workspace: tell the running server (it then reads the workspace's `.tierwise.toml`
   * and runs test commands), with the settings that Restricted Mode held back; start it if it is not running.
   */
  async onTrustGranted(): Promise<void> {
    if (!this.client) {
      await this.start();
      return;
    }
    await this.client.sendNotification(TRUST_NOTIFICATION, { trusted: true });
    await this.client.sendNotification('workspace/didChangeConfiguration', { settings: { tierwise: this.settings() } });
  }

  async onConfigurationChanged(event: vscode.ConfigurationChangeEvent): Promise<void> {
    if (!event.affectsConfiguration('tierwise')) {
      return;
    }
    if (RESTART_KEYS.some((key) => event.affectsConfiguration(`tierwise.${key}`))) {
      await this.restart();
      return;
    }
    await this.client?.sendNotification('workspace/didChangeConfiguration', { settings: { tierwise: this.settings() } });
  }
}

let extension: TierwiseExtension | undefined;

export async function activate(context: vscode.ExtensionContext, deps: Deps = defaultDeps): Promise<TierwiseExtension> {
  const ext = new TierwiseExtension(context, deps);
  extension = ext;
  new Commands({
    execute: (command, args) => ext.execute(command, args),
    store: ext.store,
    refresh: () => ext.refresh(),
    restart: () => ext.restart(),
    isTrusted: () => vscode.workspace.isTrusted,
  }).register(context);
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((event) => void ext.onConfigurationChanged(event)),
    vscode.workspace.onDidGrantWorkspaceTrust(() => void ext.onTrustGranted()),
    { dispose: () => void ext.stop() },
  );
  if ((vscode.workspace.workspaceFolders ?? []).length > 0) {
    await ext.start();
  }
  return ext;
}

export async function deactivate(): Promise<void> {
  await extension?.stop();
  extension = undefined;
}
