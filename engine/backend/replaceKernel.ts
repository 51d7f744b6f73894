// Registering a kernel of ours in place of whatever a backend has under that name.
import * as tf from '@tensorflow/tfjs-core';
import type { KernelFunc } from '@tensorflow/tfjs-core';

/** Registers `kernelFunc` for `kernelName` on `backendName`, replacing any other; safe to repeat. */
export function replaceKernel(backendName: string, kernelName: string, kernelFunc: KernelFunc): void {
  const current = tf.getKernel(kernelName, backendName);
  if (current?.kernelFunc === kernelFunc) return;
  // Unregistering first avoids registerKernel's "already registered" warning.
  if (current !== undefined) tf.unregisterKernel(kernelName, backendName);
  tf.registerKernel({ kernelName, backendName, kernelFunc });
}
