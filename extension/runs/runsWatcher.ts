// Refreshes the Runs view (and the sweep comparison) when run, sweep or ticket folders change on disk.
// A search appends to its metrics several times a second, so refreshes are throttled: at most one per
// interval, always a last one.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { SETTINGS_SECTION } from '../config/settings';
import { sweepsRoot } from '../../engine/sweep/sweepStore';
import { RUNS_FOLDER, ticketsDirOf } from './runsTreeProvider';

const REFRESH_INTERVAL_MS = 1500;

export class Throttle implements vscode.Disposable {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly action: () => void,
    private readonly intervalMs: number,
  ) {}

  schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.action();
    }, this.intervalMs);
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

export class RunsWatcher implements vscode.Disposable {
  private watchers: vscode.Disposable[] = [];
  private readonly throttle: Throttle;
  private readonly subscriptions: vscode.Disposable[];

  constructor(refresh: () => void) {
    this.throttle = new Throttle(refresh, REFRESH_INTERVAL_MS);
    this.subscriptions = [
      vscode.workspace.onDidChangeWorkspaceFolders(() => {
        this.watch();
        refresh();
      }),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(`${SETTINGS_SECTION}.ticketsFolder`)) {
          this.watch();
          refresh();
        }
      }),
    ];
    this.watch();
  }

  /** Asks for a refresh soon (throttled), e.g. after the live search changed state. */
  schedule(): void {
    this.throttle.schedule();
  }

  private watch(): void {
    this.watchers.forEach((w) => w.dispose());
    this.watchers = [];
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      const runs = path.join(folder.uri.fsPath, RUNS_FOLDER);
      this.add(new vscode.RelativePattern(vscode.Uri.file(runs), '**'));
      // A sweep's sweep.json changes as its members start and end: the comparison follows it.
      this.add(new vscode.RelativePattern(vscode.Uri.file(sweepsRoot(folder.uri.fsPath)), '*/sweep.json'));
      // A ticket folder appears by a rename of the whole folder, so the folder itself is watched too.
      this.add(new vscode.RelativePattern(vscode.Uri.file(ticketsDirOf(folder)), '{*,*/ticket.json}'));
    }
  }

  private add(pattern: vscode.RelativePattern): void {
    const watcher = vscode.workspace.createFileSystemWatcher(pattern);
    const schedule = () => this.throttle.schedule();
    this.watchers.push(
      watcher,
      watcher.onDidCreate(schedule),
      watcher.onDidChange(schedule),
      watcher.onDidDelete(schedule),
    );
  }

  dispose(): void {
    this.watchers.forEach((w) => w.dispose());
    this.subscriptions.forEach((s) => s.dispose());
    this.throttle.dispose();
  }
}
