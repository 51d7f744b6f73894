// In-host integration tests: the built extension (dist/extension.js, loaded from the repository as an
// extension under development) in a real VS Code extension host, driving the real engine through its
// commands. The workspace is seeded by the driver with sparsity.json = TINY_CONFIG. The tests run in
// order and share one search (start, pause, export, resume, stop): a search takes seconds, and each
// step is a test of its own so a failure names the step.
import { strict as assert } from 'node:assert';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { decodeSafetensors } from '../../../engine/ticket/safetensors';
import type { TicketManifest } from '../../../engine/ticket/ticketManifest';
import { EXTENSION_ID } from '../fixtures';
import { isAlive } from '../../support/processes';

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function waitFor<T>(what: string, check: () => T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await delay(50);
  }
}

/**
 * Runs a command that asks through a QuickPick or InputBox and accepts what the widget offers first
 * (the first config file; the suggested export folder). The extension API cannot see the widget, so
 * this keeps accepting until the command settles; an accept with no widget open does nothing.
 */
async function runAccepting(command: string, ...args: unknown[]): Promise<void> {
  let settled = false;
  const done = Promise.resolve(vscode.commands.executeCommand(command, ...args)).finally(() => {
    settled = true;
  });
  const deadline = Date.now() + 60_000;
  while (!settled && Date.now() < deadline) {
    await delay(250);
    if (!settled) await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
  }
  if (!settled) throw new Error(`${command} did not finish within 60 s`);
  await done;
}

interface PackageJson {
  contributes: { commands: { command: string }[] };
}

function isPackageJson(value: unknown): value is PackageJson {
  if (typeof value !== 'object' || value === null || !('contributes' in value)) return false;
  const contributes: unknown = value.contributes;
  return (
    typeof contributes === 'object' &&
    contributes !== null &&
    'commands' in contributes &&
    Array.isArray(contributes.commands)
  );
}

interface MetricLine {
  type: string;
  kind?: string;
}

function readMetrics(runDir: string): MetricLine[] {
  const file = path.join(runDir, 'metrics.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as MetricLine);
}

const fileSize = (file: string) => (existsSync(file) ? statSync(file).size : 0);

/** The engine processes this extension host forked (pids), read from /proc. */
function enginePids(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (ppid === process.pid && cmdline.includes('engine.js')) pids.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

export function defineSearchSuites(): void {
  describe('Sparsity Lab in the extension host', function () {
    const folder = () => {
      const first = vscode.workspace.workspaceFolders?.[0];
      assert.ok(first, 'the test workspace has no folder open');
      return first;
    };
    const runsDir = () => path.join(folder().uri.fsPath, '.sparsity/runs');
    // Filled in by the start test and used by the ones after it.
    let runDir = '';
    let runId = '';
    let pid = 0;
    const needRun = () => assert.ok(runDir && pid, 'no search was started (see the start test)');

    it('activates on a workspace with a sparsity.json, from the repository build', async () => {
      const extension = vscode.extensions.getExtension(EXTENSION_ID);
      assert.ok(extension, `${EXTENSION_ID} is not loaded`);
      assert.ok(existsSync(path.join(extension.extensionPath, 'dist/extension.js')));
      // Activated by workspaceContains:**/sparsity.json, not by the test.
      await waitFor('the extension to activate', () => (extension.isActive ? true : undefined), 30_000);
    });

    it('registers every command that package.json contributes', async () => {
      const extension = vscode.extensions.getExtension(EXTENSION_ID);
      const packageJson: unknown = extension?.packageJSON;
      assert.ok(isPackageJson(packageJson), 'package.json has no contributes.commands');
      const contributed = packageJson.contributes.commands.map((c) => c.command);
      assert.ok(contributed.length >= 10, `only ${contributed.length} commands contributed`);
      const registered = new Set(await vscode.commands.getCommands(true));
      assert.deepEqual(
        contributed.filter((c) => !registered.has(c)),
        [],
        'contributed but not registered',
      );
    });

    it('starts a search on the sparsity.json chosen in the Start picker', async function () {
      this.timeout(90_000);
      const before = existsSync(runsDir()) ? readdirSync(runsDir()) : [];
      await runAccepting('sparsityLab.start');
      const created = readdirSync(runsDir()).filter((id) => !before.includes(id));
      assert.equal(created.length, 1, `new run folders: ${created.join(', ')}`);
      runId = created[0];
      runDir = path.join(runsDir(), runId);
      const config = JSON.parse(readFileSync(path.join(runDir, 'config.json'), 'utf8')) as Record<
        string,
        unknown
      >;
      assert.equal(config.model, 'lenet-300-100');
      assert.equal(config.rounds, 2);
      const pids = enginePids();
      assert.equal(pids.length, 1, `engine processes under the extension host: ${pids.join(', ')}`);
      pid = pids[0];
    });

    it('pauses: the engine stops reporting until resumed', async function () {
      this.timeout(60_000);
      needRun();
      // Pausing needs a running search; wait for the rewind point so the export below has a ticket.
      await waitFor(
        'the rewind checkpoint',
        () =>
          readMetrics(runDir).some((m) => m.type === 'checkpoint' && m.kind === 'rewind') ? true : undefined,
        30_000,
      );
      await vscode.commands.executeCommand('sparsityLab.pause', folder().uri);
      assert.ok(isAlive(pid), 'the engine died on pause');
      const metrics = path.join(runDir, 'metrics.jsonl');
      await delay(500); // a progress line already on its way may still land
      const pausedSize = fileSize(metrics);
      await delay(2000); // progress is reported every 250 ms while running
      assert.equal(fileSize(metrics), pausedSize, 'metrics.jsonl grew while paused');
      assert.ok(
        !readMetrics(runDir).some((m) => m.type === 'ticket'),
        'the search finished before the pause',
      );
    });

    it('exports a ticket whose ticket.json kept counts match its masks', async function () {
      this.timeout(60_000);
      needRun();
      await runAccepting('sparsityLab.exportTicket', folder().uri);
      // The suggested folder: <ticketsFolder setting, default "tickets">/<run-id>.
      const ticketDir = path.join(folder().uri.fsPath, 'tickets', runId);
      assert.ok(existsSync(path.join(ticketDir, 'ticket.json')), `${ticketDir}/ticket.json is missing`);
      const manifest = JSON.parse(
        readFileSync(path.join(ticketDir, 'ticket.json'), 'utf8'),
      ) as TicketManifest;
      assert.equal(manifest.runId, runId);
      const masks = decodeSafetensors(readFileSync(path.join(ticketDir, 'masks.safetensors')));
      assert.deepEqual(
        masks.tensors.map((t) => t.name).sort(),
        manifest.layers.map((l) => l.name).sort(),
        'masked layers differ between ticket.json and masks.safetensors',
      );
      for (const layer of manifest.layers) {
        const mask = masks.tensors.find((t) => t.name === layer.name);
        assert.ok(mask);
        assert.equal(mask.dtype, 'U8');
        assert.deepEqual(mask.shape, layer.shape, `${layer.name}: shape`);
        let kept = 0;
        for (const bit of mask.data) {
          assert.ok(bit === 0 || bit === 1, `${layer.name}: mask value ${bit}`);
          kept += bit;
        }
        assert.equal(kept, layer.kept, `${layer.name}: kept in ticket.json vs ones in the mask`);
        assert.equal(mask.data.length, layer.total, `${layer.name}: total`);
      }
      assert.equal(
        manifest.kept,
        manifest.layers.reduce((a, l) => a + l.kept, 0),
      );
      assert.ok(
        manifest.kept > 0 && manifest.kept < manifest.total,
        `kept ${manifest.kept} of ${manifest.total}`,
      );
    });

    it('resumes: the engine reports progress again', async function () {
      this.timeout(60_000);
      needRun();
      const metrics = path.join(runDir, 'metrics.jsonl');
      const pausedSize = fileSize(metrics);
      await vscode.commands.executeCommand('sparsityLab.resume', folder().uri);
      await waitFor(
        'progress after the resume',
        () => (fileSize(metrics) > pausedSize ? true : undefined),
        15_000,
      );
    });

    it('stops: the engine process is gone and the run files stop changing', async function () {
      this.timeout(60_000);
      needRun();
      await vscode.commands.executeCommand('sparsityLab.stop', folder().uri);
      await waitFor('the engine process to exit', () => (isAlive(pid) ? undefined : true), 15_000);
      assert.deepEqual(enginePids(), [], 'engine processes left under the extension host');
      const latest = path.join(runDir, 'latest.safetensors');
      const metrics = path.join(runDir, 'metrics.jsonl');
      const stamp = () => `${existsSync(latest) ? statSync(latest).mtimeMs : 'none'} ${fileSize(metrics)}`;
      const stopped = stamp();
      await delay(1500);
      assert.equal(stamp(), stopped, 'latest snapshot or metrics changed after the stop');
    });
  });
}
