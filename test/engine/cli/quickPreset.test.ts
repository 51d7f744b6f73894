// `npm start`'s job: the quick preset runs to the end on wasm and writes a ticket that
// tf.loadLayersModel loads, whose masks' non-zeros match ticket.json.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { checkTicketCounts, checkTicketModelsRun } from '../../support/ticketChecks';
import { requireBuilt } from '../ipc/engineProcess';

describe('CLI: the quick preset (npm start)', function () {
  this.timeout(600_000);

  it('runs end to end on wasm and writes a loadable, consistent ticket', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sparsity-quick-'));
    const r = spawnSync(process.execPath, [requireBuilt('cli.js'), 'search', '--preset', 'quick'], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 580_000,
    });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /backend: wasm/);
    const [runId] = readdirSync(path.join(dir, 'tickets'));
    assert.match(r.stdout, new RegExp(`ticket: tickets/${runId}`));
    assert.match(r.stdout, /ticket test acc: +\d+\.\d\d%/);
    assert.match(r.stdout, /dense test acc: +\d+\.\d\d%/);

    const ticketDir = path.join(dir, 'tickets', runId);
    const manifest = JSON.parse(readFileSync(path.join(ticketDir, 'ticket.json'), 'utf8')) as {
      kept: number;
      total: number;
      backend: string;
      accuracies: { ticketTest: number; denseTest: number };
    };
    assert.equal(manifest.backend, 'wasm');
    assert.ok(manifest.kept > 0 && manifest.kept < manifest.total);
    assert.ok(manifest.accuracies.ticketTest > 0.8, `ticket accuracy ${manifest.accuracies.ticketTest}`);
    checkTicketCounts(ticketDir);
    await checkTicketModelsRun(ticketDir);
  });
});
