// Turns recorded engine messages into what the host sends a view, with the host's own code: the
// LiveStatus fold, the RunViewModel and the status view. The fixture is `node dist/cli.js search
// --json` of test/webview/fixtures/lenet-tiny.config.json (LeNet-300-100, two short rounds).
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseEngineMessage, type EngineMessage } from '../../../engine/protocol/engineProtocol';
import { applyEngineMessage, withStarted, type LiveStatus } from '../../../extension/run/liveStatus';
import { RunViewModel } from '../../../extension/views/runViewModel';
import type { RunRef, ToViewMessage } from '../../../webview/protocol/viewProtocol';

export function readFixture(name = 'lenet-tiny.jsonl'): EngineMessage[] {
  const text = readFileSync(path.join(__dirname, '..', 'fixtures', name), 'utf8');
  return text
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => {
      const parsed = parseEngineMessage(JSON.parse(line));
      if (!parsed.ok) throw new Error(parsed.error);
      return parsed.value;
    });
}

export class HostFeed {
  readonly model = new RunViewModel();
  status: LiveStatus = withStarted(
    { state: 'starting', rewindTargets: [] },
    {
      runId: '20261128-065049-b8ce57',
      runDir: '/work/.sparsity/runs/20261128-065049-b8ce57',
      model: 'LeNet-300-100',
      data: 'MNIST (bundled)',
      resumed: false,
      config: { rounds: 2, epochsPerRound: 2, ticketEpochs: 1, denseBaseline: true },
    },
  );
  private lastStatus = '';

  /** The deltas (and status changes) the host would post for these engine messages. */
  feed(messages: EngineMessage[]): ToViewMessage[] {
    const out: ToViewMessage[] = [];
    for (const message of messages) {
      this.status = applyEngineMessage(this.status, message);
      out.push(...this.model.apply(message));
      const status = this.statusMessage();
      if (status) out.push(status);
    }
    return out;
  }

  statusMessage(): ToViewMessage | undefined {
    const status = this.model.statusView(this.status, 'mnist-work');
    const text = JSON.stringify(status);
    if (text === this.lastStatus) return undefined;
    this.lastStatus = text;
    return { type: 'status', status };
  }

  /** `run`: which run the snapshot is of, as the host names the focused or pinned one. */
  snapshot(run?: RunRef): ToViewMessage {
    return {
      type: 'snapshot',
      status: this.model.statusView(this.status, 'mnist-work'),
      history: structuredClone(this.model.history),
      canStart: true,
      ...(run ? { run } : {}),
    };
  }
}
