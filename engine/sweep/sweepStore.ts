// A sweep's folder, .sparsity/sweeps/<sweep-id>/, holds sweep.json: the plan and every member's state
// (status, run id, pid, failure, ticket result). It is rewritten atomically on every change, so a
// reader (the CLI's --resume, the extension's views) always finds a whole file, and a killed CLI leaves
// the state its members last reached.
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { Type, type Static, type TLiteral, type TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { writeFileAtomic } from '../fsutil/atomicWrite';
import { EngineMessageSchema } from '../protocol/engineProtocol';
import { RunError, newRunId } from '../runs/runStore';
import { VARY_KEYS, type MemberSpec, type SweepPlan } from './sweepConfig';

export const SWEEP_FILE = 'sweep.json';
export const SWEEPS_DIR = '.sparsity/sweeps';
export const SWEEP_FORMAT = 'sparsity-lab-sweep';
export const SWEEP_FORMAT_VERSION = 1;

export const MEMBER_STATUSES = ['pending', 'running', 'finished', 'failed', 'stopped'] as const;
export type MemberStatus = (typeof MEMBER_STATUSES)[number];

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const VarySchema = Type.Union(VARY_KEYS.map((k) => Type.Literal(k)));

type TicketMessageSchema = Extract<
  (typeof EngineMessageSchema)['anyOf'][number],
  { properties: { type: TLiteral<'ticket'> } }
>;
const ticketMessageSchema = EngineMessageSchema.anyOf.find(
  (s): s is TicketMessageSchema => s.properties.type.const === 'ticket',
) as TicketMessageSchema;

/**
 * What a member's ticket came to: the engine's `ticket` message without its type (density as
 * keptFraction, testAccuracy...), with ticketDir set once the ticket was exported.
 */
export const MemberResultSchema = Type.Omit(ticketMessageSchema, ['type']);
export type MemberResult = Static<typeof MemberResultSchema>;

export const MemberStateSchema = Type.Object({
  index: Type.Integer({ minimum: 0 }),
  label: Type.String(),
  vary: Type.Union([VarySchema, Type.Null()]),
  value: Nullable(Type.Number()),
  extraRun: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
  config: Type.Record(Type.String(), Type.Unknown()),
  configSource: Type.String(),
  status: Type.Union(MEMBER_STATUSES.map((s) => Type.Literal(s))),
  /** Set once the engine has created (or reopened) the run; a relaunch resumes it. */
  runId: Nullable(Type.String()),
  runDir: Nullable(Type.String()),
  /** The engine process of the current or last attempt. */
  pid: Nullable(Type.Integer()),
  /** How the last attempt's engine ended: code 0 and no signal for a clean end or a graceful stop. */
  lastExit: Type.Union([
    Type.Object({ code: Nullable(Type.Integer()), signal: Nullable(Type.String()) }),
    Type.Null(),
  ]),
  /** Why the last attempt failed; null unless status is failed. */
  failure: Nullable(Type.String()),
  attempts: Type.Integer({ minimum: 0 }),
  result: Type.Union([MemberResultSchema, Type.Null()]),
  startedAt: Nullable(Type.String()),
  endedAt: Nullable(Type.String()),
});
export type MemberState = Static<typeof MemberStateSchema>;

export const SweepStateSchema = Type.Object({
  format: Type.Literal(SWEEP_FORMAT),
  version: Type.Literal(SWEEP_FORMAT_VERSION),
  sweepId: Type.String(),
  /** The sweep file it was planned from (the members' configs are copied here, so it may change). */
  sweepFile: Type.String(),
  /** Where the engines run: relative paths in the configs, .sparsity/runs and tickets/ hang off it. */
  workDir: Type.String(),
  vary: VarySchema,
  values: Type.Array(Type.Number()),
  parallel: Type.Integer({ minimum: 1 }),
  createdAt: Type.String(),
  updatedAt: Type.String(),
  members: Type.Array(MemberStateSchema),
});
export type SweepState = Static<typeof SweepStateSchema>;

const checker = TypeCompiler.Compile(SweepStateSchema);

export const sweepsRoot = (workDir: string) => path.resolve(workDir, SWEEPS_DIR);

export function initialMemberState(spec: MemberSpec): MemberState {
  return {
    ...spec,
    status: 'pending',
    runId: null,
    runDir: null,
    pid: null,
    lastExit: null,
    failure: null,
    attempts: 0,
    result: null,
    startedAt: null,
    endedAt: null,
  };
}

export class SweepStore {
  /** The last write queued; writes run one after another so an older state never lands last. */
  private writing: Promise<void> = Promise.resolve();
  private dirty = false;

  private constructor(
    readonly dir: string,
    readonly state: SweepState,
  ) {}

  get file(): string {
    return path.join(this.dir, SWEEP_FILE);
  }

  static async create(workDir: string, plan: SweepPlan): Promise<SweepStore> {
    const sweepId = newRunId();
    const dir = path.join(sweepsRoot(workDir), sweepId);
    mkdirSync(dir, { recursive: true });
    const now = new Date().toISOString();
    const store = new SweepStore(dir, {
      format: SWEEP_FORMAT,
      version: SWEEP_FORMAT_VERSION,
      sweepId,
      sweepFile: plan.file,
      workDir: path.resolve(workDir),
      vary: plan.vary,
      values: plan.values,
      parallel: plan.parallel,
      createdAt: now,
      updatedAt: now,
      members: plan.members.map(initialMemberState),
    });
    await store.save();
    return store;
  }

  static open(workDir: string, sweepId: string): SweepStore {
    const root = sweepsRoot(workDir);
    const dir = path.join(root, sweepId);
    const file = path.join(dir, SWEEP_FILE);
    if (!existsSync(file)) {
      const known = existsSync(root) ? readdirSync(root).filter((d) => !d.startsWith('.')) : [];
      throw new RunError(
        dir,
        `no sweep "${sweepId}" here${known.length ? `; sweeps found: ${known.slice(-10).join(', ')}` : ` (no sweeps under ${root})`}`,
      );
    }
    return new SweepStore(dir, readSweepState(file));
  }

  /** Queues a write of the state as it is when the write starts (so bursts of changes coalesce). */
  save(): Promise<void> {
    this.dirty = true;
    // A failed write is the caller's to report; the next one still runs.
    this.writing = this.writing
      .catch(() => undefined)
      .then(async () => {
        if (!this.dirty) return;
        this.dirty = false;
        this.state.updatedAt = new Date().toISOString();
        await writeFileAtomic(this.file, `${JSON.stringify(this.state, null, 2)}\n`);
      });
    return this.writing;
  }
}

/** Reads and checks a sweep.json; anything else is a RunError naming the file. */
export function readSweepState(file: string): SweepState {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new RunError(file, `cannot read the sweep's state (${(e as Error).message})`);
  }
  if (!checker.Check(parsed)) {
    const first = checker.Errors(parsed).First();
    throw new RunError(file, `not a sweep state: ${first?.path || '(file)'}: ${first?.message ?? '?'}`);
  }
  return parsed;
}
