// A whole search in this process, in a throwaway folder, for the benchmarks that watch one from
// inside (its messages, its memory) rather than time single steps.
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { BackendReport } from '../backend/selectBackend';
import type { EngineMessage } from '../protocol/engineProtocol';
import { openSession } from '../session/openSession';

export async function runSearchInProcess(
  config: Record<string, unknown>,
  chooseBackend: () => Promise<BackendReport>,
  emit: (message: EngineMessage) => void,
): Promise<void> {
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'sparsity-bench-'));
  try {
    const { session } = await openSession({
      config,
      configSource: 'bench',
      workDir,
      chooseBackend,
      emit,
      log: () => undefined,
    });
    await session.run();
    session.dispose();
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}
