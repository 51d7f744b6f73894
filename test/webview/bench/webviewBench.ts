// Browser benchmark of the webviews: the time to apply one statistics message and draw it, in the
// built bundles in headless Chromium, for a 54-layer and a 500-layer synthetic run that has already
// gone 100,000 steps (its history replayed first, thinned as the host sends it).
//   npx tsx test/webview/bench/webviewBench.ts [--samples 200]
// One sample: dispatch the message (validation and store update), then the page's next frame (its
// render) and a forced style and layout, timed inside the page. Prints median and 95th percentile.
import type { EngineMessage, LayerStat } from '../../../engine/protocol/engineProtocol';
import { RunViewModel } from '../../../extension/views/runViewModel';
import type { StatsPoint, ToViewMessage } from '../../../webview/protocol/viewProtocol';
import { launchBrowser, openWebview } from '../support/webviewPage';

const STEPS = 100_000;
/** Statistics messages in the replayed history: one every 50 steps (10 a second at 500 steps/s). */
const HISTORY_MESSAGES = 2_000;
const BINS = 20;

interface LayerShape {
  name: string;
  kind: string;
  shape: number[];
}

function layersOf(count: number): LayerShape[] {
  return Array.from({ length: count }, (_, i) => {
    if (i === count - 1) return { name: `fc_${i}`, kind: 'dense', shape: [512, 10] };
    const channels = 16 * 2 ** Math.min(5, Math.floor((i / count) * 4));
    return { name: `conv_${i}`, kind: 'conv2d', shape: [3, 3, channels, channels] };
  });
}

/** A layerStats message as the engine sends it, kept fractions drifting down with the step. */
function layerStats(layers: LayerShape[], step: number, seed: number): EngineMessage {
  let kept = 0;
  let total = 0;
  const stats: LayerStat[] = layers.map((l, i) => {
    const size = l.shape.reduce((a, b) => a * b, 1);
    const fraction = Math.max(0.01, 0.5 * Math.exp(-step / 40_000) * (0.6 + 0.4 * Math.sin(i + seed * 0.01)));
    const k = Math.round(size * fraction);
    kept += k;
    total += size;
    const counts = Array.from({ length: BINS }, (_, b) =>
      Math.round(size * Math.exp(-((b - 9) ** 2) / 8) * 0.2),
    );
    return {
      name: l.name,
      kind: l.kind,
      shape: l.shape,
      total: size,
      kept: k,
      keptFraction: k / size,
      meanMask: fraction,
      histogram: { min: -1, max: 1, counts },
    };
  });
  return {
    type: 'layerStats',
    phase: 'search',
    round: 1 + Math.floor((step / STEPS) * 3),
    rounds: 3,
    epoch: 1,
    epochs: 85,
    step,
    temperature: 1 + (step % 33_000) / 165,
    epochEnd: false,
    validationAccuracy: null,
    keptFraction: kept / total,
    kept,
    total,
    layers: stats,
  };
}

function progress(step: number): EngineMessage {
  return {
    type: 'progress',
    phase: 'search',
    round: 1,
    rounds: 3,
    epoch: 1,
    epochs: 85,
    step,
    stepInEpoch: step % 390,
    stepsPerEpoch: 390,
    temperature: 1 + (step % 33_000) / 165,
    learningRate: 0.1,
    crossEntropy: 2 * Math.exp(-step / 20_000) + 0.1,
    penalty: 0.001,
    trainAccuracy: 0.9 - 0.8 * Math.exp(-step / 10_000),
    keptFraction: 0.5 * Math.exp(-step / 40_000),
    samplesPerSecond: 5000,
    etaSeconds: 100,
  };
}

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

async function main(): Promise<void> {
  const samplesArg = process.argv.indexOf('--samples');
  const samples = samplesArg > 0 ? Number(process.argv[samplesArg + 1]) : 200;
  const browser = await launchBrowser();
  try {
    for (const count of [54, 500]) {
      const layers = layersOf(count);
      const model = new RunViewModel();
      for (let m = 0; m < HISTORY_MESSAGES; m++) {
        const step = Math.round(((m + 1) / HISTORY_MESSAGES) * STEPS);
        model.apply(progress(step));
        model.apply(layerStats(layers, step, m));
      }
      const snapshot: ToViewMessage = {
        type: 'snapshot',
        status: null,
        history: model.history,
        canStart: true,
      };
      // The messages to time, prepared here so their making is not timed.
      const live = Array.from({ length: samples }, (_, s) => {
        const [delta] = model
          .apply(layerStats(layers, STEPS + (s + 1) * 50, s))
          .filter((d) => d.type === 'stats');
        return delta as { type: 'stats'; point: StatsPoint };
      });
      for (const entry of ['sidebar', 'dashboard'] as const) {
        const view = await openWebview(browser, entry, {
          width: entry === 'sidebar' ? 320 : 1280,
          height: 1000,
        });
        await view.send([snapshot]);
        const times = await view.page.evaluate(async (messages) => {
          const out: number[] = [];
          for (const data of messages) {
            const result = await new Promise<number>((resolve) => {
              let frameStart = 0;
              requestAnimationFrame(() => (frameStart = performance.now()));
              const t0 = performance.now();
              window.dispatchEvent(new MessageEvent('message', { data }));
              const applied = performance.now() - t0;
              requestAnimationFrame(() => {
                void document.body.getBoundingClientRect().height; // style and layout of what changed
                resolve(applied + performance.now() - frameStart);
              });
            });
            out.push(result);
          }
          return out;
        }, live);
        times.sort((a, b) => a - b);
        console.log(
          `${entry.padEnd(9)} ${String(count).padStart(3)} layers: apply one stats message and render: ` +
            `median ${quantile(times, 0.5).toFixed(2)} ms, p95 ${quantile(times, 0.95).toFixed(2)} ms (${times.length} samples)`,
        );
        if (view.cspErrors.length) throw new Error(view.cspErrors.join('\n'));
        await view.page.close();
      }
    }
  } finally {
    await browser.close();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
