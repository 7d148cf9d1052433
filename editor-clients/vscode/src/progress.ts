/**
 * Work-done progress from the server shown as a notification with a Cancel button (the language client's
 * own display is a status bar spinner without one). Cancel sends `window/workDoneProgress/cancel`; the server
 * cancels the task, which stays resumable.
 */
import * as vscode from 'vscode';
import {
  type ProgressToken,
  type ProgressType,
  type ProtocolNotificationType,
  WorkDoneProgress,
  type WorkDoneProgressBegin,
  WorkDoneProgressCancelNotification,
  type WorkDoneProgressEnd,
  type WorkDoneProgressReport,
} from 'vscode-languageclient';

/** The part of the language client this needs (a stand-in in tests). */
export interface ProgressHost {
  onProgress<P>(type: ProgressType<P>, token: string | number, handler: (value: P) => void): vscode.Disposable;
  sendNotification<P, RO>(type: ProtocolNotificationType<P, RO>, params?: P): Promise<void>;
}

type Value = WorkDoneProgressBegin | WorkDoneProgressReport | WorkDoneProgressEnd;

/** Percentage reports → the increments `Progress.report` wants. */
export function increment(last: number | undefined, next: number | undefined): number | undefined {
  if (next === undefined) {
    return undefined;
  }
  const delta = next - (last ?? 0);
  return delta > 0 ? delta : undefined;
}

export class NotificationProgress {
  private readonly active = new Map<string, () => void>();

  constructor(private readonly host: ProgressHost) {}

  /** Answer to `window/workDoneProgress/create`: listen for the token's begin/report/end. */
  create(token: ProgressToken): void {
    const key = String(token);
    let reporter: vscode.Progress<{ message?: string; increment?: number }> | undefined;
    let lastPercentage: number | undefined;
    const early: WorkDoneProgressReport[] = [];
    let finish: (() => void) | undefined;
    let ended = false;
    const subscription = this.host.onProgress(WorkDoneProgress.type, token, (value: Value) => {
      if (value.kind === 'begin') {
        void vscode.window.withProgress(
          { location: vscode.ProgressLocation.Notification, title: value.title, cancellable: value.cancellable === true },
          (progress, cancel) =>
            new Promise<void>((resolve) => {
              reporter = progress;
              finish = resolve;
              this.active.set(key, resolve);
              cancel.onCancellationRequested(() => {
                void this.host.sendNotification(WorkDoneProgressCancelNotification.type, { token });
              });
              progress.report({ message: value.message, increment: increment(undefined, value.percentage) });
              lastPercentage = value.percentage;
              for (const report of early.splice(0)) {
                progress.report({ message: report.message, increment: increment(lastPercentage, report.percentage) });
                lastPercentage = report.percentage ?? lastPercentage;
              }
              if (ended) {
                resolve();
              }
            }),
        );
      } else if (value.kind === 'report') {
        if (reporter) {
          reporter.report({ message: value.message, increment: increment(lastPercentage, value.percentage) });
          lastPercentage = value.percentage ?? lastPercentage;
        } else {
          early.push(value);
        }
      } else {
        ended = true;
        subscription.dispose();
        this.active.delete(key);
        finish?.();
      }
    });
  }

  /** Close every notification (the server stopped). */
  clear(): void {
    for (const resolve of this.active.values()) {
      resolve();
    }
    this.active.clear();
  }
}
