// The whole user journey, driven through the workbench as a user drives it: the packaged .vsix is
// installed into code-server, broken configs are refused, and a search is started from the Command
// Palette, watched in the Layer Sparsity view, paused and resumed, killed from outside and resumed
// from its last snapshot, rewound to its rewind point from the dashboard, exported, and seen again in
// the dashboard after a window reload, whose buttons then start and stop a new search; then a sweep
// of searches runs two at a time and the dashboard compares its tickets with IMP's.
// The steps build on each other, in order. Screenshots of each go to test-artifacts/e2e/ui-journey-*.png.
import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers';
import type { Page } from 'playwright-core';
import { selectBackend } from '../../engine/backend/selectBackend';
import { loadLayersModelFiles } from '../../engine/ticket/layersModelFiles';
import type { TicketManifest } from '../../engine/ticket/ticketManifest';
import { packageVsix } from '../support/packageVsix';
import { ensureExtensionBuilt } from './builds';
import { CodeServerSession, waitFor } from './codeServer';
import { configText, EXTENSION_ID, TINY_CONFIG } from './fixtures';
import {
  clearNotifications,
  inDashboard,
  inSidebar,
  pick,
  quickInput,
  readBars,
  runFromPalette,
  waitForToast,
  waitForBarsToChange,
  waitForStatus,
  watchBars,
  type Bar,
} from './workbench';

// Long enough that the search never ends on its own before the rewind ends it: every step before
// it waits on the UI, and a slow machine must not run out of epochs. The ticket then trains 4 epochs.
const JOURNEY_CONFIG = { ...TINY_CONFIG, epochsPerRound: 200, ticketEpochs: 4 };
const BROKEN_CONFIGS = [
  {
    file: 'unknown-key.sparsity.json',
    config: { ...TINY_CONFIG, epochsPerRund: 3 },
    message: /Config error in unknown-key\.sparsity\.json, field "epochsPerRund": unknown setting/,
  },
  {
    file: 'wrong-type.sparsity.json',
    config: { ...TINY_CONFIG, batchSize: 'fifty' },
    message: /Config error in wrong-type\.sparsity\.json, field "batchSize": Expected integer/,
  },
];
const ENGINE = 'dist/engine.js';
/** Three tiny CS searches and IMP beside them, two at a time. */
const SWEEP = {
  base: { ...TINY_CONFIG, epochsPerRound: 2 },
  vary: 'maskInit',
  values: [-0.1, 0, 0.1],
  parallel: 2,
  extraRuns: [{ method: 'imp', rounds: 3 }],
};

describe('e2e: the user journey through the UI of a real VS Code (code-server, Chromium)', function () {
  this.timeout(15 * 60_000);
  let session: CodeServerSession | undefined;
  let page: Page;
  let vsixDir: string | undefined;
  /** The bars as last read while the ticket trained: the export must match them. */
  let lastBars: Bar[] = [];
  const shot = (step: string) => (session ? session.screenshot(page, step) : Promise.resolve(''));
  const workspace = () => {
    assert.ok(session, 'no code-server session');
    return session.workspaceDir;
  };
  const runsDir = () => path.join(workspace(), '.sparsity/runs');
  const runIds = () => (existsSync(runsDir()) ? readdirSync(runsDir()).sort() : []);
  const engines = () => session?.processesRunning(ENGINE) ?? [];
  const metricsLines = (runId: string) =>
    readFileSync(path.join(runsDir(), runId, 'metrics.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean).length;

  before(async function () {
    ensureExtensionBuilt();
    vsixDir = mkdtempSync(path.join(os.tmpdir(), 'sparsity-e2e-vsix-'));
    const vsix = path.join(vsixDir, 'sparsity-lab.vsix');
    packageVsix(vsix);
    session = await CodeServerSession.start({
      name: 'ui-journey',
      vsix,
      workspaceFiles: {
        'sparsity.json': configText(JOURNEY_CONFIG),
        ...Object.fromEntries(BROKEN_CONFIGS.map((b) => [b.file, configText(b.config)])),
        'tiny.sweep.json': configText(SWEEP),
      },
    });
    page = await session.openWorkbench();
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') await shot('failed').catch(() => undefined);
  });

  after(async () => {
    await session?.stop();
    if (vsixDir) rmSync(vsixDir, { recursive: true, force: true });
  });

  it('1. installs from the .vsix; the activity bar has Sparsity Lab, whose Layer Sparsity view is empty', async () => {
    assert.ok(session);
    // Installed, not loaded from a development folder.
    assert.doesNotMatch(session.log, /Loading development extension/);
    const container = page.locator('.activitybar a.action-label[aria-label="Sparsity Lab"]');
    await container.waitFor({ state: 'visible', timeout: 60_000 });
    await container.click();
    await page.locator('.pane-header', { hasText: 'Layer Sparsity' }).waitFor({ state: 'visible' });
    await inSidebar(page, async (frame) => {
      const empty = frame.locator('section.empty', { hasText: 'No ticket search is running' });
      await empty.waitFor({ state: 'visible', timeout: 30_000 });
      await frame.locator('section.empty vscode-button', { hasText: 'Start Ticket Search' }).waitFor();
    });
    await shot('installed-empty-sidebar');
    const installed = readdirSync(path.join(path.dirname(workspace()), 'user-data/ext'));
    assert.ok(
      installed.some((d) => d.startsWith(`${EXTENSION_ID}-`)),
      `not in the extensions folder: ${installed.join(', ')}`,
    );
  });

  it('6. refuses a sparsity.json with an unknown key or a wrong type: the message names the field, no engine starts', async () => {
    for (const broken of BROKEN_CONFIGS) {
      // An engine that started and exited between two looks would be missed; the checks are 20 ms
      // apart and an engine takes far longer than that just to load TensorFlow.js.
      let spawned = false;
      const watcher = setInterval(() => (spawned ||= engines().length > 0), 20);
      try {
        await runFromPalette(page, 'Sparsity Lab: Start Ticket Search');
        await pick(page, broken.file);
        const notice = await waitForToast(page, broken.message);
        await shot(`config-error-${path.basename(broken.file, '.sparsity.json')}`);
        const text = await notice.innerText();
        assert.match(text, broken.message);
        assert.match(text, /Open Config/);
        await page.waitForTimeout(1000);
      } finally {
        clearInterval(watcher);
      }
      assert.equal(spawned, false, `an engine process was started for ${broken.file}`);
      assert.deepEqual(runIds(), [], 'a run folder was created');
      await clearNotifications(page);
    }
  });

  it('2. starts a search from the palette: the sidebar bars appear and change, the status bar shows the run', async () => {
    await runFromPalette(page, 'Sparsity Lab: Start Ticket Search');
    await pick(page, /^\s*\S*\s*sparsity\.json/);
    const status = await waitForStatus(page, /Sparsity: running · round 1\/2 · epoch \d+\/200/);
    assert.match(status, /round 1\/2/);
    const first = await waitFor(
      'the layer bars',
      async () => {
        const bars = await readBars(page);
        return bars.length === 3 && bars.every((b) => b.fraction !== null) ? bars : undefined;
      },
      60_000,
    );
    // LeNet-300-100 masks its three Dense kernels.
    for (const bar of first) assert.match(bar.layer, /^dense_\d+$/);
    await shot('running-bars');
    const changed = await waitForBarsToChange(page, first);
    assert.notDeepEqual(changed, first);
    for (const bar of changed) assert.ok(bar.fraction !== null && bar.fraction >= 0 && bar.fraction <= 1);
    assert.equal(runIds().length, 1);
  });

  it('3. pause: the bars stop changing; resume: they change again', async () => {
    await runFromPalette(page, 'Sparsity Lab: Pause Search');
    await waitForStatus(page, /Sparsity: paused/, 30_000);
    // A statistics message already on its way may land just after the state changed.
    await page.waitForTimeout(1000);
    const readings = await watchBars(page, 3000);
    await shot('paused');
    assert.equal(readings.length, 1, `the bars moved while paused: ${JSON.stringify(readings)}`);
    await runFromPalette(page, 'Sparsity Lab: Resume Search');
    await waitForStatus(page, /Sparsity: running/, 30_000);
    await waitForBarsToChange(page, readings[0], 30_000);
    await shot('resumed');
  });

  it('7. killing the engine from outside gives the crash message; "Resume from Last Snapshot" continues the run', async () => {
    const [runId] = runIds();
    // The snapshot the resume starts from is written at each epoch's end: wait for a few.
    await waitForStatus(page, /epoch ([3-9]|\d\d+)\/200/, 60_000);
    const pids = engines();
    assert.equal(pids.length, 1, `engine processes: ${pids.join(', ')}`);
    process.kill(pids[0], 'SIGKILL');
    const crash = await waitForToast(page, /stopped unexpectedly/);
    await shot('crash-message');
    const text = await crash.innerText();
    assert.match(text, new RegExp(`during run ${runId} \\(killed by signal SIGKILL\\)`));
    const linesBefore = metricsLines(runId);
    await crash.getByRole('button', { name: 'Resume from Last Snapshot' }).click();
    await waitForStatus(page, /Sparsity: running/, 60_000);
    const [pid] = await waitFor(
      'a new engine',
      () => {
        const now = engines();
        return now.length === 1 && now[0] !== pids[0] ? now : undefined;
      },
      30_000,
    );
    assert.ok(pid);
    // The same run goes on: no second run folder, and its metrics grow.
    await waitFor(
      'the resumed run to write metrics',
      () => (metricsLines(runId) > linesBefore ? true : undefined),
      60_000,
    );
    assert.deepEqual(runIds(), [runId]);
    await waitForBarsToChange(page, await readBars(page), 30_000);
    await shot('resumed-after-crash');
  });

  it('8a. the dashboard opens on the live run and shows its charts', async () => {
    const [runId] = runIds();
    await runFromPalette(page, 'Sparsity Lab: Open Dashboard');
    await inDashboard(page, (frame) =>
      frame.locator('h1', { hasText: `Run ${runId}` }).waitFor({ timeout: 30_000 }),
    );
    // Each chart has drawn data: lines, heatmap cells, histogram bars.
    await waitFor(
      'the dashboard charts to draw',
      async () => {
        const drawn = await inDashboard(page, (frame) =>
          frame.evaluate(() => ({
            series: Array.from(document.querySelectorAll('svg path.series')).filter(
              (p) => (p.getAttribute('d') ?? '').length > 20,
            ).length,
            heatmapWidth: document.querySelector<HTMLCanvasElement>('.heatmap canvas')?.width ?? 0,
            histogramBins: document.querySelectorAll('rect.bin').length,
          })),
        );
        return drawn.series >= 4 && drawn.heatmapWidth > 0 && drawn.histogramBins > 0 ? drawn : undefined;
      },
      30_000,
    );
    // The whole run, from its first statistics, though its engine was restarted after epoch 3.
    const axis = await inDashboard(page, (frame) => frame.locator('.heat-axis').innerText());
    const firstStep = Number(/training step (\d+) →/.exec(axis)?.[1]);
    const firstRecorded = readFileSync(path.join(runsDir(), runId, 'metrics.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { type: string; step?: number })
      .find((m) => m.type === 'layerStats')?.step;
    assert.equal(firstStep, firstRecorded, `the heatmap starts at the run's first statistics: ${axis}`);
    // What the run trains on, and why not on something faster: none of the accelerated backends is
    // installed for this VS Code, so each says so.
    const backend = await inDashboard(page, async (frame) => {
      await frame.locator('.backend-line summary').click();
      return {
        used: await frame.locator('.backend-line span').innerText(),
        why: await frame.locator('.backend-line li').allInnerTexts(),
      };
    });
    assert.match(backend.used, /^Trains on wasm · .+thread/);
    assert.deepEqual(
      backend.why.map((line) => line.split(':')[0]),
      ['tfjs-node-gpu', 'tfjs-node', 'webgpu'],
    );
    assert.ok(
      backend.why.every((line) => /not installed|no GPU adapter/.test(line)),
      backend.why.join('\n'),
    );
    await shot('dashboard');
  });

  it('4. Rewind from the dashboard to the rewind point: the engine trains the ticket and the dashboard shows it', async () => {
    await inDashboard(page, (frame) => frame.locator('vscode-button[data-command="rewind"]').click());
    await quickInput(page).waitFor({ state: 'visible' });
    await shot('rewind-picker');
    await pick(page, 'Rewind point');
    // The ticket trains for a few seconds only: the status bar may already say finished when it is
    // read. The dashboard keeps the evidence: its status line and the "ticket training" rule.
    await waitForStatus(page, /Sparsity: ((running · )?ticket|finished)/, 60_000);
    await inDashboard(page, async (frame) => {
      await frame.locator('.status-line', { hasText: /ticket/ }).waitFor({ timeout: 30_000 });
      await frame
        .locator('g.mark-phase', { hasText: /ticket/i })
        .first()
        .waitFor({ timeout: 30_000 });
    });
    await shot('ticket-training');
    await waitForStatus(page, /Sparsity: finished/, 120_000);
    lastBars = await readBars(page);
    await inDashboard(page, (frame) =>
      frame.locator('section.ticket:not([hidden])').waitFor({ timeout: 30_000 }),
    );
    await shot('finished');
  });

  it('5. Export Ticket: a ticket folder appears whose densities match the bars, and its model.json loads', async () => {
    const [runId] = runIds();
    await runFromPalette(page, 'Sparsity Lab: Export Ticket');
    const input = quickInput(page).locator('input');
    await input.waitFor({ state: 'visible' });
    assert.equal(await input.inputValue(), path.join('tickets', runId));
    await page.keyboard.press('Enter');
    await waitForToast(page, /ticket exported to/, 60_000);
    await shot('exported');
    const ticketDir = path.join(workspace(), 'tickets', runId);
    const manifest = JSON.parse(readFileSync(path.join(ticketDir, 'ticket.json'), 'utf8')) as TicketManifest;
    assert.deepEqual(
      manifest.layers.map((l) => l.name),
      lastBars.map((b) => b.layer),
    );
    for (const [i, layer] of manifest.layers.entries()) {
      assert.equal(layer.density, lastBars[i].fraction, `${layer.name}: ticket.json vs the bar`);
    }
    await selectBackend('cpu');
    const model = await loadLayersModelFiles(path.join(ticketDir, 'trained-model'));
    const out = model.predict(tf.zeros([2, 28, 28, 1])) as tf.Tensor;
    assert.deepEqual(out.shape, [2, 10]);
    model.dispose();
  });

  it('8b. the dashboard survives a window reload, and its buttons start and stop a search', async () => {
    const [runId] = runIds();
    await runFromPalette(page, 'Developer: Reload Window');
    await page.locator('.monaco-workbench .part.statusbar').waitFor({ state: 'visible', timeout: 90_000 });
    const [dir, subtitle] = await inDashboard(
      page,
      async (frame) => {
        await frame.locator('h1', { hasText: `Run ${runId}` }).waitFor({ timeout: 60_000 });
        await frame.locator('section.ticket:not([hidden])').waitFor({ timeout: 30_000 });
        return [await frame.locator('.ticket-dir').innerText(), await frame.locator('.subtitle').innerText()];
      },
      90_000,
    );
    // Read back from the run's folder: the export and the engine's descriptions are there too.
    assert.equal(dir, path.join(workspace(), 'tickets', runId));
    assert.match(subtitle, /LeNet-300-100 \(.*MNIST bundled \(/);
    // The backend too: metrics.jsonl's `started` records it.
    const used = await inDashboard(page, (frame) => frame.locator('.backend-line span').innerText());
    assert.match(used, /^Trains on wasm/);
    await shot('dashboard-after-reload');
    await inDashboard(page, (frame) =>
      frame.locator('vscode-button[data-command="start"]:not([hidden])').click(),
    );
    await pick(page, /^\s*\S*\s*sparsity\.json/);
    // The run left over from before the reload may still hold the folder; a start asks first.
    await waitForStatus(page, /Sparsity: running/, 60_000);
    await inDashboard(page, (frame) => frame.locator('vscode-button[data-command="stop"]').click());
    await waitForStatus(page, /Sparsity: idle/, 60_000);
    await shot('dashboard-stopped');
    assert.equal(runIds().length, 2);
    assert.deepEqual(engines(), []);
  });

  it('9. Start Sweep: its searches run two at a time, and the dashboard compares their tickets with IMP', async () => {
    const before = new Set(runIds());
    // Sampled all along the sweep: never more engines than the sweep allows, and that many at times.
    let most = 0;
    const sampler = setInterval(() => (most = Math.max(most, engines().length)), 50);
    try {
      await runFromPalette(page, 'Sparsity Lab: Start Sweep');
      await pick(page, 'tiny.sweep.json');
      await waitForToast(page, /Sparsity Lab: sweep \S+/, 60_000);
      await shot('sweep-running');
      await waitForToast(page, /sweep \S+ finished: 4 tickets/, 5 * 60_000);
    } finally {
      clearInterval(sampler);
    }
    assert.equal(most, 2, `at most ${most} engines ran at once`);
    const members = runIds().filter((id) => !before.has(id));
    assert.equal(members.length, 4);
    // Every member's ticket is in the comparison: one point per CS search, one per IMP round.
    const rows = await inDashboard(page, async (frame) => {
      await frame.locator('.comparison:not([hidden])').waitFor({ timeout: 30_000 });
      await frame
        .locator('.comparison-subtitle', { hasText: /^Sweep \S+ · s0 over -0\.1, 0, 0\.1/ })
        .waitFor();
      await frame
        .locator('.comparison-subtitle', { hasNotText: 'still running' })
        .waitFor({ timeout: 30_000 });
      return frame
        .locator('.comparison-row')
        .evaluateAll((els) => els.map((r) => Array.from(r.children).map((c) => c.textContent ?? '')));
    });
    await inDashboard(page, (frame) => frame.locator('.comparison').scrollIntoViewIfNeeded());
    await shot('sweep-comparison');
    assert.deepEqual(
      rows
        .filter((r) => r[0] === 'CS')
        .map((r) => r[1])
        .sort(),
      ['s0 = -0.1', 's0 = 0', 's0 = 0.1'],
    );
    // IMP's three rounds and its retrained final ticket.
    assert.deepEqual(
      rows.filter((r) => r[0] === 'IMP').map((r) => r[1]),
      ['round 1', 'round 2', 'round 3', 'round 4'],
    );
    assert.deepEqual(engines(), []);
  });
});
