// The host side of the views without a browser: thinning long histories, reading one mask out of a
// snapshot, and the hub that replays a run to a view that (re)opens and sends deltas while it shows.
import { strict as assert } from 'node:assert';
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { EngineMessage } from '../../engine/protocol/engineProtocol';
import { encodeSafetensors } from '../../engine/ticket/safetensors';
import type { EngineExit, StartedInfo } from '../../extension/engine/engineSupervisor';
import { RunManager, type SupervisorHandle } from '../../extension/run/runManager';
import { packMask, readMaskBitmap } from '../../extension/views/maskSnapshot';
import { ViewHub, type ViewChannel } from '../../extension/views/viewHub';
import {
  addThinned,
  emptyThinned,
  thinnedPoints,
  applyToHistory,
  emptyHistory,
} from '../../webview/protocol/runHistory';
import type { ControlCommand, ToViewMessage } from '../../webview/protocol/viewProtocol';
import { HostFeed, readFixture } from './support/fixtureFeed';

describe('views: run history', () => {
  it('keeps 100,000 points within capacity, evenly spread, the newest always drawn', () => {
    const series = emptyThinned<number>();
    for (let i = 0; i < 100_000; i++) addThinned(series, i, 1024);
    assert.ok(series.points.length <= 1024 && series.points.length > 512, String(series.points.length));
    const gaps = new Set(series.points.slice(1).map((p, i) => p - series.points[i]));
    assert.deepEqual([...gaps], [series.stride]);
    assert.equal(thinnedPoints(series).at(-1), 99_999);
  });

  it('gives the webview the host history when it applies the deltas to the snapshot', () => {
    const host = new HostFeed();
    const messages = readFixture();
    const deltas = host.feed(messages.slice(0, 60));
    const mirror = structuredClone(host.model.history);
    for (const delta of host.feed(messages.slice(60))) applyToHistory(mirror, delta);
    assert.deepEqual(mirror, host.model.history);
    // And from nothing, every delta applied in order.
    const fromScratch = emptyHistory();
    for (const delta of [...deltas]) applyToHistory(fromScratch, delta);
    assert.equal(
      fromScratch.columns.seen,
      60 - messages.slice(0, 60).filter((m) => m.type !== 'layerStats').length,
    );
  });

  it('marks round ends and phase changes at their steps', () => {
    const host = new HostFeed();
    host.feed(readFixture());
    assert.deepEqual(
      host.model.history.marks.map((m) => [m.kind, m.label, m.step]),
      [
        ['round', 'round 1 end', 40],
        ['round', 'round 2 end', 80],
        ['phase', 'ticket training', 81],
        ['phase', 'dense baseline', 101],
      ],
    );
  });
});

describe('views: mask snapshot reader', () => {
  let dir: string;
  before(() => (dir = mkdtempSync(path.join(tmpdir(), 'sparsity-mask-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('packs s > 0 most significant bit first', () => {
    const { bits, kept } = packMask(Float32Array.from([1, -1, 0, 2, 0, 0, 0, 0.1, 3]));
    assert.equal(kept, 4);
    assert.deepEqual([...bits], [0b10010001, 0b10000000]);
  });

  it('reads one layer of a snapshot, and null for a missing file or layer', async () => {
    const file = path.join(dir, 'latest.safetensors');
    const logits = Float32Array.from({ length: 6 * 5 }, (_, i) => (i % 4 === 0 ? 1 : -1));
    writeFileSync(
      file,
      encodeSafetensors([
        { name: 'weights/dense/kernel', dtype: 'F32', shape: [6, 5], data: new Float32Array(30) },
        { name: 'masks/dense', dtype: 'F32', shape: [6, 5], data: logits },
      ]),
    );
    const mask = await readMaskBitmap(file, 'dense', 'dense', 7);
    assert.ok(mask);
    assert.deepEqual(mask.shape, [6, 5]);
    assert.equal(mask.kept, 8);
    assert.deepEqual([...Buffer.from(mask.bits, 'base64')], [...packMask(logits).bits]);
    assert.equal(await readMaskBitmap(file, 'other', 'dense', 7), null);
    assert.equal(await readMaskBitmap(path.join(dir, 'none.safetensors'), 'dense', 'dense', 7), null);
  });
});

/** An engine that never runs: the test emits its messages. */
class FakeSupervisor
  extends EventEmitter<{ message: [EngineMessage]; exit: [EngineExit]; log: [string] }>
  implements SupervisorHandle
{
  isRunning = true;
  start = async (): Promise<StartedInfo> => ({
    type: 'started',
    inReplyTo: 'h',
    runId: 'run-1',
    runDir: '/w/.sparsity/runs/run-1',
    resumed: false,
    config: { rounds: 2, epochsPerRound: 2, ticketEpochs: 1 },
    model: 'LeNet',
    data: 'MNIST',
    stepsPerEpoch: 20,
    backend: { name: 'cpu', choice: 'auto', attempts: [] },
  });
  pause = async () => undefined;
  resume = async () => undefined;
  rewind = async () => undefined;
  exportTicket = async () => ({ dir: '', files: [] });
  stop = async () => null;
  kill = () => undefined;
}

class Channel implements ViewChannel {
  visible = true;
  messages: ToViewMessage[] = [];
  constructor(readonly kind: 'sidebar' | 'dashboard') {}
  post(message: ToViewMessage): void {
    this.messages.push(message);
  }
}

describe('views: hub', () => {
  async function setup() {
    const supervisor = new FakeSupervisor();
    const manager = new RunManager(() => supervisor);
    const commands: ControlCommand[] = [];
    let dashboards = 0;
    const saved: { format: string; content: string }[] = [];
    const hub = new ViewHub(manager, {
      folderName: () => 'work',
      canStart: () => true,
      runCommand: (c) => commands.push(c),
      openDashboard: () => dashboards++,
      readMask: async (file, layer, kind, step) => ({
        layer,
        kind,
        shape: [1, 1],
        kept: 1,
        step,
        bits: 'gA==',
      }),
      onError: (m) => assert.fail(m),
      saveComparison: (format, content) => saved.push({ format, content }),
    });
    await manager.start('file:///w', { config: {}, workDir: '/w' }, {} as never);
    return { supervisor, manager, hub, commands, saved, dashboards: () => dashboards };
  }

  it('sends nothing before ready, the whole run on ready, deltas while visible, a snapshot on show', async () => {
    const { supervisor, hub } = await setup();
    const view = new Channel('sidebar');
    hub.attach(view);
    const messages = readFixture();
    for (const m of messages.slice(0, 30)) supervisor.emit('message', m);
    assert.equal(view.messages.length, 0);
    hub.received(view, { type: 'ready' });
    assert.equal(view.messages.length, 1);
    const [snapshot] = view.messages;
    assert.equal(snapshot.type, 'snapshot');
    assert.equal(
      snapshot.type === 'snapshot' && snapshot.history?.columns.seen,
      messages.slice(0, 30).filter((m) => m.type === 'layerStats').length,
    );
    supervisor.emit('message', messages[30]);
    assert.ok(view.messages.slice(1).some((m) => m.type === 'stats' || m.type === 'progress'));
    view.visible = false;
    const before = view.messages.length;
    for (const m of messages.slice(31, 60)) supervisor.emit('message', m);
    assert.equal(view.messages.length, before, 'a hidden view is sent nothing');
    view.visible = true;
    hub.visibilityChanged(view);
    assert.equal(view.messages.at(-1)?.type, 'snapshot');
  });

  it('runs the commands a view asks for, and opens the dashboard on a layer clicked in the sidebar', async () => {
    const { supervisor, hub, commands, dashboards } = await setup();
    for (const m of readFixture().slice(0, 30)) supervisor.emit('message', m);
    const sidebar = new Channel('sidebar');
    const dashboard = new Channel('dashboard');
    hub.attach(sidebar);
    hub.attach(dashboard);
    hub.received(sidebar, { type: 'ready' });
    hub.received(sidebar, { type: 'command', command: 'pause' });
    assert.deepEqual(commands, ['pause']);
    hub.received(sidebar, { type: 'selectLayer', layer: 'dense_2' });
    assert.equal(dashboards(), 1);
    hub.received(dashboard, { type: 'ready' });
    assert.deepEqual(
      dashboard.messages.map((m) => m.type),
      ['snapshot', 'comparison', 'selectLayer'],
    );
    // The dashboard's selection brings the layer's mask, and again at each `latest` checkpoint.
    hub.received(dashboard, { type: 'selectLayer', layer: 'dense_2' });
    await new Promise((resolve) => setImmediate(resolve));
    supervisor.emit('message', {
      type: 'checkpoint',
      kind: 'latest',
      round: 1,
      epoch: 1,
      path: '/w/latest.safetensors',
    });
    await new Promise((resolve) => setImmediate(resolve));
    const masks = dashboard.messages.filter((m) => m.type === 'mask');
    assert.equal(masks.length, 2);
    assert.ok(masks.every((m) => m.type === 'mask' && m.mask.layer === 'dense_2'));
  });

  it('sends the comparison to dashboards only, with every snapshot and on each change, and passes saves on', async () => {
    const { hub, saved } = await setup();
    const dashboard = new Channel('dashboard');
    const sidebar = new Channel('sidebar');
    hub.attach(dashboard);
    hub.attach(sidebar);
    hub.received(sidebar, { type: 'ready' });
    hub.received(dashboard, { type: 'ready' });
    assert.deepEqual(
      dashboard.messages.filter((m) => m.type === 'comparison'),
      [{ type: 'comparison', comparison: null }],
    );
    const comparison = {
      title: 'Sweep s1',
      points: [
        {
          method: 'cs' as const,
          runId: 'r1',
          label: 's0 = 0',
          round: 2,
          keptFraction: 0.1,
          testAccuracy: 0.97,
        },
      ],
      denseTestAccuracy: null,
      running: 1,
    };
    hub.setComparison(comparison);
    assert.deepEqual(dashboard.messages.at(-1), { type: 'comparison', comparison });
    // A hidden dashboard misses it, and gets it with the snapshot it is sent when shown again.
    dashboard.visible = false;
    hub.setComparison({ ...comparison, running: 0 });
    dashboard.visible = true;
    hub.visibilityChanged(dashboard);
    assert.deepEqual(dashboard.messages.filter((m) => m.type === 'comparison').at(-1), {
      type: 'comparison',
      comparison: { ...comparison, running: 0 },
    });
    assert.equal(sidebar.messages.filter((m) => m.type === 'comparison').length, 0);
    hub.received(dashboard, { type: 'saveComparison', format: 'csv', content: 'method\n' });
    assert.deepEqual(saved, [{ format: 'csv', content: 'method\n' }]);
  });
});
