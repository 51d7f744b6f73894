// A run's folder, .sparsity/runs/<run-id>/: the resolved config, metrics.jsonl (one line per stats
// event), and snapshots as safetensors (initial, rewind, round-<k>, latest, ticket-trained). Every file
// is written atomically, so a killed engine leaves the last complete snapshot to resume from.
import { appendFileSync, existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import type { SearchConfig } from '../config/configSchema';
import { parseEngineMessage, type EngineMessage } from '../protocol/engineProtocol';
import { writeFileAtomic } from '../fsutil/atomicWrite';
import { decodeSafetensors, encodeSafetensors, type NamedArray } from '../ticket/safetensors';

export const CONFIG_FILE = 'config.json';
export const METRICS_FILE = 'metrics.jsonl';

export type SnapshotName = 'initial' | 'rewind' | 'latest' | 'ticket-trained' | `round-${number}`;

export interface Snapshot {
  tensors: NamedArray[];
  /** JSON-serialisable facts stored next to the tensors (position, accuracies...). */
  meta: Record<string, unknown>;
}

export class RunError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
    this.name = 'RunError';
  }
}

/** Sortable, readable and unique enough for one user: 20261128-053000-a1b2c3. */
export function newRunId(now = new Date()): string {
  const iso = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${iso}-${randomBytes(3).toString('hex')}`;
}

/**
 * A run's metrics.jsonl read back as engine messages (each line's `time` dropped), skipping a line a
 * crash cut short; none when the file is not there yet. The streaming reader for long files in the
 * views is extension/views/runHistoryFile.ts.
 */
export function readMetricMessages(runDir: string): EngineMessage[] {
  const file = path.join(runDir, METRICS_FILE);
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .map(parseMetricLine)
    .filter((m): m is EngineMessage => m !== undefined);
}

/** One metrics line as an engine message: the line's `time` is dropped before the check. */
export function parseMetricLine(line: string): EngineMessage | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const { time: _time, ...message } = value as Record<string, unknown>;
  const parsed = parseEngineMessage(message);
  return parsed.ok ? parsed.value : undefined;
}

export class RunStore {
  private constructor(
    readonly runId: string,
    readonly dir: string,
  ) {}

  static async create(runsRoot: string, config: SearchConfig): Promise<RunStore> {
    const runId = newRunId();
    const dir = path.join(runsRoot, runId);
    mkdirSync(dir, { recursive: true });
    const store = new RunStore(runId, dir);
    await writeFileAtomic(path.join(dir, CONFIG_FILE), JSON.stringify(config, null, 2) + '\n');
    return store;
  }

  static open(runsRoot: string, runId: string): RunStore {
    const dir = path.join(runsRoot, runId);
    if (!existsSync(path.join(dir, CONFIG_FILE))) {
      const known = existsSync(runsRoot) ? readdirSync(runsRoot).filter((d) => !d.startsWith('.')) : [];
      throw new RunError(
        dir,
        `no run "${runId}" here${known.length ? `; runs found: ${known.slice(-10).join(', ')}` : ` (no runs under ${runsRoot})`}`,
      );
    }
    return new RunStore(runId, dir);
  }

  readConfig(): Record<string, unknown> {
    const file = path.join(this.dir, CONFIG_FILE);
    try {
      return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    } catch (e) {
      throw new RunError(file, `cannot read the run's config (${(e as Error).message})`);
    }
  }

  /** One JSON line per event; appended synchronously so a crash loses at most the line in flight. */
  appendMetric(event: object): void {
    appendFileSync(path.join(this.dir, METRICS_FILE), JSON.stringify({ time: Date.now(), ...event }) + '\n');
  }

  snapshotPath(name: SnapshotName): string {
    return path.join(this.dir, `${name}.safetensors`);
  }

  hasSnapshot(name: SnapshotName): boolean {
    return existsSync(this.snapshotPath(name));
  }

  async writeSnapshot(name: SnapshotName, snapshot: Snapshot): Promise<string> {
    const file = this.snapshotPath(name);
    const bytes = encodeSafetensors(snapshot.tensors, { meta: JSON.stringify(snapshot.meta) });
    await writeFileAtomic(file, bytes);
    return file;
  }

  readSnapshot(name: SnapshotName): Snapshot {
    const file = this.snapshotPath(name);
    if (!existsSync(file)) throw new RunError(file, 'snapshot not found');
    try {
      const decoded = decodeSafetensors(new Uint8Array(readFileSync(file)));
      return {
        tensors: decoded.tensors,
        meta: JSON.parse(decoded.metadata.meta ?? '{}') as Record<string, unknown>,
      };
    } catch (e) {
      throw new RunError(file, `unreadable snapshot (${(e as Error).message})`);
    }
  }

  /** Rounds (1-based) whose round-end snapshot exists. */
  roundSnapshots(): number[] {
    return readdirSync(this.dir)
      .map((f) => /^round-(\d+)\.safetensors$/.exec(f))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => Number(m[1]))
      .sort((a, b) => a - b);
  }
}
