// What the command handlers and views share: one object built in activate and passed around, so no
// module keeps global state.
import type * as vscode from 'vscode';
import type { RunManager } from './run/runManager';

export interface ExtensionServices {
  readonly manager: RunManager;
  readonly log: vscode.LogOutputChannel;
  /** Re-reads the Runs view from disk. */
  refreshRuns(): void;
}
