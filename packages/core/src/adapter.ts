/**
 * @mdn/core/adapter — for authors of backend adapters: the adapter contract and the fused kernels an adapter may
 * register beside the plain-op reference path (the conformance suite checks each against it).
 */

export { BACKEND_CONTRACT_VERSION, type BackendAdapter, type BackendInfo } from './backend/adapter.js';
export {
  activationGrad,
  type DenseGradients,
  type DenseOptions,
  type DenseOutput,
  denseBackward,
  denseForward,
  type HeadsGradients,
  headsBackward,
  headsForward,
} from './train/dense.js';
export {
  DENSE_KERNELS,
  type DenseBackwardAttrs,
  type DenseBackwardInputs,
  type DenseBackwardOutputs,
  type DenseForwardAttrs,
  type DenseForwardInputs,
  type DenseForwardOutputs,
  denseBackwardCall,
  denseBackwardOutputs,
  denseForwardCall,
  denseForwardOutputs,
  type HeadsBackwardAttrs,
  type HeadsBackwardInputs,
  type HeadsBackwardOutputs,
  type HeadsForwardInputs,
  headsBackwardCall,
  headsBackwardOutputs,
  headsForwardCall,
  type KernelCall,
  readDenseBackward,
  readDenseBackwardOutputs,
  readDenseForward,
  readDenseForwardOutputs,
  readHeadsBackward,
  readHeadsBackwardOutputs,
  readHeadsForward,
} from './train/dense-contract.js';
export {
  type AdamSettings,
  adamStep,
  binnedMixtureNllHost,
  binnedMixtureNllWithGradients,
  FUSED_KERNELS,
  fullMixtureNllWithGradients,
  type HostOutput,
  type HostView,
  hasFusedKernel,
  mixtureNllWithGradients,
  registerHostKernels,
  type StandardisedBins,
  transpose2d,
  transposeHost,
  unregisterHostKernels,
} from './train/fused.js';
export { type StepStats, TrainingStep, type TrainingStepOptions } from './train/step.js';
