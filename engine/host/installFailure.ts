// Why installing a backend failed, told from what npm printed and what the engine said when it tried
// to load the result. Pure: the installer gathers the evidence, this turns it into a message that
// names what is missing and what to do; the unit tests feed it npm's and the engine's real wording.
import { BACKEND_CATALOG, type InstallableBackend } from './nativeBackendCatalog';

/** Where the install stood when it failed. */
export type InstallStage = 'prepare' | 'npm' | 'verify' | 'swap';

export type FailureKind =
  | 'cancelled'
  | 'npm-missing'
  | 'network'
  | 'libtensorflow-download'
  | 'native-build'
  | 'cuda'
  | 'cudnn'
  | 'no-webgpu-adapter'
  | 'engine-too-old'
  | 'disk-full'
  | 'permission'
  | 'in-use'
  | 'engine'
  | 'npm'
  | 'file-system';

export interface InstallFailure {
  kind: FailureKind;
  stage: InstallStage;
  /** What is missing and what to do, in a sentence or two; ends with a full stop. */
  summary: string;
}

export interface FailureEvidence {
  backend: InstallableBackend;
  stage: InstallStage;
  /** npm's output (stdout and stderr), oldest first; the tail is enough. */
  npmLines?: readonly string[];
  /** The engine's error when it could not load the installed backend. */
  engineError?: string;
  /** A file-system error while preparing the folder or moving the install into place. */
  fsError?: { code?: string; path?: string; message: string };
  /** The registry passed to npm, if the user chose one; otherwise npm's own setting applies. */
  registry?: string;
}

export const DEFAULT_REGISTRY = 'https://registry.npmjs.org/';

const NETWORK_CODES = /\b(ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|ECONNRESET)\b/;
/** The script prints the libtensorflow URL even when it works; these say the download did not. */
const LIBTENSORFLOW_FAILED = new RegExp(
  `${NETWORK_CODES.source}|Error:.*(download|libtensorflow|tf-builds|status code|HTTP)`,
  'i',
);

export function classifyInstallFailure(evidence: FailureEvidence): InstallFailure {
  const make = (kind: FailureKind, summary: string): InstallFailure => ({
    kind,
    stage: evidence.stage,
    summary,
  });
  const pkg = BACKEND_CATALOG[evidence.backend].mainPackage.name;
  if (evidence.engineError !== undefined) {
    return classifyEngineError(evidence.backend, pkg, evidence.engineError, make);
  }
  if (evidence.fsError !== undefined) {
    return classifyFsError(evidence.fsError, make);
  }
  const lines = evidence.npmLines ?? [];
  const text = lines.join('\n');
  if (/\bENOSPC\b/.test(text)) {
    return make(
      'disk-full',
      `The disk is full (ENOSPC) while npm installed ${pkg}: free some space (the native backends need several hundred MB) and run the command again.`,
    );
  }
  if (/\b(EACCES|EPERM)\b/.test(text)) {
    const where = lines.map((l) => /^npm (?:error|ERR!) path (.+)$/.exec(l)?.[1]).find(Boolean);
    return make(
      'permission',
      `Permission denied (EACCES) while npm installed ${pkg}${where ? ` into ${where.trim()}` : ''}: ` +
        'make that folder writable for your user (never run VS Code as root to work around it) and run the command again.',
    );
  }
  // tfjs-node's install script prints "* Downloading libtensorflow" and fetches it from
  // storage.googleapis.com; a failure there is not the registry's.
  if (/libtensorflow/i.test(text) && !/gyp ERR!/.test(text) && LIBTENSORFLOW_FAILED.test(text)) {
    const cause = NETWORK_CODES.exec(text)?.[1];
    return make(
      'libtensorflow-download',
      `The install script of ${pkg} could not download libtensorflow 2.9.1${cause ? ` (${cause})` : ''}: ` +
        'it fetches it from storage.googleapis.com at install time. Allow that host through your network or proxy ' +
        '(or point TFJS_NODE_CDN_STORAGE at a mirror) and run the command again.',
    );
  }
  if (/gyp ERR!/.test(text)) {
    return make(
      'native-build',
      `No prebuilt binding of ${pkg} could be downloaded for this platform and Node version, and building it ` +
        'from source failed: that needs Python 3, make and a C++ compiler. ' +
        `npm said: ${lastMeaningfulLine(lines) ?? 'no error line'}`,
    );
  }
  const network = NETWORK_CODES.exec(text)?.[1];
  if (network !== undefined) {
    const registry = evidence.registry ?? registryFromOutput(text) ?? DEFAULT_REGISTRY;
    return make(
      'network',
      `Could not reach the npm registry at ${registry} (${network}): check the network connection and ` +
        "npm's proxy settings, or set a registry you can reach in .npmrc, then run the command again.",
    );
  }
  const last = lastMeaningfulLine(lines);
  return make(
    'npm',
    `npm could not install ${pkg}: ${last ?? 'it exited without saying why'}.`.replace(/\.\.$/, '.'),
  );
}

type Make = (kind: FailureKind, summary: string) => InstallFailure;

function classifyEngineError(
  backend: InstallableBackend,
  pkg: string,
  error: string,
  make: Make,
): InstallFailure {
  if (/libcudart\.so\.11\.0|cudart64_110\.dll/.test(error)) {
    return make(
      'cuda',
      `${pkg} installed, but the CUDA 11.2 runtime is missing (libcudart.so.11.0 was not found): install ` +
        'CUDA 11.2 and put its lib64 folder on LD_LIBRARY_PATH (on Windows its bin folder on PATH), then run ' +
        'the command again. Without an NVIDIA GPU, install tfjs-node instead.',
    );
  }
  if (/libcudnn\.so\.8|cudnn64_8\.dll|cudnn/i.test(error)) {
    return make(
      'cudnn',
      `${pkg} installed, but cuDNN 8.1 for CUDA 11.2 is missing or the wrong version (libcudnn.so.8 could not ` +
        'be loaded): install cuDNN 8.1 and put it on LD_LIBRARY_PATH (on Windows on PATH), then run the command again.',
    );
  }
  if (/SPARSITY_LAB_BACKEND: ".*" is not one of/.test(error)) {
    return make(
      'engine-too-old',
      `This version of the engine cannot use ${backend} yet: update Sparsity Lab, then run the command again.`,
    );
  }
  if (backend === 'webgpu' && /adapter/i.test(error)) {
    return make(
      'no-webgpu-adapter',
      'WebGPU installed, but Dawn found no GPU adapter: it needs a GPU with Vulkan (Linux), Metal (macOS) or ' +
        'D3D12 (Windows) drivers. Install or update the GPU driver (on Linux the Vulkan loader too). ' +
        `The engine said: ${firstLine(error)}`,
    );
  }
  return make('engine', `${pkg} installed, but the engine could not load it: ${firstLine(error)}`);
}

function classifyFsError(error: NonNullable<FailureEvidence['fsError']>, make: Make): InstallFailure {
  const where = error.path ? ` (${error.path})` : '';
  switch (error.code) {
    case 'ENOSPC':
      return make(
        'disk-full',
        `The disk is full (ENOSPC)${where}: free some space and run the command again.`,
      );
    case 'EACCES':
      return make(
        'permission',
        `Permission denied (EACCES)${where}: make the folder writable for your user and run the command again.`,
      );
    case 'EBUSY':
    case 'EPERM':
      return make(
        'in-use',
        `The installed backend could not be replaced (${error.code})${where}: a running search may be using it. ` +
          'Stop running searches and run the command again.',
      );
    default:
      return make('file-system', `Could not prepare the install folder${where}: ${firstLine(error.message)}`);
  }
}

export function cancelledFailure(stage: InstallStage): InstallFailure {
  return { kind: 'cancelled', stage, summary: 'The install was cancelled; nothing was changed.' };
}

export function npmMissingFailure(looked: string): InstallFailure {
  return {
    kind: 'npm-missing',
    stage: 'prepare',
    summary: `npm was not found (looked on PATH and in ${looked}): install Node.js, which includes npm, and run the command again.`,
  };
}

/** The message shown to the user: what is missing, what to do, and that nothing changed. */
export function failureMessage(failure: InstallFailure, currentBackend: string): string {
  const summary = /[.!?]$/.test(failure.summary) ? failure.summary : `${failure.summary}.`;
  return `${summary} The engine stays on ${currentBackend}.`;
}

// npm's boilerplate around the error that says nothing about this failure.
const BOILERPLATE = [
  /^code\b/,
  /^errno\b/,
  /^syscall\b/,
  /^path\b/,
  /^command\b/,
  /^A complete log of this run/,
  /^If you are behind a proxy/,
  /^\s*at /,
  /^[{}]$/,
  /^\s+\w+: /,
  /^\d{3}$/,
];

/** The last line of npm's error report that says something, without npm's prefix. */
export function lastMeaningfulLine(lines: readonly string[]): string | undefined {
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = /^npm (?:error|ERR!)\s?(.*)$/.exec(lines[i]);
    if (!m) continue;
    const body = m[1].trimEnd();
    if (body.trim() === '' || BOILERPLATE.some((re) => re.test(body))) continue;
    return body.trim();
  }
  return undefined;
}

/** The registry npm tried, from "request to <url> failed", as an origin with a trailing slash. */
function registryFromOutput(text: string): string | undefined {
  const url = /request to (\S+) failed/.exec(text)?.[1];
  if (url === undefined) return undefined;
  try {
    return `${new URL(url).origin}/`;
  } catch {
    return undefined;
  }
}

function firstLine(text: string): string {
  return text.split('\n', 1)[0].trim();
}
