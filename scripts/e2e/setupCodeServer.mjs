#!/usr/bin/env node
// Sets up code-server (a real VS Code, served to a browser) for the end-to-end tests, in
// <repo>/.tools/code-server, following the recipe verified on our machines (see
// /work/shared/E2E-NOTES.md and the end-to-end issue). Why it looks the way it does:
// - Idempotent and cached: a marker file records the code-server version, the recipe revision and
//   the Node ABI the native modules were built for; when all match, nothing is done (well under a
//   second), so the test run can call this every time.
// - All-or-nothing: the install happens in a staging folder that is renamed into place only once
//   every step has passed, so an interrupted or failed setup never leaves a half-built tree that a
//   later run would mistake for a working one.
// - Every step names itself; a failing step stops the script with that name, the command, its exit
//   status and the tail of its output.
// - Debian packages (Chromium for the browser, ripgrep for VS Code's search, libkrb5-dev and
//   pkg-config for the kerberos module) are apt-installed only when `dpkg -s` says they are missing.
// Usage: node scripts/e2e/setupCodeServer.mjs [--force] [--quiet]
// Exit status 0 when code-server is ready; prints the entry script's path on the last line.
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
  chmodSync,
} from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const CODE_SERVER_VERSION = '4.100.3';
/** Bump when the steps below change, so existing installs are redone. */
const RECIPE_REVISION = 1;
const APT_PACKAGES = ['chromium', 'ripgrep', 'libkrb5-dev', 'pkg-config'];
const RIPGREP = '/usr/bin/rg';
/** Native modules of VS Code's server that ship no usable prebuilt binary for this Node. */
const VSCODE_NATIVE_MODULES = [
  'kerberos',
  'node-pty',
  '@parcel/watcher',
  '@vscode/spdlog',
  '@vscode/deviceid',
  'native-watchdog',
];

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const toolsDir = path.join(repoRoot, '.tools');
export const codeServerDir = path.join(toolsDir, 'code-server');
export const codeServerEntry = path.join(codeServerDir, 'node_modules/code-server/out/node/entry.js');
const markerFile = path.join(codeServerDir, '.setup-complete.json');

class SetupError extends Error {}

/** What the marker must say for an existing install to be reused. */
function expectedMarker() {
  return {
    codeServerVersion: CODE_SERVER_VERSION,
    recipeRevision: RECIPE_REVISION,
    // Native modules are built for one Node ABI; another Node needs them rebuilt.
    nodeAbi: process.versions.modules,
  };
}

function isUpToDate() {
  if (!existsSync(markerFile) || !existsSync(codeServerEntry)) return false;
  try {
    const marker = JSON.parse(readFileSync(markerFile, 'utf8'));
    const expected = expectedMarker();
    return Object.entries(expected).every(([key, value]) => marker[key] === value);
  } catch {
    return false;
  }
}

let quiet = false;
const say = (line) => {
  if (!quiet) console.log(`[setup-code-server] ${line}`);
};

/**
 * Runs one step of the recipe. Output is captured (npm is noisy) and shown only when the step fails,
 * trimmed to its tail, which is where npm and node-gyp put the reason.
 */
function step(name, command, args, options = {}) {
  say(
    `${name}: ${command} ${args.join(' ')}${options.cwd ? `  (in ${path.relative(repoRoot, options.cwd)})` : ''}`,
  );
  const started = Date.now();
  const result = spawnSync(command, args, {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    ...options,
    env: { ...process.env, ...options.env },
  });
  if (result.error) {
    throw new SetupError(`step "${name}" could not run ${command}: ${result.error.message}`);
  }
  if (result.status !== 0) {
    const output = `${result.stdout ?? ''}\n${result.stderr ?? ''}`.trim().split('\n').slice(-40).join('\n');
    throw new SetupError(
      `step "${name}" failed (${result.signal ? `signal ${result.signal}` : `exit status ${result.status}`}): ` +
        `${command} ${args.join(' ')}\n--- last lines of its output ---\n${output}`,
    );
  }
  say(`${name}: done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return result.stdout;
}

function missingAptPackages() {
  return APT_PACKAGES.filter((pkg) => {
    const result = spawnSync('dpkg', ['-s', pkg], { encoding: 'utf8' });
    if (result.error) {
      throw new SetupError(
        `cannot check the Debian package ${pkg} (dpkg: ${result.error.message}): this setup expects Debian`,
      );
    }
    // dpkg -s exits 0 for a package that was removed but whose config remains: check the status line.
    return result.status !== 0 || !/^Status: install ok installed$/m.test(result.stdout);
  });
}

export function ensureAptPackages() {
  const missing = missingAptPackages();
  if (missing.length === 0) return;
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new SetupError(
      `the Debian packages ${missing.join(', ')} are missing and installing them needs root: ` +
        `run "apt-get update && apt-get install -y ${missing.join(' ')}" as root, then again.`,
    );
  }
  const env = { DEBIAN_FRONTEND: 'noninteractive' };
  step('apt-get update', 'apt-get', ['update', '-q'], { env });
  step(`apt-get install ${missing.join(' ')}`, 'apt-get', ['install', '-y', '-q', ...missing], { env });
  const still = missingAptPackages();
  if (still.length > 0) throw new SetupError(`apt-get did not install ${still.join(', ')}`);
}

/**
 * node-gyp needs Node's headers to rebuild native modules and would download them from nodejs.org,
 * which these machines cannot reach. Debian's and NodeSource's nodejs packages ship the headers in
 * <prefix>/include/node, so point npm there unless the user configured a nodedir of their own.
 */
function nodeGypEnv() {
  const configured = spawnSync('npm', ['config', 'get', 'nodedir'], { encoding: 'utf8' }).stdout?.trim();
  if (configured && configured !== 'undefined' && configured !== 'null') return {};
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  if (existsSync(path.join(prefix, 'include/node/common.gypi'))) return { npm_config_nodedir: prefix };
  return {};
}

function install() {
  ensureAptPackages();
  if (!existsSync(RIPGREP)) throw new SetupError(`${RIPGREP} is missing although ripgrep is installed`);

  mkdirSync(toolsDir, { recursive: true });
  const staging = path.join(toolsDir, 'code-server.partial');
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  // npm_config_yes: npm rebuild must not stop to ask; ignore_scripts false: a user-wide
  // ignore-scripts would turn the rebuilds into no-ops (the installs pass --ignore-scripts themselves);
  // nodedir: see nodeGypEnv.
  const env = {
    npm_config_yes: 'true',
    npm_config_ignore_scripts: 'false',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
    ...nodeGypEnv(),
  };
  const npm = (name, args, cwd) => step(name, 'npm', args, { cwd, env });

  // A package.json of its own, so the npm install below does not climb up to the repository's.
  writeFileSync(
    path.join(staging, 'package.json'),
    `${JSON.stringify({ name: 'sparsity-lab-e2e-code-server', private: true, version: '0.0.0' }, null, 2)}\n`,
  );
  npm(
    'install code-server',
    ['install', '--ignore-scripts', '--no-audit', '--no-fund', `code-server@${CODE_SERVER_VERSION}`],
    staging,
  );
  const codeServerPkg = path.join(staging, 'node_modules/code-server');
  npm('rebuild argon2', ['rebuild', 'argon2'], staging);

  const vscodeDir = path.join(codeServerPkg, 'lib/vscode');
  if (!existsSync(path.join(vscodeDir, 'package.json'))) {
    throw new SetupError(
      `code-server@${CODE_SERVER_VERSION} has no lib/vscode/package.json: not the expected layout`,
    );
  }
  npm(
    'install VS Code server dependencies',
    ['install', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund'],
    vscodeDir,
  );
  npm('rebuild VS Code native modules', ['rebuild', ...VSCODE_NATIVE_MODULES], vscodeDir);

  // @vscode/ripgrep's install script downloads a binary from GitHub; Debian's rg does the same job.
  const rgDir = path.join(vscodeDir, 'node_modules/@vscode/ripgrep/bin');
  mkdirSync(rgDir, { recursive: true });
  copyFileSync(RIPGREP, path.join(rgDir, 'rg'));
  chmodSync(path.join(rgDir, 'rg'), 0o755);

  // The server loads its modules from node_modules.asar (the layout of a packaged VS Code), and its
  // terminals call bin/remote-cli/code-server and bin/helpers/browser.sh, which code-server's release
  // build makes and the npm package lacks.
  const link = (target, at) => {
    rmSync(at, { force: true });
    symlinkSync(target, at);
  };
  link('node_modules', path.join(vscodeDir, 'node_modules.asar'));
  link('code-linux.sh', path.join(vscodeDir, 'bin/remote-cli/code-server'));
  link('browser-linux.sh', path.join(vscodeDir, 'bin/helpers/browser.sh'));

  npm(
    "install built-in extensions' dependencies",
    ['install', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund'],
    path.join(vscodeDir, 'extensions'),
  );

  // Smoke test before committing the install: the server must at least load and print its version.
  const version = step('check code-server --version', process.execPath, [
    path.join(codeServerPkg, 'out/node/entry.js'),
    '--version',
  ]);
  if (!version.includes(CODE_SERVER_VERSION)) {
    throw new SetupError(
      `code-server --version printed "${version.trim()}", expected ${CODE_SERVER_VERSION}`,
    );
  }

  writeFileSync(
    path.join(staging, '.setup-complete.json'),
    `${JSON.stringify({ ...expectedMarker(), installedAt: new Date().toISOString() }, null, 2)}\n`,
  );
  rmSync(codeServerDir, { recursive: true, force: true });
  renameSync(staging, codeServerDir);
}

/** Sets code-server up unless the marker says it already is; returns the entry script's path. */
export function setupCodeServer({ force = false } = {}) {
  if (!force && isUpToDate()) {
    // The apt packages are checked every time (cheap): Chromium is needed even when code-server is cached.
    ensureAptPackages();
    say(`code-server ${CODE_SERVER_VERSION} already set up in ${path.relative(repoRoot, codeServerDir)}`);
    return codeServerEntry;
  }
  const started = Date.now();
  say(`setting up code-server ${CODE_SERVER_VERSION} in ${path.relative(repoRoot, codeServerDir)}`);
  try {
    install();
  } finally {
    // Gone after a success (renamed into place); after a failure, half a gigabyte nobody will reuse.
    rmSync(path.join(toolsDir, 'code-server.partial'), { recursive: true, force: true });
  }
  say(`code-server ready in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return codeServerEntry;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  quiet = args.includes('--quiet');
  try {
    console.log(setupCodeServer({ force: args.includes('--force') }));
  } catch (e) {
    console.error(`setup-code-server: ${e instanceof SetupError ? e.message : (e?.stack ?? e)}`);
    process.exit(1);
  }
}
