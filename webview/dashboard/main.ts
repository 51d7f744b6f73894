// The dashboard's page: the run's controls and state, kept fraction and temperature over time, the
// layers x time heatmap, loss and accuracy curves, the selected layer's histogram and mask, the
// ticket, and the tickets of a sweep against IMP. It draws what the host sends (at most once per
// animation frame) and posts commands; the selected layer survives a reload through the saved state.
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import { thinnedPoints } from '../protocol/runHistory';
import { isRunRef, isToViewMessage, type ProgressPoint, type RunRef } from '../protocol/viewProtocol';
import { percent, temperature } from '../shared/format';
import { FrameScheduler } from '../shared/frameScheduler';
import { adoptStyles } from '../shared/styles';
import { vscodeApi } from '../shared/vscodeApi';
import { ViewStore } from '../shared/viewStore';
import baseCss from '../styles/base.css';
import dashboardCss from '../styles/dashboard.css';
import { BackendLine } from './backendLine';
import { ComparisonCard } from './comparisonCard';
import { Controls } from './controls';
import { Heatmap } from './heatmap';
import { HistogramChart } from './histogramChart';
import { LineChart, type Point } from './lineChart';
import { MaskImage } from './maskImage';
import { TicketSummary } from './ticketSummary';

adoptStyles(baseCss, dashboardCss);

interface DashboardState {
  selectedLayer?: string;
  /** The run shown: after a reload the host reads it back from its folder. */
  run?: RunRef | null;
}
const isDashboardState = (value: unknown): value is DashboardState =>
  typeof value === 'object' &&
  value !== null &&
  (!('selectedLayer' in value) || typeof (value as DashboardState).selectedLayer === 'string') &&
  (!('run' in value) || (value as DashboardState).run === null || isRunRef((value as DashboardState).run));

const vscode = vscodeApi(isDashboardState);
const store = new ViewStore();
let selectedLayer = vscode.getState()?.selectedLayer;
let shownRun = vscode.getState()?.run ?? null;
const saveState = () =>
  vscode.setState({ ...(selectedLayer ? { selectedLayer } : {}), ...(shownRun ? { run: shownRun } : {}) });
let pendingSelection: string | undefined;

const root = document.getElementById('root') ?? document.body;
const el = (tag: string, className?: string, text?: string) => {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
};

// ---------- layout ----------
const header = el('header', 'run-header');
const title = el('h1', undefined, 'Sparsity Lab');
const subtitle = el('div', 'muted subtitle');
const controls = new Controls((command) => vscode.postMessage({ type: 'command', command }));
const statusLine = el('div', 'status-line');
statusLine.setAttribute('aria-live', 'polite');
const backendLine = new BackendLine(() =>
  vscode.postMessage({ type: 'command', command: 'installNativeBackend' }),
);
header.append(title, subtitle, controls.element, statusLine, backendLine.element);

const empty = el('section', 'card empty');
// Hidden until the snapshot comes: a running search must not flash "No ticket search yet".
empty.hidden = true;
empty.append(
  el('h2', undefined, 'No ticket search yet'),
  el(
    'p',
    undefined,
    'Start a search: the dashboard then follows it live, with the kept fraction of every layer, the losses and accuracies, and each layer’s mask.',
  ),
);

const keptChart = new LineChart({
  title: 'Kept fraction and temperature',
  description:
    'Overall fraction of masked weights kept (left axis) and the mask temperature (right axis, log scale) over training steps; vertical rules mark round ends and phases.',
  left: { label: 'kept (%)', format: (y) => `${Math.round(y * 100)}%`, domain: [0, 1] },
  right: { label: 'temperature T', format: (y) => temperature(y), log: true },
});
const heatmap = new Heatmap((layer) => select(layer));
const lossChart = new LineChart({
  title: 'Loss',
  description:
    'Cross-entropy of the training batches (left axis) and the mask penalty λ·Σσ(T·s) (right axis).',
  left: { label: 'cross-entropy (nats)', format: (y) => y.toFixed(2) },
  right: { label: 'penalty', format: (y) => y.toPrecision(2) },
});
const accuracyChart = new LineChart({
  title: 'Accuracy',
  description:
    'Training accuracy of the batches, validation accuracy at epoch ends, and test accuracy of the ticket and the dense baseline.',
  left: { label: 'accuracy (%)', format: (y) => `${Math.round(y * 100)}%`, domain: [0, 1] },
});

const layerCard = el('section', 'card layer-card');
const layerHead = el('div', 'layer-head');
const layerLabel = el('label', undefined, 'Layer');
layerLabel.id = 'layer-label';
const layerSelect = el('vscode-single-select', 'layer-select') as HTMLElement & { value: string };
layerSelect.setAttribute('aria-labelledby', 'layer-label');
layerSelect.addEventListener('change', () => select(layerSelect.value));
const layerFacts = el('span', 'muted layer-facts');
layerHead.append(layerLabel, layerSelect, layerFacts);
const histogram = new HistogramChart();
const maskImage = new MaskImage();
const layerBody = el('div', 'layer-body');
layerBody.append(histogram.element, maskImage.element);
layerCard.append(layerHead, layerBody);

const ticket = new TicketSummary();
const comparison = new ComparisonCard((format, content) =>
  vscode.postMessage({ type: 'saveComparison', format, content }),
);

const grid = el('div', 'cards');
const card = (...children: HTMLElement[]) => {
  const c = el('section', 'card');
  c.append(...children);
  return c;
};
grid.append(
  card(keptChart.element),
  card(heatmap.element),
  card(lossChart.element),
  card(accuracyChart.element),
);
root.append(header, empty, ticket.element, comparison.element, grid, layerCard);

// ---------- selection ----------
function select(layer: string): void {
  if (!store.history.layers.some((l) => l.name === layer)) {
    // The layers are not known yet (the sidebar asked before the snapshot came): choose it then.
    pendingSelection = layer;
    return;
  }
  const changed = layer !== selectedLayer;
  selectedLayer = layer;
  saveState();
  vscode.postMessage({ type: 'selectLayer', layer });
  if (changed) store.dirty.add('selection');
  scheduler.request();
}

/** After a snapshot: keep the saved layer if this run has it, else the first. */
function ensureSelection(): void {
  const names = store.history.layers.map((l) => l.name);
  if (!names.length) return;
  const wanted = pendingSelection && names.includes(pendingSelection) ? pendingSelection : selectedLayer;
  pendingSelection = undefined;
  select(wanted && names.includes(wanted) ? wanted : names[0]);
}

// ---------- drawing ----------
const points = (series: ProgressPoint[], y: (p: ProgressPoint) => number): Point[] =>
  series.map((p) => ({ x: p.step, y: y(p) }));

function drawStatus(): void {
  const { status } = store;
  controls.update(status, store.canStart);
  title.textContent = status?.runId ? `Run ${status.runId}` : 'Sparsity Lab';
  subtitle.textContent = status
    ? [status.folder, status.model, status.data].filter((s): s is string => !!s).join(' · ')
    : '';
  const latest = store.history.latest;
  const kept = latest?.keptFraction ?? status?.keptFraction ?? null;
  const t = latest?.temperature ?? status?.temperature ?? null;
  const parts = [
    status?.position,
    kept === null ? null : `${percent(kept, 2)} kept`,
    t === null ? null : `T = ${temperature(t)}`,
    status?.failure ? `failed: ${status.failure}` : null,
  ].filter((s): s is string => !!s);
  statusLine.textContent = parts.join(' · ');
  backendLine.update(status?.backend ?? null);
}

function drawLayerCard(): void {
  const layers = store.history.layers;
  const index = layers.findIndex((l) => l.name === selectedLayer);
  const layer = layers[index];
  const latest = store.history.latest;
  if (layer && latest) {
    const kept = latest.kept[index] ?? 0;
    layerFacts.textContent = `${layer.kind} ${layer.shape.join('×')} · ${percent(layer.total ? kept / layer.total : 0)} kept (${kept.toLocaleString('en-US')} / ${layer.total.toLocaleString('en-US')})`;
  }
  histogram.draw(latest, index, layer?.name);
  maskImage.draw(store.mask, layer?.name);
}

function rebuildLayerOptions(): void {
  const options = store.history.layers.map((layer) => {
    const option = el('vscode-option', undefined, layer.name) as HTMLElement & { value: string };
    option.setAttribute('value', layer.name);
    if (layer.name === selectedLayer) option.setAttribute('selected', '');
    return option;
  });
  layerSelect.replaceChildren(...options);
}

function render(): void {
  const dirty = store.takeDirty();
  root.setAttribute('aria-busy', String(!store.loaded));
  const { history } = store;
  const hasRun = history.layers.length > 0 || history.progress.points.length > 0;
  empty.hidden = !store.loaded || hasRun || store.comparison !== null;
  grid.hidden = !hasRun;
  layerCard.hidden = history.layers.length === 0;
  if (dirty.has('status') || dirty.has('stats')) drawStatus();
  if (dirty.has('layers')) {
    ensureSelection();
    rebuildLayerOptions();
  }
  if (dirty.has('selection') && layerSelect.value !== selectedLayer && selectedLayer)
    layerSelect.value = selectedLayer;
  const progress = thinnedPoints(history.progress);
  const columns = thinnedPoints(history.columns);
  // Each drawing is redone only when what it shows changed: a statistics message moves the heatmap
  // and the layer card, a progress message the curves.
  const resized = dirty.has('resize');
  const curves = dirty.has('progress') || dirty.has('marks') || resized;
  if (curves) {
    keptChart.setData(
      [
        {
          label: 'kept',
          color: '--vscode-charts-blue',
          axis: 'left',
          points: points(searchPart(progress), (p) => p.keptFraction),
          format: (y) => percent(y, 2),
        },
        {
          label: 'temperature',
          color: '--vscode-charts-orange',
          axis: 'right',
          dashed: true,
          points: points(searchPart(progress), (p) => p.temperature),
          format: temperature,
        },
      ],
      history.marks,
    );
    keptChart.draw();
    lossChart.setData(
      [
        {
          label: 'cross-entropy',
          color: '--vscode-charts-red',
          axis: 'left',
          points: points(progress, (p) => p.crossEntropy),
          format: (y) => y.toFixed(3),
        },
        {
          label: 'penalty',
          color: '--vscode-charts-purple',
          axis: 'right',
          dashed: true,
          points: points(progress, (p) => p.penalty),
          format: (y) => y.toPrecision(3),
        },
      ],
      history.marks,
    );
    lossChart.draw();
  }
  if (curves || dirty.has('ticket') || history.epochs.length !== drawnEpochs) drawAccuracy();
  if (dirty.has('stats') || dirty.has('layers') || dirty.has('marks') || resized) {
    heatmap.setData(history.layers, columns, history.marks);
    heatmap.draw();
  }
  if (
    dirty.has('stats') ||
    dirty.has('layers') ||
    dirty.has('selection') ||
    dirty.has('mask') ||
    dirty.has('resize')
  )
    drawLayerCard();
  if (dirty.has('ticket') || dirty.has('layers')) ticket.draw(history.ticket, history.layers);
  if (dirty.has('comparison')) comparison.draw(store.comparison);
  else if (resized) comparison.resize();
}

/** The dense baseline keeps every weight at T = 1: drawing it would hide the ticket's end. */
const searchPart = (progress: ProgressPoint[]) => progress.filter((p) => p.phase !== 'dense');

/** Validation points drawn so far: a statistics message at an epoch end adds one. */
let drawnEpochs = -1;

function drawAccuracy(): void {
  const { history } = store;
  drawnEpochs = history.epochs.length;
  const progress = thinnedPoints(history.progress);
  const validation = history.epochs
    .filter((e) => e.validationAccuracy !== null)
    .map((e) => ({ x: e.step, y: e.validationAccuracy ?? 0 }));
  const end = progress[progress.length - 1]?.step ?? history.latest?.step ?? 0;
  const t = history.ticket;
  accuracyChart.setData(
    [
      {
        label: 'train',
        color: '--vscode-charts-blue',
        axis: 'left',
        points: points(progress, (p) => p.trainAccuracy),
        format: (y) => percent(y),
      },
      {
        label: 'validation',
        color: '--vscode-charts-green',
        axis: 'left',
        points: validation,
        dots: true,
        format: (y) => percent(y),
      },
      ...(t
        ? [
            {
              label: 'ticket test',
              color: '--vscode-charts-orange',
              axis: 'left' as const,
              points: [{ x: end, y: t.testAccuracy }],
              dots: true,
              format: (y: number) => percent(y, 2),
            },
          ]
        : []),
      ...(t && t.denseTestAccuracy !== null
        ? [
            {
              label: 'dense test',
              color: '--vscode-charts-purple',
              axis: 'left' as const,
              points: [{ x: end, y: t.denseTestAccuracy }],
              dots: true,
              format: (y: number) => percent(y, 2),
            },
          ]
        : []),
    ],
    history.marks,
  );
  accuracyChart.draw();
}

const scheduler = new FrameScheduler(render);
window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const message = event.data;
  if (!isToViewMessage(message)) return;
  store.apply(message);
  if (message.type === 'snapshot' && message.run !== undefined) {
    shownRun = message.run;
    saveState();
  }
  if (message.type === 'selectLayer') select(message.layer);
  scheduler.request();
});
new ResizeObserver(() => {
  store.dirty.add('resize');
  scheduler.request();
}).observe(root);
vscode.postMessage({ type: 'ready' });
