// Pause, Resume, Stop and Rewind: each asks the engine and reports a refusal; the status bar, the
// progress notification and the context keys follow from the engine's state messages.
import * as vscode from 'vscode';
import type { RewindTarget } from '../../engine/protocol/engineProtocol';
import type { ExtensionServices } from '../extensionServices';
import { showRequestFault } from '../faults/faultNotifications';
import { canPause, canResume, canRewind, canStop } from '../run/liveStatus';
import type { ManagedRun } from '../run/runManager';
import { describeRewindTarget } from '../run/statusText';
import { folderByKey } from '../run/workspaceFolders';
import { chooseRun } from './chooseRun';

async function ask(
  services: ExtensionServices,
  run: ManagedRun,
  request: () => Promise<unknown>,
): Promise<void> {
  try {
    await request();
  } catch (e) {
    await showRequestFault(services, e, folderByKey(run.folder)?.uri.fsPath ?? '', run.request.configFile);
  }
}

export async function pauseCommand(services: ExtensionServices, arg?: unknown): Promise<void> {
  const run = await chooseRun(services.manager, canPause, 'pause', arg);
  if (run) await ask(services, run, () => run.supervisor.pause());
}

export async function resumeCommand(services: ExtensionServices, arg?: unknown): Promise<void> {
  const run = await chooseRun(services.manager, canResume, 'resume', arg);
  if (run) await ask(services, run, () => run.supervisor.resume());
}

export async function stopCommand(services: ExtensionServices, arg?: unknown): Promise<void> {
  const run = await chooseRun(services.manager, canStop, 'stop', arg);
  if (run) await ask(services, run, () => services.manager.stop(run.folder));
}

export async function rewindCommand(services: ExtensionServices, arg?: unknown): Promise<void> {
  const run = await chooseRun(services.manager, canRewind, 'rewind', arg);
  if (!run) return;
  const items = run.status.rewindTargets.map((target: RewindTarget) => ({
    ...describeRewindTarget(target),
    target,
  }));
  const picked = await vscode.window.showQuickPick(items, {
    title: 'Rewind the search',
    placeHolder: 'Where to rewind to',
    matchOnDetail: true,
  });
  if (picked) await ask(services, run, () => run.supervisor.rewind(picked.target));
}
