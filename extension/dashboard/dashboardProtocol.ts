// The whole host <-> dashboard webview contract. The webview asks for the state with `ready` when it
// loads; the host answers with a full snapshot and then pushes one on every change. Nothing is sent
// before `ready`, so a reloading webview never misses the first state.
import type { LiveStatus } from '../run/liveStatus';

export interface DashboardRun {
  /** The workspace folder's name. */
  folder: string;
  status: LiveStatus;
  /** The status bar's words, so both say the same. */
  summary: string;
}

export type ToDashboardMessage = { type: 'state'; runs: DashboardRun[] };

export type FromDashboardMessage = { type: 'ready' };

export function isFromDashboardMessage(value: unknown): value is FromDashboardMessage {
  return typeof value === 'object' && value !== null && (value as { type?: unknown }).type === 'ready';
}
