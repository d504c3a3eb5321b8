/**
 * Saving, loading and handing models over: pytrees to and from safetensors (the format of
 * PyTorch, JAX and Hugging Face), training checkpoints that resume bit-identically, and
 * ONNX export of traced functions for ONNX Runtime and other engines. No dependency: the
 * safetensors container and ONNX's protobuf encoding are written here.
 *
 * @module
 */
export {
  load,
  type LoadOptions,
  loadSafetensors,
  safetensorsInfo,
  save,
  type SaveOptions,
  saveSafetensors,
  type TensorEntry,
} from "./safetensors.ts";
export {
  type CheckpointValue,
  loadCheckpoint,
  type LoadCheckpointOptions,
  saveCheckpoint,
} from "./checkpoint.ts";
export { exportOnnx, type ExportOnnxOptions } from "./onnx.ts";
