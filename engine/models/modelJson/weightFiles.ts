// Reads the weight files a model.json's weightsManifest names, without tfjs-node: each group's shards
// are concatenated, checked against the byte size the manifest implies, and joined in manifest order
// (the order tf.io.decodeWeights expects).
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type * as tf from '@tensorflow/tfjs-core';
import { ModelFileError } from '../modelTypes';
import { isRecord } from './json';

type WeightsManifestEntry = tf.io.WeightsManifestEntry;
type WeightDtype = WeightsManifestEntry['dtype'];
type QuantizationDtype = NonNullable<WeightsManifestEntry['quantization']>['dtype'];

/** Bytes per element; 'string' weights are length-prefixed, so their size is not known in advance. */
const DTYPE_BYTES: Record<WeightDtype, number | null> = {
  float32: 4,
  int32: 4,
  bool: 1,
  complex64: 8,
  string: null,
};
const QUANTIZED_BYTES: Record<QuantizationDtype, number> = { uint8: 1, uint16: 2, float16: 2 };

export interface ModelWeights {
  weightSpecs: WeightsManifestEntry[];
  weightData: ArrayBuffer;
}

function isKey<T extends object>(obj: T, key: unknown): key is keyof T {
  return typeof key === 'string' && Object.prototype.hasOwnProperty.call(obj, key);
}

function parseEntry(file: string, field: string, raw: unknown): WeightsManifestEntry {
  const fail = (sub: string, msg: string) => new ModelFileError(file, `${field}${sub}`, msg);
  if (!isRecord(raw)) throw fail('', 'must be an object with name, shape and dtype');
  const { name, shape, dtype, quantization, group } = raw;
  if (typeof name !== 'string' || name === '') throw fail('.name', 'must be a non-empty string');
  if (!Array.isArray(shape) || !shape.every((d): d is number => Number.isInteger(d) && d >= 0)) {
    throw fail('.shape', 'must be an array of non-negative integers');
  }
  if (!isKey(DTYPE_BYTES, dtype)) {
    throw fail(
      '.dtype',
      `must be one of ${Object.keys(DTYPE_BYTES).join(', ')}, got ${JSON.stringify(dtype)}`,
    );
  }
  const entry: WeightsManifestEntry = { name, shape, dtype };
  if (group === 'model' || group === 'optimizer') entry.group = group;
  if (quantization !== undefined) {
    if (!isRecord(quantization) || !isKey(QUANTIZED_BYTES, quantization.dtype)) {
      throw fail('.quantization.dtype', `must be one of ${Object.keys(QUANTIZED_BYTES).join(', ')}`);
    }
    const { scale, min } = quantization;
    entry.quantization = {
      dtype: quantization.dtype,
      ...(typeof scale === 'number' ? { scale } : {}),
      ...(typeof min === 'number' ? { min } : {}),
    };
  }
  return entry;
}

/** Bytes one entry occupies in the weight data, or null when it cannot be known (string weights). */
function entryBytes(entry: WeightsManifestEntry): number | null {
  const perElement = entry.quantization
    ? QUANTIZED_BYTES[entry.quantization.dtype]
    : DTYPE_BYTES[entry.dtype];
  if (perElement === null) return null;
  return entry.shape.reduce((a, b) => a * b, 1) * perElement;
}

async function readShard(file: string, field: string, shardPath: string): Promise<Uint8Array> {
  try {
    return await fs.readFile(shardPath);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const what = e.code === 'ENOENT' ? 'was not found' : `could not be read (${e.message})`;
    throw new ModelFileError(file, field, `weight file ${shardPath} ${what}`);
  }
}

/**
 * Validates `weightsManifest` (from the parsed model.json at `file`) and reads its shards, whose
 * paths are relative to the model.json's folder. A group shorter than its entries need is an error
 * naming the files and both sizes; extra bytes at the end of a group are dropped so that the next
 * group still lines up.
 */
export async function readManifestWeights(file: string, manifest: unknown): Promise<ModelWeights> {
  if (!Array.isArray(manifest)) {
    throw new ModelFileError(file, 'weightsManifest', 'must be an array of {paths, weights} groups');
  }
  const dir = path.dirname(file);
  const weightSpecs: WeightsManifestEntry[] = [];
  const chunks: Uint8Array[] = [];
  for (const [g, group] of manifest.entries()) {
    const field = `weightsManifest[${g}]`;
    if (!isRecord(group)) throw new ModelFileError(file, field, 'must be an object with paths and weights');
    const { paths, weights } = group;
    if (!Array.isArray(paths) || !paths.every((p): p is string => typeof p === 'string' && p !== '')) {
      throw new ModelFileError(file, `${field}.paths`, 'must be an array of file names');
    }
    if (!Array.isArray(weights)) throw new ModelFileError(file, `${field}.weights`, 'must be an array');
    const entries = weights.map((w, i) => parseEntry(file, `${field}.weights[${i}]`, w));

    const shardPaths = paths.map((p) => path.resolve(dir, p));
    const shards: Uint8Array[] = [];
    for (const [i, shardPath] of shardPaths.entries()) {
      shards.push(await readShard(file, `${field}.paths[${i}]`, shardPath));
    }
    const actual = shards.reduce((n, s) => n + s.byteLength, 0);
    const sizes = entries.map(entryBytes);
    const expected = sizes.every((s): s is number => s !== null) ? sizes.reduce((a, b) => a + b, 0) : null;
    if (expected !== null && actual < expected) {
      const names = shardPaths.length === 1 ? shardPaths[0] : `${shardPaths.join(' + ')} together`;
      throw new ModelFileError(
        file,
        `${field}.paths`,
        `weight file ${names} is too short: ${field}.weights need ${expected} bytes, but it has ${actual}`,
      );
    }
    let remaining = expected ?? Infinity;
    for (const shard of shards) {
      chunks.push(shard.subarray(0, Math.max(0, Math.min(shard.byteLength, remaining))));
      remaining -= shard.byteLength;
    }
    weightSpecs.push(...entries);
  }
  return { weightSpecs, weightData: concat(chunks).buffer };
}

/** Copies into one fresh buffer: Node's Buffers may be views into a larger shared pool. */
function concat(parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.byteLength;
  }
  return out;
}
