// "Sparsity Lab: Install Native Backend" in the real extension host: the command installs a stand-in
// tfjs-node from a registry this suite serves on 127.0.0.1 (so no network), checks it with the real
// engine, and points sparsityLab.nativeBackendPath at the install root. Runs after the search suites
// and puts the setting back, so no other test trains on the stand-in.
import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { publishTfjsDependencies, publishWorkingNative } from '../../engine/host/support/standInBackends';
import { StandInRegistry } from '../../engine/host/support/standInRegistry';

/** The npm settings this suite changes in the host's environment, which npm inherits. */
const NPM_ENV = [
  'SPARSITY_LAB_NPM_REGISTRY',
  'npm_config_userconfig',
  'npm_config_cache',
  'npm_config_fetch_retries',
];

export function defineInstallSuite(): void {
  describe('Install Native Backend in the extension host', function () {
    this.timeout(120_000);
    let registry: StandInRegistry | undefined;
    let tmp = '';
    const saved = new Map<string, string | undefined>();

    before(async () => {
      tmp = mkdtempSync(path.join(os.tmpdir(), 'sparsity-e2e-install-'));
      registry = await StandInRegistry.start();
      publishTfjsDependencies(registry);
      publishWorkingNative(registry, '@tensorflow/tfjs-node');
      const userconfig = path.join(tmp, 'empty.npmrc');
      writeFileSync(userconfig, '');
      const values = [registry.url, userconfig, path.join(tmp, 'cache'), '0'];
      NPM_ENV.forEach((key, i) => {
        saved.set(key, process.env[key]);
        process.env[key] = values[i];
      });
    });

    after(async () => {
      for (const [key, value] of saved) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
      await vscode.workspace
        .getConfiguration('sparsityLab')
        .update('nativeBackendPath', undefined, vscode.ConfigurationTarget.Global);
      await registry?.close();
      rmSync(tmp, { recursive: true, force: true });
    });

    it('installs tfjs-node, checked by the engine, and points nativeBackendPath at it', async () => {
      const settings = () => vscode.workspace.getConfiguration('sparsityLab');
      assert.equal(settings().get('nativeBackendPath'), '', 'the setting starts empty');
      await vscode.commands.executeCommand('sparsityLab.installNativeBackend', 'tfjs-node');

      const root = settings().get<string>('nativeBackendPath') ?? '';
      assert.ok(path.isAbsolute(root), `nativeBackendPath is "${root}", not the install root`);
      assert.equal(path.basename(root), 'backends');
      const entry = path.join(root, 'tfjs-node', 'node_modules', '@tensorflow', 'tfjs-node', 'index.js');
      assert.ok(existsSync(entry), `${entry} was not installed`);
      assert.ok(
        registry?.requests.includes('/@tensorflow%2ftfjs-node'),
        'npm asked the stand-in registry, not another one',
      );
    });
  });
}
