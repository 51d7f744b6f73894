// What the terminal shows during a sweep: one table row per member (its value, state, where it is,
// kept %, accuracy) redrawn in place on a TTY; without one (CI, pipes), one line per member event
// (started, epoch end, ended). The final table of tickets is `resultTable`, printed once at the end.
import Table from 'cli-table3';
import type { EngineMessage } from '../protocol/engineProtocol';
import type { MemberState } from '../sweep/sweepStore';

const pct = (x: number | null | undefined, digits = 1) =>
  x === null || x === undefined || Number.isNaN(x) ? '-' : `${(x * 100).toFixed(digits)}%`;

/** What the live table knows of a member beyond its saved state. */
interface Live {
  where: string;
  kept: number | null;
  accuracy: number | null;
}

const REDRAW_MS = 200;

export class SweepView {
  private readonly live = new Map<number, Live>();
  /** Without a TTY: the run each member was last announced with, so each start is said once. */
  private readonly announced = new Map<number, string>();
  private drawnLines = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly members: readonly MemberState[],
    private readonly out: NodeJS.WriteStream = process.stderr,
  ) {
    if (this.tty) this.draw();
  }

  private get tty(): boolean {
    return this.out.isTTY === true;
  }

  /** A member's status, run or result changed. */
  member(m: MemberState): void {
    if (this.tty) return this.schedule();
    if (m.status === 'running' && m.runId) {
      const key = `${m.attempts}:${m.runId}`;
      if (this.announced.get(m.index) !== key) this.line(m, `running as run ${m.runId}`);
      this.announced.set(m.index, key);
    } else if (m.status === 'finished' && m.result)
      this.line(
        m,
        `finished: kept ${pct(m.result.keptFraction, 2)}, test accuracy ${pct(m.result.testAccuracy, 2)}`,
      );
    else if (m.status === 'failed') this.line(m, `FAILED: ${m.failure ?? 'unknown reason'}`);
    else if (m.status === 'stopped') this.line(m, 'stopped');
  }

  message(index: number, message: EngineMessage): void {
    const live = this.live.get(index) ?? { where: '', kept: null, accuracy: null };
    this.live.set(index, live);
    if (message.type === 'progress') {
      live.where =
        message.phase === 'search'
          ? `round ${message.round}/${message.rounds} epoch ${message.epoch}/${message.epochs}`
          : `${message.phase} epoch ${message.epoch}/${message.epochs}`;
      live.kept = message.keptFraction;
    } else if (message.type === 'layerStats' && message.epochEnd) {
      live.kept = message.keptFraction;
      live.accuracy = message.validationAccuracy;
      if (!this.tty) {
        const m = this.members[index];
        this.line(
          m,
          `${live.where}: kept ${pct(live.kept, 2)}, validation accuracy ${pct(live.accuracy, 2)}`,
        );
      }
    } else if (message.type === 'error' && !this.tty) {
      this.line(this.members[index], `${message.code} error: ${message.message}`);
    }
    if (this.tty) this.schedule();
  }

  /** A line above the table (or in the stream of lines). */
  print(text: string): void {
    this.clear();
    this.out.write(text.endsWith('\n') ? text : `${text}\n`);
    if (this.tty) this.draw();
  }

  /** Draws the table one last time and leaves it on screen. */
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.tty) {
      this.clear();
      this.draw();
    }
  }

  private line(m: MemberState, text: string): void {
    this.out.write(`[${m.label}] ${text}\n`);
  }

  private schedule(): void {
    this.timer ??= setTimeout(() => {
      this.timer = null;
      this.clear();
      this.draw();
    }, REDRAW_MS);
  }

  private clear(): void {
    // Up to the table's first line, then erase to the end of the screen.
    if (this.drawnLines > 0) this.out.write(`\x1b[${this.drawnLines}F\x1b[0J`);
    this.drawnLines = 0;
  }

  private draw(): void {
    const text = liveTable(this.members, this.live);
    this.out.write(`${text}\n`);
    // A line wider than the terminal wraps and takes more rows to erase (the table has no colours).
    const width = this.out.columns || Infinity;
    this.drawnLines = text
      .split('\n')
      .reduce((n, line) => n + Math.max(1, Math.ceil(line.length / width)), 0);
  }
}

function liveTable(members: readonly MemberState[], live: Map<number, Live>): string {
  const table = new Table({
    head: ['member', 'state', 'where', 'kept %', 'accuracy'],
    colAligns: ['left', 'left', 'left', 'right', 'right'],
    style: { head: [], border: [], compact: true },
  });
  for (const m of members) {
    const l = live.get(m.index);
    const done = m.result && m.status === 'finished';
    table.push([
      m.label,
      m.status,
      m.status === 'running' ? (l?.where ?? 'starting') : '',
      pct(done ? m.result?.keptFraction : l?.kept, 2),
      done
        ? `${pct(m.result?.testAccuracy, 2)} test`
        : l?.accuracy == null
          ? '-'
          : `${pct(l.accuracy, 2)} val`,
    ]);
  }
  return table.toString();
}

/** Every member's ticket: density and test accuracy, or why there is none. */
export function resultTable(members: readonly MemberState[], showPath: (p: string) => string): string {
  const table = new Table({
    head: ['member', 'status', 'run', 'density (kept %)', 'ticket test acc', 'dense test acc', 'ticket'],
    colAligns: ['left', 'left', 'left', 'right', 'right', 'right', 'left'],
    style: { head: [], border: [], compact: true },
  });
  for (const m of members) {
    const r = m.result;
    table.push([
      m.label,
      m.status,
      m.runId ?? '-',
      pct(r?.keptFraction, 2),
      pct(r?.testAccuracy, 2),
      pct(r?.denseTestAccuracy, 2),
      r?.ticketDir ? showPath(r.ticketDir) : '-',
    ]);
  }
  return table.toString();
}
