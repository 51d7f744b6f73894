// Builds the dashboard's comparison from run folders: each run's metrics.jsonl says what model and
// data it trained (`started`), what each trained ticket scored (`ticketResult`: one for a CS search,
// one per round for IMP) and, when the run trained it, the dense network's test accuracy (`ticket`).
// Files are read, not live messages, so a sweep run from the terminal shows the same as one run from VS Code, and the
// comparison survives a reload. No vscode here: tested on its own.
import * as path from 'node:path';
import type { Comparison, ComparisonPoint } from '../../webview/protocol/viewProtocol';
import { forEachLine, METRICS_FILE, parseMetricsLine } from '../views/runHistoryFile';

export interface ComparedRun {
  /** What sets this run apart, e.g. "maskInit = -0.1"; IMP rounds are labelled by round instead. */
  label: string;
  runDir: string;
  /** Still training: its tickets are yet to come (or to be added to). */
  running: boolean;
}

export interface RunTickets {
  points: ComparisonPoint[];
  denseTestAccuracy: number | null;
  /** The engine's description of the model and data, from the run's `started` line. */
  model: string | null;
  data: string | null;
}

/** The lines worth parsing: the few that are not statistics or progress (those are most of the file). */
const INTERESTING = /"type":"(ticketResult|ticket|started)"/;

/** One run's tickets; a run without metrics yet (just starting) has none. */
export async function readRunTickets(run: ComparedRun): Promise<RunTickets> {
  const out: RunTickets = { points: [], denseTestAccuracy: null, model: null, data: null };
  const runId = path.basename(run.runDir);
  try {
    await forEachLine(path.join(run.runDir, METRICS_FILE), (line) => {
      if (!INTERESTING.test(line)) return;
      const message = parseMetricsLine(line);
      if (message?.type === 'started') {
        out.model = message.model;
        out.data = message.data;
      } else if (message?.type === 'ticket' && message.denseTestAccuracy !== null) {
        out.denseTestAccuracy = message.denseTestAccuracy;
      } else if (message?.type === 'ticketResult') {
        const point: ComparisonPoint = {
          method: message.method,
          runId,
          label: message.method === 'imp' ? `round ${message.round}` : run.label,
          round: message.round,
          keptFraction: message.keptFraction,
          testAccuracy: message.testAccuracy,
        };
        // A resumed run may report a round again: the later result is the one that stands.
        out.points = out.points.filter((p) => !(p.method === point.method && p.round === point.round));
        out.points.push(point);
      }
    });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  return out;
}

/** All runs' tickets side by side; null when none has a ticket yet and none is running. */
export async function comparisonFromRuns(title: string, runs: ComparedRun[]): Promise<Comparison | null> {
  const tickets = await Promise.all(runs.map(readRunTickets));
  const points = tickets.flatMap((t) => t.points);
  const running = runs.filter((r) => r.running).length;
  if (points.length === 0 && running === 0) return null;
  const dense = tickets.find((t) => t.denseTestAccuracy !== null)?.denseTestAccuracy ?? null;
  const described = tickets.find((t) => t.model !== null);
  const what = described ? ` · ${described.model?.split(' (')[0]} on ${described.data?.split(' (')[0]}` : '';
  return { title: `${title}${what}`, points, denseTestAccuracy: dense, running };
}
