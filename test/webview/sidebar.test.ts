// The Layer Sparsity view, built bundle in real Chromium: its empty state, one bar per layer whose
// width is the kept fraction, the hover text, and the messages it posts.
import { strict as assert } from 'node:assert';
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import type { Browser } from 'playwright-core';
import { HostFeed, readFixture } from './support/fixtureFeed';
import { launchBrowser, openWebview, ROOT } from './support/webviewPage';

const ARTIFACTS = path.join(ROOT, 'test-artifacts/webview');

describe('webview: Layer Sparsity sidebar', function () {
  this.timeout(60_000);
  let browser: Browser;
  before(async () => {
    browser = await launchBrowser();
    mkdirSync(ARTIFACTS, { recursive: true });
  });
  after(async () => browser?.close());

  it('says ready, then shows the empty state whose button posts the start command', async () => {
    const view = await openWebview(browser, 'sidebar');
    assert.deepEqual(await view.posted(), [{ type: 'ready' }]);
    // Nothing is claimed before the host has said what runs.
    assert.ok(await view.page.locator('.empty').isHidden());
    await view.send([{ type: 'snapshot', status: null, history: null, canStart: true }]);
    const empty = view.page.locator('.empty');
    assert.ok(await empty.isVisible());
    assert.match((await empty.textContent()) ?? '', /No ticket search is running/);
    await view.page.locator('.empty vscode-button').click();
    assert.deepEqual((await view.posted()).slice(1), [{ type: 'command', command: 'start' }]);
    await view.page.screenshot({ path: path.join(ARTIFACTS, 'sidebar-empty-light.png') });
    assert.deepEqual(view.cspErrors, []);
    await view.page.close();
  });

  for (const theme of ['light', 'dark', 'high-contrast'] as const) {
    it(`draws a bar per layer in model order with the kept fraction as width (${theme})`, async () => {
      const view = await openWebview(browser, 'sidebar', { theme });
      const host = new HostFeed();
      const messages = readFixture();
      // Stop mid-search so the view is live: everything up to the second round's first epoch end.
      const cut = messages.findIndex((m) => m.type === 'roundEnd' && m.round === 1) + 8;
      await view.send([host.snapshot(), ...host.feed(messages.slice(0, cut))]);

      const latest = host.model.history.latest;
      assert.ok(latest);
      const layers = host.model.history.layers;
      const rows = view.page.locator('.layer-row');
      assert.equal(await rows.count(), layers.length);
      assert.deepEqual(await rows.evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.layer)), [
        'dense_1',
        'dense_2',
        'dense_3',
      ]);
      // The hover text is made on pointer entry.
      for (let i = 0; i < layers.length; i++) await rows.nth(i).hover();
      const measured = await rows.evaluateAll((els) =>
        els.map((row) => {
          const track = row.querySelector('.bar-track') as HTMLElement;
          const fill = row.querySelector('.bar-fill') as HTMLElement;
          return {
            fill: fill.getBoundingClientRect().width,
            track: track.clientWidth,
            title: row.getAttribute('title') ?? '',
          };
        }),
      );
      measured.forEach((m, i) => {
        const fraction = latest.kept[i] / layers[i].total;
        assert.ok(
          Math.abs(m.fill - fraction * m.track) <= 1,
          `${layers[i].name}: ${m.fill} vs ${fraction * m.track}`,
        );
        assert.ok(
          m.title.includes(
            `${latest.kept[i].toLocaleString('en-US')} / ${layers[i].total.toLocaleString('en-US')}`,
          ),
          m.title,
        );
      });
      const header = (await view.page.locator('.summary').textContent()) ?? '';
      assert.match(header, new RegExp(`${(latest.keptFraction * 100).toFixed(1)}% kept`));
      assert.match(header, /T = /);
      assert.ok(await view.page.locator('.empty').isHidden());

      await view.page.screenshot({ path: path.join(ARTIFACTS, `sidebar-${theme}.png`) });
      assert.deepEqual(view.cspErrors, []);
      await view.page.close();
    });
  }

  it('opens a layer in the dashboard by click and by keyboard', async () => {
    const view = await openWebview(browser, 'sidebar');
    const host = new HostFeed();
    await view.send([host.snapshot(), ...host.feed(readFixture().slice(0, 30))]);
    await view.page.locator('.layer-row', { hasText: 'dense_2' }).click();
    await view.page.keyboard.press('ArrowDown');
    await view.page.keyboard.press('Enter');
    const posted = (await view.posted()).filter((m) => m.type === 'selectLayer');
    assert.deepEqual(posted, [
      { type: 'selectLayer', layer: 'dense_2' },
      { type: 'selectLayer', layer: 'dense_3' },
    ]);
    await view.page.close();
  });

  it('draws the same view from a replayed history as from live messages', async () => {
    const host = new HostFeed();
    const live = await openWebview(browser, 'sidebar');
    await live.send([host.snapshot(), ...host.feed(readFixture())]);
    const replay = await openWebview(browser, 'sidebar');
    await replay.send([host.snapshot()]);
    const widths = (v: typeof live) =>
      v.page.locator('.bar-fill').evaluateAll((els) => els.map((e) => e.getBoundingClientRect().width));
    assert.deepEqual(await widths(replay), await widths(live));
    assert.equal(
      await replay.page.locator('.summary').textContent(),
      await live.page.locator('.summary').textContent(),
    );
    await live.page.close();
    await replay.page.close();
  });
});
