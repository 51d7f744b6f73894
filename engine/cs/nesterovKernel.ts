// One SGD step (momentum, Nesterov, PyTorch's weight decay) for one parameter as a single pass, on the
// backends whose memory this process addresses. Written out with stock kernels, the step is seven
// elementwise kernels over the parameter, each with a scalar to upload; for LeNet-300-100 on wasm the
// two optimisers were about a tenth of a CS step once its matmuls got fast.
import { activeBackendHas, registerHostKernel } from '../backend/hostKernel';

export const NESTEROV_STEP = 'SparsityLabNesterovStep';

export interface NesterovAttrs {
  learningRate: number;
  momentum: number;
  weightDecay: number;
}

/** g = grad + wd*p; buf' = m*buf + g; p' = p - lr*(g + m*buf'), element by element. */
registerHostKernel<NesterovAttrs>(
  NESTEROV_STEP,
  ['p', 'buf', 'grad'],
  2,
  ([p, buf, grad], [pOut, bufOut], { learningRate, momentum, weightDecay }) => {
    for (let i = 0; i < p.length; i++) {
      const g = grad[i] + weightDecay * p[i];
      const b = momentum * buf[i] + g;
      bufOut[i] = b;
      pOut[i] = p[i] - learningRate * (g + momentum * b);
    }
  },
);

/** Whether the active backend has the one-pass step; others compose it from stock kernels. */
export function hasNesterovKernel(): boolean {
  return activeBackendHas(NESTEROV_STEP);
}
