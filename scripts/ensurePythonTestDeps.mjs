#!/usr/bin/env node
// `npm test`'s first step (pretest): two tests run Python beside our engine. One reads .npy files that
// NumPy itself wrote; one checks our CS step against the PyTorch reference (engine/bench/torch/).
// Either Python may serve (a pyenv or venv `python3` on PATH, or Debian's /usr/bin/python3, the only
// one that sees Debian's python3-torch); when none imports a module, its Debian package is installed
// (as root), so a fresh machine needs nothing but `npm ci && npm test`.
import { spawnSync } from 'node:child_process';

const PYTHONS = ['python3', '/usr/bin/python3'];
const NEEDED = [
  { module: 'numpy', aptPackage: 'python3-numpy', why: 'the .npy reader test' },
  { module: 'torch', aptPackage: 'python3-torch', why: 'the PyTorch reference test' },
];

const importable = (module) =>
  PYTHONS.some((python) => spawnSync(python, ['-c', `import ${module}`], { stdio: 'ignore' }).status === 0);

const missing = NEEDED.filter((n) => !importable(n.module));
if (missing.length > 0) {
  const packages = missing.map((m) => m.aptPackage);
  const what = missing.map((m) => `${m.module} (${m.why})`).join(' and ');
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    console.error(
      `npm test needs Python's ${what}: run "sudo apt-get update && sudo apt-get install -y ${packages.join(' ')}", then npm test again.`,
    );
    process.exit(1);
  }
  console.error(`installing ${packages.join(', ')} for ${what} (apt-get)...`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [
    ['update', '-q'],
    ['install', '-y', '-q', ...packages],
  ]) {
    const r = spawnSync('apt-get', args, { env, stdio: ['ignore', 'ignore', 'inherit'] });
    if (r.status !== 0) {
      console.error(`apt-get ${args.join(' ')} failed (${r.error?.message ?? `exit status ${r.status}`})`);
      process.exit(1);
    }
  }
  const still = missing.filter((m) => !importable(m.module));
  if (still.length > 0) {
    console.error(`after apt-get, no Python imports ${still.map((m) => m.module).join(', ')}`);
    process.exit(1);
  }
}
