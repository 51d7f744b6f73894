// Why a run is not on a faster backend, in the words both the status bar's tooltip and the
// dashboard use, so the two never disagree.
import type { BackendView } from './viewProtocol';

/**
 * One line per faster backend that was not used, or a note that none was tried because the user chose
 * this one. Reasons longer than `maxReason` (they can list searched folders) are cut, for a tooltip.
 */
export function whyNotFaster(backend: Pick<BackendView, 'choice' | 'notUsed'>, maxReason = 160): string[] {
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
