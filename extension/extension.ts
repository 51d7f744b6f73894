// The extension host's entry point. Activation only wires things up: the engine (and TensorFlow) runs
// in a child process that starts with the first search, one per workspace folder, and every process is
// killed on deactivate.
import * as vscode from 'vscode';
import { createConfig } from './commands/createConfig';
import { exportTicketCommand } from './commands/exportTicket';
import { installNativeBackendCommand } from './commands/installNativeBackend';
import { resumeRun, resumeRunCommand } from './commands/resumeRun';
import { pauseCommand, resumeCommand, rewindCommand, stopCommand } from './commands/runControls';
import { startSearchCommand } from './commands/startSearch';
import { refreshExistingSchemaCopies } from './config/schemaCopy';
import { DASHBOARD_VIEW_TYPE, DashboardController } from './dashboard/dashboardPanel';
import type { ExtensionServices } from './extensionServices';
import { LAYER_SPARSITY_VIEW_ID, LayerSparsityViewProvider } from './views/layerSparsityView';
import { readMaskBitmap } from './views/maskSnapshot';
import { ticketAdvice } from '../engine/session/ticketAdvice';
import { saveComparison } from './compare/saveComparison';
import { latestSweepComparison } from './compare/sweepComparison';
import { SweepController } from './sweep/sweepController';
import { ViewHub } from './views/viewHub';
import { showExitFault } from './faults/faultNotifications';
import { logEngineLine } from './log/engineLog';
import { RunManager, type ManagedRun } from './run/runManager';
import { percent } from './run/statusText';
import { engineSupervisorFactory } from './run/supervisorFactory';
import { folderByKey, folderName } from './run/workspaceFolders';
import { RunsTreeProvider, runRefOf } from './runs/runsTreeProvider';
import { RunsWatcher } from './runs/runsWatcher';
import { ContextKeys } from './status/contextKeys';
import { SearchProgress } from './status/searchProgress';
import { SearchStatusBar } from './status/statusBar';

let manager: RunManager | undefined;

export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('Sparsity Lab', { log: true });
  const runManager = new RunManager(engineSupervisorFactory(context.extensionPath));
  manager = runManager;
  const runsView = new RunsTreeProvider(runManager);
  // Set once the hub exists: the dashboard's comparison is read again whenever run or sweep files change.
  let refreshComparison = () => {};
  const watcher = new RunsWatcher(() => {
    runsView.refresh();
    refreshComparison();
  });
  const services: ExtensionServices = {
    manager: runManager,
    log,
    refreshRuns: () => runsView.refresh(),
  };

  const contextKeys = new ContextKeys();
  const statusBar = new SearchStatusBar();
  // The side bar's Layer Sparsity view and the dashboard draw the focused run from one hub.
  const hub = new ViewHub(runManager, {
    folderName,
    canStart: () => (vscode.workspace.workspaceFolders?.length ?? 0) > 0,
    runCommand: (name) => void vscode.commands.executeCommand(`sparsityLab.${name}`),
    openDashboard: () => void vscode.commands.executeCommand('sparsityLab.openDashboard'),
    readMask: readMaskBitmap,
    onError: (message) => log.warn(message),
    saveComparison: (format, content) => void saveComparison(format, content, log),
  });
  const dashboard = new DashboardController(context.extensionUri, hub, log);
  refreshComparison = comparisonRefresher(hub, log);
  const sweeps = new SweepController(services, context.extensionPath, refreshComparison);
  const layerSparsity = new LayerSparsityViewProvider(context.extensionUri, hub, log);
  const progress = new SearchProgress(
    runManager,
    (run) => void stopCommand(services, vscode.Uri.parse(run.folder)),
  );
  contextKeys.update(undefined);

  const onChanged = (run: ManagedRun) => {
    const focus = runManager.focus;
    contextKeys.update(focus?.status);
    statusBar.update(focus);
    progress.update(run);
  };
  runManager.on('changed', onChanged);
  // The live run's line in the Runs view follows its state: at once when the state changed (rare, and
  // what the user just did), throttled like file changes otherwise (several times a second).
  const treeStates = new Map<string, string>();
  runManager.on('changed', (run) => {
    const state = `${run.status.runId ?? ''} ${run.status.state}`;
    if (treeStates.get(run.folder) === state) return watcher.schedule();
    treeStates.set(run.folder, state);
    runsView.refresh();
  });
  runManager.on('log', (run, line) => logEngineLine(log, run, line));
  runManager.on('message', (run, message) => {
    if (message.type === 'ticket') void announceTicket(run, message);
  });
  runManager.on('exited', (run, exit) => {
    const why = exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`;
    log.info(`[${folderName(run.folder)}] engine exited (${why})`);
    runsView.refresh();
    void showExitFault(services, run, exit, (folder, runId, config) =>
      resumeRun(services, folder, runId, config),
    );
  });

  const command = (id: string, handler: (arg?: unknown) => unknown) =>
    vscode.commands.registerCommand(id, (arg?: unknown) => handler(arg));

  context.subscriptions.push(
    log,
    { dispose: () => runManager.dispose() },
    runsView,
    watcher,
    statusBar,
    dashboard,
    layerSparsity,
    { dispose: () => hub.dispose() },
    progress,
    vscode.window.createTreeView('sparsityLab.runs', { treeDataProvider: runsView, showCollapseAll: true }),
    vscode.window.registerWebviewViewProvider(LAYER_SPARSITY_VIEW_ID, layerSparsity),
    vscode.window.registerWebviewPanelSerializer(DASHBOARD_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel, state: unknown) => dashboard.revive(panel, state),
    }),
    command('sparsityLab.start', () => startSearchCommand(services)),
    command('sparsityLab.createConfig', () => createConfig()),
    command('sparsityLab.pause', (arg) => pauseCommand(services, arg)),
    command('sparsityLab.resume', (arg) => resumeCommand(services, arg)),
    command('sparsityLab.stop', (arg) => stopCommand(services, arg)),
    command('sparsityLab.rewind', (arg) => rewindCommand(services, arg)),
    command('sparsityLab.exportTicket', (arg) => exportTicketCommand(services, arg)),
    command('sparsityLab.resumeRun', (arg) => resumeRunCommand(services, arg)),
    command('sparsityLab.openDashboard', () => dashboard.open()),
    command('sparsityLab.openRunInDashboard', (arg) => dashboard.open(runRefOf(arg))),
    command('sparsityLab.showLog', () => log.show()),
    command('sparsityLab.refreshRuns', () => runsView.refresh()),
    command('sparsityLab.startSweep', () => sweeps.startCommand()),
    command('sparsityLab.resumeSweep', () => sweeps.resumeCommand()),
    command('sparsityLab.installNativeBackend', (arg) =>
      installNativeBackendCommand(
        services,
        { globalStoragePath: context.globalStorageUri.fsPath, extensionPath: context.extensionPath },
        arg,
      ),
    ),
    sweeps,
  );
  refreshComparison();

  // Keeps a workspace's schema copy in step with this version after an update; never blocks activation.
  void refreshExistingSchemaCopies(vscode.workspace.workspaceFolders ?? []);
}

/**
 * Reads the newest sweep's comparison and gives it to the dashboards; calls that come while one read
 * is on its way are folded into one more read after it.
 */
function comparisonRefresher(hub: ViewHub, log: vscode.LogOutputChannel): () => void {
  let reading = false;
  let again = false;
  const read = async (): Promise<void> => {
    if (reading) {
      again = true;
      return;
    }
    reading = true;
    try {
      const folders = (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
      hub.setComparison(await latestSweepComparison(folders));
    } catch (e) {
      log.warn(`could not read the sweep comparison: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      reading = false;
    }
    if (again) {
      again = false;
      await read();
    }
  };
  return () => void read();
}

/** A finished search: say what it found and offer the export. */
async function announceTicket(
  run: ManagedRun,
  ticket: { keptFraction: number; testAccuracy: number; denseTestAccuracy: number | null },
): Promise<void> {
  const dense = ticket.denseTestAccuracy === null ? '' : ` (dense ${percent(ticket.denseTestAccuracy, 2)})`;
  const where = (vscode.workspace.workspaceFolders?.length ?? 0) > 1 ? ` in ${folderName(run.folder)}` : '';
  const exportIt = 'Export Ticket';
  const dashboard = 'Open Dashboard';
  const found =
    `Sparsity Lab: ticket found${where}: ${percent(ticket.keptFraction, 2)} of the masked weights kept, ` +
    `test accuracy ${percent(ticket.testAccuracy, 2)}${dense}.`;
  // A degenerate ticket is still exportable, but the user should know why it is and what to change.
  const advice = ticketAdvice(run.status.method ?? 'cs', ticket.keptFraction);
  const choice = advice
    ? await vscode.window.showWarningMessage(`${found} Note: ${advice}`, exportIt, dashboard)
    : await vscode.window.showInformationMessage(found, exportIt, dashboard);
  const folder = folderByKey(run.folder);
  if (choice === exportIt && folder)
    await vscode.commands.executeCommand('sparsityLab.exportTicket', folder.uri);
  else if (choice === dashboard) await vscode.commands.executeCommand('sparsityLab.openDashboard');
}

/** Kills every engine at once: a deactivating host has no time for a graceful stop. */
export function deactivate(): void {
  manager?.killAll();
  manager = undefined;
}
