// Where each weight of a kernel lands in the mask image. A Dense kernel [in, out] is an in x out image
// (a row per input); a convolution kernel [k, k, in, out] is a grid of k x k tiles, a row of tiles per
// input channel and a column per output channel, one pixel apart. Anything else is drawn as
// [all but the last dimension, last].
export interface MaskLayout {
  width: number;
  height: number;
  /** Pixel index (y * width + x) of every weight, in the kernel's row-major order. */
  pixelOf: Uint32Array;
}

export const TILE_GAP = 1;

export function maskLayout(shape: number[]): MaskLayout {
  const count = shape.reduce((a, b) => a * b, 1);
  const pixelOf = new Uint32Array(count);
  if (shape.length === 4) {
    const [kh, kw, cin, cout] = shape;
    const width = cout * (kw + TILE_GAP) - TILE_GAP;
    const height = cin * (kh + TILE_GAP) - TILE_GAP;
    let i = 0;
    for (let y = 0; y < kh; y++)
      for (let x = 0; x < kw; x++)
        for (let ci = 0; ci < cin; ci++)
          for (let co = 0; co < cout; co++) {
            pixelOf[i++] = (ci * (kh + TILE_GAP) + y) * width + co * (kw + TILE_GAP) + x;
          }
    return { width: Math.max(1, width), height: Math.max(1, height), pixelOf };
  }
  const width = shape.length ? shape[shape.length - 1] : 1;
  const height = width > 0 ? count / width : 0;
  for (let i = 0; i < count; i++) pixelOf[i] = i;
  return { width: Math.max(1, width), height: Math.max(1, height), pixelOf };
}

/** Whether a pixel is a gap between tiles (drawn as a faint grid line). */
export function isGap(shape: number[], x: number, y: number): boolean {
  if (shape.length !== 4) return false;
  const [kh, kw] = shape;
  return x % (kw + TILE_GAP) === kw || y % (kh + TILE_GAP) === kh;
}
