/**
 * A stand-in for the `vscode` module, just big enough for the extension's own logic: it records what the
 * extension shows and lets a test script the user's answers (input boxes, quick picks, message buttons).
 */

type Listener<T> = (value: T) => void;

export class Disposable {
  constructor(private readonly fn: () => void = () => undefined) {}
  dispose(): void {
    this.fn();
  }
  static from(...items: { dispose(): unknown }[]): Disposable {
    return new Disposable(() => items.forEach((item) => item.dispose()));
  }
}

export class EventEmitter<T> {
  private listeners: Listener<T>[] = [];
  event = (listener: Listener<T>): Disposable => {
    this.listeners.push(listener);
    return new Disposable(() => (this.listeners = this.listeners.filter((l) => l !== listener)));
  };
  fire(value: T): void {
    this.listeners.forEach((listener) => listener(value));
  }
  dispose(): void {
    this.listeners = [];
  }
}

export class Position {
  constructor(
    public line: number,
    public character: number,
  ) {}
}

export class Range {
  start: Position;
  end: Position;
  constructor(startLine: number, startCharacter: number, endLine: number, endCharacter: number) {
    this.start = new Position(startLine, startCharacter);
    this.end = new Position(endLine, endCharacter);
  }
  get isEmpty(): boolean {
    return this.start.line === this.end.line && this.start.character === this.end.character;
  }
}

export class Selection extends Range {}

export class Uri {
  constructor(
    public scheme: string,
    public fsPath: string,
  ) {}
  static parse(value: string): Uri {
    return value.startsWith('file://') ? new Uri('file', decodeURIComponent(value.slice(7))) : new Uri('untitled', value);
  }
  static file(fsPath: string): Uri {
    return new Uri('file', fsPath);
  }
  get path(): string {
    return this.fsPath;
  }
  toString(): string {
    return this.scheme === 'file' ? `file://${this.fsPath}` : this.fsPath;
  }
}

export enum ViewColumn {
  Active = -1,
  Beside = -2,
  One = 1,
  Two = 2,
}
export enum StatusBarAlignment {
  Left = 1,
  Right = 2,
}
export enum ProgressLocation {
  SourceControl = 1,
  Window = 10,
  Notification = 15,
}

export interface FakeDocument {
  uri: Uri;
  version: number;
  isDirty: boolean;
  languageId: string;
  text: string;
  saved: number;
  getText(range?: Range): string;
  lineAt(line: number): { text: string };
  save(): Promise<boolean>;
}

export function fakeDocument(fsPath: string, text: string, languageId = 'python'): FakeDocument {
  const doc: FakeDocument = {
    uri: Uri.file(fsPath),
    version: 1,
    isDirty: false,
    languageId,
    text,
    saved: 0,
    getText(range?: Range): string {
      if (!range) {
        return doc.text;
      }
      const lines = doc.text.split('\n');
      const picked = lines.slice(range.start.line, range.end.line + 1);
      picked[picked.length - 1] = picked[picked.length - 1].slice(0, range.end.character);
      picked[0] = picked[0].slice(range.start.character);
      return picked.join('\n');
    },
    lineAt(line: number): { text: string } {
      return { text: doc.text.split('\n')[line] ?? '' };
    },
    save(): Promise<boolean> {
      doc.isDirty = false;
      doc.saved += 1;
      return Promise.resolve(true);
    },
  };
  return doc;
}

/** Everything the extension showed, and the scripted answers it gets. */
export const recorded = {
  messages: [] as { level: 'info' | 'warning' | 'error'; text: string; items: string[] }[],
  inputBoxes: [] as Record<string, unknown>[],
  quickPicks: [] as { items: unknown[]; options: unknown }[],
  executed: [] as { command: string; args: unknown[] }[],
  shownDocuments: [] as { document: unknown; options: unknown }[],
  progress: [] as { options: { title?: string; cancellable?: boolean }; reports: unknown[]; done: boolean; cancel: () => void }[],
  clipboard: '',
};
export const answers = {
  inputBox: [] as (string | undefined)[],
  quickPick: [] as (string | undefined)[], // label to pick
  message: [] as (string | undefined)[], // button to press
};

const registered = new Map<string, (...args: unknown[]) => unknown>();
const configuration = new Map<string, { globalValue?: unknown; workspaceValue?: unknown; workspaceFolderValue?: unknown; defaultValue?: unknown }>();
const configListeners = new EventEmitter<{ affectsConfiguration(section: string): boolean }>();
const trustListeners = new EventEmitter<void>();

export function reset(): void {
  recorded.messages = [];
  recorded.inputBoxes = [];
  recorded.quickPicks = [];
  recorded.executed = [];
  recorded.shownDocuments = [];
  recorded.progress = [];
  recorded.clipboard = '';
  answers.inputBox = [];
  answers.quickPick = [];
  answers.message = [];
  registered.clear();
  configuration.clear();
  workspace.isTrusted = true;
  workspace.workspaceFolders = [{ uri: Uri.file('/work/proj'), name: 'proj', index: 0 }];
  workspace.textDocuments = [];
  window.activeTextEditor = undefined;
  window.visibleTextEditors = [];
}

export function setConfiguration(key: string, value: { globalValue?: unknown; workspaceValue?: unknown; workspaceFolderValue?: unknown; defaultValue?: unknown }): void {
  configuration.set(key, value);
}

export function fireConfigurationChange(keys: string[]): void {
  configListeners.fire({ affectsConfiguration: (section: string) => keys.some((key) => key === section || key.startsWith(`${section}.`)) });
}

export function grantTrust(): void {
  workspace.isTrusted = true;
  trustListeners.fire();
}

export function registeredCommands(): string[] {
  return [...registered.keys()];
}

export async function runCommand(id: string, ...args: unknown[]): Promise<unknown> {
  const handler = registered.get(id);
  if (!handler) {
    throw new Error(`command ${id} is not registered`);
  }
  return await handler(...args);
}

function message(level: 'info' | 'warning' | 'error') {
  return (text: string, ...rest: unknown[]): Promise<string | undefined> => {
    const items = rest.filter((item): item is string => typeof item === 'string');
    recorded.messages.push({ level, text, items });
    return Promise.resolve(items.length > 0 ? answers.message.shift() : undefined);
  };
}

export interface FakeStatusBarItem {
  text: string;
  tooltip: string | undefined;
  command: string | undefined;
  name: string | undefined;
  visible: boolean;
  show(): void;
  hide(): void;
  dispose(): void;
}

export const statusBarItems: FakeStatusBarItem[] = [];

export const window = {
  activeTextEditor: undefined as { document: FakeDocument; selection: Selection } | undefined,
  visibleTextEditors: [] as { document: FakeDocument; viewColumn: number }[],
  showInformationMessage: message('info'),
  showWarningMessage: message('warning'),
  showErrorMessage: message('error'),
  showInputBox(options: Record<string, unknown>): Promise<string | undefined> {
    recorded.inputBoxes.push(options);
    return Promise.resolve(answers.inputBox.shift());
  },
  showQuickPick(items: (string | { label: string })[], options: unknown): Promise<unknown> {
    recorded.quickPicks.push({ items, options });
    const wanted = answers.quickPick.shift();
    return Promise.resolve(items.find((item) => (typeof item === 'string' ? item : item.label) === wanted));
  },
  showTextDocument(document: unknown, options: unknown): Promise<unknown> {
    recorded.shownDocuments.push({ document, options });
    return Promise.resolve({ document });
  },
  createStatusBarItem(): FakeStatusBarItem {
    const item: FakeStatusBarItem = {
      text: '',
      tooltip: undefined,
      command: undefined,
      name: undefined,
      visible: false,
      show() {
        item.visible = true;
      },
      hide() {
        item.visible = false;
      },
      dispose() {
        item.visible = false;
      },
    };
    statusBarItems.push(item);
    return item;
  },
  withProgress<R>(
    options: { title?: string; cancellable?: boolean },
    task: (progress: { report(value: unknown): void }, token: { onCancellationRequested(listener: () => void): Disposable }) => Promise<R>,
  ): Promise<R> {
    const cancel = new EventEmitter<void>();
    const entry = { options, reports: [] as unknown[], done: false, cancel: () => cancel.fire() };
    recorded.progress.push(entry);
    return task(
      { report: (value) => entry.reports.push(value) },
      { onCancellationRequested: (listener) => cancel.event(listener) },
    ).then((value) => {
      entry.done = true;
      return value;
    });
  },
};

export const workspace = {
  isTrusted: true,
  workspaceFolders: [{ uri: Uri.file('/work/proj'), name: 'proj', index: 0 }] as { uri: Uri; name: string; index: number }[] | undefined,
  textDocuments: [] as FakeDocument[],
  getConfiguration(section: string) {
    return {
      get<T>(key: string): T | undefined {
        const entry = configuration.get(`${section}.${key}`);
        if (!entry) {
          return undefined;
        }
        const value = workspace.isTrusted
          ? (entry.workspaceFolderValue ?? entry.workspaceValue ?? entry.globalValue ?? entry.defaultValue)
          : (entry.globalValue ?? entry.defaultValue);
        return value as T;
      },
      inspect(key: string) {
        return configuration.get(`${section}.${key}`);
      },
    };
  },
  asRelativePath(uri: Uri | string): string {
    const fsPath = typeof uri === 'string' ? Uri.parse(uri).fsPath : uri.fsPath;
    const root = workspace.workspaceFolders?.[0]?.uri.fsPath ?? '';
    return fsPath.startsWith(`${root}/`) ? fsPath.slice(root.length + 1) : fsPath;
  },
  openTextDocument(arg: Uri | { language: string; content: string }): Promise<unknown> {
    if (arg instanceof Uri) {
      const found = workspace.textDocuments.find((doc) => doc.uri.toString() === arg.toString());
      return Promise.resolve(found ?? fakeDocument(arg.fsPath, ''));
    }
    return Promise.resolve({ untitled: true, ...arg });
  },
  applyEdit(): Promise<boolean> {
    return Promise.resolve(true);
  },
  onDidChangeConfiguration: configListeners.event,
  onDidGrantWorkspaceTrust: trustListeners.event,
};

export const commands = {
  registerCommand(id: string, handler: (...args: unknown[]) => unknown): Disposable {
    if (registered.has(id)) {
      throw new Error(`command ${id} registered twice`);
    }
    registered.set(id, handler);
    return new Disposable(() => registered.delete(id));
  },
  executeCommand(command: string, ...args: unknown[]): Promise<unknown> {
    recorded.executed.push({ command, args });
    return Promise.resolve(undefined);
  },
};

export const env = {
  clipboard: {
    writeText(text: string): Promise<void> {
      recorded.clipboard = text;
      return Promise.resolve();
    },
  },
  openExternal(): Promise<boolean> {
    return Promise.resolve(true);
  },
};

// The language client library extends and reads many vscode classes and enums when it is loaded; the ones
// this stand-in does not define become empty classes whose unknown static members read as 0.
const generics = new Map<string, unknown>();
function genericClass(name: string): unknown {
  if (!generics.has(name)) {
    const base = { [name]: class {} }[name];
    generics.set(
      name,
      new Proxy(base, {
        get(target, key, receiver) {
          if (key in target || typeof key !== 'string') {
            return Reflect.get(target, key, receiver) as unknown;
          }
          return 0;
        },
      }),
    );
  }
  return generics.get(name);
}
module.exports = new Proxy(module.exports as Record<string, unknown>, {
  get(target, key) {
    if (typeof key === 'string' && !(key in target) && /^[A-Z]/.test(key)) {
      return genericClass(key);
    }
    return target[key as string];
  },
});
