import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import {
  DEFAULT_SETTINGS,
  engineBackendOptions,
  mergeSettings,
  normalizeSettings,
} from '../../../extension/config/mergeSettings';

describe('mergeSettings', () => {
  const settings = {
    backend: 'wasm',
    nativeBackendPath: '/opt/tf',
    statsIntervalMs: 500,
    ticketsFolder: 'out/tickets',
    threads: 2,
  } as const;

  it('fills the keys the config leaves out', () => {
    assert.deepEqual(mergeSettings({ rounds: 2 }, settings), {
      rounds: 2,
      backend: 'wasm',
      statsIntervalMs: 500,
      ticketsDir: 'out/tickets',
      threads: 2,
      nativeBackendPath: '/opt/tf',
    });
  });

  it('never overrides what the config sets', () => {
    const config = {
      backend: 'cpu',
      statsIntervalMs: 100,
      ticketsDir: 'mine',
      nativeBackendPath: 'here',
      threads: 'auto',
    };
    assert.deepEqual(mergeSettings(config, settings), config);
  });

  it('leaves nativeBackendPath out when the setting is empty, and does not mutate the config', () => {
    const config = { rounds: 1 };
    const merged = mergeSettings(config, DEFAULT_SETTINGS);
    assert.equal('nativeBackendPath' in merged, false);
    assert.deepEqual(config, { rounds: 1 });
  });

  it('normalizes raw setting values, falling back to defaults for invalid ones', () => {
    assert.deepEqual(normalizeSettings({}), DEFAULT_SETTINGS);
    assert.deepEqual(
      normalizeSettings({
        backend: 'tpu',
        nativeBackendPath: 3,
        statsIntervalMs: 2.5,
        ticketsFolder: '  ',
        threads: 9,
      }),
      DEFAULT_SETTINGS,
    );
    assert.deepEqual(
      normalizeSettings({
        backend: 'tfjs-node',
        nativeBackendPath: ' x ',
        statsIntervalMs: 10,
        ticketsFolder: 't',
        threads: 3,
      }),
      { backend: 'tfjs-node', nativeBackendPath: 'x', statsIntervalMs: 10, ticketsFolder: 't', threads: 3 },
    );
  });

  it("gives the engine the merged config's backend and an absolute native path", () => {
    const work = path.resolve('/work/project');
    assert.deepEqual(engineBackendOptions({ backend: 'cpu', nativeBackendPath: 'native' }, work), {
      backend: 'cpu',
      nativeBackendPath: path.join(work, 'native'),
    });
    // Without a path, native packages are looked for in the folder, as the CLI does in its cwd.
    assert.deepEqual(engineBackendOptions({}, work), { backend: 'auto', nativeBackendPath: work });
    // An invalid backend is left for the engine to report against the config's field.
    assert.equal(engineBackendOptions({ backend: 'tpu' }, work).backend, 'auto');
  });
});
