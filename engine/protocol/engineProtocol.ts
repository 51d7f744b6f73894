// The whole engine <-> host contract in one module. Messages are JSON objects with a `type`; requests
// from the host carry an `id`, and the engine's direct answers carry `inReplyTo`. Each side validates
// what it receives with the schemas below before trusting the types.
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { SEARCH_METHODS, type SearchMethodName } from '../config/configSchema';

/**
 * Bumped on any incompatible change; the host refuses an engine with another version.
 * 2: `ticketResult`, and `started.method` (IMP runs).
 */
export const PROTOCOL_VERSION = 2;

const Id = Type.String({ minLength: 1 });

// ---------- host -> engine ----------

export const RewindTargetSchema = Type.Union([
  /** Binarise the current masks, restore the rewound weights and train the ticket. */
  Type.Object({ kind: Type.Literal('rewindPoint') }, { additionalProperties: false }),
  /** Restore the masks and weights of a round-end snapshot and continue the search from there. */
  Type.Object(
    { kind: Type.Literal('round'), round: Type.Integer({ minimum: 1 }) },
    { additionalProperties: false },
  ),
]);
export type RewindTarget = Static<typeof RewindTargetSchema>;

export const HostMessageSchema = Type.Union([
  Type.Object(
    {
      type: Type.Literal('start'),
      id: Id,
      protocolVersion: Type.Integer(),
      /** Validated by the engine against SearchConfigSchema, so errors name the field. */
      config: Type.Unknown(),
      /** Where relative paths in the config point, and where .sparsity/ and tickets/ go. */
      workDir: Type.String({ minLength: 1 }),
      /** The file the config came from, named in error messages. */
      configFile: Type.Optional(Type.String()),
      /** Continue this run from its last snapshot instead of starting a new one. */
      resumeRunId: Type.Optional(Type.String({ minLength: 1 })),
    },
    { additionalProperties: false },
  ),
  Type.Object({ type: Type.Literal('pause'), id: Id }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('resume'), id: Id }, { additionalProperties: false }),
  Type.Object(
    { type: Type.Literal('rewind'), id: Id, target: RewindTargetSchema },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      type: Type.Literal('export'),
      id: Id,
      /** Absolute, or relative to the work dir. Default: <ticketsDir>/<run-id>. */
      dir: Type.Optional(Type.String({ minLength: 1 })),
      overwrite: Type.Optional(Type.Boolean()),
    },
    { additionalProperties: false },
  ),
  Type.Object({ type: Type.Literal('stop'), id: Id }, { additionalProperties: false }),
]);
export type HostMessage = Static<typeof HostMessageSchema>;
/** A host message before the sender gives it an id (distributes over the union). */
export type HostRequest = HostMessage extends infer M
  ? M extends HostMessage
    ? Omit<M, 'id'> & { id?: string }
    : never
  : never;

// ---------- engine -> host ----------

export const BackendReportSchema = Type.Object({
  name: Type.String(),
  choice: Type.String(),
  attempts: Type.Array(
    Type.Object({ candidate: Type.String(), ok: Type.Boolean(), reason: Type.Optional(Type.String()) }),
  ),
  /**
   * What the backend computes on, in words a user recognises: the GPU's name for GPU backends, the
   * CPU model (and threads) for wasm and cpu. Optional so that runs recorded before it still parse.
   */
  device: Type.Optional(Type.String()),
  threads: Type.Optional(Type.Integer({ minimum: 1 })),
  threadsReason: Type.Optional(Type.String()),
});
export type BackendReport = Static<typeof BackendReportSchema>;

/** The backends tried before the one in use, each with why it was not used, fastest first. */
export function backendsNotUsed(
  report: Pick<BackendReport, 'attempts'>,
): { candidate: string; reason: string }[] {
  return report.attempts
    .filter((a) => !a.ok)
    .map((a) => ({ candidate: a.candidate, reason: a.reason ?? 'unavailable' }));
}

export const PhaseSchema = Type.Union([
  Type.Literal('search'),
  Type.Literal('ticket'),
  Type.Literal('dense'),
]);
export type Phase = Static<typeof PhaseSchema>;

export const RunStateSchema = Type.Union([
  Type.Literal('starting'),
  Type.Literal('running'),
  Type.Literal('paused'),
  Type.Literal('stopping'),
  Type.Literal('finished'),
  Type.Literal('stopped'),
  Type.Literal('failed'),
]);
export type RunState = Static<typeof RunStateSchema>;

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/** Where training stands; shared by progress and stats messages. */
const PositionFields = {
  phase: PhaseSchema,
  round: Type.Integer({ minimum: 1 }),
  rounds: Type.Integer({ minimum: 1 }),
  epoch: Type.Integer({ minimum: 1 }),
  epochs: Type.Integer({ minimum: 1 }),
  step: Type.Integer({ minimum: 0 }),
};

export const LayerStatSchema = Type.Object({
  name: Type.String(),
  kind: Type.String(),
  shape: Type.Array(Type.Integer()),
  total: Type.Integer(),
  kept: Type.Integer(),
  keptFraction: Type.Number(),
  meanMask: Type.Number(),
  /** Fixed bins of the mask logits s over [min, max]; values outside land in the end bins. */
  histogram: Type.Object({ min: Type.Number(), max: Type.Number(), counts: Type.Array(Type.Integer()) }),
});
export type LayerStat = Static<typeof LayerStatSchema>;

export const SearchMethodSchema = Type.Union(SEARCH_METHODS.map((m) => Type.Literal(m)));

export const EngineMessageSchema = Type.Union([
  Type.Object({
    type: Type.Literal('ready'),
    protocolVersion: Type.Integer(),
    engineVersion: Type.String(),
    backend: BackendReportSchema,
  }),
  Type.Object({
    type: Type.Literal('started'),
    inReplyTo: Type.String(),
    runId: Type.String(),
    runDir: Type.String(),
    resumed: Type.Boolean(),
    /** The resolved config, defaults filled in. */
    config: Type.Unknown(),
    model: Type.String(),
    data: Type.String(),
    stepsPerEpoch: Type.Integer(),
    /**
     * The algorithm of the run (config.method). Every engine of protocol 2 sends it; it is optional
     * only so that runs recorded in metrics.jsonl by protocol 1 engines, which were all CS, still
     * parse: read it with `methodOfStarted`.
     */
    method: Type.Optional(SearchMethodSchema),
    /**
     * The backend the run trains on. It can differ from `ready`'s when the config asks for another
     * one; optional only so that runs recorded before it still parse.
     */
    backend: Type.Optional(BackendReportSchema),
  }),
  Type.Object({
    type: Type.Literal('state'),
    inReplyTo: Type.Optional(Type.String()),
    state: RunStateSchema,
    /** Rewind targets available now. */
    rewindTargets: Type.Array(RewindTargetSchema),
  }),
  Type.Object({
    type: Type.Literal('progress'),
    ...PositionFields,
    stepInEpoch: Type.Integer(),
    stepsPerEpoch: Type.Integer(),
    temperature: Type.Number(),
    learningRate: Type.Number(),
    crossEntropy: Type.Number(),
    penalty: Type.Number(),
    trainAccuracy: Type.Number(),
    keptFraction: Type.Number(),
    samplesPerSecond: Type.Number(),
    /** Seconds left for the whole run, from the speed so far. */
    etaSeconds: Nullable(Type.Number()),
  }),
  Type.Object({
    type: Type.Literal('layerStats'),
    ...PositionFields,
    temperature: Type.Number(),
    epochEnd: Type.Boolean(),
    validationAccuracy: Nullable(Type.Number()),
    keptFraction: Type.Number(),
    kept: Type.Integer(),
    total: Type.Integer(),
    layers: Type.Array(LayerStatSchema),
  }),
  Type.Object({
    type: Type.Literal('roundEnd'),
    round: Type.Integer(),
    keptFraction: Type.Number(),
    validationAccuracy: Nullable(Type.Number()),
  }),
  Type.Object({
    type: Type.Literal('checkpoint'),
    kind: Type.Union([
      Type.Literal('initial'),
      Type.Literal('rewind'),
      Type.Literal('round'),
      Type.Literal('latest'),
    ]),
    round: Type.Integer(),
    epoch: Type.Integer(),
    path: Type.String(),
  }),
  Type.Object({
    type: Type.Literal('ticket'),
    kept: Type.Integer(),
    total: Type.Integer(),
    keptFraction: Type.Number(),
    testAccuracy: Type.Number(),
    denseTestAccuracy: Nullable(Type.Number()),
    ticketDir: Nullable(Type.String()),
  }),
  /**
   * A ticket has been trained and tested. IMP sends one per round (the round's mask before its
   * pruning, `round` k keeping about (1 - pruneFraction)^(k-1); the accuracy after the round's
   * training) and one for the final retrained ticket (round = rounds + 1). CS sends one when its ticket
   * has been retrained (round = the search rounds that shaped its masks), next to `ticket`.
   */
  Type.Object({
    type: Type.Literal('ticketResult'),
    method: SearchMethodSchema,
    round: Type.Integer({ minimum: 1 }),
    kept: Type.Integer({ minimum: 0 }),
    total: Type.Integer({ minimum: 0 }),
    keptFraction: Type.Number({ minimum: 0, maximum: 1 }),
    testAccuracy: Type.Number(),
    /** Epochs the ticket was trained (from the rewind point, or from the start in IMP's round 1). */
    trainEpochs: Type.Integer({ minimum: 0 }),
  }),
  Type.Object({
    type: Type.Literal('exported'),
    inReplyTo: Nullable(Type.String()),
    dir: Type.String(),
    files: Type.Array(Type.String()),
  }),
  Type.Object({
    type: Type.Literal('log'),
    level: Type.Union([Type.Literal('info'), Type.Literal('warn'), Type.Literal('debug')]),
    message: Type.String(),
  }),
  Type.Object({
    type: Type.Literal('error'),
    inReplyTo: Type.Optional(Type.String()),
    code: Type.Union([
      Type.Literal('config'),
      Type.Literal('data'),
      Type.Literal('model'),
      Type.Literal('backend'),
      Type.Literal('run'),
      Type.Literal('protocol'),
      Type.Literal('state'),
      Type.Literal('internal'),
    ]),
    message: Type.String(),
    file: Type.Optional(Type.String()),
    field: Type.Optional(Type.String()),
    /** Whether the search is over (true) or the request alone failed. */
    fatal: Type.Boolean(),
  }),
]);
export type EngineMessage = Static<typeof EngineMessageSchema>;
export type EngineMessageOf<T extends EngineMessage['type']> = Extract<EngineMessage, { type: T }>;
export type ErrorCode = EngineMessageOf<'error'>['code'];

/** The method of a run from its `started` message; runs recorded before protocol 2 are CS. */
export function methodOfStarted(started: EngineMessageOf<'started'>): SearchMethodName {
  return started.method ?? 'cs';
}

const hostChecker = TypeCompiler.Compile(HostMessageSchema);
const engineChecker = TypeCompiler.Compile(EngineMessageSchema);

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

function parseWith<T>(checker: typeof hostChecker | typeof engineChecker, value: unknown): Parsed<T> {
  if (checker.Check(value)) return { ok: true, value: value as T };
  const first = checker.Errors(value).First();
  const where = first?.path || '(message)';
  const type =
    typeof value === 'object' && value !== null && 'type' in value
      ? String((value as { type: unknown }).type)
      : '?';
  return { ok: false, error: `invalid "${type}" message at ${where}: ${first?.message ?? 'unknown shape'}` };
}

export const parseHostMessage = (value: unknown): Parsed<HostMessage> => parseWith(hostChecker, value);
export const parseEngineMessage = (value: unknown): Parsed<EngineMessage> => parseWith(engineChecker, value);
