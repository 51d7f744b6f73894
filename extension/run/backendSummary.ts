// What the UI says about the backend a run trains on: its name, the device it computes on, and why
// each faster backend was not used. Built from the engine's BackendReport; kept apart from vscode so
// the wording is tested.
import type { BackendReport } from '../../engine/protocol/engineProtocol';

export interface BackendNotUsed {
  candidate: string;
  reason: string;
}

export interface BackendSummary {
  /** tf.getBackend(): 'tensorflow', 'webgpu', 'wasm' or 'cpu'. */
  name: string;
  /** What the user asked for: 'auto' or one backend. */
  choice: string;
  device?: string;
  /** Why each backend tried before the one in use failed, fastest first. */
  notUsed: BackendNotUsed[];
}

export function summariseBackend(report: BackendReport): BackendSummary {
  return {
    name: report.name,
    choice: report.choice,
    ...(report.device === undefined ? {} : { device: report.device }),
    notUsed: report.attempts
      .filter((a) => !a.ok)
      .map((a) => ({ candidate: a.candidate, reason: a.reason ?? 'unavailable' })),
  };
}

/** "wasm · Intel(R) Xeon(R) CPU @ 2.20GHz, 1 thread, SIMD" */
export function describeBackend(backend: BackendSummary): string {
  return backend.device ? `${backend.name} · ${backend.device}` : backend.name;
}

/**
 * One line per faster backend that was not used, or a note that none was tried because the user chose
 * this one. Long reasons (they can list searched folders) are cut so a tooltip stays readable.
 */
export function whyNotFaster(backend: BackendSummary, maxReason = 160): string[] {
  if (backend.notUsed.length) {
    return backend.notUsed.map(({ candidate, reason }) => `${candidate}: ${clip(reason, maxReason)}`);
  }
  if (backend.choice !== 'auto') {
    return [`no other backend tried: the setting or config asks for '${backend.choice}'`];
  }
  return [];
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
