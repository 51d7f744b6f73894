// Packs the extension as `npm run package` does (vsce, --no-dependencies, filtered by .vscodeignore)
// into a file of the caller's, so a test works on exactly what a user would install.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');

/** Writes the .vsix to `outFile`; needs dist/ built (vsce refuses a manifest whose `main` is missing). */
export function packageVsix(outFile: string): void {
  const vsce = path.join(path.dirname(require.resolve('@vscode/vsce/package.json')), 'vsce');
  // No `repository` in package.json: the flag stops vsce asking about it (it asks only on a terminal).
  const r = spawnSync(
    process.execPath,
    [vsce, 'package', '--no-dependencies', '--allow-missing-repository', '--out', outFile],
    { cwd: ROOT, encoding: 'utf8', timeout: 120_000 },
  );
  if (r.status !== 0 || !existsSync(outFile)) {
    throw new Error(
      `vsce package failed (${r.error ? r.error.message : `exit status ${r.status}`}):\n${r.stdout}\n${r.stderr}`,
    );
  }
}
