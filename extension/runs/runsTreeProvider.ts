// The "Runs" view: for each workspace folder, the runs under .sparsity/runs (with their snapshots)
// and the tickets under the tickets folder. Everything is read from disk on refresh, so the view
// survives a reload; the live search is marked from the run manager.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { isRunRef, type RunRef } from '../../webview/protocol/viewProtocol';
import { readSettings } from '../config/settings';
import { isLive } from '../run/liveStatus';
import type { RunManager } from '../run/runManager';
import { folderKey } from '../run/workspaceFolders';
import {
  describeRun,
  describeSnapshot,
  describeTicket,
  isResumable,
  listRuns,
  listTickets,
  type RunCache,
  type RunSummary,
  type TicketSummary,
} from './runListing';

export const RUNS_FOLDER = path.join('.sparsity', 'runs');

export type RunsNode =
  | { kind: 'folder'; folder: vscode.WorkspaceFolder }
  | { kind: 'group'; group: 'runs' | 'tickets'; folder: vscode.WorkspaceFolder; count: number }
  | { kind: 'run'; folder: vscode.WorkspaceFolder; run: RunSummary }
  | { kind: 'snapshot'; run: RunSummary; name: string }
  | { kind: 'ticket'; folder: vscode.WorkspaceFolder; ticket: TicketSummary };

export function ticketsDirOf(folder: vscode.WorkspaceFolder): string {
  return path.resolve(folder.uri.fsPath, readSettings(folder.uri).ticketsFolder);
}

/** The run an "Open in Dashboard" argument names: a Runs view run item, or a RunRef. */
export function runRefOf(arg: unknown): RunRef | undefined {
  if (isRunRef(arg)) return { runDir: arg.runDir, runId: arg.runId };
  if (typeof arg === 'object' && arg !== null && (arg as { kind?: unknown }).kind === 'run') {
    const { run } = arg as Extract<RunsNode, { kind: 'run' }>;
    return { runDir: run.dir, runId: run.runId };
  }
  return undefined;
}

export class RunsTreeProvider implements vscode.TreeDataProvider<RunsNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly cache: RunCache = new Map();

  constructor(private readonly manager: RunManager) {}

  refresh(): void {
    this.changed.fire();
  }

  async getChildren(node?: RunsNode): Promise<RunsNode[]> {
    const folders = vscode.workspace.workspaceFolders ?? [];
    if (!node) {
      if (folders.length === 1) return this.groupsOf(folders[0]);
      // An empty list lets the view show its welcome content.
      const withContent = await Promise.all(
        folders.map(async (f) => ((await this.groupsOf(f)).length ? f : undefined)),
      );
      return withContent
        .filter((f): f is vscode.WorkspaceFolder => f !== undefined)
        .map((folder) => ({ kind: 'folder', folder }));
    }
    switch (node.kind) {
      case 'folder':
        return this.groupsOf(node.folder);
      case 'group':
        if (node.group === 'runs') {
          const runs = await listRuns(path.join(node.folder.uri.fsPath, RUNS_FOLDER), this.cache);
          return runs.map((run) => ({ kind: 'run', folder: node.folder, run }));
        }
        return (await listTickets(ticketsDirOf(node.folder))).map((ticket) => ({
          kind: 'ticket',
          folder: node.folder,
          ticket,
        }));
      case 'run':
        return node.run.snapshots.map((name) => ({ kind: 'snapshot', run: node.run, name }));
      default:
        return [];
    }
  }

  private async groupsOf(folder: vscode.WorkspaceFolder): Promise<RunsNode[]> {
    const [runs, tickets] = await Promise.all([
      listRuns(path.join(folder.uri.fsPath, RUNS_FOLDER), this.cache),
      listTickets(ticketsDirOf(folder)),
    ]);
    const groups: RunsNode[] = [];
    if (runs.length) groups.push({ kind: 'group', group: 'runs', folder, count: runs.length });
    if (tickets.length) groups.push({ kind: 'group', group: 'tickets', folder, count: tickets.length });
    return groups;
  }

  getTreeItem(node: RunsNode): vscode.TreeItem {
    switch (node.kind) {
      case 'folder': {
        const item = new vscode.TreeItem(node.folder.name, vscode.TreeItemCollapsibleState.Expanded);
        item.iconPath = vscode.ThemeIcon.Folder;
        return item;
      }
      case 'group': {
        const item = new vscode.TreeItem(
          node.group === 'runs' ? 'Runs' : 'Tickets',
          vscode.TreeItemCollapsibleState.Expanded,
        );
        item.description = String(node.count);
        item.iconPath = new vscode.ThemeIcon(node.group === 'runs' ? 'history' : 'package');
        item.tooltip =
          node.group === 'runs'
            ? `${path.join(node.folder.name, RUNS_FOLDER)}`
            : path.relative(node.folder.uri.fsPath, ticketsDirOf(node.folder)) || '.';
        return item;
      }
      case 'run':
        return this.runItem(node.folder, node.run);
      case 'snapshot': {
        const item = new vscode.TreeItem(node.name, vscode.TreeItemCollapsibleState.None);
        item.description = describeSnapshot(node.name);
        item.iconPath = new vscode.ThemeIcon('save');
        item.resourceUri = vscode.Uri.file(path.join(node.run.dir, `${node.name}.safetensors`));
        item.contextValue = 'snapshot';
        return item;
      }
      case 'ticket':
        return ticketItem(node.ticket);
    }
  }

  private runItem(folder: vscode.WorkspaceFolder, run: RunSummary): vscode.TreeItem {
    const item = new vscode.TreeItem(run.runId, vscode.TreeItemCollapsibleState.Collapsed);
    const active = this.manager.get(folderKey(folder));
    const live = active !== undefined && isLive(active.status) && active.status.runId === run.runId;
    item.description = live ? `${active.status.state} · ${describeRun(run)}` : describeRun(run);
    item.iconPath = live
      ? new vscode.ThemeIcon('sync~spin')
      : new vscode.ThemeIcon(
          run.outcome === 'ticket' ? 'pass' : run.outcome === 'failed' ? 'error' : 'debug-pause',
        );
    item.contextValue = live ? 'run.live' : isResumable(run) ? 'run.resumable' : 'run';
    const tooltip = new vscode.MarkdownString(undefined, true);
    tooltip.appendMarkdown(`**Run ${run.runId}**\n\n`);
    tooltip.appendText(describeRun(run));
    if (run.error) tooltip.appendMarkdown('\n\n').appendText(run.error);
    tooltip.appendMarkdown(`\n\nSnapshots: ${run.snapshots.join(', ') || 'none'}`);
    item.tooltip = tooltip;
    item.resourceUri = vscode.Uri.file(run.dir);
    // A click shows the run in the dashboard: live if it is the one running, else read from its files.
    item.command = {
      command: 'sparsityLab.openRunInDashboard',
      title: 'Open in Dashboard',
      arguments: [{ runDir: run.dir, runId: run.runId } satisfies RunRef],
    };
    return item;
  }

  dispose(): void {
    this.changed.dispose();
  }
}

function ticketItem(ticket: TicketSummary): vscode.TreeItem {
  const item = new vscode.TreeItem(ticket.name, vscode.TreeItemCollapsibleState.None);
  item.description = describeTicket(ticket);
  item.iconPath = new vscode.ThemeIcon('package');
  item.contextValue = 'ticket';
  const tooltip = new vscode.MarkdownString();
  tooltip.appendMarkdown(`**Ticket ${ticket.name}**\n\n`);
  if (ticket.data) tooltip.appendText(`${ticket.data}\n\n`);
  if (ticket.kept !== undefined && ticket.total !== undefined) {
    tooltip.appendText(
      `${ticket.kept.toLocaleString('en-US')} of ${ticket.total.toLocaleString('en-US')} masked weights kept\n\n`,
    );
  }
  if (typeof ticket.ticketTestAtRewind === 'number') {
    tooltip.appendText(`test accuracy at the rewind point: ${(ticket.ticketTestAtRewind * 100).toFixed(2)}%`);
  }
  item.tooltip = tooltip;
  // A click shows the folder among the workspace's files, where its README says how to load it.
  item.command = {
    command: 'revealInExplorer',
    title: 'Reveal in Explorer',
    arguments: [vscode.Uri.file(ticket.dir)],
  };
  return item;
}
