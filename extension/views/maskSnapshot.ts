// Reads one layer's mask logits from a run's snapshot (`latest.safetensors`, tensor `masks/<layer>`)
// and packs its binary mask (s > 0) into the bitmap the dashboard draws. Only the header and that one
// tensor are read: a snapshot of a large model holds every weight and optimiser slot too, and the
// dashboard asks again at every epoch end. No vscode here, so it is tested on its own.
import { open } from 'node:fs/promises';
import type { MaskBitmap } from '../../webview/protocol/viewProtocol';

/** As in engine/ticket/safetensors.ts: a larger header means a damaged file. */
const MAX_HEADER_BYTES = 100_000_000;

interface TensorEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

function isTensorEntry(value: unknown): value is TensorEntry {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.dtype === 'string' &&
    Array.isArray(v.shape) &&
    v.shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0) &&
    Array.isArray(v.data_offsets) &&
    v.data_offsets.length === 2 &&
    v.data_offsets.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)
  );
}

/** Packs s > 0 one bit per weight, most significant bit first, in the kernel's row-major order. */
export function packMask(logits: Float32Array): { bits: Uint8Array; kept: number } {
  const bits = new Uint8Array(Math.ceil(logits.length / 8));
  let kept = 0;
  for (let i = 0; i < logits.length; i++) {
    if (logits[i] > 0) {
      bits[i >> 3] |= 0x80 >> (i & 7);
      kept++;
    }
  }
  return { bits, kept };
}

/**
 * The layer's mask from a safetensors snapshot; null when the file or the tensor is missing (an engine
 * that has not finished its first epoch, or a layer that is not masked).
 */
export async function readMaskBitmap(
  file: string,
  layer: string,
  kind: string,
  step: number | null,
): Promise<MaskBitmap | null> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch {
    return null;
  }
  try {
    const prefix = Buffer.alloc(8);
    await handle.read(prefix, 0, 8, 0);
    const headerLength = Number(prefix.readBigUInt64LE(0));
    if (headerLength <= 0 || headerLength > MAX_HEADER_BYTES) throw new Error(`${file}: bad header length`);
    const headerBytes = Buffer.alloc(headerLength);
    await handle.read(headerBytes, 0, headerLength, 8);
    const header = JSON.parse(headerBytes.toString('utf8')) as Record<string, unknown>;
    const entry = header[`masks/${layer}`];
    if (entry === undefined) return null;
    if (!isTensorEntry(entry) || entry.dtype !== 'F32') {
      throw new Error(`${file}: masks/${layer} is not an F32 tensor`);
    }
    const [begin, end] = entry.data_offsets;
    const count = entry.shape.reduce((a, b) => a * b, 1);
    if (end - begin !== count * 4) throw new Error(`${file}: masks/${layer} has the wrong byte length`);
    const raw = Buffer.alloc(end - begin);
    await handle.read(raw, 0, raw.length, 8 + headerLength + begin);
    // Copied into a fresh, aligned buffer: safetensors is little-endian, as are the hosts VS Code runs on.
    const logits = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.length));
    const { bits, kept } = packMask(logits);
    return { layer, kind, shape: entry.shape, kept, step, bits: Buffer.from(bits).toString('base64') };
  } finally {
    await handle.close();
  }
}
