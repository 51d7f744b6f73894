// One ticket search, start to finish: the search rounds (CS, or the IMP baseline: see SearchMethod),
// the rewind checkpoint, the ticket's retraining, the optional dense baseline, snapshots for resume and
// rewind, and exports. The CLI and the IPC child both drive this class; it speaks only through `emit`
// (protocol messages) and its public methods.
import * as tf from '@tensorflow/tfjs-core';
import type { SearchConfig } from '../config/configSchema';
import { CsMethod } from '../cs/csMethod';
import { computeLayerStats } from '../cs/layerStats';
import { defaultDropEpochs, learningRateAt } from '../cs/learningRateSchedule';
import { NesterovSgd } from '../cs/nesterovSgd';
import { evaluate, trainStep } from '../cs/trainStep';
import type { MaskedModel } from '../cs/maskedModel';
import { ImpMethod } from '../imp/impMethod';
import type {
  BackendReport,
  EngineMessage,
  EngineMessageOf,
  Phase,
  RewindTarget,
  RunState,
} from '../protocol/engineProtocol';
import type { RunStore, Snapshot, SnapshotName } from '../runs/runStore';
import type { NamedArray } from '../ticket/safetensors';
import { RunControl } from './runControl';
import type { PreparedData, PreparedModel } from './prepareRun';
import { assignVariables, indexed, readVariables, type NamedVariable } from './variableSnapshots';
import { exportRunTicket, type ExportRequest } from './exportRunTicket';
import { epochOrder, makeBatch } from './batches';
import { describePosition, epochOf, etaSeconds, roundOf, type Position } from './runPosition';
import type { SearchMethod, SearchMethodHost } from './searchMethod';

export interface SessionResults {
  searchValidation: number | null;
  ticketTest: number | null;
  ticketTestAtRewind: number | null;
  denseTest: number | null;
}

class JumpSignal {
  constructor(readonly target: RewindTarget) {}
}
class StopSignal {}

export class StateError extends Error {}

export interface SessionOptions {
  config: SearchConfig;
  workDir: string;
  backend: BackendReport;
  data: PreparedData;
  model: PreparedModel;
  store: RunStore;
  engineVersion: string;
  emit: (message: EngineMessage) => void;
}

const METRIC_TYPES = new Set([
  // Where each engine's part of the run begins (a resume appends one): readers of metrics.jsonl learn
  // the model and data descriptions from it, and the host where a resumed run's history picks up.
  'started',
  'progress',
  'layerStats',
  'roundEnd',
  'checkpoint',
  'ticket',
  'ticketResult',
  'exported',
  'error',
]);

export class SearchSession {
  readonly control = new RunControl();
  readonly stepsPerEpoch: number;
  private readonly config: SearchConfig;
  private readonly mm: MaskedModel;
  private readonly weightVars: NamedVariable[];
  private readonly maskVars: NamedVariable[];
  private readonly method: SearchMethod;
  private searchWeightOpt: NesterovSgd;
  private phaseOpt: NesterovSgd | null = null;
  /** ticketResult.round of the ticket being (or last) trained; kept in snapshots. */
  private ticketRound: number;
  private pos: Position = { phase: 'search', round: 0, epoch: 0 };
  private step = 0;
  private rewindWeights: NamedArray[] | null = null;
  private trainedWeights: NamedArray[] | null = null;
  private results: SessionResults = {
    searchValidation: null,
    ticketTest: null,
    ticketTestAtRewind: null,
    denseTest: null,
  };
  private state: RunState = 'starting';
  private running = false;
  private speed = { samples: 0, seconds: 0 };
  private pauseRequestId: string | undefined;

  constructor(private readonly opts: SessionOptions) {
    this.config = opts.config;
    this.mm = opts.model.masked;
    this.stepsPerEpoch = Math.ceil(opts.data.train.count / this.config.batchSize);
    this.weightVars = this.mm.variables.map((v) => ({ name: v.name, variable: v.variable }));
    this.maskVars = this.mm.masked.map((k) => ({ name: k.layerName, variable: k.logits }));
    const unique = new Set(this.weightVars.map((v) => v.name));
    if (unique.size !== this.weightVars.length) throw new Error('model has two weights with the same name');
    this.searchWeightOpt = this.newWeightOptimizer();
    const host: SearchMethodHost = {
      config: this.config,
      mm: this.mm,
      data: opts.data,
      emit: (m) => this.emit(m),
      log: (m) => this.emitLog(m),
      rewindWeights: () => this.rewindAllWeights(),
      resetWeightOptimizer: () => {
        this.searchWeightOpt.dispose();
        this.searchWeightOpt = this.newWeightOptimizer();
      },
    };
    this.method = this.config.method === 'imp' ? new ImpMethod(host) : new CsMethod(host);
    this.ticketRound = this.method.finalTicketRound;
  }

  get runId(): string {
    return this.opts.store.runId;
  }

  get runDir(): string {
    return this.opts.store.dir;
  }

  get currentState(): RunState {
    return this.state;
  }

  get finalResults(): SessionResults {
    return { ...this.results };
  }

  /** Fresh start: writes the initial snapshot. */
  async begin(): Promise<void> {
    await this.saveSnapshot('initial', { phase: 'search', round: 0, epoch: 0 });
  }

  /** Resume: restores the run's latest snapshot (or the initial one when no epoch had finished). */
  async restoreLatest(): Promise<void> {
    const store = this.opts.store;
    const name: SnapshotName = store.hasSnapshot('latest') ? 'latest' : 'initial';
    this.restoreSnapshot(name, store.readSnapshot(name));
    if (store.hasSnapshot('rewind')) this.rewindWeights = store.readSnapshot('rewind').tensors;
    if (store.hasSnapshot('ticket-trained'))
      this.trainedWeights = store.readSnapshot('ticket-trained').tensors;
    this.emitLog(`resumed run ${this.runId} from its ${name} snapshot at ${describePosition(this.pos)}`);
  }

  rewindTargets(): RewindTarget[] {
    const targets: RewindTarget[] = this.rewindWeights ? [{ kind: 'rewindPoint' }] : [];
    return [
      ...targets,
      ...this.opts.store.roundSnapshots().map((round) => ({ kind: 'round' as const, round })),
    ];
  }

  /** The `paused` state message answers `requestId` once the step in flight has finished. */
  pause(requestId?: string): void {
    if (!this.running) throw new StateError(`cannot pause: the search is ${this.state}`);
    this.pauseRequestId = requestId;
    this.control.pause();
  }

  resume(requestId?: string): void {
    if (!this.control.isPaused) throw new StateError(`cannot resume: the search is ${this.state}`);
    this.control.resume();
    this.setState('running', requestId);
  }

  stop(): void {
    this.control.stop();
    if (this.running) this.setState('stopping');
  }

  /** Rewinds now (between steps). When the search had finished, the caller restarts `run()`. */
  async rewind(target: RewindTarget): Promise<void> {
    const available = this.rewindTargets();
    if (
      !available.some(
        (t) =>
          t.kind === target.kind && (t.kind !== 'round' || t.round === (target as { round: number }).round),
      )
    ) {
      throw new StateError(
        `rewind target ${JSON.stringify(target)} is not available; available: ${JSON.stringify(available)}`,
      );
    }
    if (this.running) {
      this.control.requestJump(target);
      // Resolves at the loop's next boundary, once the statistics still in flight have been sent: the
      // caller's reply must come after them and before anything the jump leads to.
      await this.control.runBetweenSteps(async () => undefined);
    } else {
      await this.applyJump(target);
    }
  }

  /** Exports the ticket as it stands now; waits for the step in flight. */
  exportTicket(request: ExportRequest): Promise<{ dir: string; files: string[] }> {
    const job = () =>
      exportRunTicket(request, {
        config: this.config,
        mm: this.mm,
        weightVars: this.weightVars,
        runId: this.runId,
        workDir: this.opts.workDir,
        backend: this.opts.backend.name,
        engineVersion: this.opts.engineVersion,
        data: this.opts.data,
        modelName: this.opts.model.name,
        modelDescription: this.opts.model.built.description,
        rewindWeights: this.rewindWeights,
        trainedWeights: this.trainedWeights,
        results: this.results,
      });
    return this.running ? this.control.runBetweenSteps(job) : job();
  }

  /** Runs from the current position to the end (or until stopped). Resolves with how it ended. */
  async run(): Promise<'finished' | 'stopped'> {
    this.running = true;
    this.setState('running');
    try {
      for (;;) {
        try {
          while (this.pos.phase !== 'done') await this.runEpoch();
          this.setState('finished');
          return 'finished';
        } catch (e) {
          if (e instanceof JumpSignal) {
            await this.applyJump(e.target);
            continue;
          }
          if (e instanceof StopSignal) {
            this.setState('stopped');
            return 'stopped';
          }
          throw e;
        }
      }
    } catch (e) {
      this.setState('failed');
      throw e;
    } finally {
      this.running = false;
      await this.control.runQueuedJobs();
    }
  }

  // ---------- the loop ----------

  private async runEpoch(): Promise<void> {
    const pos = this.pos;
    if (pos.phase === 'done') return;
    const c = this.config;
    const epochs = pos.phase === 'search' ? c.epochsPerRound : c.ticketEpochs;
    const round = pos.phase === 'search' ? pos.round : c.rounds - 1;
    let temperature = 1;
    if (pos.phase === 'search') {
      temperature = this.method.beginEpoch(pos.epoch);
      if (
        pos.round === 0 &&
        c.rewindIteration === undefined &&
        pos.epoch === c.rewindEpoch &&
        !this.rewindWeights
      ) {
        await this.takeRewindCheckpoint();
      }
    }
    const drops = c.lrDropEpochs ?? defaultDropEpochs(epochs);
    const lr = learningRateAt(c.learningRate, pos.epoch, drops, c.lrDropFactor);
    const maskLr = learningRateAt(c.maskLearningRate, pos.epoch, drops, c.lrDropFactor);
    await this.trainEpoch(pos.phase, round, pos.epoch, epochs, temperature, lr, maskLr);

    const validation = await evaluate(this.mm, this.opts.data.validation, this.opts.data.inputShape);
    const epochStats = await this.layerStatsMessage(
      pos.phase,
      round,
      pos.epoch,
      epochs,
      temperature,
      true,
      Number.isNaN(validation) ? null : validation,
    );
    this.emit(epochStats);
    if (pos.phase === 'search') this.results.searchValidation = Number.isNaN(validation) ? null : validation;
    await this.advance(temperature, validation);
  }

  /** Moves past the epoch just trained: round ends, phase changes, then the `latest` snapshot. */
  private async advance(temperature: number, validation: number): Promise<void> {
    const c = this.config;
    const pos = this.pos;
    if (pos.phase === 'search') {
      if (pos.epoch + 1 < c.epochsPerRound) {
        this.pos = { ...pos, epoch: pos.epoch + 1 };
      } else {
        const last = pos.round + 1 >= c.rounds;
        const keptFraction = await this.method.endRound(pos.round, last, temperature);
        this.emit({
          type: 'roundEnd',
          round: pos.round + 1,
          keptFraction,
          validationAccuracy: Number.isNaN(validation) ? null : validation,
        });
        if (last) this.ticketRound = this.method.finalTicketRound;
        this.pos = last ? { phase: 'ticket', epoch: 0 } : { phase: 'search', round: pos.round + 1, epoch: 0 };
        const file = await this.saveSnapshot(`round-${pos.round + 1}`, this.pos);
        this.emit({
          type: 'checkpoint',
          kind: 'round',
          round: pos.round + 1,
          epoch: c.epochsPerRound,
          path: file,
        });
        if (last) await this.enterPhase('ticket');
        this.emitState();
      }
    } else if (pos.phase === 'ticket' || pos.phase === 'dense') {
      if (pos.epoch + 1 < c.ticketEpochs) {
        this.pos = { ...pos, epoch: pos.epoch + 1 };
      } else {
        await this.finishPhase(pos.phase);
      }
    }
    if (this.pos.phase !== 'done') {
      const file = await this.saveSnapshot('latest', this.pos);
      this.emit({
        type: 'checkpoint',
        kind: 'latest',
        round: roundOf(this.pos, c.rounds),
        epoch: epochOf(this.pos),
        path: file,
      });
    }
  }

  /** Starts the ticket (binary masks, rewound weights) or the dense baseline (rewound weights, no masks). */
  private async enterPhase(phase: 'ticket' | 'dense'): Promise<void> {
    // A ticket cut short in round r (a rewind mid-search) has the masks of r rounds' training (IMP: r - 1
    // prunings, which ticketResult numbers r as well).
    if (phase === 'ticket' && this.pos.phase === 'search') this.ticketRound = this.pos.round + 1;
    this.rewindAllWeights();
    this.mm.setMode(phase === 'ticket' ? { kind: 'hard' } : { kind: 'dense' });
    // A fresh optimiser: the reference builds a new one for the ticket (and only the weights train).
    this.phaseOpt?.dispose();
    this.phaseOpt = this.newWeightOptimizer();
    this.pos = { phase, epoch: 0 };
    if (phase === 'ticket') {
      const atRewind = await evaluate(this.mm, this.opts.data.test, this.opts.data.inputShape);
      this.results.ticketTestAtRewind = atRewind;
      this.emitLog(
        `ticket at the rewind point: test accuracy ${(atRewind * 100).toFixed(2)}% before retraining`,
      );
    }
    if (this.config.ticketEpochs === 0) await this.finishPhase(phase);
  }

  private async finishPhase(phase: 'ticket' | 'dense'): Promise<void> {
    const test = await evaluate(this.mm, this.opts.data.test, this.opts.data.inputShape);
    const kept = await this.mm.keptSummary();
    if (phase === 'ticket') {
      this.results.ticketTest = test;
      this.emit({
        type: 'ticketResult',
        method: this.method.name,
        round: this.ticketRound,
        ...kept,
        testAccuracy: test,
        trainEpochs: this.config.ticketEpochs,
      });
      this.trainedWeights = await readVariables('', this.weightVars);
      await this.opts.store.writeSnapshot('ticket-trained', {
        tensors: this.trainedWeights,
        meta: { testAccuracy: test },
      });
      this.emitLog(`ticket retrained: test accuracy ${(test * 100).toFixed(2)}%`);
      if (this.config.denseBaseline) return this.enterPhase('dense');
    } else {
      this.results.denseTest = test;
      this.emitLog(`dense baseline: test accuracy ${(test * 100).toFixed(2)}%`);
      // Leave the model holding the ticket again, for later exports or rewinds.
      if (this.trainedWeights) assignVariables('', this.weightVars, this.trainedWeights, 'trained ticket');
      this.mm.setMode({ kind: 'hard' });
    }
    this.pos = { phase: 'done' };
    await this.saveSnapshot('latest', this.pos);
    this.emit({
      type: 'ticket',
      ...kept,
      testAccuracy: this.results.ticketTest ?? NaN,
      denseTestAccuracy: this.results.denseTest,
      ticketDir: null,
    });
  }

  private async trainEpoch(
    phase: Phase,
    round: number,
    epoch: number,
    epochs: number,
    temperature: number,
    lr: number,
    maskLr: number,
  ): Promise<void> {
    const c = this.config;
    const data = this.opts.data;
    const weightOpt = phase === 'search' ? this.searchWeightOpt : this.phaseOpt;
    if (!weightOpt) throw new StateError(`no optimiser for phase ${phase}`);
    const maskOpt = phase === 'search' ? this.method.maskOptimizer : null;
    const order = epochOrder(c, phase, round, epoch, data.train.count);
    const inputSize = data.inputShape.reduce((a, b) => a * b, 1);
    const sums = { ce: 0, penalty: 0, correct: 0, seen: 0 };
    let lastStats = Date.now();
    for (let b = 0; b < this.stepsPerEpoch; b++) {
      const outcome = await this.control.boundary(
        () => this.setState('paused', this.pauseRequestId),
        () => this.settleStats(),
      );
      if (outcome.kind === 'stop') throw new StopSignal();
      if (outcome.kind === 'jump') throw new JumpSignal(outcome.target);
      if (this.state === 'paused') this.setState('running');
      if (phase === 'search' && round === 0 && c.rewindIteration !== undefined && !this.rewindWeights) {
        if (epoch * this.stepsPerEpoch + b >= c.rewindIteration) {
          await this.settleStats();
          await this.takeRewindCheckpoint();
        }
      }
      const batch = makeBatch(data.train, order, b * c.batchSize, c.batchSize, inputSize, data.inputShape);
      const started = performance.now();
      const result = await trainStep(
        this.mm,
        batch,
        data.numClasses,
        phase === 'search' ? this.method.lambda : 0,
        weightOpt,
        maskOpt,
        lr,
        maskLr,
      );
      this.speed.seconds += (performance.now() - started) / 1000;
      // The statistics of the step before were counted while this one trained; send them now.
      await this.settleStats();
      this.speed.samples += batch.size;
      tf.dispose([batch.x, batch.labels]);
      this.step++;
      sums.ce += result.crossEntropy * batch.size;
      sums.penalty += result.penalty * batch.size;
      sums.correct += result.correct;
      sums.seen += batch.size;
      if (!Number.isFinite(result.crossEntropy)) {
        throw new StateError(
          `training diverged at step ${this.step} (cross-entropy ${result.crossEntropy}); lower learningRate`,
        );
      }
      const now = Date.now();
      if (now - lastStats >= c.statsIntervalMs || b === this.stepsPerEpoch - 1) {
        lastStats = now;
        // Counted from the masks as they are now, off this thread (layerStats.ts), while the next
        // step trains; both messages are sent after it, still before anything of a later step.
        const stats =
          phase === 'search'
            ? this.layerStatsMessage(phase, round, epoch, epochs, temperature, false, null)
            : null;
        const progress: Omit<EngineMessageOf<'progress'>, 'keptFraction'> = {
          type: 'progress',
          phase,
          round: round + 1,
          rounds: c.rounds,
          epoch: epoch + 1,
          epochs,
          step: this.step,
          stepInEpoch: b + 1,
          stepsPerEpoch: this.stepsPerEpoch,
          temperature,
          learningRate: lr,
          crossEntropy: sums.ce / sums.seen,
          penalty: sums.penalty / sums.seen,
          trainAccuracy: sums.correct / sums.seen,
          samplesPerSecond: this.speed.seconds > 0 ? this.speed.samples / this.speed.seconds : 0,
          etaSeconds: etaSeconds(c, this.stepsPerEpoch, this.speed, {
            phase,
            round,
            epoch,
            stepInEpoch: b + 1,
          }),
        };
        // The search's kept fraction comes with its statistics; the ticket's fixed masks are counted
        // here; the dense baseline trains every weight, whatever the masks say.
        const ticketKept = phase === 'ticket' ? this.keptFractionNow() : null;
        const send = async () => {
          const message = stats ? await stats : null;
          if (message) this.emit(message);
          const kept = message ? message.keptFraction : ticketKept ? await ticketKept : 1;
          this.emit({ ...progress, keptFraction: kept });
        };
        // An epoch's last step sends at once: the epoch's end (validation, its own statistics) follows.
        if (b === this.stepsPerEpoch - 1) await send();
        else this.deferStats(send());
      }
    }
  }

  /** Messages of the last interval statistics, sent once the step after them has trained. */
  private pendingStats: Promise<void> | null = null;

  private deferStats(sending: Promise<void>): void {
    // Awaited by settleStats; until then a failure must not surface as an unhandled rejection.
    sending.catch(() => undefined);
    this.pendingStats = sending;
  }

  /** Sends the deferred statistics, if any; rethrows what counting them threw. */
  private async settleStats(): Promise<void> {
    const pending = this.pendingStats;
    this.pendingStats = null;
    if (pending) await pending;
  }

  // ---------- checkpoints ----------

  private async takeRewindCheckpoint(): Promise<void> {
    this.rewindWeights = await readVariables('', this.weightVars);
    await this.opts.store.writeSnapshot('rewind', { tensors: this.rewindWeights, meta: { step: this.step } });
    const epoch = this.pos.phase === 'search' ? this.pos.epoch : 0;
    this.emit({
      type: 'checkpoint',
      kind: 'rewind',
      round: 1,
      epoch: epoch + 1,
      path: this.opts.store.snapshotPath('rewind'),
    });
    this.emitState();
  }

  private async saveSnapshot(name: SnapshotName, pos: Position): Promise<string> {
    const optimizers: [string, NesterovSgd | null][] =
      pos.phase === 'search'
        ? [
            ['weightOpt', this.searchWeightOpt],
            ['maskOpt', this.method.maskOptimizer],
          ]
        : [['phaseOpt', this.phaseOpt]];
    const tensors = [
      ...(await readVariables('weights/', this.weightVars)),
      ...(await readVariables('masks/', this.maskVars)),
    ];
    for (const [prefix, opt] of optimizers)
      if (opt) tensors.push(...(await readVariables(`${prefix}/`, indexed(opt.state()))));
    const snapshot: Snapshot = {
      tensors,
      meta: {
        position: pos,
        step: this.step,
        results: this.results,
        mode: this.mm.getMode(),
        ticketRound: this.ticketRound,
      },
    };
    return this.opts.store.writeSnapshot(name, snapshot);
  }

  private restoreSnapshot(name: string, snapshot: Snapshot): void {
    const source = `${name} snapshot`;
    assignVariables('weights/', this.weightVars, snapshot.tensors, source);
    assignVariables('masks/', this.maskVars, snapshot.tensors, source);
    const meta = snapshot.meta as {
      position: Position;
      step: number;
      results: SessionResults;
      mode: ReturnType<MaskedModel['getMode']>;
      /** Absent from snapshots of engines before IMP. */
      ticketRound?: number;
    };
    this.pos = meta.position;
    this.ticketRound = meta.ticketRound ?? this.method.finalTicketRound;
    this.step = meta.step;
    this.results = { ...this.results, ...meta.results };
    this.mm.setMode(meta.mode);
    if (this.pos.phase === 'search') {
      assignVariables('weightOpt/', indexed(this.searchWeightOpt.state()), snapshot.tensors, source);
      const maskOpt = this.method.maskOptimizer;
      if (maskOpt) assignVariables('maskOpt/', indexed(maskOpt.state()), snapshot.tensors, source);
    } else if (this.pos.phase !== 'done') {
      this.phaseOpt?.dispose();
      this.phaseOpt = this.newWeightOptimizer();
      // A round-end snapshot taken as the ticket phase begins has no ticket optimiser state yet.
      if (snapshot.tensors.some((t) => t.name === 'phaseOpt/0')) {
        assignVariables('phaseOpt/', indexed(this.phaseOpt.state()), snapshot.tensors, source);
      }
    }
  }

  private async applyJump(target: RewindTarget): Promise<void> {
    if (target.kind === 'rewindPoint') {
      // Binarise the masks as they are now and train the ticket from the rewound weights.
      this.emitLog('rewinding: training the ticket from the current masks and the rewound weights');
      this.trainedWeights = null;
      this.results.ticketTest = null;
      this.results.denseTest = null;
      await this.enterPhase('ticket');
    } else {
      const name: SnapshotName = `round-${target.round}`;
      this.emitLog(`rewinding to the end of round ${target.round}`);
      this.restoreSnapshot(name, this.opts.store.readSnapshot(name));
      if (this.pos.phase === 'ticket') await this.enterPhase('ticket');
    }
    this.emitState();
  }

  // ---------- helpers ----------

  private newWeightOptimizer(): NesterovSgd {
    return new NesterovSgd(this.mm.trainableWeights(), {
      momentum: this.config.momentum,
      weightDecay: this.config.weightDecay,
    });
  }

  private rewindAllWeights(): void {
    if (!this.rewindWeights) throw new StateError('no rewind checkpoint was taken');
    assignVariables('', this.weightVars, this.rewindWeights, 'rewind checkpoint');
  }

  /** The statistics of the masks as they are at the call; counting them may finish later. */
  private async layerStatsMessage(
    phase: Phase,
    round: number,
    epoch: number,
    epochs: number,
    temperature: number,
    epochEnd: boolean,
    validationAccuracy: number | null,
  ): Promise<EngineMessageOf<'layerStats'>> {
    // Both read before the first await: the masks (read back or reduced now) and the step they are at.
    const step = this.step;
    const stats = await computeLayerStats(this.mm, temperature, this.config.histogramBins);
    return {
      type: 'layerStats',
      phase,
      round: round + 1,
      rounds: this.config.rounds,
      epoch: epoch + 1,
      epochs,
      step,
      temperature,
      epochEnd,
      validationAccuracy,
      keptFraction: stats.keptFraction,
      kept: stats.kept,
      total: stats.total,
      layers: stats.layers,
    };
  }

  async keptFractionNow(): Promise<number> {
    return (await this.mm.keptSummary()).keptFraction;
  }

  private setState(state: RunState, inReplyTo?: string): void {
    if (this.state === state && !inReplyTo) return;
    this.state = state;
    this.emitState(inReplyTo);
  }

  emitState(inReplyTo?: string): void {
    this.emit({
      type: 'state',
      state: this.state,
      rewindTargets: this.rewindTargets(),
      ...(inReplyTo ? { inReplyTo } : {}),
    });
  }

  private emitLog(message: string): void {
    this.emit({ type: 'log', level: 'info', message });
  }

  /** Sends a message the IPC layer makes (started, exported) and keeps it in metrics.jsonl too. */
  record(message: EngineMessage): void {
    this.emit(message);
  }

  private emit(message: EngineMessage): void {
    if (METRIC_TYPES.has(message.type)) this.opts.store.appendMetric(message);
    this.opts.emit(message);
  }

  dispose(): void {
    this.searchWeightOpt.dispose();
    this.method.dispose();
    this.phaseOpt?.dispose();
  }
}
