// What the end-to-end suites need built before VS Code can load it: the extension and engine in
// dist/ (npm run build; `npm test` has just done it, a lone `mocha test/e2e` may not have), and the
// bundle of in-host tests.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from './codeServer';

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

function runNode(script: string, what: string): string {
  const result = spawnSync(process.execPath, [path.join(REPO_ROOT, script)], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  });
  if (result.status !== 0) {
    throw new Error(
      `${what} failed (node ${script}, exit status ${result.status}):\n${result.stdout}\n${result.stderr}`,
    );
  }
  return result.stdout.trim();
}

/** Builds dist/ when a bundle the extension host loads is missing or older than its sources. */
export function ensureExtensionBuilt(): void {
  const bundles = ['extension.js', 'engine.js', 'sparsity.schema.json'].map((f) =>
    path.join(REPO_ROOT, 'dist', f),
  );
  const sources = Math.max(
    newestMtime(path.join(REPO_ROOT, 'extension')),
    newestMtime(path.join(REPO_ROOT, 'engine')),
    statSync(path.join(REPO_ROOT, 'package.json')).mtimeMs,
  );
  if (bundles.every((b) => existsSync(b) && statSync(b).mtimeMs >= sources)) return;
  runNode('scripts/build.mjs', 'npm run build');
}

/** Bundles test/e2e/host into out/e2e/hostTests.js (always: it takes well under a second). */
export function buildHostTests(): string {
  const bundle =
    runNode('scripts/e2e/buildHostTests.mjs', 'building the in-host tests').split('\n').pop() ?? '';
  if (!existsSync(bundle)) throw new Error(`the in-host test bundle ${bundle} was not written`);
  return bundle;
}
