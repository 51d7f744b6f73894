// MNIST's IDX format: a 4-byte magic (two zero bytes, a dtype code, the number of dimensions),
// one big-endian uint32 per dimension, then the values big-endian in row-major order. The files
// are usually distributed gzipped, so gzip is detected by its magic bytes rather than by name.
import { gunzipSync } from 'fflate';
import * as path from 'node:path';
import type { DataConfig } from '../config/configSchema';
import { assemble, assertFinite, inOrder, product, readBytes, toLabels, type LoadedSplit } from './common';
import { DataError, type DataSource } from './dataTypes';

const DTYPES: Record<number, { name: string; size: number }> = {
  0x08: { name: 'uint8', size: 1 },
  0x09: { name: 'int8', size: 1 },
  0x0b: { name: 'int16', size: 2 },
  0x0c: { name: 'int32', size: 4 },
  0x0d: { name: 'float32', size: 4 },
  0x0e: { name: 'float64', size: 8 },
};

export interface IdxArray {
  dtype: number;
  dims: number[];
  /** The value bytes after the header, still big-endian. */
  data: Uint8Array;
}

/** Decompresses if the bytes start with the gzip magic 1f 8b. */
export function maybeGunzip(file: string, bytes: Uint8Array): Uint8Array {
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  try {
    return gunzipSync(bytes);
  } catch (err) {
    throw new DataError(file, 'gzip', `cannot be decompressed (${(err as Error).message}); is it truncated?`);
  }
}

export function parseIdx(file: string, raw: Uint8Array): IdxArray {
  const bytes = maybeGunzip(file, raw);
  if (bytes.length < 4) {
    throw new DataError(file, 'header.magic', `file has ${bytes.length} bytes, expected a 4-byte IDX magic`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new DataError(
      file,
      'header.magic',
      `is 0x${magic.toString(16).padStart(8, '0')}, expected 0x0000TTDD (e.g. 0x00000803 for images, ` +
        `0x00000801 for labels); is this an IDX file?`,
    );
  }
  const dtype = bytes[2];
  const info = DTYPES[dtype];
  if (!info) {
    throw new DataError(
      file,
      'header.dtype',
      `is 0x${dtype.toString(16)}, expected one of 0x08 (uint8), 0x09, 0x0b, 0x0c, 0x0d, 0x0e`,
    );
  }
  const ndims = bytes[3];
  const headerSize = 4 + 4 * ndims;
  if (ndims === 0 || bytes.length < headerSize) {
    throw new DataError(
      file,
      'header.ndims',
      `is ${ndims}; expected at least 1 dimension with ${headerSize} header bytes, file has ${bytes.length}`,
    );
  }
  const dims: number[] = [];
  for (let d = 0; d < ndims; d++) dims.push(view.getUint32(4 + 4 * d));
  const expected = headerSize + product(dims) * info.size;
  if (bytes.length !== expected) {
    const what = bytes.length < expected ? 'truncated' : 'too long';
    throw new DataError(
      file,
      'data',
      `${what}: header says [${dims.join(' x ')}] ${info.name}, i.e. ${expected} bytes in all, ` +
        `but the file has ${bytes.length}`,
    );
  }
  return { dtype, dims, data: bytes.subarray(headerSize) };
}

/** Decodes the big-endian values; uint8 (pixel intensities) is scaled to [0, 1]. */
function decode(arr: IdxArray, out: Float32Array | Float64Array, scaleUint8: boolean): void {
  const { data } = arr;
  if (arr.dtype === 0x08) {
    const k = scaleUint8 ? 1 / 255 : 1;
    for (let i = 0; i < out.length; i++) out[i] = data[i] * k;
    return;
  }
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const read: Record<number, (i: number) => number> = {
    0x09: (i) => view.getInt8(i),
    0x0b: (i) => view.getInt16(2 * i),
    0x0c: (i) => view.getInt32(4 * i),
    0x0d: (i) => view.getFloat32(4 * i),
    0x0e: (i) => view.getFloat64(8 * i),
  };
  const get = read[arr.dtype];
  for (let i = 0; i < out.length; i++) out[i] = get(i);
}

/** Reads one images file and its labels file into a split of [rows, cols, 1] images. */
export async function loadIdxPair(imagesFile: string, labelsFile: string): Promise<LoadedSplit> {
  const [imageBytes, labelBytes] = await inOrder([() => readBytes(imagesFile), () => readBytes(labelsFile)]);
  const images = parseIdx(imagesFile, imageBytes);
  const labels = parseIdx(labelsFile, labelBytes);
  if (images.dims.length !== 3) {
    throw new DataError(
      imagesFile,
      'header.ndims',
      `is ${images.dims.length}, expected 3 (count, rows, cols) for an images file`,
    );
  }
  if (labels.dims.length !== 1) {
    throw new DataError(labelsFile, 'header.ndims', `is ${labels.dims.length}, expected 1 for a labels file`);
  }
  const count = images.dims[0];
  if (labels.dims[0] !== count) {
    throw new DataError(
      labelsFile,
      'header.dims[0]',
      `is ${labels.dims[0]} labels, expected ${count} to match the images in ${imagesFile}`,
    );
  }
  const inputShape = [images.dims[1], images.dims[2], 1];
  const x = new Float32Array(count * images.dims[1] * images.dims[2]);
  decode(images, x, true);
  assertFinite(imagesFile, 'images', x, [count, ...inputShape]);
  const rawLabels = new Float64Array(count);
  decode(labels, rawLabels, false);
  const y = toLabels(labelsFile, rawLabels, (i) => `labels[${i}]`);
  return { split: { x, y, count }, inputShape, file: imagesFile };
}

export async function loadMnistIdx(
  spec: Extract<DataConfig, { format: 'mnist-idx' }>,
  baseDir: string,
): Promise<DataSource> {
  const p = (f: string) => path.resolve(baseDir, f);
  const [train, test] = await inOrder([
    () => loadIdxPair(p(spec.trainImages), p(spec.trainLabels)),
    () => loadIdxPair(p(spec.testImages), p(spec.testLabels)),
  ]);
  return assemble('MNIST IDX', train, test, 'header.dims');
}
