// After an install: when the command sets nativeBackendPath, when it only offers to, whether the
// backend setting lets searches use the new backend, and the success message.
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import type { InstallSuccess } from '../../../engine/host/backendInstaller';
import {
  backendSettingUses,
  currentBackendDescription,
  installedMessage,
  nativePathAction,
} from '../../../extension/backends/installOutcome';

const root = path.resolve('/storage/sparsity-lab/backends');
const workspace = path.resolve('/work/project');

const success = (device?: string): InstallSuccess => ({
  ok: true,
  backend: 'tfjs-node-gpu',
  packageName: '@tensorflow/tfjs-node-gpu',
  version: '4.22.0',
  folder: path.join(root, 'tfjs-node-gpu'),
  report: {
    name: 'tensorflow',
    choice: 'tfjs-node-gpu',
    attempts: [{ candidate: 'tfjs-node-gpu', ok: true }],
    ...(device ? { device } : {}),
  },
});

describe('extension: installOutcome', () => {
  it('sets an empty nativeBackendPath, keeps one naming the root, and never overwrites another', () => {
    assert.deepEqual(nativePathAction('', root, workspace), { kind: 'set' });
    assert.deepEqual(nativePathAction('   ', root, workspace), { kind: 'set' });
    assert.deepEqual(nativePathAction(root, root, workspace), { kind: 'keep' });
    assert.deepEqual(nativePathAction(`${root}${path.sep}`, root, workspace), { kind: 'keep' });
    assert.deepEqual(nativePathAction('vendor/tf', root, workspace), {
      kind: 'conflict',
      current: 'vendor/tf',
    });
  });

  it('resolves a relative setting against the workspace folder, an absolute one as it is', () => {
    const relative = path.relative(workspace, root);
    assert.deepEqual(nativePathAction(relative, root, workspace), { kind: 'keep' });
    assert.equal(nativePathAction(relative, root, path.resolve('/other/deeper/folder')).kind, 'conflict');
  });

  it('knows auto picks every installable backend, and an explicit choice only itself', () => {
    assert.equal(backendSettingUses('auto', 'tfjs-node'), true);
    assert.equal(backendSettingUses('auto', 'tfjs-node-gpu'), true);
    assert.equal(backendSettingUses('auto', 'webgpu'), true);
    assert.equal(backendSettingUses('webgpu', 'webgpu'), true);
    assert.equal(backendSettingUses('wasm', 'tfjs-node'), false);
  });

  it('says what was installed and what the engine now trains on, with the device when known', () => {
    assert.equal(
      installedMessage(success('NVIDIA H200')),
      'Installed @tensorflow/tfjs-node-gpu 4.22.0: the engine now trains on tensorflow (NVIDIA H200). ' +
        'New searches use it; a running search keeps its backend.',
    );
    assert.match(installedMessage(success()), /trains on tensorflow\. New searches/);
    assert.equal(currentBackendDescription('wasm'), 'wasm');
    assert.match(currentBackendDescription('auto'), /auto/);
  });
});
