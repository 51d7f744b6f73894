// The versions of every TensorFlow.js package a backend could come from: the bundled ones, and those
// loaded at run time found where selectBackend would look for them (absent when not installed).
import { version_cpu } from '@tensorflow/tfjs-backend-cpu';
import { version_wasm } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { resolveNative } from './selectBackend';
import { DAWN_PACKAGE, WEBGPU_BACKEND_PACKAGE, WEBGPU_INSTALL_FOLDER } from './webgpuBackend';

export interface PackageVersion {
  package: string;
  /** Absent when the package was not found. */
  version?: string;
  /** 'bundled' (inside the engine) or 'found' (loaded at run time from where it is installed). */
  source: 'bundled' | 'found' | 'not found';
}

/** Run-time packages and their folder in the install command's layout. */
const RUNTIME_PACKAGES: ReadonlyArray<readonly [string, string]> = [
  ['@tensorflow/tfjs-node-gpu', 'tfjs-node-gpu'],
  ['@tensorflow/tfjs-node', 'tfjs-node'],
  [WEBGPU_BACKEND_PACKAGE, WEBGPU_INSTALL_FOLDER],
  [DAWN_PACKAGE, WEBGPU_INSTALL_FOLDER],
];

export function backendVersions(nativeBackendPath: string | undefined): PackageVersion[] {
  const bundled: PackageVersion[] = [
    { package: '@tensorflow/tfjs-core', version: tf.version_core, source: 'bundled' },
    { package: '@tensorflow/tfjs-backend-cpu', version: version_cpu, source: 'bundled' },
    { package: '@tensorflow/tfjs-backend-wasm', version: version_wasm, source: 'bundled' },
  ];
  const found = RUNTIME_PACKAGES.map(([name, folder]): PackageVersion => {
    let entry: string;
    try {
      entry = resolveNative(name, nativeBackendPath, folder);
    } catch {
      return { package: name, source: 'not found' };
    }
    const version = manifestVersion(entry, name);
    return version === undefined
      ? { package: name, source: 'found' }
      : { package: name, version, source: 'found' };
  });
  return [...bundled, ...found];
}

/** The version in the package.json of `name` that holds `entry`, looking up from the entry's folder. */
function manifestVersion(entry: string, name: string): string | undefined {
  for (let dir = path.dirname(entry); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    try {
      const manifest: unknown = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
      if (isManifestOf(manifest, name)) return manifest.version;
    } catch {
      // no package.json here, or not JSON: keep looking up
    }
  }
  return undefined;
}

function isManifestOf(value: unknown, name: string): value is { version: string } {
  return (
    typeof value === 'object' &&
    value !== null &&
    'name' in value &&
    value.name === name &&
    'version' in value &&
    typeof value.version === 'string'
  );
}
