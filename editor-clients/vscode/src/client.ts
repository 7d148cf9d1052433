/**
 * The language client: starts `tierwise serve`, sends settings, and installs the handlers that make the loop
 * comfortable in VS Code — edits saved like the server expects, documents opened beside the editor, progress
 * in a notification with a Cancel button, and `tierwise/status` to the status bar.
 */
import * as vscode from 'vscode';
import {
  ApplyWorkspaceEditRequest,
  type ApplyWorkspaceEditParams,
  type ApplyWorkspaceEditResult,
  type ClientCapabilities,
  type LanguageClientOptions,
  type ResponseError,
  type ShowDocumentParams,
  type ShowDocumentResult,
  type StaticFeature,
  WorkDoneProgressCreateRequest,
} from 'vscode-languageclient';
import { LanguageClient, type ServerOptions, TransportKind } from 'vscode-languageclient/node';
import { STATUS_NOTIFICATION } from './constants';
import { type OpenDocument, staleReason, urisToSave } from './edits';
import { NotificationProgress } from './progress';
import type { ServerCommand } from './serverCommand';
import { initializationOptions } from './settings';

export interface ClientHooks {
  settings(): Record<string, unknown>;
  /** `vscode.workspace.isTrusted`, sent as `initializationOptions.trusted`. */
  trusted(): boolean;
  onStatus(params: unknown): void;
  planBeside(): boolean;
}

/** Open documents by URI string: version and whether they hold unsaved changes. */
function openDocuments(): Map<string, OpenDocument> {
  const map = new Map<string, OpenDocument>();
  for (const document of vscode.workspace.textDocuments) {
    map.set(document.uri.toString(), { version: document.version, isDirty: document.isDirty });
  }
  return map;
}

/** `workspace/applyEdit`: refuse a stale edit with its reason; after applying, save what was clean before. */
export async function applyEdit(client: LanguageClient, params: ApplyWorkspaceEditParams): Promise<ApplyWorkspaceEditResult> {
  const before = openDocuments();
  const normalized = new Map([...before].map(([uri, doc]) => [client.protocol2CodeConverter.asUri(uri).toString(), doc]));
  const edit = params.edit;
  const byCodeUri = {
    ...edit,
    documentChanges: edit.documentChanges?.map((change) =>
      'textDocument' in change
        ? { ...change, textDocument: { ...change.textDocument, uri: client.protocol2CodeConverter.asUri(change.textDocument.uri).toString() } }
        : change,
    ),
  };
  const stale = staleReason(byCodeUri, normalized, (uri) => vscode.workspace.asRelativePath(vscode.Uri.parse(uri)));
  if (stale) {
    return { applied: false, failureReason: stale };
  }
  const converted = await client.protocol2CodeConverter.asWorkspaceEdit(edit);
  const applied = await vscode.workspace.applyEdit(converted);
  if (!applied) {
    return { applied: false, failureReason: 'VS Code did not apply the edit' };
  }
  for (const uri of urisToSave(byCodeUri, normalized)) {
    const document = vscode.workspace.textDocuments.find((doc) => doc.uri.toString() === uri);
    if (document?.isDirty) {
      await document.save();
    }
  }
  return { applied: true };
}

/** `window/showDocument`: PLAN.md and reports open beside the code (or where they are already shown). */
export async function showDocument(params: ShowDocumentParams, beside: boolean): Promise<ShowDocumentResult> {
  const uri = vscode.Uri.parse(params.uri);
  if (params.external) {
    return { success: await vscode.env.openExternal(uri) };
  }
  try {
    const document = await vscode.workspace.openTextDocument(uri);
    const visible = vscode.window.visibleTextEditors.find((editor) => editor.document.uri.toString() === uri.toString());
    const column = visible?.viewColumn ?? (beside ? vscode.ViewColumn.Beside : vscode.ViewColumn.Active);
    const selection = params.selection
      ? new vscode.Range(
          params.selection.start.line,
          params.selection.start.character,
          params.selection.end.line,
          params.selection.end.character,
        )
      : undefined;
    await vscode.window.showTextDocument(document, {
      viewColumn: column,
      preserveFocus: params.takeFocus === false,
      preview: false,
      selection,
    });
    return { success: true };
  } catch {
    return { success: false };
  }
}

/**
 * Tells the server that this client shows `tierwise/status` itself (`experimental.tierwise.status`), so a failed
 * phase is shown once — from the final status — and not also as a `window/showMessage` toast.
 */
export const statusFeature: StaticFeature = {
  fillClientCapabilities(capabilities: ClientCapabilities): void {
    const experimental = (capabilities.experimental ?? {}) as Record<string, unknown>;
    capabilities.experimental = { ...experimental, tierwise: { status: true } };
  },
  initialize(): void {},
  getState: () => ({ kind: 'static' }),
  clear(): void {},
};

export function createClient(server: ServerCommand, cwd: string | undefined, hooks: ClientHooks): LanguageClient {
  const serverOptions: ServerOptions = {
    command: server.command,
    args: server.args,
    transport: TransportKind.stdio,
    options: cwd ? { cwd } : {},
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ scheme: 'file' }],
    initializationOptions: initializationOptions(hooks.settings(), hooks.trusted()),
    outputChannelName: 'tierwise',
    middleware: {
      workspace: {
        // The server asks for the section "tierwise": answer with the translated, explicitly set settings only.
        configuration: async (params, token, next) => {
          const answers: unknown = await next(params, token);
          if (!Array.isArray(answers)) {
            return answers as ResponseError;
          }
          const values = answers as unknown[];
          return params.items.map((item, index) => (item.section === 'tierwise' ? hooks.settings() : values[index]));
        },
      },
      window: {
        showDocument: (params) => showDocument(params, hooks.planBeside()),
      },
    },
  };
  const client = new LanguageClient('tierwise', 'tierwise', serverOptions, clientOptions);
  client.registerFeature(statusFeature);
  client.onRequest(ApplyWorkspaceEditRequest.type, (params) => applyEdit(client, params));
  client.onNotification(STATUS_NOTIFICATION, (params: unknown) => hooks.onStatus(params));
  return client;
}

/** After start: progress notifications replace the client's status bar spinner. */
export function installProgress(client: LanguageClient): NotificationProgress {
  const progress = new NotificationProgress(client);
  client.onRequest(WorkDoneProgressCreateRequest.type, (params) => {
    progress.create(params.token);
    return null;
  });
  return progress;
}
