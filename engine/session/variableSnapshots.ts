// Copies variables to plain arrays (for snapshots and exports) and back, by name.
import * as tf from '@tensorflow/tfjs-core';
import type { NamedArray } from '../ticket/safetensors';

export interface NamedVariable {
  name: string;
  variable: tf.Variable;
}

export async function readVariables(prefix: string, vars: NamedVariable[]): Promise<NamedArray[]> {
  return Promise.all(
    vars.map(async ({ name, variable }) => ({
      name: `${prefix}${name}`,
      dtype: 'F32' as const,
      shape: variable.shape.slice(),
      data: (await variable.data()) as Float32Array,
    })),
  );
}

/** Assigns each variable from the array named `${prefix}${name}`; a missing or misshapen one throws. */
export function assignVariables(
  prefix: string,
  vars: NamedVariable[],
  arrays: NamedArray[],
  source: string,
): void {
  const byName = new Map(arrays.map((a) => [a.name, a]));
  for (const { name, variable } of vars) {
    const a = byName.get(`${prefix}${name}`);
    if (!a) throw new Error(`${source}: no tensor "${prefix}${name}"`);
    if (a.data.length !== variable.size) {
      throw new Error(
        `${source}: tensor "${prefix}${name}" has ${a.data.length} values, expected ${variable.size}`,
      );
    }
    // Inside tidy: the variable keeps the data, the temporary tensor is freed.
    tf.tidy(() => variable.assign(tf.tensor(a.data as Float32Array, variable.shape, 'float32')));
  }
}

export const indexed = (vars: tf.Variable[]): NamedVariable[] =>
  vars.map((variable, i) => ({ name: String(i), variable }));
