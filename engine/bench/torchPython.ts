// Finds a Python that can import torch, and the reference scripts under engine/bench/torch/. Two
// interpreters are tried because the `python3` on PATH may be a pyenv or venv one, while Debian's
// python3-torch (what CI installs) is importable only from /usr/bin/python3.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

export const PYTHONS: readonly string[] = ['python3', '/usr/bin/python3'];

export type TorchPython = { ok: true; python: string; torchVersion: string } | { ok: false; reason: string };

export function findTorchPython(): TorchPython {
  const failures: string[] = [];
  for (const python of PYTHONS) {
    const r = spawnSync(python, ['-c', 'import torch; print(torch.__version__)'], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    if (!r.error && r.status === 0) return { ok: true, python, torchVersion: r.stdout.trim() };
    const why = r.error ? r.error.message : (r.stderr.trim().split('\n').pop() ?? `exit ${r.status}`);
    failures.push(`${python}: ${why}`);
  }
  return {
    ok: false,
    reason: `no Python can import torch (${failures.join('; ')}); install Debian's python3-torch`,
  };
}

/**
 * The folder of the reference scripts: next to this module when it runs from source (tests, tsx),
 * or ../engine/bench/torch from the bundle in dist/.
 */
export function torchScriptDir(): string {
  const candidates = [path.join(__dirname, 'torch'), path.join(__dirname, '..', 'engine', 'bench', 'torch')];
  const found = candidates.find((dir) => existsSync(path.join(dir, 'cs_reference.py')));
  if (found === undefined) {
    throw new Error(`cs_reference.py is in none of ${candidates.join(', ')}`);
  }
  return found;
}
