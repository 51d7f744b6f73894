// The extension host stays light: nothing it imports reaches TensorFlow (the engine runs it in a
// child process), and the modules meant to be tested without VS Code never reach `vscode`.
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(__dirname, '../../..');

function resolveLocal(from: string, specifier: string): string | undefined {
  const base = path.resolve(path.dirname(from), specifier);
  return [`${base}.ts`, path.join(base, 'index.ts')].find((f) => existsSync(f));
}

/** Every package (bare specifier) reachable from `entry` through relative imports. */
function reachablePackages(entry: string): Map<string, string> {
  const packages = new Map<string, string>();
  const seen = new Set<string>();
  const queue = [path.join(root, entry)];
  while (queue.length) {
    const file = queue.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    // `import type` disappears in the bundle, so it does not count.
    for (const m of text.matchAll(/^\s*(?:import|export)\s+(?!type\b)[^;]*?from\s+'([^']+)'/gm)) {
      const specifier = m[1];
      if (specifier.startsWith('.')) {
        const local = resolveLocal(file, specifier);
        assert.ok(local, `${path.relative(root, file)}: cannot resolve ${specifier}`);
        queue.push(local);
      } else if (!packages.has(specifier)) {
        packages.set(specifier, path.relative(root, file));
      }
    }
  }
  return packages;
}

const VSCODE_FREE = [
  'extension/config/jsonc.ts',
  'extension/config/fieldLocation.ts',
  'extension/config/configText.ts',
  'extension/config/mergeSettings.ts',
  'extension/config/configScaffold.ts',
  'extension/config/presetChoices.ts',
  'extension/faults/crashReport.ts',
  'extension/faults/requestFault.ts',
  'extension/runs/runListing.ts',
  'extension/run/runManager.ts',
  'extension/run/liveStatus.ts',
  'extension/run/statusText.ts',
  'extension/run/exportTarget.ts',
  'extension/views/webviewHtml.ts',
  'extension/views/runViewModel.ts',
  'extension/views/maskSnapshot.ts',
  'extension/views/viewHub.ts',
  'extension/views/runHistoryFile.ts',
  'webview/protocol/viewProtocol.ts',
  'extension/log/engineLogLevel.ts',
  'extension/backends/installOutcome.ts',
  'engine/host/backendInstaller.ts',
];

describe('import boundaries', () => {
  it('keeps TensorFlow and the bundled data out of the extension host', () => {
    const packages = reachablePackages('extension/extension.ts');
    assert.ok(packages.has('vscode'), 'the walk reaches the extension modules');
    for (const [pkg, from] of packages) {
      assert.ok(!pkg.startsWith('@tensorflow/') && pkg !== 'mnist', `${from} imports ${pkg}`);
    }
  });

  it('bundles jsonc-parser from its ES module build (its UMD main breaks in the bundle)', () => {
    const packages = reachablePackages('extension/extension.ts');
    assert.equal(packages.has('jsonc-parser'), false, `${packages.get('jsonc-parser')} imports jsonc-parser`);
    assert.ok(packages.has('jsonc-parser/lib/esm/main'));
  });

  for (const file of VSCODE_FREE) {
    it(`${path.basename(file)} does not reach vscode`, () => {
      const packages = reachablePackages(file);
      assert.ok(!packages.has('vscode'), `${packages.get('vscode')} imports vscode`);
    });
  }
});
