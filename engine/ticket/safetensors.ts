// Reader and writer of the safetensors format (https://github.com/huggingface/safetensors), so that
// masks and weights open directly in PyTorch/NumPy with `safetensors.numpy.load_file`.
//
// Layout: u64 little-endian header length N, N bytes of JSON header (padded with spaces to a
// multiple of 8 so every tensor starts 8-aligned), then the raw little-endian tensor bytes.
// The writer mirrors the reference Rust implementation byte for byte: tensors sorted by descending
// dtype alignment and then by name, `__metadata__` first in the header, compact JSON. The reader
// enforces the reference's rules too (contiguous offsets from 0, the last one ending the file).

export type SafetensorsDtype = 'F32' | 'U8' | 'I32';

export interface NamedArray {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  data: Float32Array | Uint8Array | Int32Array;
}

export interface DecodedSafetensors {
  tensors: NamedArray[];
  metadata: Record<string, string>;
}

interface DtypeInfo {
  bytes: number;
  /** Position in the reference's `Dtype` enum, which is ordered by increasing alignment. */
  rank: number;
}

const DTYPES: Record<SafetensorsDtype, DtypeInfo> = {
  U8: { bytes: 1, rank: 1 },
  I32: { bytes: 4, rank: 9 },
  F32: { bytes: 4, rank: 11 },
};

const METADATA_KEY = '__metadata__';
/** The reference rejects larger headers; so do we, to fail fast on garbage lengths. */
const MAX_HEADER_BYTES = 100_000_000;

const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export class SafetensorsError extends Error {
  override name = 'SafetensorsError';
}

function isDtype(x: unknown): x is SafetensorsDtype {
  return typeof x === 'string' && Object.prototype.hasOwnProperty.call(DTYPES, x);
}

function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function checkTypedArray(t: NamedArray): void {
  const ok =
    (t.dtype === 'F32' && t.data instanceof Float32Array) ||
    (t.dtype === 'U8' && t.data instanceof Uint8Array) ||
    (t.dtype === 'I32' && t.data instanceof Int32Array);
  if (!ok)
    throw new SafetensorsError(`tensor '${t.name}': data is a ${t.data.constructor.name}, not ${t.dtype}`);
}

function checkShape(shape: unknown, where: string): number[] {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new SafetensorsError(`${where}: shape must be an array of non-negative integers`);
  }
  return shape as number[];
}

/** Little-endian bytes of a typed array (a view when the host is little-endian, as it nearly always is). */
function littleEndianBytes(t: NamedArray): Uint8Array {
  const { data } = t;
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (HOST_IS_LITTLE_ENDIAN || t.dtype === 'U8') return bytes;
  const out = new Uint8Array(bytes.length);
  const view = new DataView(out.buffer);
  for (let i = 0; i < data.length; i++) {
    if (t.dtype === 'F32') view.setFloat32(i * 4, data[i], true);
    else view.setInt32(i * 4, data[i], true);
  }
  return out;
}

/** Serialize tensors (and optional string metadata) to safetensors bytes. */
export function encodeSafetensors(tensors: NamedArray[], metadata?: Record<string, string>): Uint8Array {
  const seen = new Set<string>();
  for (const t of tensors) {
    if (t.name === METADATA_KEY) throw new SafetensorsError(`tensor name '${METADATA_KEY}' is reserved`);
    if (seen.has(t.name)) throw new SafetensorsError(`duplicate tensor name '${t.name}'`);
    seen.add(t.name);
    if (!isDtype(t.dtype))
      throw new SafetensorsError(`tensor '${t.name}': unsupported dtype '${String(t.dtype)}'`);
    checkTypedArray(t);
    checkShape(t.shape, `tensor '${t.name}'`);
    if (elementCount(t.shape) !== t.data.length) {
      throw new SafetensorsError(
        `tensor '${t.name}': shape [${t.shape.join(',')}] needs ${elementCount(t.shape)} elements, data has ${t.data.length}`,
      );
    }
  }

  // Reference order: descending alignment (F32, I32, U8) and then by name (byte order, like Rust).
  const ordered = [...tensors].sort(
    (a, b) => DTYPES[b.dtype].rank - DTYPES[a.dtype].rank || compareUtf8(a.name, b.name),
  );

  // The header is assembled from ordered (key, JSON text) pairs: a JS object would move
  // integer-like names ("0", "1", ...) to the front and break the reference's order.
  const fields: [string, string][] = [];
  if (metadata !== undefined) {
    const meta: [string, string][] = [];
    for (const key of Object.keys(metadata).sort(compareUtf8)) {
      const value = metadata[key];
      if (typeof value !== 'string') throw new SafetensorsError(`metadata '${key}': value must be a string`);
      meta.push([key, JSON.stringify(value)]);
    }
    fields.push([METADATA_KEY, jsonObject(meta)]);
  }
  let offset = 0;
  for (const t of ordered) {
    const n = t.data.byteLength;
    fields.push([
      t.name,
      JSON.stringify({ dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + n] }),
    ]);
    offset += n;
  }

  const json = new TextEncoder().encode(jsonObject(fields));
  const headerLength = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + headerLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLength), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLength);
  let pos = 8 + headerLength;
  for (const t of ordered) {
    out.set(littleEndianBytes(t), pos);
    pos += t.data.byteLength;
  }
  return out;
}

/** Compact JSON object from (key, already-serialized value) pairs, in the given order. */
function jsonObject(pairs: [string, string][]): string {
  return `{${pairs.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`;
}

/** Rust compares strings by UTF-8 bytes; JS `<` compares UTF-16 units. They differ only for astral characters. */
function compareUtf8(a: string, b: string): number {
  if (a === b) return 0;
  const ea = new TextEncoder().encode(a);
  const eb = new TextEncoder().encode(b);
  const n = Math.min(ea.length, eb.length);
  for (let i = 0; i < n; i++) if (ea[i] !== eb[i]) return ea[i] - eb[i];
  return ea.length - eb.length;
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

interface ParsedEntry {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  begin: number;
  end: number;
}

function parseEntry(name: string, value: unknown): ParsedEntry {
  const where = `tensor '${name}'`;
  if (!isPlainObject(value)) throw new SafetensorsError(`${where}: header entry must be an object`);
  const { dtype, shape, data_offsets: offsets } = value;
  if (!isDtype(dtype)) throw new SafetensorsError(`${where}: unsupported dtype '${String(dtype)}'`);
  const dims = checkShape(shape, where);
  if (
    !Array.isArray(offsets) ||
    offsets.length !== 2 ||
    !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)
  ) {
    throw new SafetensorsError(`${where}: data_offsets must be two non-negative integers`);
  }
  const [begin, end] = offsets as [number, number];
  if (end < begin)
    throw new SafetensorsError(`${where}: data_offsets [${begin},${end}] end before they begin`);
  const expected = elementCount(dims) * DTYPES[dtype].bytes;
  if (end - begin !== expected) {
    throw new SafetensorsError(
      `${where}: data_offsets [${begin},${end}] hold ${end - begin} bytes, dtype ${dtype} shape [${dims.join(',')}] needs ${expected}`,
    );
  }
  return { name, dtype, shape: dims, begin, end };
}

function readTensor(e: ParsedEntry, data: Uint8Array): NamedArray {
  // Copy into a fresh buffer: that gives the typed array the alignment its element size needs, and
  // unlinks it from the input. (Not data.slice(): on a Node Buffer, slice() is a view into the
  // shared pool, not a copy.)
  const bytes = new Uint8Array(e.end - e.begin);
  bytes.set(data.subarray(e.begin, e.end));
  const count = elementCount(e.shape);
  if (e.dtype === 'U8') return { name: e.name, dtype: e.dtype, shape: e.shape, data: bytes };
  if (HOST_IS_LITTLE_ENDIAN) {
    const arr = e.dtype === 'F32' ? new Float32Array(bytes.buffer) : new Int32Array(bytes.buffer);
    return { name: e.name, dtype: e.dtype, shape: e.shape, data: arr };
  }
  const view = new DataView(bytes.buffer);
  const arr = e.dtype === 'F32' ? new Float32Array(count) : new Int32Array(count);
  for (let i = 0; i < count; i++)
    arr[i] = e.dtype === 'F32' ? view.getFloat32(i * 4, true) : view.getInt32(i * 4, true);
  return { name: e.name, dtype: e.dtype, shape: e.shape, data: arr };
}

/**
 * Parse safetensors bytes. Tensors come back in file (offset) order. Every structural problem
 * throws a SafetensorsError that names the offending field or tensor.
 */
export function decodeSafetensors(bytes: Uint8Array): DecodedSafetensors {
  if (bytes.length < 8) {
    throw new SafetensorsError(`header length: file has ${bytes.length} bytes, needs at least 8`);
  }
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (headerLength > BigInt(MAX_HEADER_BYTES)) {
    throw new SafetensorsError(`header length ${headerLength} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  }
  const n = Number(headerLength);
  if (8 + n > bytes.length) {
    throw new SafetensorsError(`header length ${n} runs past the end of the ${bytes.length}-byte file`);
  }
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n)));
  } catch (err) {
    throw new SafetensorsError(`header: not valid UTF-8 JSON (${(err as Error).message})`);
  }
  if (!isPlainObject(header)) throw new SafetensorsError('header: must be a JSON object');

  const metaPairs: [string, string][] = [];
  const entries: ParsedEntry[] = [];
  for (const [name, value] of Object.entries(header)) {
    if (name === METADATA_KEY) {
      if (!isPlainObject(value)) throw new SafetensorsError(`${METADATA_KEY}: must be an object of strings`);
      for (const [k, v] of Object.entries(value)) {
        if (typeof v !== 'string') throw new SafetensorsError(`${METADATA_KEY}.${k}: value must be a string`);
        metaPairs.push([k, v]);
      }
      continue;
    }
    entries.push(parseEntry(name, value));
  }

  // Like the reference: sorted by offset the tensors must tile the data section exactly, which
  // rules out overlaps, gaps and data past the end (or trailing bytes nobody owns).
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  const dataLength = bytes.length - 8 - n;
  let expectedBegin = 0;
  for (const e of entries) {
    if (e.begin < expectedBegin) {
      throw new SafetensorsError(
        `tensor '${e.name}': data_offsets [${e.begin},${e.end}] overlap the previous tensor`,
      );
    }
    if (e.begin > expectedBegin) {
      throw new SafetensorsError(
        `tensor '${e.name}': data_offsets [${e.begin},${e.end}] leave a gap after byte ${expectedBegin}`,
      );
    }
    if (e.end > dataLength) {
      throw new SafetensorsError(
        `tensor '${e.name}': data_offsets [${e.begin},${e.end}] run past the ${dataLength}-byte data section`,
      );
    }
    expectedBegin = e.end;
  }
  if (expectedBegin !== dataLength) {
    throw new SafetensorsError(
      `data section: ${dataLength} bytes but the tensors cover only ${expectedBegin}`,
    );
  }

  const data = bytes.subarray(8 + n);
  // fromEntries defines own properties, so even a '__proto__' key stays plain data.
  return { tensors: entries.map((e) => readTensor(e, data)), metadata: Object.fromEntries(metaPairs) };
}
