// What the terminal shows during a search: one progress bar (phase, round, epoch, step, ETA, loss,
// kept %) and, at every epoch end, a table of per-layer kept fractions printed above it. Without a
// TTY (CI, pipes) the bar is replaced by one plain line per epoch.
import cliProgress from 'cli-progress';
import Table from 'cli-table3';
import type { EngineMessage, EngineMessageOf } from '../protocol/engineProtocol';

const pct = (x: number | null | undefined, digits = 1) =>
  x === null || x === undefined || Number.isNaN(x) ? '-' : `${(x * 100).toFixed(digits)}%`;

function formatEta(seconds: number | null): string {
  if (seconds === null) return '--:--';
  const s = Math.round(seconds);
  const m = Math.floor(s / 60);
  return m >= 60
    ? `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`
    : `${m}:${String(s % 60).padStart(2, '0')}`;
}

/** Rounds only exist in the search; the ticket and the dense baseline count epochs alone. */
const where = (p: { phase: string; round: number; rounds: number; epoch: number; epochs: number }) =>
  p.phase === 'search'
    ? `round ${p.round}/${p.rounds} epoch ${p.epoch}/${p.epochs}`
    : `epoch ${p.epoch}/${p.epochs}`;

const PHASE_LABEL = { search: 'search', ticket: 'ticket', dense: 'dense ' } as const;

export class ProgressView {
  private readonly multibar: cliProgress.MultiBar | null;
  private bar: cliProgress.SingleBar | null = null;
  private barKey = '';

  constructor(private readonly out: NodeJS.WriteStream = process.stderr) {
    this.multibar = out.isTTY
      ? new cliProgress.MultiBar(
          {
            stream: out,
            format:
              '{phase} {where} [{bar}] step {value}/{total} | ETA {etaAll} | loss {loss} | acc {acc} | kept {kept} | {speed} samples/s',
            barsize: 24,
            hideCursor: true,
            clearOnComplete: false,
            autopadding: true,
          },
          cliProgress.Presets.shades_classic,
        )
      : null;
  }

  handle(message: EngineMessage): void {
    switch (message.type) {
      case 'progress':
        return this.progress(message);
      case 'layerStats':
        // The masks only move during the search; later phases get one line per epoch.
        if (message.epochEnd && message.phase === 'search') this.print(layerTable(message));
        else if (message.epochEnd)
          this.print(
            `${message.phase} epoch ${message.epoch}/${message.epochs}: validation accuracy ${pct(message.validationAccuracy, 2)}`,
          );
        return;
      case 'roundEnd':
        this.print(
          `round ${message.round} finished: ${pct(message.keptFraction, 2)} of masked weights kept, validation ${pct(message.validationAccuracy)}`,
        );
        return;
      case 'ticketResult':
        this.print(
          `${message.method === 'imp' ? 'IMP ' : ''}ticket of round ${message.round}: ${pct(message.keptFraction, 2)} kept, test accuracy ${pct(message.testAccuracy, 2)} after ${message.trainEpochs} epochs`,
        );
        return;
      case 'checkpoint':
        if (message.kind === 'rewind') this.print(`rewind point saved (round 1, epoch ${message.epoch})`);
        return;
      case 'log':
        this.print(message.message);
        return;
      default:
        return;
    }
  }

  private progress(p: EngineMessageOf<'progress'>): void {
    const payload = {
      phase: PHASE_LABEL[p.phase],
      where: where(p),
      etaAll: formatEta(p.etaSeconds),
      loss: p.crossEntropy.toFixed(4),
      acc: pct(p.trainAccuracy),
      kept: pct(p.keptFraction),
      speed: Math.round(p.samplesPerSecond),
    };
    if (!this.multibar) {
      if (p.stepInEpoch === p.stepsPerEpoch) {
        this.out.write(
          `${payload.phase} ${payload.where}: loss ${payload.loss}, train acc ${payload.acc}, kept ${payload.kept}, ${payload.speed} samples/s, ETA ${payload.etaAll}\n`,
        );
      }
      return;
    }
    const key = `${p.phase}:${p.round}:${p.epoch}`;
    if (key !== this.barKey) {
      this.bar?.stop();
      if (this.bar) this.multibar.remove(this.bar);
      this.bar = this.multibar.create(p.stepsPerEpoch, 0, payload);
      this.barKey = key;
    }
    this.bar?.update(p.stepInEpoch, payload);
  }

  print(text: string): void {
    if (this.multibar) this.multibar.log(text.endsWith('\n') ? text : `${text}\n`);
    else this.out.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  stop(): void {
    this.multibar?.stop();
  }
}

function layerTable(s: EngineMessageOf<'layerStats'>): string {
  const table = new Table({
    head: ['layer', 'kind', 'shape', 'kept', 'of', 'kept %', 'mean mask'],
    colAligns: ['left', 'left', 'left', 'right', 'right', 'right', 'right'],
    style: { head: [], border: [], compact: true },
  });
  for (const l of s.layers) {
    table.push([
      l.name,
      l.kind,
      l.shape.join('x'),
      l.kept.toLocaleString('en-US'),
      l.total.toLocaleString('en-US'),
      pct(l.keptFraction, 2),
      l.meanMask.toFixed(3),
    ]);
  }
  table.push([
    'all masked',
    '',
    '',
    s.kept.toLocaleString('en-US'),
    s.total.toLocaleString('en-US'),
    pct(s.keptFraction, 2),
    '',
  ]);
  const title = `${s.phase} round ${s.round}/${s.rounds}, epoch ${s.epoch}/${s.epochs} (T = ${s.temperature.toFixed(2)}) validation accuracy ${pct(s.validationAccuracy, 2)}`;
  return `${title}\n${table.toString()}`;
}
