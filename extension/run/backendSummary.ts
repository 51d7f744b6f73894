// What the UI says about the backend a run trains on: its name, the device it computes on, and why
// each faster backend was not used. Built from the engine's BackendReport into the view protocol's
// shape, which the host's status bar and the webviews both read; kept apart from vscode so the
// wording is tested.
import { backendsNotUsed, type BackendReport } from '../../engine/protocol/engineProtocol';
import type { BackendView } from '../../webview/protocol/viewProtocol';

export { whyNotFaster } from '../../webview/protocol/backendWords';

export type BackendSummary = BackendView;

export function summariseBackend(report: BackendReport): BackendSummary {
  return {
    name: report.name,
    choice: report.choice,
    device: report.device ?? null,
    notUsed: backendsNotUsed(report),
  };
}

/** "wasm · Intel(R) Xeon(R) CPU @ 2.20GHz, 1 thread, SIMD" */
export function describeBackend(backend: BackendSummary): string {
  return backend.device ? `${backend.name} · ${backend.device}` : backend.name;
}
