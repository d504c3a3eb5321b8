/**
 * Saving, loading and handing models over: pytrees to and from safetensors (the format of
 * PyTorch, JAX and Hugging Face), training checkpoints that resume bit-identically, and
 * ONNX export of traced functions for ONNX Runtime and other engines. No dependency: the
 * safetensors container and ONNX's protobuf encoding are written here.
 *
 * @module
 */
// `export *` rather than named re-exports: deno doc drops named re-exports inside a
// namespace module (tests/docs_test.ts checks that every export is documented).
export * from "./safetensors.ts";
export * from "./checkpoint.ts";
export * from "./onnx.ts";
