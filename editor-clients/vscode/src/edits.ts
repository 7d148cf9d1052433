/** Checks on a `workspace/applyEdit` before it is applied, and which documents to save after it. */

export interface TextDocumentEditLike {
  textDocument: { uri: string; version: number | null };
  edits: unknown[];
}

export interface WorkspaceEditLike {
  documentChanges?: (TextDocumentEditLike | { kind: string; uri?: string; newUri?: string })[];
  changes?: Record<string, unknown[]>;
}

export interface OpenDocument {
  version: number;
  isDirty: boolean;
}

function isTextDocumentEdit(change: unknown): change is TextDocumentEditLike {
  return typeof change === 'object' && change !== null && 'textDocument' in change && 'edits' in change;
}

/** Why the edit must be refused (a document moved past the version it was made for), or undefined. */
export function staleReason(
  edit: WorkspaceEditLike,
  openDocuments: ReadonlyMap<string, OpenDocument>,
  label: (uri: string) => string = (uri) => uri,
): string | undefined {
  for (const change of edit.documentChanges ?? []) {
    if (!isTextDocumentEdit(change)) {
      continue;
    }
    const { uri, version } = change.textDocument;
    if (typeof version !== 'number' || version < 0) {
      continue;
    }
    const open = openDocuments.get(uri);
    if (open && open.version !== version) {
      return `${label(uri)} changed in the editor (version ${open.version}, edit made for ${version})`;
    }
  }
  return undefined;
}

/** URIs an edit writes to. */
export function touchedUris(edit: WorkspaceEditLike): string[] {
  const uris: string[] = [];
  for (const change of edit.documentChanges ?? []) {
    if (isTextDocumentEdit(change)) {
      uris.push(change.textDocument.uri);
    } else if (change.kind === 'create' && change.uri) {
      uris.push(change.uri);
    } else if (change.kind === 'rename' && change.newUri) {
      uris.push(change.newUri);
    }
  }
  uris.push(...Object.keys(edit.changes ?? {}));
  return [...new Set(uris)];
}

/**
 * tierwise's own task documents (`.tierwise/tasks/<id>/PLAN.md`): what tierwise writes there was made from the
 * whole document, unsaved text included, so they are saved after its edits even when they were dirty.
 */
export function isTaskDocument(uri: string): boolean {
  return /\/\.tierwise\/tasks\/[^/]+\/[^/]+\.md$/.test(uri);
}

/**
 * Documents to save after the edit: those it touched that had no unsaved changes before, and task documents. A
 * document with the user's unsaved text stays unsaved (the server leaves its file alone too).
 */
export function urisToSave(edit: WorkspaceEditLike, openBefore: ReadonlyMap<string, OpenDocument>): string[] {
  return touchedUris(edit).filter((uri) => isTaskDocument(uri) || !(openBefore.get(uri)?.isDirty ?? false));
}
