import { strict as assert } from 'node:assert';
import {
  decodeSafetensors,
  encodeSafetensors,
  SafetensorsError,
  type NamedArray,
} from '../../../engine/ticket/safetensors';

const ascii = (s: string): number[] => [...Buffer.from(s, 'utf8')];
const u64le = (n: number): number[] => [n, 0, 0, 0, 0, 0, 0, 0];
const f32le = (...xs: number[]): number[] => [...new Uint8Array(new Float32Array(xs).buffer)];

/** A file with the given header text (unpadded, length taken as is) and data bytes. */
function rawFile(header: string, data: number[] = []): Uint8Array {
  const h = ascii(header);
  return Uint8Array.from([...u64le(h.length), ...h, ...data]);
}

function expectError(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof SafetensorsError, `expected SafetensorsError, got ${String(err)}`);
    assert.match(err.message, pattern);
    return true;
  });
}

describe('safetensors', () => {
  describe('byte layout', () => {
    // Expected bytes of the reference implementation's own unit tests (safetensors/src/tensor.rs).
    it('matches the reference for a header that is already a multiple of 8', () => {
      const t: NamedArray = {
        name: 'attn.0',
        dtype: 'F32',
        shape: [1, 2, 3],
        data: new Float32Array([0, 1, 2, 3, 4, 5]),
      };
      const header = '{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}';
      assert.equal(header.length, 64);
      const expected = [...u64le(64), ...ascii(header), ...f32le(0, 1, 2, 3, 4, 5)];
      assert.deepEqual([...encodeSafetensors([t])], expected);
    });

    it('pads the header with spaces to a multiple of 8 (reference forced-alignment case)', () => {
      const t: NamedArray = {
        name: 'attn0',
        dtype: 'F32',
        shape: [1, 1, 2, 3],
        data: new Float32Array([0, 1, 2, 3, 4, 5]),
      };
      const header = '{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}';
      assert.equal(header.length, 65);
      const expected = [...u64le(72), ...ascii(header), ...ascii('       '), ...f32le(0, 1, 2, 3, 4, 5)];
      assert.deepEqual([...encodeSafetensors([t])], expected);
    });

    it('writes __metadata__ first (reference empty-file case)', () => {
      const expected = [...u64le(40), ...ascii('{"__metadata__":{"framework":"pt"}}'), ...ascii('     ')];
      assert.deepEqual([...encodeSafetensors([], { framework: 'pt' })], expected);
      assert.deepEqual([...encodeSafetensors([])], [...u64le(8), ...ascii('{}      ')]);
    });

    it('orders data by descending dtype alignment, then by name, whatever the input order', () => {
      const tensors: NamedArray[] = [
        { name: 'm', dtype: 'U8', shape: [3], data: Uint8Array.from([1, 0, 1]) },
        { name: 'b', dtype: 'I32', shape: [1], data: Int32Array.from([-2]) },
        { name: 'w', dtype: 'F32', shape: [1], data: Float32Array.from([2.5]) },
        { name: 'a', dtype: 'F32', shape: [], data: Float32Array.from([1]) },
      ];
      const header =
        '{"a":{"dtype":"F32","shape":[],"data_offsets":[0,4]},' +
        '"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]},' +
        '"b":{"dtype":"I32","shape":[1],"data_offsets":[8,12]},' +
        '"m":{"dtype":"U8","shape":[3],"data_offsets":[12,15]}}';
      const pad = (8 - (header.length % 8)) % 8;
      const expected = [
        ...u64le(header.length + pad),
        ...ascii(header + ' '.repeat(pad)),
        ...f32le(1, 2.5),
        ...[0xfe, 0xff, 0xff, 0xff],
        ...[1, 0, 1],
      ];
      assert.deepEqual([...encodeSafetensors(tensors)], expected);
      assert.deepEqual([...encodeSafetensors([...tensors].reverse())], expected);
    });

    it('keeps integer-like names in sorted order in the header', () => {
      const t = (name: string): NamedArray => ({ name, dtype: 'U8', shape: [1], data: Uint8Array.from([1]) });
      const bytes = encodeSafetensors([t('b'), t('10'), t('2')], { z: '1', '0': 'x' });
      const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
      const text = Buffer.from(bytes.subarray(8, 8 + headerLength))
        .toString('utf8')
        .trimEnd();
      assert.ok(
        text.startsWith(
          '{"__metadata__":{"0":"x","z":"1"},"10":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"2":',
        ),
        text,
      );
    });
  });

  describe('round trip', () => {
    it('returns names, dtypes, shapes, values and metadata', () => {
      const tensors: NamedArray[] = [
        {
          name: 'fc1/kernel',
          dtype: 'F32',
          shape: [2, 3],
          data: Float32Array.from([0.5, -1, 3e-8, Infinity, -0, 7]),
        },
        { name: 'fc1', dtype: 'U8', shape: [2, 3], data: Uint8Array.from([1, 0, 0, 1, 1, 0]) },
        { name: 'steps', dtype: 'I32', shape: [2], data: Int32Array.from([2147483647, -2147483648]) },
        { name: 'empty', dtype: 'F32', shape: [0, 4], data: new Float32Array(0) },
      ];
      const metadata = { runId: 'r-1', maskScale: '2', ünïcode: 'ü' };
      const bytes = encodeSafetensors(tensors, metadata);
      assert.equal(Number(new DataView(bytes.buffer).getBigUint64(0, true)) % 8, 0);
      const decoded = decodeSafetensors(bytes);
      assert.deepEqual(decoded.metadata, metadata);
      const byName = new Map(decoded.tensors.map((t) => [t.name, t]));
      assert.equal(byName.size, tensors.length);
      for (const t of tensors) {
        const d = byName.get(t.name);
        assert.ok(d, t.name);
        assert.equal(d.dtype, t.dtype);
        assert.deepEqual(d.shape, t.shape);
        assert.equal(d.data.constructor, t.data.constructor);
        assert.deepEqual([...d.data], [...t.data]);
      }
      assert.ok(Object.is(byName.get('fc1/kernel')?.data[4], -0));
    });

    it('decodes from a Node Buffer that is a view into a larger pool, and copies the data out', () => {
      const bytes = encodeSafetensors([
        { name: 'w', dtype: 'F32', shape: [3], data: Float32Array.from([1.5, -2, 3]) },
        { name: 'm', dtype: 'U8', shape: [2], data: Uint8Array.from([0, 1]) },
      ]);
      const pool = Buffer.alloc(bytes.length + 13, 0xee);
      pool.set(bytes, 5);
      const view = pool.subarray(5, 5 + bytes.length);
      const decoded = decodeSafetensors(view);
      assert.deepEqual(
        decoded.tensors.map((t) => [t.name, t.data.constructor.name, [...t.data]]),
        [
          ['w', 'Float32Array', [1.5, -2, 3]],
          ['m', 'Uint8Array', [0, 1]],
        ],
      );
      view.fill(0);
      assert.deepEqual([...decoded.tensors[1].data], [0, 1]);
    });

    it('every header length lands the data on an 8-byte boundary', () => {
      for (let len = 1; len <= 16; len++) {
        const bytes = encodeSafetensors([
          { name: 'x'.repeat(len), dtype: 'F32', shape: [1], data: Float32Array.from([len]) },
        ]);
        const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
        assert.equal(n % 8, 0, `name length ${len}`);
        assert.equal(bytes.length, 8 + n + 4);
        assert.deepEqual([...decodeSafetensors(bytes).tensors[0].data], [len]);
      }
    });

    it('reads a file whose tensors are not 4-aligned (written by another tool)', () => {
      const header =
        '{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"b":{"dtype":"F32","shape":[1],"data_offsets":[1,5]}}';
      const decoded = decodeSafetensors(rawFile(header, [9, ...f32le(1.5)]));
      assert.deepEqual(
        decoded.tensors.map((t) => [t.name, [...t.data]]),
        [
          ['a', [9]],
          ['b', [1.5]],
        ],
      );
    });
  });

  describe('bad input', () => {
    it('rejects a file shorter than the length field', () => {
      expectError(() => decodeSafetensors(Uint8Array.from([1, 0, 0])), /header length.*3 bytes/);
    });

    it('rejects a header length past the end of the file', () => {
      const bytes = Uint8Array.from([...u64le(100), ...ascii('{}')]);
      expectError(() => decodeSafetensors(bytes), /header length 100 runs past the end/);
      const huge = new Uint8Array(16);
      new DataView(huge.buffer).setBigUint64(0, 2n ** 63n, true);
      expectError(() => decodeSafetensors(huge), /header length .* exceeds/);
    });

    it('rejects overlapping offsets and names the tensor', () => {
      const header =
        '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}';
      expectError(() => decodeSafetensors(rawFile(header, new Array(8).fill(0))), /tensor 'b'.*overlap/);
    });

    it('rejects offsets out of range, gaps and trailing bytes', () => {
      const past = '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}';
      expectError(
        () => decodeSafetensors(rawFile(past, [0, 0, 0, 0])),
        /tensor 'a'.*run past the 4-byte data/,
      );
      const gap = '{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}';
      expectError(() => decodeSafetensors(rawFile(gap, new Array(8).fill(0))), /tensor 'a'.*gap/);
      expectError(
        () => decodeSafetensors(rawFile(past, new Array(12).fill(0))),
        /data section: 12 bytes.*only 8/,
      );
      const negative = '{"a":{"dtype":"U8","shape":[1],"data_offsets":[-1,0]}}';
      expectError(() => decodeSafetensors(rawFile(negative, [0])), /tensor 'a': data_offsets must be/);
    });

    it('rejects offsets that disagree with dtype and shape', () => {
      const header = '{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}';
      expectError(() => decodeSafetensors(rawFile(header, new Array(8).fill(0))), /tensor 'w'.*needs 12/);
    });

    it('rejects unknown dtypes, bad shapes, bad metadata and bad JSON, naming the field', () => {
      expectError(
        () =>
          decodeSafetensors(
            rawFile('{"w":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}}', new Array(8).fill(0)),
          ),
        /tensor 'w': unsupported dtype 'F64'/,
      );
      expectError(
        () => decodeSafetensors(rawFile('{"w":{"dtype":"U8","shape":[1.5],"data_offsets":[0,1]}}', [0])),
        /tensor 'w': shape/,
      );
      expectError(() => decodeSafetensors(rawFile('{"__metadata__":{"k":1}}')), /__metadata__\.k/);
      expectError(() => decodeSafetensors(rawFile('{"w":')), /header: not valid/);
      expectError(() => decodeSafetensors(rawFile('[]')), /header: must be a JSON object/);
    });

    it('refuses to encode inconsistent tensors', () => {
      expectError(
        () => encodeSafetensors([{ name: 'w', dtype: 'F32', shape: [2, 2], data: new Float32Array(3) }]),
        /tensor 'w'.*needs 4 elements/,
      );
      expectError(
        () => encodeSafetensors([{ name: 'w', dtype: 'F32', shape: [1], data: new Uint8Array(1) }]),
        /tensor 'w': data is a Uint8Array/,
      );
      const t: NamedArray = { name: 'w', dtype: 'U8', shape: [1], data: new Uint8Array(1) };
      expectError(() => encodeSafetensors([t, t]), /duplicate tensor name 'w'/);
      expectError(() => encodeSafetensors([{ ...t, name: '__metadata__' }]), /reserved/);
    });
  });
});
