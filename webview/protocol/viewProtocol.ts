// The whole host <-> webview contract of the Layer Sparsity view and the dashboard, in one module that
// both sides import. A webview says `ready` when it loads and gets a full `snapshot` in reply (the
// run's history, thinned); after that the host pushes deltas (`status`, `stats`, `progress`, `mark`,
// `mask`) while the view is visible, and a fresh snapshot when it shows again. The webview posts only
// `ready`, `command` (a palette command to run) and `selectLayer`.
//
// Messages are checked where they enter with TypeBox's interpreter (`Value.Check`): the webview's CSP
// forbids the code generation that `TypeCompiler` uses.
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

// ---------- what is drawn ----------

export const PhaseSchema = Type.Union([
  Type.Literal('search'),
  Type.Literal('ticket'),
  Type.Literal('dense'),
]);
export type ViewPhase = Static<typeof PhaseSchema>;

export const ViewStateSchema = Type.Union([
  Type.Literal('idle'),
  Type.Literal('starting'),
  Type.Literal('running'),
  Type.Literal('paused'),
  Type.Literal('stopping'),
  Type.Literal('finished'),
  Type.Literal('failed'),
]);
export type ViewState = Static<typeof ViewStateSchema>;

/** The palette commands a view may ask for; the host maps each to `sparsityLab.<command>`. */
export const ControlCommandSchema = Type.Union([
  Type.Literal('start'),
  Type.Literal('pause'),
  Type.Literal('resume'),
  Type.Literal('stop'),
  Type.Literal('rewind'),
  Type.Literal('exportTicket'),
  Type.Literal('openDashboard'),
  Type.Literal('installNativeBackend'),
]);
export type ControlCommand = Static<typeof ControlCommandSchema>;

/** The backend a run trains on, and why each faster one was not used (fastest first). */
export const BackendViewSchema = Type.Object({
  name: Type.String(),
  choice: Type.String(),
  device: Nullable(Type.String()),
  notUsed: Type.Array(Type.Object({ candidate: Type.String(), reason: Type.String() })),
});
export type BackendView = Static<typeof BackendViewSchema>;

export const RunStatusViewSchema = Type.Object({
  state: ViewStateSchema,
  /** The status bar's words, so both say the same. */
  summary: Type.String(),
  folder: Type.String(),
  runId: Nullable(Type.String()),
  model: Nullable(Type.String()),
  data: Nullable(Type.String()),
  phase: Nullable(PhaseSchema),
  /** "round 1/2 · epoch 3/4" */
  position: Nullable(Type.String()),
  keptFraction: Nullable(Type.Number()),
  temperature: Nullable(Type.Number()),
  failure: Nullable(Type.String()),
  /** Absent or null for runs recorded before engines named their backend in `started`. */
  backend: Type.Optional(Nullable(BackendViewSchema)),
  /** Which controls the engine accepts now (the palette's enablement, same rules). */
  can: Type.Object({
    start: Type.Boolean(),
    pause: Type.Boolean(),
    resume: Type.Boolean(),
    stop: Type.Boolean(),
    rewind: Type.Boolean(),
    exportTicket: Type.Boolean(),
  }),
});
export type RunStatusView = Static<typeof RunStatusViewSchema>;

/** What does not change during a run: one entry per masked layer, in model order. */
export const LayerMetaSchema = Type.Object({
  name: Type.String(),
  kind: Type.String(),
  shape: Type.Array(Type.Integer()),
  total: Type.Integer(),
});
export type LayerMeta = Static<typeof LayerMetaSchema>;

export const HistogramSchema = Type.Object({
  min: Type.Number(),
  max: Type.Number(),
  counts: Type.Array(Type.Integer()),
});

/** One layerStats message, per-layer values as columns in the order of `layers`. */
export const StatsPointSchema = Type.Object({
  step: Type.Integer(),
  phase: PhaseSchema,
  round: Type.Integer(),
  epoch: Type.Integer(),
  epochEnd: Type.Boolean(),
  temperature: Type.Number(),
  keptFraction: Type.Number(),
  validationAccuracy: Nullable(Type.Number()),
  kept: Type.Array(Type.Integer()),
  histograms: Type.Array(HistogramSchema),
});
export type StatsPoint = Static<typeof StatsPointSchema>;

/** One progress message, reduced to what the curves show. */
export const ProgressPointSchema = Type.Object({
  step: Type.Integer(),
  phase: PhaseSchema,
  keptFraction: Type.Number(),
  temperature: Type.Number(),
  crossEntropy: Type.Number(),
  penalty: Type.Number(),
  trainAccuracy: Type.Number(),
});
export type ProgressPoint = Static<typeof ProgressPointSchema>;

/** A vertical rule on the time axes: a round ended, or a phase began. */
export const MarkSchema = Type.Object({
  step: Type.Integer(),
  kind: Type.Union([Type.Literal('round'), Type.Literal('phase')]),
  label: Type.String(),
});
export type Mark = Static<typeof MarkSchema>;

/** Kept fraction of every layer at one time: a column of the heatmap. */
export const LayerColumnSchema = Type.Object({
  step: Type.Integer(),
  fractions: Type.Array(Type.Number()),
});
export type LayerColumn = Static<typeof LayerColumnSchema>;

export const EpochPointSchema = Type.Object({
  step: Type.Integer(),
  phase: PhaseSchema,
  validationAccuracy: Nullable(Type.Number()),
});
export type EpochPoint = Static<typeof EpochPointSchema>;

/** A thinned series' state, so the webview keeps thinning exactly as the host does. */
const thinned = <T extends TSchema>(point: T) =>
  Type.Object({
    stride: Type.Integer({ minimum: 1 }),
    seen: Type.Integer({ minimum: 0 }),
    points: Type.Array(point),
    /** The newest point, drawn even when thinning skipped it. */
    tail: Nullable(point),
  });
export const ThinnedProgressSchema = thinned(ProgressPointSchema);
export const ThinnedColumnsSchema = thinned(LayerColumnSchema);
export type ThinnedState<T> = { stride: number; seen: number; points: T[]; tail: T | null };

export const TicketViewSchema = Type.Object({
  kept: Type.Integer(),
  total: Type.Integer(),
  keptFraction: Type.Number(),
  testAccuracy: Type.Number(),
  denseTestAccuracy: Nullable(Type.Number()),
  /** Per layer at the end of the search, in the order of `layers`. */
  layerKept: Type.Array(Type.Integer()),
  /** Where the ticket was exported; null until it is. */
  dir: Nullable(Type.String()),
});
export type TicketView = Static<typeof TicketViewSchema>;

export const RunHistorySchema = Type.Object({
  layers: Type.Array(LayerMetaSchema),
  latest: Nullable(StatsPointSchema),
  progress: ThinnedProgressSchema,
  columns: ThinnedColumnsSchema,
  epochs: Type.Array(EpochPointSchema),
  marks: Type.Array(MarkSchema),
  ticket: Nullable(TicketViewSchema),
});
export type RunHistoryData = Static<typeof RunHistorySchema>;

/**
 * The selected layer's binary mask (s > 0) at the last epoch end, one bit per weight in the kernel's
 * row-major order, most significant bit first, base64. Drawn as an image by the webview.
 */
export const MaskBitmapSchema = Type.Object({
  layer: Type.String(),
  kind: Type.String(),
  shape: Type.Array(Type.Integer()),
  kept: Type.Integer(),
  step: Nullable(Type.Integer()),
  bits: Type.String(),
});
export type MaskBitmap = Static<typeof MaskBitmapSchema>;

/** Which run's folder a view shows, so a dashboard restored after a reload can read it back. */
export const RunRefSchema = Type.Object({
  /** The run's folder, .sparsity/runs/<run-id>, absolute. */
  runDir: Type.String({ minLength: 1 }),
  runId: Type.String({ minLength: 1 }),
});
export type RunRef = Static<typeof RunRefSchema>;
export const isRunRef = (value: unknown): value is RunRef => Value.Check(RunRefSchema, value);

/** One trained and tested ticket of a comparison: a CS search's ticket, or one IMP round's network. */
export const ComparisonPointSchema = Type.Object({
  method: Type.Union([Type.Literal('cs'), Type.Literal('imp')]),
  runId: Type.String(),
  /** What sets this ticket apart in its series: "s0 = -0.1", "round 3". */
  label: Type.String(),
  /** The IMP round, or the CS search rounds that produced the ticket. */
  round: Type.Integer({ minimum: 1 }),
  keptFraction: Type.Number({ minimum: 0, maximum: 1 }),
  testAccuracy: Type.Number({ minimum: 0, maximum: 1 }),
});
export type ComparisonPoint = Static<typeof ComparisonPointSchema>;

/** Tickets of several runs on one model and data set (a sweep, with its IMP baseline), side by side. */
export const ComparisonSchema = Type.Object({
  /** What is compared, e.g. "Sweep 20261128-… · maskInit · LeNet-300-100 on MNIST". */
  title: Type.String(),
  points: Type.Array(ComparisonPointSchema),
  /** The dense network's test accuracy, when a run trained the baseline. */
  denseTestAccuracy: Nullable(Type.Number({ minimum: 0, maximum: 1 })),
  /** Runs still going: their tickets join the chart when they finish. */
  running: Type.Integer({ minimum: 0 }),
});
export type Comparison = Static<typeof ComparisonSchema>;

export const ComparisonFormatSchema = Type.Union([
  Type.Literal('csv'),
  Type.Literal('svg'),
  Type.Literal('png'),
]);
export type ComparisonFormat = Static<typeof ComparisonFormatSchema>;

// ---------- host -> webview ----------

export const ToViewMessageSchema = Type.Union([
  Type.Object({
    type: Type.Literal('snapshot'),
    /** Null: nothing ran in this window yet. */
    status: Nullable(RunStatusViewSchema),
    history: Nullable(RunHistorySchema),
    /** Whether a folder is open, so a search can start at all. */
    canStart: Type.Boolean(),
    /** The run shown, when it has a folder on disk; the dashboard keeps it in its saved state. */
    run: Type.Optional(Nullable(RunRefSchema)),
  }),
  Type.Object({ type: Type.Literal('status'), status: RunStatusViewSchema }),
  /** The first stats of a run name its layers; later ones carry only numbers. */
  Type.Object({ type: Type.Literal('layers'), layers: Type.Array(LayerMetaSchema) }),
  Type.Object({ type: Type.Literal('stats'), point: StatsPointSchema }),
  Type.Object({ type: Type.Literal('progress'), point: ProgressPointSchema }),
  Type.Object({ type: Type.Literal('mark'), mark: MarkSchema }),
  Type.Object({ type: Type.Literal('ticket'), ticket: TicketViewSchema }),
  Type.Object({ type: Type.Literal('mask'), mask: MaskBitmapSchema }),
  /** Show this layer (the sidebar's click opens the dashboard on it). */
  Type.Object({ type: Type.Literal('selectLayer'), layer: Type.String() }),
  /** The tickets to compare, sent whole whenever one is added; null: nothing to compare. */
  Type.Object({ type: Type.Literal('comparison'), comparison: Nullable(ComparisonSchema) }),
]);
export type ToViewMessage = Static<typeof ToViewMessageSchema>;

// ---------- webview -> host ----------

export const FromViewMessageSchema = Type.Union([
  Type.Object({ type: Type.Literal('ready') }, { additionalProperties: false }),
  Type.Object(
    { type: Type.Literal('command'), command: ControlCommandSchema },
    { additionalProperties: false },
  ),
  /** The dashboard shows this layer now (its mask is wanted); from the sidebar: open the dashboard on it. */
  Type.Object(
    { type: Type.Literal('selectLayer'), layer: Type.String({ minLength: 1 }) },
    { additionalProperties: false },
  ),
  /**
   * Save the comparison as a file the user picks: CSV and SVG as text, PNG as base64 (the page draws
   * it; only the host can write to the workspace).
   */
  Type.Object(
    {
      type: Type.Literal('saveComparison'),
      format: ComparisonFormatSchema,
      content: Type.String({ minLength: 1, maxLength: 20_000_000 }),
    },
    { additionalProperties: false },
  ),
]);
export type FromViewMessage = Static<typeof FromViewMessageSchema>;

export const isToViewMessage = (value: unknown): value is ToViewMessage =>
  Value.Check(ToViewMessageSchema, value);
export const isFromViewMessage = (value: unknown): value is FromViewMessage =>
  Value.Check(FromViewMessageSchema, value);
