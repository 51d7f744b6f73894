// A member whose run had finished before its engine died is done when resumed; its ticket then comes
// from the run's metrics.jsonl.
import { strict as assert } from 'node:assert';
import { mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { recordedTicket } from '../../../engine/sweep/engineLauncher';

const ticket = (keptFraction: number) => ({
  type: 'ticket',
  kept: keptFraction * 100,
  total: 100,
  keptFraction,
  testAccuracy: 0.9,
  denseTestAccuracy: null,
  ticketDir: null,
});

const withoutType = ({ type: _type, ...rest }: ReturnType<typeof ticket>) => rest;

function runDir(lines: string[]): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sparsity-metrics-'));
  writeFileSync(path.join(dir, 'metrics.jsonl'), lines.join('\n'));
  return dir;
}

describe('sweep: the ticket a run recorded', () => {
  it('takes the last ticket and the folder it was exported to, past a line cut short', () => {
    const dir = runDir([
      JSON.stringify({ time: 1, type: 'roundEnd', round: 1, keptFraction: 0.5, validationAccuracy: null }),
      JSON.stringify({ time: 2, ...ticket(0.3) }),
      JSON.stringify({ time: 3, type: 'exported', inReplyTo: null, dir: '/t/a', files: [] }),
      JSON.stringify({ time: 4, ...ticket(0.2) }),
      JSON.stringify({ time: 5, type: 'exported', inReplyTo: 'x', dir: '/t/b', files: ['ticket.json'] }),
      '{"time":6,"type":"prog',
    ]);
    assert.deepEqual(recordedTicket(dir), { ...withoutType(ticket(0.2)), ticketDir: '/t/b' });
  });

  it('has none for a run that never reported one, or has no metrics', () => {
    assert.equal(
      recordedTicket(runDir([JSON.stringify({ time: 1, type: 'exported', dir: '/t', files: [] })])),
      null,
    );
    assert.equal(recordedTicket(mkdtempSync(path.join(os.tmpdir(), 'sparsity-metrics-'))), null);
  });
});
