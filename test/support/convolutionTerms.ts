// The terms of a 2-D convolution (NHWC, dilation 1) for tests that sum its forward pass or one of its
// gradients in float64: every product x[b, iy, ix, c] * w[kh, kw, c, o] that output y[b, oy, ox, o]
// is made of, with iy = oy*sh + kh - top and ix = ox*sw + kw - left inside the image.

export interface ConvolutionGeometry {
  /** x [batch, h, w, ci], the filter [fh, fw, ci, co], y [batch, oh, ow, co]. */
  batch: number;
  h: number;
  w: number;
  ci: number;
  oh: number;
  ow: number;
  co: number;
  fh: number;
  fw: number;
  sh: number;
  sw: number;
  top: number;
  left: number;
}

/** Calls `visit` with the flat indices into x, the filter and y of each term. */
export function forEachConvolutionTerm(
  g: ConvolutionGeometry,
  visit: (xAt: number, wAt: number, yAt: number) => void,
): void {
  for (let b = 0; b < g.batch; b++)
    for (let oy = 0; oy < g.oh; oy++)
      for (let ox = 0; ox < g.ow; ox++)
        for (let kh = 0; kh < g.fh; kh++)
          for (let kw = 0; kw < g.fw; kw++) {
            const iy = oy * g.sh + kh - g.top;
            const ix = ox * g.sw + kw - g.left;
            if (iy < 0 || iy >= g.h || ix < 0 || ix >= g.w) continue;
            for (let c = 0; c < g.ci; c++) {
              const xAt = ((b * g.h + iy) * g.w + ix) * g.ci + c;
              for (let o = 0; o < g.co; o++) {
                visit(
                  xAt,
                  ((kh * g.fw + kw) * g.ci + c) * g.co + o,
                  ((b * g.oh + oy) * g.ow + ox) * g.co + o,
                );
              }
            }
          }
}

/**
 * Float64 sums of products into `size` slots, and the sums of their magnitudes (which bound a float32
 * sum's rounding): `each` adds every product through `add`.
 */
export function sumsOfProducts(
  size: number,
  each: (add: (at: number, product: number) => void) => void,
): { sum: Float64Array; bound: Float64Array } {
  const sum = new Float64Array(size);
  const bound = new Float64Array(size);
  each((at, product) => {
    sum[at] += product;
    bound[at] += Math.abs(product);
  });
  return { sum, bound };
}
