// A cancellable progress notification while a search starts and trains; cancelling it stops the
// search. It closes when the search finishes, fails or stops, and a new one opens if a rewind sets a
// finished search going again.
import * as vscode from 'vscode';
import { overallFraction, type LiveStatus } from '../run/liveStatus';
import type { ManagedRun, RunManager } from '../run/runManager';
import { progressMessage } from '../run/statusText';
import { folderName } from '../run/workspaceFolders';

const SHOWN: readonly LiveStatus['state'][] = ['starting', 'running', 'paused', 'stopping'];

export class SearchProgress implements vscode.Disposable {
  /** Runs with an open notification. */
  private readonly open = new Set<ManagedRun>();
  private readonly closers = new Set<() => void>();

  constructor(
    private readonly manager: RunManager,
    private readonly stop: (run: ManagedRun) => void,
  ) {}

  /** Called on every change of a run; opens its notification when it (again) trains. */
  update(run: ManagedRun): void {
    if (SHOWN.includes(run.status.state) && !this.open.has(run)) this.show(run);
  }

  private show(run: ManagedRun): void {
    this.open.add(run);
    const title = `Sparsity Lab${(vscode.workspace.workspaceFolders?.length ?? 0) > 1 ? ` (${folderName(run.folder)})` : ''}`;
    void vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title, cancellable: true },
      (progress, token) =>
        new Promise<void>((resolve) => {
          let reported = 0;
          const close = () => {
            listener.dispose();
            cancel.dispose();
            this.closers.delete(close);
            this.open.delete(run);
            resolve();
          };
          const report = () => {
            const current = this.manager.get(run.folder);
            // Closed when the search ends, or when a new run replaced this one in the folder.
            if (current !== run || !SHOWN.includes(run.status.state)) {
              close();
              return;
            }
            const fraction = overallFraction(run.status);
            const percent = fraction === undefined ? reported : fraction * 100;
            progress.report({
              message: progressMessage(run.status),
              increment: Math.max(0, percent - reported),
            });
            reported = Math.max(reported, percent);
          };
          const onChanged = (changed: ManagedRun) => {
            if (changed === run) report();
          };
          this.manager.on('changed', onChanged);
          const listener = { dispose: () => this.manager.off('changed', onChanged) };
          const cancel = token.onCancellationRequested(() => this.stop(run));
          this.closers.add(close);
          report();
        }),
    );
  }

  dispose(): void {
    [...this.closers].forEach((close) => close());
  }
}
