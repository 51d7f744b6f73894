// The failure classification on the wording npm and the engine really print (npm 11, tfjs-node 4.22's
// install script, the engine's backend errors).
import { strict as assert } from 'node:assert';
import {
  classifyInstallFailure,
  failureMessage,
  lastMeaningfulLine,
  type FailureEvidence,
} from '../../../engine/host/installFailure';

const npm = (backend: FailureEvidence['backend'], lines: string[], registry?: string) =>
  classifyInstallFailure({ backend, stage: 'npm', npmLines: lines, ...(registry ? { registry } : {}) });
const engine = (backend: FailureEvidence['backend'], engineError: string) =>
  classifyInstallFailure({ backend, stage: 'verify', engineError });

const REFUSED = [
  'npm http fetch GET https://registry.example.com/@tensorflow%2ftfjs-node attempt 1 failed with ECONNREFUSED',
  'npm error code ECONNREFUSED',
  'npm error syscall connect',
  'npm error errno ECONNREFUSED',
  'npm error FetchError: request to https://registry.example.com/@tensorflow%2ftfjs-node failed, reason: connect ECONNREFUSED 10.0.0.1:443',
  'npm error     at ClientRequest.<anonymous> (/usr/lib/node_modules/npm/node_modules/minipass-fetch/lib/index.js:130:14)',
  'npm error',
  "npm error If you are behind a proxy, please make sure that the 'proxy' config is set properly.  See: 'npm help config'",
  'npm error A complete log of this run can be found in: /home/u/.npm/_logs/x-debug-0.log',
];

describe('engine/host: classifyInstallFailure', () => {
  it('names the registry it could not reach, the one passed to npm first', () => {
    const passed = npm('tfjs-node', REFUSED, 'http://mirror.local:4873/');
    assert.equal(passed.kind, 'network');
    assert.match(
      passed.summary,
      /^Could not reach the npm registry at http:\/\/mirror\.local:4873\/ \(ECONNREFUSED\)/,
    );
    const fromOutput = npm('tfjs-node', REFUSED);
    assert.match(fromOutput.summary, /at https:\/\/registry\.example\.com\/ \(ECONNREFUSED\)/);
    for (const code of ['ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET']) {
      const failure = npm('tfjs-node', [
        `npm error code ${code}`,
        `npm error network request failed ${code}`,
      ]);
      assert.equal(failure.kind, 'network', code);
      assert.ok(
        failure.summary.includes('https://registry.npmjs.org/'),
        'the default registry when none is known',
      );
    }
  });

  it('tells a failed libtensorflow download from an unreachable registry', () => {
    const failure = npm('tfjs-node-gpu', [
      '> @tensorflow/tfjs-node-gpu@4.22.0 install',
      '> node scripts/install.js gpu download',
      '* Downloading libtensorflow',
      'https://storage.googleapis.com/tf-builds/libtensorflow_r2_9_linux_x86_64_gpu.tar.gz',
      'Error: getaddrinfo ENOTFOUND storage.googleapis.com',
      'npm error code 1',
      'npm error command failed',
    ]);
    assert.equal(failure.kind, 'libtensorflow-download');
    assert.match(failure.summary, /could not download libtensorflow 2\.9\.1 \(ENOTFOUND\)/);
    assert.match(failure.summary, /TFJS_NODE_CDN_STORAGE/);
  });

  it('does not blame libtensorflow when the script only printed its URL', () => {
    const failure = npm('tfjs-node', [
      '* Downloading libtensorflow',
      'https://storage.googleapis.com/tf-builds/libtensorflow_r2_9_linux_x86_64.tar.gz',
      '* Building TensorFlow Node.js bindings',
      'gyp ERR! stack Error: not found: make',
      'npm error gyp ERR! not ok',
    ]);
    assert.equal(failure.kind, 'native-build');
    assert.match(failure.summary, /Python 3, make and a C\+\+ compiler/);
  });

  it('names the missing CUDA runtime and cuDNN from the engine error', () => {
    const cuda = engine(
      'tfjs-node-gpu',
      "Backend 'tfjs-node-gpu' is unavailable: failed to load /x/index.js: libcudart.so.11.0: cannot open shared object file: No such file or directory",
    );
    assert.equal(cuda.kind, 'cuda');
    assert.match(cuda.summary, /CUDA 11\.2 runtime is missing \(libcudart\.so\.11\.0 was not found\)/);
    const cudnn = engine('tfjs-node-gpu', 'failed to load: libcudnn.so.8: cannot open shared object file');
    assert.equal(cudnn.kind, 'cudnn');
    assert.match(cudnn.summary, /cuDNN 8\.1/);
  });

  it('says when Dawn finds no adapter, and when the engine does not know the backend yet', () => {
    const adapter = engine(
      'webgpu',
      "Backend 'webgpu' is unavailable: navigator.gpu.requestAdapter() returned no adapter",
    );
    assert.equal(adapter.kind, 'no-webgpu-adapter');
    assert.match(adapter.summary, /Vulkan \(Linux\), Metal \(macOS\) or D3D12 \(Windows\)/);
    const old = engine(
      'webgpu',
      'SPARSITY_LAB_BACKEND: "webgpu" is not one of auto, tfjs-node-gpu, tfjs-node, wasm, cpu',
    );
    assert.equal(old.kind, 'engine-too-old');
  });

  it('reports a full disk and a permission problem with the path npm named', () => {
    assert.equal(npm('tfjs-node', ['npm error code ENOSPC', 'npm error syscall write']).kind, 'disk-full');
    const denied = npm('tfjs-node', [
      'npm error code EACCES',
      'npm error syscall mkdir',
      'npm error path /opt/backends/.staging-tfjs-node-1/node_modules',
      'npm error errno -13',
    ]);
    assert.equal(denied.kind, 'permission');
    assert.ok(denied.summary.includes('/opt/backends/.staging-tfjs-node-1/node_modules'), denied.summary);
    const fsFull = classifyInstallFailure({
      backend: 'webgpu',
      stage: 'swap',
      fsError: { code: 'ENOSPC', message: 'no space left on device' },
    });
    assert.equal(fsFull.kind, 'disk-full');
  });

  it('falls back to the last meaningful npm error line', () => {
    const failure = npm('tfjs-node', [
      'npm error code E404',
      'npm error 404 Not Found - GET http://127.0.0.1:1/@tensorflow%2ftfjs-node - Not found',
      'npm error 404',
      "npm error 404  '@tensorflow/tfjs-node@4.22.0' is not in this registry.",
      'npm error A complete log of this run can be found in: /tmp/x.log',
    ]);
    assert.equal(failure.kind, 'npm');
    assert.equal(
      failure.summary,
      "npm could not install @tensorflow/tfjs-node: 404  '@tensorflow/tfjs-node@4.22.0' is not in this registry.",
    );
    assert.equal(lastMeaningfulLine(['npm error code 1', 'npm error']), undefined);
  });

  it('ends every message with the backend the engine stays on', () => {
    const message = failureMessage(npm('tfjs-node', REFUSED), 'wasm');
    assert.match(message, /then run the command again\. The engine stays on wasm\.$/);
  });
});
