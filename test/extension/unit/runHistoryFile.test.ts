// A past run read back from its folder's metrics.jsonl draws what the live path drew from the same
// engine messages, and a line that is not one is skipped and counted.
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { EngineMessage } from '../../../engine/protocol/engineProtocol';
import { loadRunHistory, parseMetricsLine } from '../../../extension/views/runHistoryFile';
import { RunManager } from '../../../extension/run/runManager';
import { RunViewModel } from '../../../extension/views/runViewModel';
import { ViewHub, type ViewChannel } from '../../../extension/views/viewHub';
import type { ToViewMessage } from '../../../webview/protocol/viewProtocol';
import { readFixture } from '../../webview/support/fixtureFeed';
import { FakeSupervisor } from '../support/fakeSupervisor';

const RUN_ID = '20261128-065049-b8ce57';

/** A hub on `manager` whose environment only records the errors it reports. */
function testHub(manager: RunManager, errors: string[]): ViewHub {
  return new ViewHub(manager, {
    folderName: () => 'ws',
    canStart: () => true,
    runCommand: () => undefined,
    openDashboard: () => undefined,
    readMask: async () => null,
    onError: (m) => errors.push(m),
    saveComparison: () => errors.push('nothing is saved in this test'),
  });
}

describe('run history from metrics.jsonl', () => {
  let root: string;
  let runDir: string;
  let messages: EngineMessage[];
  let live: RunViewModel;

  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'sparsity-history-'));
    runDir = path.join(root, 'ws', '.sparsity', 'runs', RUN_ID);
    mkdirSync(runDir, { recursive: true });
    messages = readFixture();
    live = new RunViewModel();
    for (const message of messages) live.apply(message);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const writeMetrics = (lines: string[]) =>
    writeFileSync(path.join(runDir, 'metrics.jsonl'), lines.join('\n') + '\n');
  const timed = (message: EngineMessage, i: number) =>
    JSON.stringify({ time: 1_790_000_000_000 + i * 250, ...message });

  it('folds the recorded run into the same history the live model holds', async () => {
    writeMetrics(messages.map(timed));
    const loaded = await loadRunHistory(runDir);
    assert.equal(loaded.runId, RUN_ID);
    assert.equal(loaded.skipped, 0);
    assert.equal(loaded.messages, messages.length);
    const { history } = loaded;
    assert.ok(history.layers.length > 0);
    assert.deepEqual(
      history.layers.map((l) => l.name),
      live.history.layers.map((l) => l.name),
    );
    assert.deepEqual(history.layers, live.history.layers);
    assert.equal(history.progress.seen, live.history.progress.seen);
    assert.equal(history.progress.points.length, live.history.progress.points.length);
    assert.equal(history.columns.points.length, live.history.columns.points.length);
    assert.ok(loaded.latest);
    assert.equal(loaded.latest.keptFraction, live.history.latest?.keptFraction);
    assert.ok(loaded.ticket, 'the recorded run found a ticket');
    assert.deepEqual(loaded.ticket, live.history.ticket);
    assert.deepEqual(history, live.history);
    // The engine that wrote it is gone: the run is shown as ended, with what it reached.
    assert.equal(loaded.status.state, 'idle');
    assert.equal(loaded.status.runDir, runDir);
    assert.equal(loaded.status.ticket?.keptFraction, loaded.ticket.keptFraction);
  });

  it('skips and counts lines that are not engine messages', async () => {
    const lines = messages.map(timed);
    const middle = Math.floor(lines.length / 2);
    lines.splice(middle, 0, '{"time": 1, "type": "progress", "step": "not a number"}');
    lines.splice(3, 0, 'not json at all');
    lines.push(lines[lines.length - 1].slice(0, 40)); // cut by a crash mid-append
    writeMetrics(lines);
    const loaded = await loadRunHistory(runDir);
    assert.equal(loaded.skipped, 3);
    assert.equal(loaded.messages, messages.length);
    assert.deepEqual(loaded.history, live.history);
  });

  it('drops only the time field before checking a line', () => {
    const [first] = messages;
    assert.deepEqual(parseMetricsLine(timed(first, 0)), first);
    assert.equal(parseMetricsLine('[1, 2]'), undefined);
  });

  it('rejects when the run folder has no metrics', async () => {
    await assert.rejects(loadRunHistory(path.join(root, 'missing')), /ENOENT/);
  });

  it('shows a past run in the dashboard only, remembering its folder, until it follows the focus again', async () => {
    writeMetrics(messages.map(timed));
    const errors: string[] = [];
    const hub = testHub(
      new RunManager(() => {
        throw new Error('no engine in this test');
      }),
      errors,
    );
    const channel = (kind: ViewChannel['kind']) => {
      const sent: ToViewMessage[] = [];
      return { sent, channel: { kind, visible: true, post: (m: ToViewMessage) => void sent.push(m) } };
    };
    const dashboard = channel('dashboard');
    const sidebar = channel('sidebar');
    hub.attach(dashboard.channel);
    hub.attach(sidebar.channel);
    hub.received(dashboard.channel, { type: 'ready' });
    hub.received(sidebar.channel, { type: 'ready' });
    await hub.showRun({ runDir, runId: RUN_ID });
    const lastSnapshot = () => dashboard.sent.filter((m) => m.type === 'snapshot').at(-1);
    const snapshot = lastSnapshot();
    assert.ok(snapshot?.type === 'snapshot');
    assert.deepEqual(snapshot.run, { runDir, runId: RUN_ID });
    assert.deepEqual(snapshot.history, live.history);
    assert.equal(snapshot.status?.runId, RUN_ID);
    assert.equal(snapshot.status?.folder, 'ws');
    assert.equal(snapshot.status?.can.exportTicket, false);
    assert.deepEqual(hub.dashboardRun, { runDir, runId: RUN_ID });
    assert.equal(sidebar.sent.length, 1, 'the sidebar keeps the focused run');
    hub.followFocus();
    const back = lastSnapshot();
    assert.ok(back?.type === 'snapshot');
    assert.equal(back.history, null);
    assert.equal(back.run, null);
    assert.deepEqual(errors, []);
  });

  describe('a run resumed after its engine died', () => {
    const started = (resumed: boolean): EngineMessage => ({
      type: 'started',
      inReplyTo: 'host-1',
      runId: RUN_ID,
      runDir: '/where/it/ran/before',
      resumed,
      config: { rounds: 2, epochsPerRound: 2, ticketEpochs: 1 },
      model: 'LeNet-300-100 (266,610 parameters)',
      data: 'MNIST bundled (800 train / 200 test)',
      stepsPerEpoch: 20,
    });
    const stepOf = (m: EngineMessage) => (m.type === 'progress' || m.type === 'layerStats' ? m.step : null);
    /** The first engine got to `killedAt`; the resumed one redoes the steps from `resumedAt`'s on. */
    let killedAt: number;
    let resumedAt: number;
    let beforeKill: EngineMessage[];
    let afterResume: EngineMessage[];

    beforeEach(() => {
      killedAt = Math.floor(messages.length * 0.6);
      resumedAt = messages.findIndex((m, i) => i > messages.length * 0.3 && m.type === 'layerStats');
      beforeKill = messages.slice(0, killedAt);
      afterResume = messages.slice(resumedAt);
      assert.ok(
        (stepOf(messages[resumedAt]) ?? 0) <
          (stepOf([...beforeKill].reverse().find((m) => stepOf(m) !== null)!) ?? 0),
      );
    });

    const liveHistory = (fed: EngineMessage[]) => {
      const model = new RunViewModel();
      for (const m of fed) model.apply(m);
      return model.history;
    };

    it('is drawn once per step: what the resumed engine redid replaces what the dead one had drawn', async () => {
      writeMetrics([started(false), ...beforeKill, started(true), ...afterResume].map(timed));
      const loaded = await loadRunHistory(runDir);
      const steps = loaded.history.progress.points.map((p) => p.step);
      assert.deepEqual(
        steps,
        [...steps].sort((a, b) => a - b),
      );
      assert.equal(new Set(steps).size, steps.length);
      // As if the run had never died.
      assert.deepEqual(loaded.history, live.history);
      // The descriptions come from the started lines; the folder is where the run is now.
      assert.equal(loaded.status.model, 'LeNet-300-100 (266,610 parameters)');
      assert.equal(loaded.status.data, 'MNIST bundled (800 train / 200 test)');
      assert.equal(loaded.status.runDir, runDir);
    });

    it("can be read up to the resumed engine's start only", async () => {
      writeMetrics([started(false), ...beforeKill, started(true), ...afterResume].map(timed));
      const loaded = await loadRunHistory(runDir, RUN_ID, { beforeLastStart: true });
      assert.deepEqual(loaded.history, liveHistory(beforeKill));
    });

    it('shows the whole run in the views, not only what the resumed engine sent', async () => {
      // What the resumed engine has written by the time the host reads: its own started line.
      writeMetrics([started(false), ...beforeKill, started(true)].map(timed));
      const fakes: FakeSupervisor[] = [];
      const manager = new RunManager((options) => {
        const fake = new FakeSupervisor(options);
        fakes.push(fake);
        return fake;
      });
      const errors: string[] = [];
      const hub = testHub(manager, errors);
      const sent: ToViewMessage[] = [];
      const sidebar: ViewChannel = { kind: 'sidebar', visible: true, post: (m) => void sent.push(m) };
      hub.attach(sidebar);
      hub.received(sidebar, { type: 'ready' });
      const starting = manager.start('file:///ws', { config: {}, workDir: root, resumeRunId: RUN_ID }, {});
      fakes[0].answerStarted(RUN_ID, { runDir, resumed: true });
      // The new engine's messages come while the history is being read.
      for (const m of afterResume) fakes[0].emit('message', m);
      await starting;
      const snapshot = await (async () => {
        for (let i = 0; i < 100; i++) {
          const last = sent.at(-1);
          if (last?.type === 'snapshot' && last.history && last.history.layers.length > 0) return last;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        throw new Error(`no snapshot with the run's history; sent: ${sent.map((m) => m.type).join(', ')}`);
      })();
      assert.deepEqual(snapshot.history, live.history);
      assert.deepEqual(errors, []);
      // From then on the views get deltas again.
      const count = sent.length;
      const lastProgress = [...messages].reverse().find((m) => m.type === 'progress');
      assert.ok(lastProgress);
      fakes[0].emit('message', lastProgress);
      assert.equal(sent.slice(count)[0]?.type, 'progress');
      hub.dispose();
      manager.dispose();
    });
  });
});
