// Writers for small, valid data files (so tests exercise the real parsers on real bytes) and an
// assertion for DataErrors. Not a *.test.ts file, so mocha loads it only through imports.
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DataError } from '../../../engine/data/dataTypes';

export class TempDir {
  readonly dir = mkdtempSync(path.join(os.tmpdir(), 'sparsity-data-'));
  write(name: string, bytes: Uint8Array | string): string {
    const file = path.join(this.dir, name);
    writeFileSync(file, bytes);
    return file;
  }
  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** An IDX file: magic 00 00 dtype ndims, big-endian uint32 dims, then big-endian values. */
export function idxBytes(dims: number[], values: ArrayLike<number>, dtype = 0x08): Uint8Array {
  const size = { 0x08: 1, 0x09: 1, 0x0b: 2, 0x0c: 4, 0x0d: 4, 0x0e: 8 }[dtype] ?? 1;
  const header = 4 + 4 * dims.length;
  const out = new Uint8Array(header + values.length * size);
  const view = new DataView(out.buffer);
  out[2] = dtype;
  out[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d));
  for (let i = 0; i < values.length; i++) {
    const at = header + i * size;
    if (dtype === 0x08) view.setUint8(at, values[i]);
    else if (dtype === 0x09) view.setInt8(at, values[i]);
    else if (dtype === 0x0b) view.setInt16(at, values[i]);
    else if (dtype === 0x0c) view.setInt32(at, values[i]);
    else if (dtype === 0x0d) view.setFloat32(at, values[i]);
    else view.setFloat64(at, values[i]);
  }
  return out;
}

const NPY_WRITERS: Record<string, { size: number; set: (v: DataView, at: number, x: number) => void }> = {
  '|u1': { size: 1, set: (v, at, x) => v.setUint8(at, x) },
  '|i1': { size: 1, set: (v, at, x) => v.setInt8(at, x) },
  '<i2': { size: 2, set: (v, at, x) => v.setInt16(at, x, true) },
  '<i4': { size: 4, set: (v, at, x) => v.setInt32(at, x, true) },
  '<i8': { size: 8, set: (v, at, x) => v.setBigInt64(at, BigInt(x), true) },
  '<f4': { size: 4, set: (v, at, x) => v.setFloat32(at, x, true) },
  '<f8': { size: 8, set: (v, at, x) => v.setFloat64(at, x, true) },
  '>f4': { size: 4, set: (v, at, x) => v.setFloat32(at, x, false) },
};

/**
 * A NumPy format 1.0 .npy: "\x93NUMPY", version 1 0, a little-endian uint16 header length, then
 * the header dict padded with spaces and a newline so the data starts at a multiple of 64, as
 * numpy itself writes it. `values` are given in the order they are stored in the file.
 */
export function npyBytes(
  descr: string,
  shape: number[],
  values: ArrayLike<number>,
  fortran = false,
): Uint8Array {
  const w = NPY_WRITERS[descr];
  if (!w) throw new Error(`test helper: no writer for ${descr}`);
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let dict = `{'descr': '${descr}', 'fortran_order': ${fortran ? 'True' : 'False'}, 'shape': ${shapeText}, }`;
  const unpadded = 10 + dict.length + 1;
  dict += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + dict.length + values.length * w.size);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  const view = new DataView(out.buffer);
  view.setUint16(8, dict.length, true);
  for (let i = 0; i < dict.length; i++) out[10 + i] = dict.charCodeAt(i);
  for (let i = 0; i < values.length; i++) w.set(view, 10 + dict.length + i * w.size, values[i]);
  return out;
}

/** One CIFAR-10 binary record: label byte, then R, G, B planes of 32x32, each row-major. */
export function cifarRecord(label: number, pixel: (c: number, h: number, w: number) => number): Uint8Array {
  const rec = new Uint8Array(3073);
  rec[0] = label;
  for (let c = 0; c < 3; c++)
    for (let h = 0; h < 32; h++) for (let w = 0; w < 32; w++) rec[1 + c * 1024 + h * 32 + w] = pixel(c, h, w);
  return rec;
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Asserts that `promise` rejects with a DataError naming `file` (a path or its ending) and a
 * field matching `field`, and that the message itself carries both (it is what the user sees).
 */
export async function rejectsWithDataError(
  promise: Promise<unknown>,
  file: string,
  field: string | RegExp,
  message?: RegExp,
): Promise<DataError> {
  let caught: unknown;
  try {
    await promise;
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof DataError, `expected a DataError, got ${String(caught)}`);
  assert.ok(caught.file.endsWith(file), `error names file ${caught.file}, expected …${file}`);
  if (typeof field === 'string') assert.equal(caught.field, field);
  else assert.match(caught.field, field);
  assert.ok(caught.message.includes(caught.file) && caught.message.includes(caught.field), caught.message);
  if (message) assert.match(caught.message, message);
  return caught;
}
