// A past run's history, read back from its folder's metrics.jsonl (one engine message plus `time` per
// line) and folded through the same RunViewModel the live path uses, so a run opened from the Runs
// view, or a dashboard restored after a reload, draws exactly what it drew live. The file is streamed
// line by line (long runs write tens of MB); lines that are not whole engine messages are skipped and
// counted. No vscode here: the unit tests load recorded runs with it.
import { createReadStream, promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { METRICS_FILE, parseMetricLine } from '../../engine/runs/runStore';
import type { RunHistoryData, StatsPoint, TicketView } from '../../webview/protocol/viewProtocol';
import { applyEngineMessage, planOf, withStarted, type LiveStatus } from '../run/liveStatus';
import { RunViewModel } from './runViewModel';

export { METRICS_FILE };

export interface LoadedRunHistory {
  runId: string;
  runDir: string;
  /** The model that folded the run: its `history` is what a dashboard snapshot carries. */
  model: RunViewModel;
  history: RunHistoryData;
  /** The last layer statistics, i.e. the history's latest point. */
  latest: StatsPoint | null;
  ticket: TicketView | null;
  /** The LiveStatus the run's messages fold into (position, kept fraction, failure...). */
  status: LiveStatus;
  /** Engine messages folded in. */
  messages: number;
  /** Lines that were not JSON or not engine messages (a line cut by a crash, say). */
  skipped: number;
}

/** One metrics line as an engine message (the engine's own reader of its run folders). */
export const parseMetricsLine = parseMetricLine;

/** Folds engine messages into a fresh view model (and status), as the live path would. */
export class RunHistoryLoader {
  readonly model = new RunViewModel();
  status: LiveStatus;
  messages = 0;
  skipped = 0;

  constructor(runId: string, runDir: string) {
    this.status = { state: 'idle', rewindTargets: [], runId, runDir };
  }

  line(line: string): void {
    if (!line.trim()) return;
    const message = parseMetricsLine(line);
    if (!message) {
      this.skipped++;
      return;
    }
    this.messages++;
    this.model.apply(message);
    if (message.type === 'started') {
      // Its descriptions of the model and data; the folder is where the run is now, not where it was.
      const { runId, runDir } = this.status;
      this.status = { ...withStarted(this.status, message), runId, runDir };
    } else {
      this.status = applyEngineMessage(this.status, message);
    }
  }
}

export interface LoadOptions {
  /**
   * Folds only what came before the last engine's `started` line: the history a resumed run had when
   * its new engine started, which then goes on from that engine's live messages.
   */
  beforeLastStart?: boolean;
}

/** Calls `each` with every line of the file, streamed; stops early when it returns false. */
export async function forEachLine(
  file: string,
  each: (line: string, index: number) => boolean | void,
): Promise<void> {
  const input = createReadStream(file, { encoding: 'utf8' });
  const lines = createInterface({ input, crlfDelay: Infinity });
  let index = 0;
  try {
    for await (const line of lines) if (each(line, index++) === false) break;
  } finally {
    lines.close();
    input.destroy();
  }
}

const isStartedLine = (line: string) =>
  line.includes('"started"') && parseMetricsLine(line)?.type === 'started';

/** Reads `<runDir>/metrics.jsonl`; a missing file rejects (ENOENT). */
export async function loadRunHistory(
  runDir: string,
  runId = path.basename(runDir),
  options: LoadOptions = {},
): Promise<LoadedRunHistory> {
  const file = path.join(runDir, METRICS_FILE);
  let end = Infinity;
  if (options.beforeLastStart) {
    await forEachLine(file, (line, index) => {
      if (isStartedLine(line)) end = index;
    });
  }
  const loader = new RunHistoryLoader(runId, runDir);
  await forEachLine(file, (line, index) => {
    if (index >= end) return false;
    loader.line(line);
  });
  // The engine that wrote it is gone: whatever state it last reported, the run is not live now.
  const status: LiveStatus = {
    // The config's names stand in for the descriptions a `started` line gives (a CLI run has none).
    ...(await configFacts(runDir)),
    ...loader.status,
    state: loader.status.failure ? 'failed' : 'idle',
    rewindTargets: [],
  };
  const { history } = loader.model;
  return {
    runId,
    runDir,
    model: loader.model,
    history,
    latest: history.latest,
    ticket: history.ticket,
    status,
    messages: loader.messages,
    skipped: loader.skipped,
  };
}

/** The model, data format and plan from the run's config.json, when it is there and readable. */
async function configFacts(runDir: string): Promise<Pick<LiveStatus, 'model' | 'data' | 'plan'>> {
  try {
    const config: unknown = JSON.parse(await fsp.readFile(path.join(runDir, 'config.json'), 'utf8'));
    if (typeof config !== 'object' || config === null) return {};
    const { model, data } = config as { model?: unknown; data?: unknown };
    const format =
      typeof data === 'object' && data !== null ? (data as { format?: unknown }).format : undefined;
    return {
      ...(typeof model === 'string' ? { model } : {}),
      ...(typeof format === 'string' ? { data: format } : {}),
      ...(planOf(config) ? { plan: planOf(config) } : {}),
    };
  } catch {
    return {};
  }
}
