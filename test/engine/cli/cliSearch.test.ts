// The CLI as a user runs it: bad input, determinism, and resuming a run whose engine was killed.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PROTOCOL_VERSION, type EngineMessage } from '../../../engine/protocol/engineProtocol';
import { decodeSafetensors } from '../../../engine/ticket/safetensors';
import { EngineProcess, isType, requireBuilt, tinyConfig } from '../ipc/engineProcess';

function cli(args: string[], cwd: string) {
  const result = spawnSync(process.execPath, [requireBuilt('cli.js'), ...args], {
    cwd,
    encoding: 'utf8',
    timeout: 150_000,
  });
  const events = result.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as EngineMessage);
  return { ...result, events };
}

function tempDir(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'sparsity-cli-'));
}

function writeConfig(dir: string, config: Record<string, unknown>): string {
  const file = path.join(dir, 'sparsity.json');
  writeFileSync(file, JSON.stringify(config));
  return file;
}

describe('CLI: sparsity-lab search', function () {
  this.timeout(300_000);

  it('names the file and the field of a bad config, and exits non-zero', () => {
    const dir = tempDir();
    const file = writeConfig(dir, { ...tinyConfig(), batchSize: 'big' });
    const r = cli(['search', '--config', file, '--backend', 'wasm'], dir);
    assert.equal(r.status, 1);
    assert.ok(r.stderr.includes(file), r.stderr);
    assert.match(r.stderr, /batchSize/);
  });

  it('names an unknown setting and lists the known ones', () => {
    const dir = tempDir();
    const file = writeConfig(dir, { ...tinyConfig(), epochz: 3 });
    const r = cli(['search', '--config', file], dir);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /epochz: unknown setting; expected one of: .*epochsPerRound/);
  });

  it('checks rewindIteration against the steps of a round once the data is known', () => {
    const dir = tempDir();
    const file = writeConfig(dir, tinyConfig({ rewindIteration: 10_000 }));
    const r = cli(['search', '--config', file, '--backend', 'wasm'], dir);
    assert.equal(r.status, 1);
    assert.ok(
      r.stderr.includes(`${file}: rewindIteration: must be less than the 28 steps of a round`),
      r.stderr,
    );
    assert.equal(existsSync(path.join(dir, '.sparsity')), false, 'a refused config leaves no run folder');
  });

  it('names a data file that is missing', () => {
    const dir = tempDir();
    const file = writeConfig(dir, { ...tinyConfig(), data: { format: 'cifar10', dir: 'nowhere' } });
    const r = cli(['search', '--config', file, '--backend', 'wasm'], dir);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /data error: .*nowhere/);
  });

  it('gives the same masks for the same seed and other masks for another seed', () => {
    const dir = tempDir();
    const file = writeConfig(dir, tinyConfig({ rounds: 1, ticketEpochs: 0 }));
    const masks = (seed: number, out: string) => {
      const r = cli(
        ['search', '--config', file, '--backend', 'wasm', '--seed', String(seed), '--out', out, '--json'],
        dir,
      );
      assert.equal(r.status, 0, r.stderr);
      return decodeSafetensors(readFileSync(path.join(dir, out, 'masks.safetensors'))).tensors;
    };
    const a = masks(7, 'a');
    const b = masks(7, 'b');
    const c = masks(8, 'c');
    assert.deepEqual(a, b);
    assert.notDeepEqual(a[0].data, c[0].data);
  });

  it('warns when the ticket keeps no weights, and says what to change', () => {
    const dir = tempDir();
    // Every mask logit starts far below 0 and a one-round search cannot lift any of them.
    const file = writeConfig(dir, tinyConfig({ rounds: 1, ticketEpochs: 0, maskInit: -3 }));
    const r = cli(['search', '--config', file, '--backend', 'wasm'], dir);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /kept weights: +0\.00%/);
    assert.match(r.stdout, /warning: the ticket keeps no weights: .*Raise maskInit/);
    // A ticket in between gets no warning (the seed test above): here the same search with maskInit 0.
    const fine = cli(
      [
        'search',
        '--config',
        writeConfig(dir, tinyConfig({ rounds: 1, ticketEpochs: 0 })),
        '--backend',
        'wasm',
        '--out',
        'fine',
      ],
      dir,
    );
    assert.equal(fine.status, 0, fine.stderr);
    assert.doesNotMatch(fine.stdout, /warning:/);
  });

  it('resumes a run whose engine was killed, from its last snapshot', async () => {
    const dir = tempDir();
    const engine = new EngineProcess();
    try {
      await engine.waitFor(isType('ready'));
      engine.send({
        type: 'start',
        protocolVersion: PROTOCOL_VERSION,
        config: tinyConfig({ epochsPerRound: 3 }),
        workDir: dir,
      });
      const started = await engine.waitFor(isType('started'));
      await engine.waitFor(isType('checkpoint', (m) => m.kind === 'latest' && m.epoch === 2));
      engine.child.kill('SIGKILL');
      assert.equal((await engine.exited).signal, 'SIGKILL');

      const runDir = path.join(dir, '.sparsity/runs', started.runId);
      const linesBefore = readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8').trim().split('\n').length;
      const latest = decodeSafetensors(readFileSync(path.join(runDir, 'latest.safetensors')));
      const position = (JSON.parse(latest.metadata.meta) as { position: { round: number; epoch: number } })
        .position;

      const r = cli(['search', '--resume', started.runId, '--json'], dir);
      assert.equal(r.status, 0, r.stderr);
      const first = r.events.find((m) => m.type === 'progress');
      assert.ok(first && first.type === 'progress');
      assert.deepEqual(
        [first.round, first.epoch],
        [position.round + 1, position.epoch + 1],
        'continues where the snapshot was',
      );
      assert.ok(r.events.some((m) => m.type === 'ticket'));
      assert.match(r.stderr, new RegExp(`ticket: tickets/${started.runId}`));
      // Nothing recorded before the crash was lost.
      const linesAfter = readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8').trim().split('\n').length;
      assert.ok(linesAfter > linesBefore);
    } finally {
      engine.kill();
    }
  });
});
