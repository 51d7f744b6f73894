// The dashboard, built bundle in real Chromium, fed the host's messages for a recorded run: the
// heatmap's cells, the histogram's bins, the mask image's kept pixels, the controls' commands, the
// ticket summary, the saved selection; screenshots in light, dark and high-contrast themes.
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { Browser } from 'playwright-core';
import { encodeSafetensors } from '../../engine/ticket/safetensors';
import { readMaskBitmap } from '../../extension/views/maskSnapshot';
import { thinnedPoints } from '../../webview/protocol/runHistory';
import type { MaskBitmap } from '../../webview/protocol/viewProtocol';
import { HostFeed, readFixture } from './support/fixtureFeed';
import { launchBrowser, openWebview, ROOT, type WebviewPage } from './support/webviewPage';

const ARTIFACTS = path.join(ROOT, 'test-artifacts/webview');

/** Logits with a known pattern: weight i is kept when i % 3 == 0 or i % 7 == 0. */
function patternLogits(n: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => (i % 3 === 0 || i % 7 === 0 ? 0.5 : -0.5));
}

async function maskFromSnapshot(
  dir: string,
  layer: string,
  kind: string,
  shape: number[],
): Promise<MaskBitmap> {
  const file = path.join(dir, `${layer}.safetensors`);
  const n = shape.reduce((a, b) => a * b, 1);
  writeFileSync(
    file,
    encodeSafetensors([
      { name: `masks/${layer}`, dtype: 'F32', shape, data: patternLogits(n) },
      { name: 'weights/other', dtype: 'F32', shape: [4], data: new Float32Array(4) },
    ]),
  );
  const mask = await readMaskBitmap(file, layer, kind, 80);
  assert.ok(mask);
  return mask;
}

/** Pixels of the mask canvas drawn fully opaque: the kept weights. */
const keptPixels = (view: WebviewPage) =>
  view.page.locator('.mask-image canvas').evaluate((canvas) => {
    const c = canvas as HTMLCanvasElement;
    const data = (c.getContext('2d') as CanvasRenderingContext2D).getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i] === 255) n++;
    return { n, width: c.width, height: c.height };
  });

describe('webview: dashboard', function () {
  this.timeout(60_000);
  let browser: Browser;
  let tmp: string;
  before(async () => {
    browser = await launchBrowser();
    mkdirSync(ARTIFACTS, { recursive: true });
    tmp = mkdtempSync(path.join(tmpdir(), 'sparsity-webview-'));
  });
  after(async () => {
    await browser?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('shows the empty state with Start enabled before any search', async () => {
    const view = await openWebview(browser, 'dashboard', { width: 1000, height: 500 });
    // A search may be running: nothing is claimed before the host's snapshot says.
    assert.ok(await view.page.locator('.card.empty').isHidden());
    await view.send([{ type: 'snapshot', status: null, history: null, canStart: true }]);
    assert.ok(await view.page.locator('.card.empty').isVisible());
    await view.page.locator('vscode-button[data-command="start"]').click();
    assert.deepEqual((await view.posted()).slice(-1), [{ type: 'command', command: 'start' }]);
    assert.deepEqual(view.cspErrors, []);
    await view.page.close();
  });

  it('draws a heatmap cell per layer and time, the histogram bins and the mask of the selected layer', async () => {
    const view = await openWebview(browser, 'dashboard', { width: 1200, height: 1400 });
    const host = new HostFeed();
    await view.send([host.snapshot(), ...host.feed(readFixture())]);
    const history = host.model.history;

    // Heatmap: one pixel per (layer, stored column); a layer that keeps more is drawn nearer the blue.
    const canvas = view.page.locator('.heatmap canvas');
    const columns = thinnedPoints(history.columns);
    assert.deepEqual(
      await canvas.evaluate((c) => [(c as HTMLCanvasElement).width, (c as HTMLCanvasElement).height]),
      [columns.length, history.layers.length],
    );
    const lastColumn = await canvas.evaluate((c) => {
      const el = c as HTMLCanvasElement;
      const data = (el.getContext('2d') as CanvasRenderingContext2D).getImageData(
        el.width - 1,
        0,
        1,
        el.height,
      ).data;
      return Array.from({ length: el.height }, (_, r) => 255 - data[r * 4]); // distance from white in red
    });
    const fractions = columns[columns.length - 1].fractions;
    const byFraction = [...fractions.keys()].sort((a, b) => fractions[a] - fractions[b]);
    const byColour = [...lastColumn.keys()].sort((a, b) => lastColumn[a] - lastColumn[b]);
    assert.deepEqual(byColour, byFraction);

    // The first layer is selected; its histogram has the engine's bins with their counts.
    const counts = history.latest?.histograms[0].counts ?? [];
    const bins = view.page.locator('.histogram rect.bin');
    assert.equal(await bins.count(), counts.length);
    assert.deepEqual(
      await bins.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-count')))),
      counts,
    );
    const heights = await bins.evaluateAll((els) => els.map((e) => Number(e.getAttribute('height'))));
    const tallest = counts.indexOf(Math.max(...counts));
    assert.equal(heights.indexOf(Math.max(...heights)), tallest);
    assert.deepEqual(
      (await view.posted()).filter((m) => m.type === 'selectLayer'),
      [{ type: 'selectLayer', layer: 'dense_1' }],
    );

    // The mask image: a dense kernel is in x out, one opaque pixel per kept weight.
    const dense = await maskFromSnapshot(tmp, 'dense_1', 'dense', [784, 300]);
    await view.send([{ type: 'mask', mask: dense }]);
    assert.deepEqual(await keptPixels(view), { n: dense.kept, width: 300, height: 784 });
    await view.page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-light.png'), fullPage: true });
    assert.deepEqual(view.cspErrors, []);
    await view.page.close();
  });

  it('draws a conv kernel as a grid of k x k tiles with the kept pixels in place', async () => {
    const view = await openWebview(browser, 'dashboard', { width: 1000, height: 900 });
    const host = new HostFeed();
    const fixture = readFixture();
    await view.send([host.snapshot(), ...host.feed(fixture.slice(0, 40))]);
    // The fixture's model has no convolution: a mask message for a conv layer named like the first
    // layer stands in (the view draws whatever kernel the host reads).
    const conv = await maskFromSnapshot(tmp, 'dense_1', 'conv2d', [3, 3, 2, 4]);
    await view.send([{ type: 'mask', mask: conv }]);
    const drawn = await keptPixels(view);
    // 4 output channels of 3-pixel tiles with 1-pixel gaps across, 2 input channels down.
    assert.deepEqual(drawn, { n: conv.kept, width: 4 * 4 - 1, height: 2 * 4 - 1 });
    // Weight 0 ([0,0,0,0]) is kept: the top-left pixel; weight 1 ([0,0,0,1]) is not: tile 2's corner.
    const corners = await view.page.locator('.mask-image canvas').evaluate((c) => {
      const ctx = (c as HTMLCanvasElement).getContext('2d') as CanvasRenderingContext2D;
      return [ctx.getImageData(0, 0, 1, 1).data[3], ctx.getImageData(4, 0, 1, 1).data[3]];
    });
    assert.deepEqual(corners, [255, 0]);
    // The same run's snapshot again (a view shown again) keeps the mask until the host sends a newer one.
    await view.send([host.snapshot()]);
    assert.equal(await view.page.locator('.mask-image canvas').isVisible(), true);
    // Another run's snapshot (a new search took the focus) drops it: it was of the old run's weights.
    await view.send([host.snapshot({ runId: 'next-run', runDir: '/work/next-run' })]);
    assert.equal(await view.page.locator('.mask-image canvas').isVisible(), false);
    assert.equal(
      await view.page.locator('.mask-image figcaption').textContent(),
      'Binary mask of dense_1 (s > 0)',
    );
    await view.page.close();
  });

  it('posts the palette commands from its controls, enabled as the engine allows', async () => {
    const view = await openWebview(browser, 'dashboard', { width: 1000, height: 600 });
    const host = new HostFeed();
    const fixture = readFixture();
    const rewindAt = fixture.findIndex((m) => m.type === 'checkpoint' && m.kind === 'rewind') + 2;
    await view.send([host.snapshot(), ...host.feed(fixture.slice(0, rewindAt))]);
    const enabled = await view.page
      .locator('.controls vscode-button')
      .evaluateAll((els) =>
        els
          .filter((e) => !(e as HTMLElement).hidden && !(e as HTMLElement & { disabled: boolean }).disabled)
          .map((e) => (e as HTMLElement).dataset.command),
      );
    assert.deepEqual(enabled, ['pause', 'stop', 'rewind', 'exportTicket']);
    for (const command of ['pause', 'stop', 'rewind', 'exportTicket']) {
      await view.page.locator(`vscode-button[data-command="${command}"]`).click();
    }
    const commands = (await view.posted()).filter((m) => m.type === 'command');
    assert.deepEqual(
      commands.map((m) => (m.type === 'command' ? m.command : '')),
      ['pause', 'stop', 'rewind', 'exportTicket'],
    );
    // Paused: Resume takes Pause's place.
    await view.send([
      { type: 'status', status: { ...host.model.statusView({ ...host.status, state: 'paused' }, 'w') } },
    ]);
    await view.page.locator('vscode-button[data-command="resume"]').click();
    assert.deepEqual((await view.posted()).slice(-1), [{ type: 'command', command: 'resume' }]);
    assert.ok(await view.page.locator('vscode-button[data-command="pause"]').isHidden());
    assert.equal(await view.page.locator('.controls vscode-badge').textContent(), 'paused');
    await view.page.close();
  });

  it('names the backend and its device, and lists why each faster backend was not used', async () => {
    const view = await openWebview(browser, 'dashboard', { width: 1000, height: 600 });
    const host = new HostFeed();
    const backend = {
      name: 'wasm',
      choice: 'auto',
      device: 'Intel(R) Xeon(R) CPU @ 2.20GHz, 1 thread, SIMD',
      notUsed: [
        { candidate: 'tfjs-node-gpu', reason: '@tensorflow/tfjs-node-gpu is not installed' },
        { candidate: 'webgpu', reason: 'Dawn found no GPU adapter' },
      ],
    };
    // A run recorded before engines named their backend: no line at all.
    await view.send([host.snapshot()]);
    assert.ok(await view.page.locator('.backend-line').isHidden());
    await view.send([{ type: 'status', status: { ...host.model.statusView(host.status, 'w'), backend } }]);
    const line = view.page.locator('.backend-line');
    assert.ok(await line.isVisible());
    assert.match(
      (await line.locator('span').textContent()) ?? '',
      /^Trains on wasm · Intel\(R\) Xeon\(R\) CPU @ 2\.20GHz, 1 thread, SIMD$/,
    );
    assert.equal(await line.locator('summary').textContent(), 'Why not the 2 faster backends?');
    await line.locator('summary').click();
    assert.deepEqual(await line.locator('li').allTextContents(), [
      'tfjs-node-gpu: @tensorflow/tfjs-node-gpu is not installed',
      'webgpu: Dawn found no GPU adapter',
    ]);
    // A status update with the same backend keeps the list open.
    await view.send([
      { type: 'status', status: { ...host.model.statusView(host.status, 'w'), backend, position: 'x' } },
    ]);
    assert.equal(await line.locator('details').getAttribute('open'), '');
    // A backend that is only missing its install: the dashboard offers the install command.
    await line.locator('a.backend-install').click();
    assert.deepEqual((await view.posted()).slice(-1), [{ type: 'command', command: 'installNativeBackend' }]);
    await view.page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-backend.png') });
    assert.deepEqual(view.cspErrors, []);
    await view.page.close();
  });

  for (const theme of ['light', 'dark', 'high-contrast'] as const) {
    it(`summarises the exported ticket: per-layer density, accuracy next to the dense baseline, path (${theme})`, async () => {
      const view = await openWebview(browser, 'dashboard', { theme, width: 1200, height: 1500 });
      const host = new HostFeed();
      const exported = {
        type: 'exported' as const,
        inReplyTo: null,
        dir: '/work/tickets/20261128-065049-b8ce57',
        files: ['ticket.json'],
      };
      await view.send([host.snapshot(), ...host.feed([...readFixture(), exported])]);
      const ticket = host.model.history.ticket;
      assert.ok(ticket);
      const rows = view.page.locator('vscode-table-row.ticket-row');
      assert.equal(await rows.count(), 3);
      const first = await rows.first().locator('vscode-table-cell').allTextContents();
      const total = host.model.history.layers[0].total;
      assert.deepEqual(first, [
        'dense_1',
        ticket.layerKept[0].toLocaleString('en-US'),
        total.toLocaleString('en-US'),
        `${((ticket.layerKept[0] / total) * 100).toFixed(2)}%`,
      ]);
      assert.equal(await view.page.locator('.ticket-accuracy').textContent(), '85.00%');
      assert.equal(await view.page.locator('.dense-accuracy').textContent(), '84.00%');
      assert.equal(await view.page.locator('.ticket-dir').textContent(), exported.dir);
      const mask = await maskFromSnapshot(tmp, 'dense_1', 'dense', [784, 300]);
      await view.send([{ type: 'mask', mask }]);
      await view.page.screenshot({ path: path.join(ARTIFACTS, `dashboard-${theme}.png`), fullPage: true });
      assert.deepEqual(view.cspErrors, []);
      await view.page.close();
    });
  }

  it('keeps the selected layer in the saved state and asks for its mask again after a reload', async () => {
    const host = new HostFeed();
    const messages = [host.snapshot(), ...host.feed(readFixture().slice(0, 50))];
    const view = await openWebview(browser, 'dashboard', { width: 1000, height: 900 });
    await view.send(messages);
    await view.send([{ type: 'selectLayer', layer: 'dense_3' }]);
    const state = await view.page.evaluate(() => (window as unknown as { __state: unknown }).__state);
    assert.deepEqual(state, { selectedLayer: 'dense_3' });
    await view.page.close();

    const reloaded = await openWebview(browser, 'dashboard', { width: 1000, height: 900, savedState: state });
    await reloaded.send([host.snapshot()]);
    assert.deepEqual(
      (await reloaded.posted()).filter((m) => m.type === 'selectLayer'),
      [{ type: 'selectLayer', layer: 'dense_3' }],
    );
    const counts = host.model.history.latest?.histograms[2].counts ?? [];
    assert.deepEqual(
      await reloaded.page
        .locator('.histogram rect.bin')
        .evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-count')))),
      counts,
    );
    await reloaded.page.close();
  });
});
