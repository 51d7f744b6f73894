// "Start Sweep" and "Resume Sweep": several searches at once, each an engine process of its own, run
// by the engine's sweep scheduler inside the extension host (the same one the CLI uses, so a sweep
// started here can be resumed from a terminal and the other way round). A progress notification counts
// the members, a member's crash is reported with a way to resume it, and the dashboard's comparison
// card fills in as tickets arrive.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { ConfigError } from '../../engine/config/resolveConfig';
import { engineLauncher } from '../../engine/sweep/engineLauncher';
import { readSweepFile } from '../../engine/sweep/sweepConfig';
import { SweepScheduler, type SweepOutcome } from '../../engine/sweep/sweepScheduler';
import { SweepStore } from '../../engine/sweep/sweepStore';
import { configRefusal } from '../config/preflightConfig';
import { showRequestFault } from '../faults/faultNotifications';
import type { ExtensionServices } from '../extensionServices';
import { checkTrust } from '../commands/startSearch';
import { pickFolder, uriExists } from '../run/workspaceFolders';
import { countMembers, describeSweep, SWEEP_GLOB, sweepFileText } from './sweepText';
import { findSweeps } from '../compare/sweepComparison';

interface ActiveSweep {
  scheduler: SweepScheduler;
  folder: vscode.WorkspaceFolder;
}

export class SweepController implements vscode.Disposable {
  private active: ActiveSweep | undefined;

  constructor(
    private readonly services: ExtensionServices,
    private readonly extensionPath: string,
    /** Something about the sweep's members changed: the comparison is read again. */
    private readonly onChange: () => void,
  ) {}

  get isRunning(): boolean {
    return this.active !== undefined;
  }

  async startCommand(): Promise<void> {
    if (!checkTrust() || !this.readyForAnother()) return;
    const folder = await pickFolder('Which folder the sweep belongs to');
    if (!folder) return;
    const file = await this.pickSweepFile(folder);
    if (!file) return;
    let store: SweepStore;
    try {
      store = await SweepStore.create(folder.uri.fsPath, readSweepFile(file.fsPath));
    } catch (e) {
      await this.showFault(e, folder, file.fsPath);
      return;
    }
    await this.run(store, folder, false);
  }

  async resumeCommand(): Promise<void> {
    if (!checkTrust() || !this.readyForAnother()) return;
    const folders = vscode.workspace.workspaceFolders ?? [];
    const candidates = findSweeps(folders.map((f) => f.uri.fsPath)).flatMap((file) => {
      const folder = folders.find((f) => file.startsWith(f.uri.fsPath + path.sep));
      if (!folder) return [];
      try {
        const store = SweepStore.open(folder.uri.fsPath, path.basename(path.dirname(file)));
        const open = store.state.members.filter((m) => m.status !== 'finished').length;
        return open > 0 ? [{ store, folder, open }] : [];
      } catch {
        return [];
      }
    });
    if (candidates.length === 0) {
      void vscode.window.showInformationMessage('Sparsity Lab: no sweep has members left to run.');
      return;
    }
    const picked = await vscode.window.showQuickPick(
      candidates.map((c) => ({
        label: c.store.state.sweepId,
        description: `${c.open} of ${c.store.state.members.length} members left`,
        detail: describeSweep(c.store.state),
        candidate: c,
      })),
      { title: 'Resume Sweep', placeHolder: 'A sweep to finish' },
    );
    if (picked) await this.run(picked.candidate.store, picked.candidate.folder, true);
  }

  stop(): void {
    void this.active?.scheduler.stop();
  }

  private readyForAnother(): boolean {
    if (!this.active) return true;
    void vscode.window.showWarningMessage(
      'Sparsity Lab: a sweep is already running in this window; stop it first (Cancel on its notification).',
    );
    return false;
  }

  /** The workspace's sweep files, or "Create Sweep File…" which writes one and opens it. */
  private async pickSweepFile(folder: vscode.WorkspaceFolder): Promise<vscode.Uri | undefined> {
    const files = (
      await vscode.workspace.findFiles(
        new vscode.RelativePattern(folder, SWEEP_GLOB),
        '**/node_modules/**',
        100,
      )
    ).sort((a, b) => a.fsPath.localeCompare(b.fsPath));
    const create = {
      label: '$(new-file) Create Sweep File…',
      detail: 'Write a sweep.json over maskInit, with IMP alongside, from sparsity.json or the quick preset',
    };
    const picked = await vscode.window.showQuickPick(
      [
        ...files.map((uri) => ({
          label: `$(json) ${path.basename(uri.fsPath)}`,
          description: vscode.workspace.asRelativePath(uri),
          uri,
        })),
        create,
      ],
      {
        title: 'Start Sweep',
        placeHolder: 'A sweep file: a base config, the setting to vary and its values',
      },
    );
    if (!picked) return undefined;
    if ('uri' in picked) return picked.uri;
    await this.createSweepFile(folder);
    return undefined;
  }

  private async createSweepFile(folder: vscode.WorkspaceFolder): Promise<void> {
    const file = vscode.Uri.joinPath(folder.uri, 'sweep.json');
    const exists = await uriExists(file);
    if (!exists) {
      const hasBase = await uriExists(vscode.Uri.joinPath(folder.uri, 'sparsity.json'));
      await vscode.workspace.fs.writeFile(file, new TextEncoder().encode(sweepFileText(hasBase)));
    }
    await vscode.window.showTextDocument(file, { preview: false });
    void vscode.window.showInformationMessage(
      exists
        ? 'Sparsity Lab: sweep.json already exists; opened it. Run "Start Sweep" to run it.'
        : 'Sparsity Lab: wrote sweep.json. Edit it if you like, then run "Start Sweep" again.',
    );
  }

  private async run(store: SweepStore, folder: vscode.WorkspaceFolder, resuming: boolean): Promise<void> {
    const { log } = this.services;
    const scheduler: SweepScheduler = new SweepScheduler(
      store,
      engineLauncher({
        enginePath: path.join(this.extensionPath, 'dist', 'engine.js'),
        workDir: store.state.workDir,
        parallel: () => scheduler.parallel,
      }),
    );
    this.active = { scheduler, folder };
    const id = store.state.sweepId;
    log.info(`[sweep ${id}] ${resuming ? 'resuming' : 'starting'}: ${describeSweep(store.state)}`);
    scheduler.on('log', (line) => log.info(`[sweep ${id}] ${line}`));
    scheduler.on('member', (m) => {
      log.info(`[sweep ${id}] ${m.label}: ${m.status}${m.failure ? ` (${m.failure})` : ''}`);
      this.services.refreshRuns();
      this.onChange();
    });
    this.onChange();
    void vscode.commands.executeCommand('sparsityLab.openDashboard');
    let outcome: SweepOutcome | undefined;
    try {
      outcome = await vscode.window.withProgress(
        {
          location: vscode.ProgressLocation.Notification,
          title: `Sparsity Lab: sweep ${id}`,
          cancellable: true,
        },
        async (progress, token) => {
          const cancel = token.onCancellationRequested(() => void scheduler.stop());
          const report = () => progress.report({ message: countMembers(scheduler.state.members) });
          scheduler.on('member', report);
          report();
          try {
            return await (resuming ? scheduler.resume() : scheduler.run());
          } finally {
            cancel.dispose();
            scheduler.off('member', report);
          }
        },
      );
    } catch (e) {
      log.error(`[sweep ${id}] ${e instanceof Error ? e.message : String(e)}`);
      void vscode.window.showErrorMessage(
        `Sparsity Lab: sweep ${id} failed: ${e instanceof Error ? e.message : String(e)}`,
      );
    } finally {
      this.active = undefined;
      this.onChange();
    }
    if (outcome) await this.report(id, outcome);
  }

  private async report(id: string, outcome: SweepOutcome): Promise<void> {
    const failed = outcome.members.filter((m) => m.status === 'failed');
    if (outcome.status === 'finished') {
      const choice = await vscode.window.showInformationMessage(
        `Sparsity Lab: sweep ${id} finished: ${outcome.members.length} tickets.`,
        'Open Dashboard',
      );
      if (choice) await vscode.commands.executeCommand('sparsityLab.openDashboard');
      return;
    }
    if (outcome.status === 'stopped') {
      void vscode.window.showInformationMessage(
        `Sparsity Lab: sweep ${id} stopped; "Resume Sweep" finishes it.`,
      );
      return;
    }
    const names = failed.map((m) => `${m.label} (${m.failure ?? 'failed'})`).join('; ');
    const choice = await vscode.window.showErrorMessage(
      `Sparsity Lab: sweep ${id}: ${failed.length} of ${outcome.members.length} members failed: ${names}. The others finished.`,
      'Resume Sweep',
      'Show Log',
    );
    if (choice === 'Resume Sweep') await this.resumeCommand();
    else if (choice === 'Show Log') this.services.log.show();
  }

  private async showFault(error: unknown, folder: vscode.WorkspaceFolder, file: string): Promise<void> {
    const fault = error instanceof ConfigError ? configRefusal(error) : error;
    await showRequestFault(this.services, fault, folder.uri.fsPath, file);
  }

  dispose(): void {
    this.stop();
  }
}
