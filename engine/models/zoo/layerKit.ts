// Shared building blocks for the zoo factories: seeded initialisers and named layers. Every layer that
// owns random weights takes the next index in build order, and its seed is derived from (run seed,
// index), so the same spec rebuilds bit-identical initial weights while no two layers share a stream.
import * as tfl from '@tensorflow/tfjs-layers';

type SymbolicTensor = tfl.SymbolicTensor;

/**
 * Mixes the run seed and a layer index into one unsigned 32-bit seed (murmur3's finaliser). A plain
 * `seed + index` would make run 1's layer 2 identical to run 2's layer 1; the mix avoids that.
 */
export function layerSeed(seed: number, layerIndex: number): number {
  let h = (Math.trunc(seed) | 0) ^ Math.imul(layerIndex + 1, 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** `layer.apply` is typed for eager tensors too; in a functional build it must give one symbolic tensor. */
export function applyLayer(layer: tfl.layers.Layer, x: SymbolicTensor | SymbolicTensor[]): SymbolicTensor {
  const y = layer.apply(x);
  if (!(y instanceof tfl.SymbolicTensor)) {
    throw new Error(`Layer "${layer.name}" did not return a single symbolic tensor`);
  }
  return y;
}

function channelsOf(x: SymbolicTensor): number {
  const c = x.shape[x.shape.length - 1];
  if (c == null) throw new Error('The channel dimension must be known to initialise a convolution');
  return c;
}

export interface ConvOptions {
  name: string;
  filters: number;
  kernelSize: number;
  strides?: number;
  /** 'same' keeps the spatial size at stride 1, like PyTorch's padding=1 for 3x3 kernels. */
  padding?: 'same' | 'valid';
  useBias: boolean;
  activation?: 'relu' | 'linear';
}

/** BatchNorm as PyTorch's defaults (momentum 0.1 there = 0.9 here, eps 1e-5), as the references use. */
const BN_MOMENTUM = 0.9;
const BN_EPSILON = 1e-5;

/** Builds the layers of one zoo network, handing each weighted layer the next derived seed. */
export class ZooLayers {
  private layerIndex = 0;

  constructor(private readonly seed: number) {}

  private nextSeed(): number {
    return layerSeed(this.seed, this.layerIndex++);
  }

  /**
   * Conv2D with a Glorot (Xavier) normal kernel: N(0, 2 / (fanIn + fanOut)), untruncated, as the
   * reference CS code initialises its masked convolutions (xavier_normal_). tfjs's `glorotNormal`
   * draws a *truncated* normal without rescaling, which gives a ~12% smaller standard deviation, so
   * we compute the stddev ourselves and use `randomNormal`.
   */
  conv(x: SymbolicTensor, o: ConvOptions): SymbolicTensor {
    const fanIn = o.kernelSize * o.kernelSize * channelsOf(x);
    const fanOut = o.kernelSize * o.kernelSize * o.filters;
    const layer = tfl.layers.conv2d({
      name: o.name,
      filters: o.filters,
      kernelSize: o.kernelSize,
      strides: o.strides ?? 1,
      padding: o.padding ?? 'same',
      useBias: o.useBias,
      activation: o.activation ?? 'linear',
      kernelInitializer: tfl.initializers.randomNormal({
        mean: 0,
        stddev: Math.sqrt(2 / (fanIn + fanOut)),
        seed: this.nextSeed(),
      }),
      biasInitializer: 'zeros',
    });
    return applyLayer(layer, x);
  }

  /** Dense with tfjs's default Glorot-uniform kernel, seeded; zero bias. */
  dense(x: SymbolicTensor, name: string, units: number, activation: 'relu' | 'linear'): SymbolicTensor {
    const layer = tfl.layers.dense({
      name,
      units,
      activation,
      kernelInitializer: tfl.initializers.glorotUniform({ seed: this.nextSeed() }),
      biasInitializer: 'zeros',
    });
    return applyLayer(layer, x);
  }

  /** BatchNorm with gamma 1, beta 0 (deterministic, so no seed is needed). */
  batchNorm(x: SymbolicTensor, name: string): SymbolicTensor {
    const layer = tfl.layers.batchNormalization({
      name,
      momentum: BN_MOMENTUM,
      epsilon: BN_EPSILON,
      gammaInitializer: 'ones',
      betaInitializer: 'zeros',
    });
    return applyLayer(layer, x);
  }

  relu(x: SymbolicTensor, name: string): SymbolicTensor {
    return applyLayer(tfl.layers.activation({ name, activation: 'relu' }), x);
  }

  maxPool(x: SymbolicTensor, name: string): SymbolicTensor {
    return applyLayer(tfl.layers.maxPooling2d({ name, poolSize: 2, strides: 2, padding: 'valid' }), x);
  }
}
