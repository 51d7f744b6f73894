// The context keys that enable commands and menus. They describe the focused search (the one the
// status bar shows and commands act on by default).
import * as vscode from 'vscode';
import { canExport, canRewind, type LiveStatus } from '../run/liveStatus';

export const CONTEXT_KEYS = {
  state: 'sparsityLab.state',
  canRewind: 'sparsityLab.canRewind',
  canExport: 'sparsityLab.canExport',
} as const;

export class ContextKeys {
  private readonly current = new Map<string, unknown>();

  update(status: LiveStatus | undefined): void {
    this.set(CONTEXT_KEYS.state, status?.state ?? 'idle');
    this.set(CONTEXT_KEYS.canRewind, status ? canRewind(status) : false);
    this.set(CONTEXT_KEYS.canExport, status ? canExport(status) : false);
  }

  /** setContext is a round trip to the renderer; progress messages arrive several times a second. */
  private set(key: string, value: unknown): void {
    if (this.current.has(key) && this.current.get(key) === value) return;
    this.current.set(key, value);
    void vscode.commands.executeCommand('setContext', key, value);
  }
}
