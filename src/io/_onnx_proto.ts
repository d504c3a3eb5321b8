/**
 * The protobuf encoding of ONNX's ModelProto, written by hand (only what export needs).
 *
 * Protobuf wire format: each field is a key `(field number << 3) | wire type` as a varint,
 * then the value: wire type 0 a varint (int32/int64/enum; negative numbers as 10-byte two's
 * complement), 2 a length-delimited run (strings, bytes, nested messages, packed repeated
 * scalars), 5 four little-endian bytes (float). Field numbers are those of onnx.proto:
 *
 *   ModelProto       ir_version 1, producer_name 2, producer_version 3, graph 7, opset_import 8
 *   OperatorSetId    domain 1, version 2
 *   GraphProto       node 1, name 2, initializer 5, input 11, output 12
 *   NodeProto        input 1, output 2, name 3, op_type 4, attribute 5
 *   AttributeProto   name 1, f 2, i 3, s 4, t 5, ints 8, type 20
 *   TensorProto      dims 1, data_type 2, name 8, raw_data 9
 *   ValueInfoProto   name 1, type 2 → TypeProto tensor_type 1 → elem_type 1, shape 2
 *                    → TensorShapeProto dim 1 → dim_value 1 | dim_param 2
 */

/** Accumulates one message's bytes. */
export class ProtoWriter {
  #chunks: Uint8Array[] = [];
  #bytes: number[] = [];
  #length = 0;

  #flush(): void {
    if (this.#bytes.length) {
      this.#chunks.push(Uint8Array.from(this.#bytes));
      this.#length += this.#bytes.length;
      this.#bytes = [];
    }
  }

  #varint(v: bigint): void {
    let x = BigInt.asUintN(64, v);
    while (x >= 0x80n) {
      this.#bytes.push(Number(x & 0x7fn) | 0x80);
      x >>= 7n;
    }
    this.#bytes.push(Number(x));
  }

  #key(field: number, wire: number): void {
    this.#varint(BigInt((field << 3) | wire));
  }

  /** A varint field (int32, int64, enum). */
  int(field: number, value: number): this {
    this.#key(field, 0);
    this.#varint(BigInt(value));
    return this;
  }

  /** A float field. */
  float(field: number, value: number): this {
    this.#key(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    this.#bytes.push(...b);
    return this;
  }

  /** A length-delimited field: bytes, a string, or a nested message. */
  bytes(field: number, value: Uint8Array | string | ProtoWriter): this {
    const data = typeof value === "string"
      ? new TextEncoder().encode(value)
      : value instanceof ProtoWriter
      ? value.finish()
      : value;
    this.#key(field, 2);
    this.#varint(BigInt(data.length));
    this.#flush();
    this.#chunks.push(data);
    this.#length += data.length;
    return this;
  }

  /** The encoded message. */
  finish(): Uint8Array {
    this.#flush();
    const out = new Uint8Array(this.#length);
    let at = 0;
    for (const c of this.#chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
}

/** ONNX TensorProto.DataType codes of the element types used here. */
export const ONNX_DTYPE = { float32: 1, int32: 6, int64: 7, bool: 9, float64: 11 } as const;
export type OnnxElem = keyof typeof ONNX_DTYPE;

/** An initializer: raw little-endian data. */
export interface OnnxTensor {
  name: string;
  dtype: OnnxElem;
  dims: readonly number[];
  raw: Uint8Array;
}

/** An attribute value: an int, a list of ints, a float, a string or a tensor. */
export type OnnxAttr =
  | { i: number }
  | { ints: readonly number[] }
  | { f: number }
  | { s: string }
  | { t: OnnxTensor };

/** One graph node. */
export interface OnnxNode {
  op: string;
  inputs: readonly string[];
  outputs: readonly string[];
  name: string;
  attrs?: Record<string, OnnxAttr>;
}

/** A graph input or output: name, element type and dims (a string is a symbolic dim, null unknown). */
export interface OnnxValueInfo {
  name: string;
  dtype: OnnxElem;
  dims: readonly (number | string | null)[];
}

function tensorProto(t: OnnxTensor): ProtoWriter {
  const w = new ProtoWriter();
  for (const d of t.dims) w.int(1, d);
  return w.int(2, ONNX_DTYPE[t.dtype]).bytes(8, t.name).bytes(9, t.raw);
}

function attributeProto(name: string, a: OnnxAttr): ProtoWriter {
  const w = new ProtoWriter().bytes(1, name);
  if ("i" in a) return w.int(3, a.i).int(20, 2);
  if ("f" in a) return w.float(2, a.f).int(20, 1);
  if ("s" in a) return w.bytes(4, a.s).int(20, 3);
  if ("t" in a) return w.bytes(5, tensorProto(a.t)).int(20, 4);
  for (const v of a.ints) w.int(8, v);
  return w.int(20, 7);
}

function valueInfoProto(v: OnnxValueInfo): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of v.dims) {
    const dim = new ProtoWriter();
    if (typeof d === "number") dim.int(1, d);
    else if (typeof d === "string") dim.bytes(2, d);
    shape.bytes(1, dim);
  }
  const tensorType = new ProtoWriter().int(1, ONNX_DTYPE[v.dtype]).bytes(2, shape);
  return new ProtoWriter().bytes(1, v.name).bytes(2, new ProtoWriter().bytes(1, tensorType));
}

/** Encodes a whole model: one graph in the default ONNX domain at `opset`. */
export function modelProto(graph: {
  name: string;
  nodes: readonly OnnxNode[];
  initializers: readonly OnnxTensor[];
  inputs: readonly OnnxValueInfo[];
  outputs: readonly OnnxValueInfo[];
  opset: number;
  irVersion: number;
  producerVersion: string;
}): Uint8Array {
  const g = new ProtoWriter();
  for (const n of graph.nodes) {
    const node = new ProtoWriter();
    for (const i of n.inputs) node.bytes(1, i);
    for (const o of n.outputs) node.bytes(2, o);
    node.bytes(3, n.name).bytes(4, n.op);
    for (const [k, a] of Object.entries(n.attrs ?? {})) node.bytes(5, attributeProto(k, a));
    g.bytes(1, node);
  }
  g.bytes(2, graph.name);
  for (const t of graph.initializers) g.bytes(5, tensorProto(t));
  for (const v of graph.inputs) g.bytes(11, valueInfoProto(v));
  for (const v of graph.outputs) g.bytes(12, valueInfoProto(v));
  return new ProtoWriter()
    .int(1, graph.irVersion)
    .bytes(2, "difftrace")
    .bytes(3, graph.producerVersion)
    .bytes(7, g)
    .bytes(8, new ProtoWriter().bytes(1, "").int(2, graph.opset))
    .finish();
}
