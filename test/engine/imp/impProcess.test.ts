// IMP through the built engine as the host runs it (IPC) and as a user runs it (the CLI): the
// ticketResult of every round, pause/export/resume/rewind, kill and --resume, and a ticket that loads.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  PROTOCOL_VERSION,
  methodOfStarted,
  type EngineMessage,
  type EngineMessageOf,
} from '../../../engine/protocol/engineProtocol';
import { checkTicketCounts, checkTicketModelsRun } from '../../support/ticketChecks';
import { EngineProcess, isType, requireBuilt, tinyConfig } from '../ipc/engineProcess';

const tempDir = () => mkdtempSync(path.join(os.tmpdir(), 'sparsity-imp-'));

const ofType = <K extends EngineMessage['type']>(messages: EngineMessage[], type: K) =>
  messages.filter((m): m is EngineMessageOf<K> => m.type === type);

/** keptFraction of IMP's round-k ticket, up to the rounding of round(0.2 * remaining) per layer. */
const density = (round: number) => 0.8 ** (round - 1);
const close = (a: number, b: number) => Math.abs(a - b) < 1e-5;

describe('IMP: the engine process and the CLI', function () {
  this.timeout(300_000);
  let engine: EngineProcess | undefined;
  afterEach(() => engine?.kill());

  it('runs over IPC: started says imp, pause, export, resume, ticketResult per round, rewind to the ticket', async () => {
    const workDir = tempDir();
    engine = new EngineProcess();
    const e = engine;
    await e.waitFor(isType('ready'));
    const startId = e.send({
      type: 'start',
      protocolVersion: PROTOCOL_VERSION,
      config: tinyConfig({ method: 'imp', rounds: 3, imp: { scope: 'global' } }),
      workDir,
    });
    const started = await e.waitFor(isType('started', (m) => m.inReplyTo === startId));
    assert.equal(methodOfStarted(started), 'imp');
    assert.equal(started.method, 'imp');

    // Pause in round 2, export while paused: the ticket is the mask after one pruning.
    await e.waitFor(isType('progress', (m) => m.round === 2));
    const pauseId = e.send({ type: 'pause' });
    await e.waitFor(isType('state', (m) => m.state === 'paused' && m.inReplyTo === pauseId));
    const exportId = e.send({ type: 'export', dir: 'tickets/round2' });
    const exported = await e.waitFor(isType('exported', (m) => m.inReplyTo === exportId));
    const paused = checkTicketCounts(exported.dir);
    assert.equal(paused.kept / paused.total, 0.8);
    e.send({ type: 'resume' });

    // Round 3 trains at 64%; rewinding to the rewind point (while paused, so round 3 cannot end
    // first) trains the ticket of round 3's mask.
    await e.waitFor(isType('progress', (m) => m.round === 3 && m.phase === 'search'));
    const pause3 = e.send({ type: 'pause' });
    await e.waitFor(isType('state', (m) => m.state === 'paused' && m.inReplyTo === pause3));
    const rewindId = e.send({ type: 'rewind', target: { kind: 'rewindPoint' } });
    const rewound = await e.waitFor(isType('state', (m) => m.inReplyTo === rewindId));
    e.send({ type: 'resume' });
    const next = await e.waitFor(isType('progress'), 60_000, e.messages.indexOf(rewound) + 1);
    assert.equal(next.phase, 'ticket');
    const ticket = await e.waitFor(isType('ticket'));

    const results = ofType(e.messages, 'ticketResult');
    assert.deepEqual(
      results.map((r) => [r.method, r.round, r.trainEpochs]),
      [
        ['imp', 1, 2],
        ['imp', 2, 2],
        ['imp', 3, 1],
      ],
    );
    results.forEach((r) =>
      assert.ok(close(r.keptFraction, density(r.round)), `${r.round}: ${r.keptFraction}`),
    );
    assert.equal(results[2].kept, ticket.kept);

    // metrics.jsonl keeps them, for the views that read a run back.
    const recorded = readFileSync(path.join(started.runDir, 'metrics.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { type: string; method?: string; round?: number });
    assert.equal(recorded[0].method, 'imp');
    assert.deepEqual(
      recorded.filter((m) => m.type === 'ticketResult').map((m) => m.round),
      [1, 2, 3],
    );

    e.send({ type: 'stop' });
    assert.equal((await e.exited).code, 0);
    assert.deepEqual(e.invalid, [], 'the engine sent messages that do not match the protocol');
  });

  it('resumes a killed IMP run from the CLI and writes a ticket that loads', async () => {
    const dir = tempDir();
    engine = new EngineProcess();
    await engine.waitFor(isType('ready'));
    engine.send({
      type: 'start',
      protocolVersion: PROTOCOL_VERSION,
      config: tinyConfig({ method: 'imp', rounds: 3, denseBaseline: true }),
      workDir: dir,
    });
    const started = await engine.waitFor(isType('started'));
    await engine.waitFor(isType('checkpoint', (m) => m.kind === 'latest' && m.round === 2 && m.epoch === 2));
    engine.child.kill('SIGKILL');
    await engine.exited;

    const r = spawnSync(
      process.execPath,
      [requireBuilt('cli.js'), 'search', '--resume', started.runId, '--json'],
      {
        cwd: dir,
        encoding: 'utf8',
        timeout: 200_000,
      },
    );
    assert.equal(r.status, 0, r.stderr);
    const events = r.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as EngineMessage);
    const results = ofType(events, 'ticketResult');
    // The resumed engine finishes round 2, prunes again in round 3, then retrains the final ticket.
    assert.deepEqual(
      results.map((m) => m.round),
      [2, 3, 4],
    );
    results.forEach((m) =>
      assert.ok(close(m.keptFraction, density(m.round)), `${m.round}: ${m.keptFraction}`),
    );
    const ticketDir = path.join(dir, 'tickets', started.runId);
    const manifest = checkTicketCounts(ticketDir);
    assert.equal(manifest.kept, results[2].kept);
    await checkTicketModelsRun(ticketDir);
  });

  it('takes --method imp and --prune-scope global from the command line over a CS config file', () => {
    const dir = tempDir();
    const file = path.join(dir, 'sparsity.json');
    writeFileSync(file, JSON.stringify(tinyConfig({ rounds: 2, ticketEpochs: 0, lambda: 1e-6 })));
    const run = (extra: string[]) =>
      spawnSync(
        process.execPath,
        [requireBuilt('cli.js'), 'search', '--config', file, '--backend', 'wasm', ...extra],
        { cwd: dir, encoding: 'utf8', timeout: 200_000 },
      );
    const bad = run(['--method', 'imp', '--prune-fraction', '1.5']);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /command line: imp\.pruneFraction: Expected number to be less than 1/);

    const r = run(['--method', 'imp', '--prune-scope', 'global', '--json', '--out', 'ticket']);
    assert.equal(r.status, 0, r.stderr);
    const results = ofType(
      r.stdout
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as EngineMessage),
      'ticketResult',
    );
    assert.deepEqual(
      results.map((m) => [m.method, m.round, m.kept, m.trainEpochs]),
      [
        ['imp', 1, 266_200, 2],
        ['imp', 2, 212_960, 2],
        ['imp', 3, 170_368, 0],
      ],
    );
    const manifest = JSON.parse(readFileSync(path.join(dir, 'ticket', 'ticket.json'), 'utf8')) as {
      hyperparameters: { method: string; imp: { scope: string } };
    };
    assert.deepEqual(
      [manifest.hyperparameters.method, manifest.hyperparameters.imp.scope],
      ['imp', 'global'],
    );
    checkTicketCounts(path.join(dir, 'ticket'));
  });
});
