// NumPy .npy files (parsed by npyjs) and .npz archives (a zip of .npy members, unzipped with
// fflate). npyjs trusts its input, so the header is bounds-checked first, its errors are turned
// into DataErrors, and the element count is checked against the shape afterwards.
import { unzipSync } from 'fflate';
import * as path from 'node:path';
import { parse as parseNpyBuffer } from 'npyjs';
import type { DataConfig } from '../config/configSchema';
import { assemble, assertFinite, inOrder, product, readBytes, toLabels, type LoadedSplit } from './common';
import { DataError, type DataSource } from './dataTypes';

/** Numeric dtypes we can turn into float inputs or integer labels (npyjs's names, no byte order). */
const NUMERIC = new Set(['i1', 'u1', 'i2', 'u2', 'i4', 'u4', 'i8', 'u8', 'f2', 'f4', 'f8']);
const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"

export interface NdArray {
  dtype: string;
  shape: number[];
  /** Values in C (row-major) order unless `fortranOrder`. */
  values: ArrayLike<number | bigint>;
  fortranOrder: boolean;
}

/** npyjs needs a whole ArrayBuffer, and Node may hand us a view into a larger pooled one. */
function ownBuffer(bytes: Uint8Array): ArrayBuffer {
  if (
    bytes.byteOffset === 0 &&
    bytes.byteLength === bytes.buffer.byteLength &&
    bytes.buffer instanceof ArrayBuffer
  ) {
    return bytes.buffer;
  }
  return bytes.slice().buffer;
}

/** Parses one .npy; `name` ("x" or "y") prefixes the field in errors. */
export function parseNpy(file: string, name: string, bytes: Uint8Array): NdArray {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new DataError(file, `${name}.header.magic`, 'expected a .npy file starting with "\\x93NUMPY"');
  }
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const [lenSize, headerLen] = major === 1 ? [2, view.getUint16(8, true)] : [4, view.getUint32(8, true)];
  if (major < 1 || major > 3 || 8 + lenSize + headerLen > bytes.length) {
    throw new DataError(
      file,
      `${name}.header`,
      `version ${major}.${bytes[7]} with a ${headerLen}-byte header in a ${bytes.length}-byte file; ` +
        'expected format version 1-3 and a complete header',
    );
  }
  let parsed: ReturnType<typeof parseNpyBuffer>;
  try {
    parsed = parseNpyBuffer(ownBuffer(bytes));
  } catch (err) {
    const msg = (err as Error).message;
    const bad = /Unsupported dtype: (\S+)/.exec(msg);
    if (bad) {
      const hint = bad[1].startsWith('>') ? ' (big-endian; save with .astype("<f4") or similar)' : '';
      throw new DataError(
        file,
        `${name}.dtype`,
        `is ${bad[1]}${hint}, expected a little-endian numeric dtype`,
      );
    }
    // A typed-array RangeError: the data is not a whole number of items (or misaligned).
    throw new DataError(file, `${name}.data`, `cannot be read (${msg}); is the file truncated?`);
  }
  const { dtype, shape, data, fortranOrder } = parsed;
  if (!NUMERIC.has(dtype)) {
    throw new DataError(file, `${name}.dtype`, `is ${dtype}, expected an integer or float dtype`);
  }
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new DataError(file, `${name}.shape`, `is (${shape.join(', ')}), expected non-negative integers`);
  }
  const values = data as unknown as ArrayLike<number | bigint>;
  if (values.length !== product(shape)) {
    throw new DataError(
      file,
      `${name}.data`,
      `holds ${values.length} values but shape (${shape.join(', ')}) needs ${product(shape)}; ` +
        (values.length < product(shape) ? 'the file is truncated' : 'the file has trailing data'),
    );
  }
  return { dtype, shape, values, fortranOrder };
}

/**
 * Converts to float32 in C order. uint8 is taken to be pixel intensities and scaled to [0, 1];
 * other dtypes are used as they are. Fortran-ordered arrays are reordered rather than rejected:
 * np.save writes one whenever it is given a transposed array such as x.T, which is easy to do.
 */
function toFloat32(arr: NdArray): Float32Array {
  const n = product(arr.shape);
  const out = new Float32Array(n);
  const { values, shape } = arr;
  const isBig = values instanceof BigInt64Array || values instanceof BigUint64Array;
  if (!arr.fortranOrder || shape.length < 2) {
    if (isBig) for (let i = 0; i < n; i++) out[i] = Number(values[i]);
    else out.set(values as ArrayLike<number>);
  } else {
    // Walk C order with an odometer over the indices, tracking the Fortran offset alongside.
    const fstride = shape.map((_, d) => product(shape.slice(0, d)));
    const idx = new Array<number>(shape.length).fill(0);
    let src = 0;
    for (let i = 0; i < n; i++) {
      out[i] = Number(values[src]);
      for (let d = shape.length - 1; d >= 0; d--) {
        idx[d]++;
        src += fstride[d];
        if (idx[d] < shape[d]) break;
        src -= fstride[d] * shape[d];
        idx[d] = 0;
      }
    }
  }
  if (arr.dtype === 'u1') for (let i = 0; i < n; i++) out[i] /= 255;
  return out;
}

/** Combines the x and y arrays of one split. */
export function toSplit(xFile: string, x: NdArray, yFile: string, y: NdArray): LoadedSplit {
  if (x.shape.length < 2) {
    throw new DataError(
      xFile,
      'x.shape',
      `is (${x.shape.join(', ')}), expected (N, ...features) with 2+ dims`,
    );
  }
  const count = x.shape[0];
  // (N, 1) is what many pipelines produce for a label column; it is as unambiguous as (N,).
  if (!(y.shape.length === 1 || (y.shape.length === 2 && y.shape[1] === 1))) {
    throw new DataError(
      yFile,
      'y.shape',
      `is (${y.shape.join(', ')}), expected (N,) class indices` +
        (y.shape.length === 2 ? '; one-hot labels? save y.argmax(axis=1)' : ''),
    );
  }
  if (y.shape[0] !== count) {
    throw new DataError(
      yFile,
      'y.shape',
      `has ${y.shape[0]} labels, expected ${count} to match x.shape[0]` +
        (yFile === xFile ? '' : ` in ${xFile}`),
    );
  }
  // (N, H, W) images get a channel axis so conv models see NHWC; the values are unchanged.
  const inputShape = x.shape.length === 3 ? [...x.shape.slice(1), 1] : x.shape.slice(1);
  const xs = toFloat32(x);
  assertFinite(xFile, 'x', xs, x.shape);
  const ys = toLabels(yFile, y.values, (i) => `y[${i}]`);
  return { split: { x: xs, y: ys, count }, inputShape, file: xFile };
}

/** Reads arrays `x` and `y` from an .npz archive (np.savez / np.savez_compressed). */
export async function loadNpzSplit(file: string): Promise<LoadedSplit> {
  const bytes = await readBytes(file);
  let members: Record<string, Uint8Array>;
  const names: string[] = [];
  try {
    // Only x and y are decompressed; other members are just listed for the error message.
    members = unzipSync(bytes, {
      filter: (f) => {
        names.push(f.name.replace(/\.npy$/, ''));
        return f.name === 'x.npy' || f.name === 'y.npy';
      },
    });
  } catch (err) {
    throw new DataError(
      file,
      'zip',
      `cannot be unzipped (${(err as Error).message}); expected an .npz archive`,
    );
  }
  const get = (name: string): NdArray => {
    const member = members[`${name}.npy`];
    if (!member) {
      throw new DataError(
        file,
        name,
        `array not found; the archive holds [${names.join(', ')}]. Save with np.savez(path, x=..., y=...)`,
      );
    }
    return parseNpy(file, name, member);
  };
  return toSplit(file, get('x'), file, get('y'));
}

export async function loadNpySplit(xFile: string, yFile: string): Promise<LoadedSplit> {
  const [xb, yb] = await inOrder([() => readBytes(xFile), () => readBytes(yFile)]);
  return toSplit(xFile, parseNpy(xFile, 'x', xb), yFile, parseNpy(yFile, 'y', yb));
}

export async function loadNpz(
  spec: Extract<DataConfig, { format: 'npz' }>,
  baseDir: string,
): Promise<DataSource> {
  const [train, test] = await inOrder([
    () => loadNpzSplit(path.resolve(baseDir, spec.train)),
    () => loadNpzSplit(path.resolve(baseDir, spec.test)),
  ]);
  return assemble('NumPy .npz', train, test, 'x.shape');
}

export async function loadNpy(
  spec: Extract<DataConfig, { format: 'npy' }>,
  baseDir: string,
): Promise<DataSource> {
  const p = (f: string) => path.resolve(baseDir, f);
  const [train, test] = await inOrder([
    () => loadNpySplit(p(spec.trainX), p(spec.trainY)),
    () => loadNpySplit(p(spec.testX), p(spec.testY)),
  ]);
  return assemble('NumPy .npy', train, test, 'x.shape');
}
