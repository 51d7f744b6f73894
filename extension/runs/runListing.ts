// Reads the runs folder (.sparsity/runs/<run-id>/) and the tickets folder (<tickets>/<name>/ticket.json)
// into plain objects for the Runs view. Everything comes from disk, so a reload shows the same list.
// Run folders can hold long metrics files: only their tail is read.
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';

export type RunOutcome = 'ticket' | 'failed' | 'incomplete';

export interface RunSummary {
  runId: string;
  dir: string;
  model?: string;
  /** The data format, e.g. "mnist-bundled". */
  data?: string;
  rounds?: number;
  epochsPerRound?: number;
  /** Snapshot names that exist, in the order a run writes them. */
  snapshots: string[];
  outcome: RunOutcome;
  /** The last overall kept fraction the run reported. */
  keptFraction?: number;
  /** Where the run was last seen, e.g. "round 1/2 · epoch 3/4" (from its last progress line). */
  lastPosition?: { phase: string; round: number; rounds: number; epoch: number; epochs: number };
  testAccuracy?: number;
  denseTestAccuracy?: number | null;
  /** The fatal error that ended it, if metrics recorded one. */
  error?: string;
  /** Time of the last metrics line (ms since the epoch). */
  updatedAt?: number;
}

export interface TicketSummary {
  name: string;
  dir: string;
  runId?: string;
  model?: string;
  data?: string;
  density?: number;
  kept?: number;
  total?: number;
  ticketTest?: number | null;
  ticketTestAtRewind?: number | null;
  denseTest?: number | null;
  createdAt?: string;
}

/** Bytes read from the end of metrics.jsonl: enough for a few layer-statistics lines of VGG-16. */
export const METRICS_TAIL_BYTES = 256 * 1024;

const TEMP_FOLDER = /\.(tmp|old)-/;

export async function readTail(file: string, maxBytes = METRICS_TAIL_BYTES): Promise<string> {
  const handle = await fsp.open(file, 'r');
  try {
    const { size } = await handle.stat();
    const start = Math.max(0, size - maxBytes);
    const buffer = Buffer.alloc(size - start);
    await handle.read(buffer, 0, buffer.length, start);
    const text = buffer.toString('utf8');
    // A tail that starts mid-line drops that partial line.
    return start > 0 ? text.slice(text.indexOf('\n') + 1) : text;
  } finally {
    await handle.close();
  }
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

function parseLines(text: string): Json[] {
  const events: Json[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const value: unknown = JSON.parse(line);
      if (isObject(value)) events.push(value);
    } catch {
      // A line cut by a crash mid-append is skipped; the lines before it are whole.
    }
  }
  return events;
}

export type MetricsSummary = Pick<
  RunSummary,
  'outcome' | 'keptFraction' | 'lastPosition' | 'testAccuracy' | 'denseTestAccuracy' | 'error' | 'updatedAt'
>;

/** What the tail of metrics.jsonl says about how the run ended (or where it stands). */
export function summarizeMetrics(text: string): MetricsSummary {
  const summary: MetricsSummary = { outcome: 'incomplete' };
  for (const event of parseLines(text)) {
    const time = num(event.time);
    if (time !== undefined) summary.updatedAt = time;
    const kept = num(event.keptFraction);
    switch (event.type) {
      case 'progress':
        if (kept !== undefined) summary.keptFraction = kept;
        if (typeof event.phase === 'string') {
          summary.lastPosition = {
            phase: event.phase,
            round: num(event.round) ?? 1,
            rounds: num(event.rounds) ?? 1,
            epoch: num(event.epoch) ?? 1,
            epochs: num(event.epochs) ?? 1,
          };
        }
        break;
      case 'layerStats':
      case 'roundEnd':
        if (kept !== undefined) summary.keptFraction = kept;
        break;
      case 'ticket':
        summary.outcome = 'ticket';
        if (kept !== undefined) summary.keptFraction = kept;
        summary.testAccuracy = num(event.testAccuracy);
        summary.denseTestAccuracy = num(event.denseTestAccuracy) ?? null;
        delete summary.error;
        break;
      case 'error':
        if (event.fatal === true) {
          summary.outcome = 'failed';
          summary.error = typeof event.message === 'string' ? event.message : 'unknown error';
        }
        break;
      default:
        break;
    }
    // Training after a failure means the run was resumed; after its ticket (the last line of a
    // finished run), that it was rewound. Either way it is under way again.
    if (event.type === 'progress' && summary.outcome !== 'incomplete') {
      summary.outcome = 'incomplete';
      delete summary.error;
      delete summary.testAccuracy;
      delete summary.denseTestAccuracy;
    }
  }
  return summary;
}

/** Snapshot names in the order a run writes them: initial, rewind, round-1.., latest, ticket-trained. */
export function orderSnapshots(files: string[]): string[] {
  const names = files
    .filter((f) => f.endsWith('.safetensors'))
    .map((f) => f.slice(0, -'.safetensors'.length));
  const rank = (name: string): number => {
    if (name === 'initial') return 0;
    if (name === 'rewind') return 1;
    const round = /^round-(\d+)$/.exec(name);
    if (round) return 2 + Number(round[1]) / 1e6;
    if (name === 'latest') return 3;
    if (name === 'ticket-trained') return 4;
    return 5;
  };
  return names.filter((n) => rank(n) < 5).sort((a, b) => rank(a) - rank(b));
}

async function readJson(file: string): Promise<Json | undefined> {
  try {
    const value: unknown = JSON.parse(await fsp.readFile(file, 'utf8'));
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

async function subfolders(dir: string): Promise<string[]> {
  try {
    const entries = await fsp.readdir(dir, { withFileTypes: true });
    return entries
      .filter((e) => e.isDirectory() && !e.name.startsWith('.') && !TEMP_FOLDER.test(e.name))
      .map((e) => e.name);
  } catch {
    return [];
  }
}

/**
 * Summaries of runs already read, keyed by folder, with a stamp of what they were read from: a
 * refresh during a search re-reads only the run whose files changed.
 */
export type RunCache = Map<string, { stamp: string; summary: RunSummary }>;

export async function readRun(dir: string, cache?: RunCache): Promise<RunSummary | undefined> {
  let files: string[];
  try {
    files = (await fsp.readdir(dir)).filter((f) => !f.startsWith('.'));
  } catch {
    return undefined;
  }
  // A folder without config.json is not a run (the engine writes it first).
  if (!files.includes('config.json')) return undefined;
  const metricsFile = path.join(dir, 'metrics.jsonl');
  let stamp = files.join('/');
  if (files.includes('metrics.jsonl')) {
    try {
      const stat = await fsp.stat(metricsFile);
      stamp += `:${stat.size}:${stat.mtimeMs}`;
    } catch {
      // Gone between readdir and stat: read below as if absent.
    }
  }
  const cached = cache?.get(dir);
  if (cached && cached.stamp === stamp) return cached.summary;
  const config = await readJson(path.join(dir, 'config.json'));
  if (!config) return undefined;
  let metrics: MetricsSummary = { outcome: 'incomplete' };
  if (files.includes('metrics.jsonl')) {
    try {
      metrics = summarizeMetrics(await readTail(metricsFile));
    } catch {
      // Unreadable metrics leave the run listed, without numbers.
    }
  }
  const data =
    isObject(config.data) && typeof config.data.format === 'string' ? config.data.format : undefined;
  const summary: RunSummary = {
    runId: path.basename(dir),
    dir,
    model: typeof config.model === 'string' ? config.model : undefined,
    data,
    rounds: num(config.rounds),
    epochsPerRound: num(config.epochsPerRound),
    snapshots: orderSnapshots(files),
    ...metrics,
  };
  cache?.set(dir, { stamp, summary });
  return summary;
}

/** Every run under `runsDir`, newest first (run ids start with their UTC start time). */
export async function listRuns(runsDir: string, cache?: RunCache): Promise<RunSummary[]> {
  const runs = await Promise.all(
    (await subfolders(runsDir)).map((name) => readRun(path.join(runsDir, name), cache)),
  );
  return runs.filter((r): r is RunSummary => r !== undefined).sort((a, b) => b.runId.localeCompare(a.runId));
}

export async function readTicket(dir: string): Promise<TicketSummary | undefined> {
  const manifest = await readJson(path.join(dir, 'ticket.json'));
  if (!manifest) return undefined;
  const model = isObject(manifest.model) ? manifest.model : {};
  const data = isObject(manifest.data) ? manifest.data : {};
  const acc = isObject(manifest.accuracies) ? manifest.accuracies : {};
  const nullable = (v: unknown) => (v === null ? null : num(v));
  return {
    name: path.basename(dir),
    dir,
    runId: typeof manifest.runId === 'string' ? manifest.runId : undefined,
    model: typeof model.name === 'string' ? model.name : undefined,
    data: typeof data.description === 'string' ? data.description : undefined,
    density: num(manifest.density),
    kept: num(manifest.kept),
    total: num(manifest.total),
    ticketTest: nullable(acc.ticketTest),
    ticketTestAtRewind: nullable(acc.ticketTestAtRewind),
    denseTest: nullable(acc.denseTest),
    createdAt: typeof manifest.createdAt === 'string' ? manifest.createdAt : undefined,
  };
}

/** Every exported ticket under `ticketsDir`, newest first. */
export async function listTickets(ticketsDir: string): Promise<TicketSummary[]> {
  const tickets = await Promise.all(
    (await subfolders(ticketsDir)).map((name) => readTicket(path.join(ticketsDir, name))),
  );
  return tickets
    .filter((t): t is TicketSummary => t !== undefined)
    .sort((a, b) => (b.createdAt ?? b.name).localeCompare(a.createdAt ?? a.name));
}

/** A run can be resumed while it has no ticket and a snapshot to continue from. */
export function isResumable(run: RunSummary): boolean {
  return run.outcome !== 'ticket' && (run.snapshots.includes('latest') || run.snapshots.includes('initial'));
}

/** What a snapshot is for, in the Runs view. */
export function describeSnapshot(name: string): string {
  if (name === 'initial') return 'the weights before training';
  if (name === 'rewind') return 'the rewind point: the weights the ticket starts from';
  const round = /^round-(\d+)$/.exec(name);
  if (round) return `the end of round ${round[1]}: its masks and weights`;
  if (name === 'latest') return 'the last finished epoch: where a resume continues';
  if (name === 'ticket-trained') return 'the retrained ticket';
  return '';
}

/** The words for a run in the list: "lenet-300-100 · mnist-bundled · kept 16.2% · ticket". */
export function describeRun(run: RunSummary): string {
  const parts: string[] = [];
  if (run.model) parts.push(run.model);
  if (run.data) parts.push(run.data);
  if (run.keptFraction !== undefined) parts.push(`kept ${(run.keptFraction * 100).toFixed(1)}%`);
  if (run.outcome === 'ticket') {
    parts.push(
      run.testAccuracy !== undefined ? `ticket ${(run.testAccuracy * 100).toFixed(2)}% test` : 'ticket found',
    );
  } else if (run.outcome === 'failed') {
    parts.push('failed');
  } else if (run.lastPosition) {
    const p = run.lastPosition;
    parts.push(
      p.phase === 'search'
        ? `stopped in round ${p.round}/${p.rounds}, epoch ${p.epoch}/${p.epochs}`
        : `stopped in ${p.phase} epoch ${p.epoch}/${p.epochs}`,
    );
  } else {
    parts.push('not started');
  }
  return parts.join(' · ');
}

export function describeTicket(ticket: TicketSummary): string {
  const parts: string[] = [];
  if (ticket.model) parts.push(ticket.model);
  if (ticket.density !== undefined) parts.push(`kept ${(ticket.density * 100).toFixed(2)}%`);
  if (typeof ticket.ticketTest === 'number') parts.push(`test ${(ticket.ticketTest * 100).toFixed(2)}%`);
  if (typeof ticket.denseTest === 'number') parts.push(`dense ${(ticket.denseTest * 100).toFixed(2)}%`);
  return parts.join(' · ');
}
