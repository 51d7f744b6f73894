#!/usr/bin/env node
// `npm run bench [-- --memory]`: builds, runs the engine's benchmark (dist/bench.js) with the flags
// given, then the webviews' browser benchmark. A script of its own because npm appends the flags to the
// last command of a `&&` chain, which sent --memory to the webview benchmark instead. For JSON alone
// (`--json`), run `node dist/bench.js --json` after a build: the webview benchmark prints text after it.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const steps = [
  [process.execPath, [join(root, 'scripts/build.mjs')]],
  [process.execPath, [join(root, 'dist/bench.js'), ...process.argv.slice(2)]],
  [process.execPath, ['--import', 'tsx', join(root, 'test/webview/bench/webviewBench.ts')]],
];
for (const [command, args] of steps) {
  const r = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
