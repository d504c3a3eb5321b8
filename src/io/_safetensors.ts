/**
 * The safetensors container, read and written byte by byte (no dependency).
 *
 * Layout: an unsigned 64-bit little-endian N, then N bytes of UTF-8 JSON, then the data. The
 * JSON maps each tensor name to `{ dtype, shape, data_offsets: [begin, end] }` (offsets
 * relative to the start of the data) and may hold `__metadata__`, a map of strings to
 * strings. A valid file's tensors tile the data exactly: sorted by offset, each begins where
 * the previous ended, the first at 0 and the last at the end of the file, and each spans
 * `prod(shape) · itemsize` bytes. Every rule is checked on read, so a corrupt or truncated
 * file is an error, never a wrong array.
 *
 * Writing pads the header with spaces so the data starts at a multiple of 8 and stores the
 * tensors by decreasing item size (8-byte, then 4-byte, then 1-byte), so every tensor is
 * aligned to its item size in the file; reading then views the file's bytes in place
 * (a typed array over the same buffer) instead of copying, whenever the buffer is aligned.
 *
 * Assumes a little-endian host (every platform Deno and Bun ship for).
 */
import { bfloat16Bits, type DType, float16Bits, float16FromBits } from "../core/_dtype.ts";
import { DATA } from "../core/_ndarray.ts";
import { ArrayValue } from "../core/_array_value.ts";

/** The safetensors dtypes read here; all but I64, U64 and U16 are also written. */
export const ST_DTYPES = {
  F32: 4,
  F64: 8,
  I32: 4,
  BOOL: 1,
  F16: 2,
  BF16: 2,
  I64: 8,
  U64: 8,
  U32: 4,
  I16: 2,
  U16: 2,
  I8: 1,
  U8: 1,
} as const;
export type StDType = keyof typeof ST_DTYPES;

const WRITE: Record<DType, StDType> = {
  float32: "F32",
  float64: "F64",
  int32: "I32",
  bool: "BOOL",
  float16: "F16",
  bfloat16: "BF16",
  int16: "I16",
  int8: "I8",
  uint8: "U8",
  uint32: "U32",
};

/** The dtype each safetensors dtype loads as. */
export const LOADS_AS: Record<StDType, DType> = {
  F32: "float32",
  F64: "float64",
  I32: "int32",
  BOOL: "bool",
  F16: "float16",
  BF16: "bfloat16",
  I64: "int32",
  U64: "int32",
  U32: "uint32",
  I16: "int16",
  U16: "int32",
  I8: "int8",
  U8: "uint8",
};

/** The largest header accepted, as in the reference implementation (100 MB). */
export const MAX_HEADER_BYTES = 100_000_000;

if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
  throw new Error("difftrace io: safetensors support needs a little-endian host.");
}

/** One tensor's entry in a parsed header; `begin`/`end` are absolute offsets into the bytes. */
export interface TensorInfo {
  readonly name: string;
  readonly dtype: StDType;
  readonly shape: readonly number[];
  readonly begin: number;
  readonly end: number;
}

/** A parsed and validated header. */
export interface Header {
  readonly tensors: readonly TensorInfo[];
  readonly metadata: Record<string, string> | undefined;
}

// ---- writing ------------------------------------------------------------------------------

/** Encodes named concrete arrays and string metadata as a safetensors file. */
export function encode(
  entries: readonly { name: string; value: ArrayValue }[],
  metadata: Record<string, string> | undefined,
): Uint8Array {
  // largest item size first keeps every tensor aligned (the data starts at a multiple of 8)
  const order = entries.map((e, i) => ({ e, i, size: ST_DTYPES[WRITE[e.value.dtype]] }))
    .sort((a, b) => b.size - a.size || a.i - b.i);
  const header: Record<string, unknown> = {};
  if (metadata !== undefined) header.__metadata__ = metadata;
  let offset = 0;
  const placed: { value: ArrayValue; at: number }[] = [];
  for (const { e } of order) {
    if (e.value[DATA].length !== e.value.size) {
      throw new Error(
        `difftrace io: internal error: the array "${e.name}" holds ${e.value[DATA].length} ` +
          `elements for shape [${e.value.shape.join(", ")}].`,
      );
    }
    const bytes = e.value.size * ST_DTYPES[WRITE[e.value.dtype]];
    header[e.name] = {
      dtype: WRITE[e.value.dtype],
      shape: [...e.value.shape],
      data_offsets: [offset, offset + bytes],
    };
    placed.push({ value: e.value, at: offset });
    offset += bytes;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil((8 + json.length) / 8) * 8 - 8;
  if (padded !== json.length) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(json);
    json = p;
  }
  const out = new Uint8Array(8 + padded + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(padded), true);
  out.set(json, 8);
  const start = 8 + padded;
  for (const { value, at } of placed) {
    const d = fileData(value);
    out.set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), start + at);
  }
  return out;
}

/** The elements as stored in the file: float16/bfloat16 as their 16-bit patterns. */
function fileData(value: ArrayValue): ArrayBufferView {
  const d = value[DATA];
  if (value.dtype === "float16") return Uint16Array.from(d, float16Bits);
  if (value.dtype === "bfloat16") return Uint16Array.from(d, bfloat16Bits);
  return d;
}

// ---- reading ------------------------------------------------------------------------------

const isPlain = (x: unknown): x is Record<string, unknown> =>
  x !== null && typeof x === "object" && !Array.isArray(x);

/** Parses and validates the header of a safetensors file (see the file header for the rules). */
export function parseHeader(bytes: Uint8Array, where: string): Header {
  if (bytes.length < 8) {
    throw new RangeError(
      `${where}: the data is ${bytes.length} bytes long, too short for a safetensors file ` +
        `(8 bytes of header length come first); it is truncated or not safetensors.`,
    );
  }
  const n64 = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (n64 > BigInt(MAX_HEADER_BYTES)) {
    throw new RangeError(
      `${where}: the header length field says ${n64} bytes, over the ${MAX_HEADER_BYTES}-byte ` +
        `limit; the file is corrupt or not safetensors.`,
    );
  }
  const n = Number(n64);
  if (8 + n > bytes.length) {
    throw new RangeError(
      `${where}: the header length field says ${n} bytes but only ${bytes.length - 8} follow ` +
        `it; the file is truncated or corrupt.`,
    );
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, 8 + n));
  } catch {
    throw new TypeError(`${where}: the ${n}-byte header is not valid UTF-8; the file is corrupt.`);
  }
  let json: unknown;
  try {
    if (!text.startsWith("{")) throw new Error("no object");
    json = JSON.parse(text);
  } catch {
    throw new TypeError(
      `${where}: the ${n}-byte header is not a JSON object (it starts ${
        JSON.stringify(text.slice(0, 20))
      }); the file is corrupt or not safetensors.`,
    );
  }
  if (!isPlain(json)) throw new TypeError(`${where}: the header is JSON but not an object.`);
  const dataStart = 8 + n, dataLength = bytes.length - dataStart;
  let metadata: Record<string, string> | undefined;
  const tensors: TensorInfo[] = [];
  for (const [name, info] of Object.entries(json)) {
    if (name === "__metadata__") {
      if (!isPlain(info) || !Object.values(info).every((v) => typeof v === "string")) {
        throw new TypeError(`${where}: __metadata__ must map strings to strings.`);
      }
      metadata = info as Record<string, string>;
      continue;
    }
    const bad = (what: string) =>
      new TypeError(`${where}: the header entry of tensor "${name}" ${what}.`);
    if (!isPlain(info)) throw bad("is not an object");
    const extra = Object.keys(info).filter((k) => !["dtype", "shape", "data_offsets"].includes(k));
    if (extra.length) throw bad(`has unknown field(s) ${extra.join(", ")}`);
    const { dtype, shape, data_offsets: offsets } = info;
    if (typeof dtype !== "string" || !(dtype in ST_DTYPES)) {
      throw bad(
        `has dtype ${JSON.stringify(dtype)}, which is not one of ${
          Object.keys(ST_DTYPES).join(", ")
        } (the dtypes difftrace reads)`,
      );
    }
    const isCount = (x: unknown): x is number => Number.isSafeInteger(x) && (x as number) >= 0;
    if (!Array.isArray(shape) || !shape.every(isCount)) {
      throw bad(`has shape ${JSON.stringify(shape)}, not a list of non-negative integers`);
    }
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) {
      throw bad(`has data_offsets ${JSON.stringify(offsets)}, not two non-negative integers`);
    }
    const [begin, end] = offsets as number[];
    if (end < begin) throw bad(`has data_offsets [${begin}, ${end}] that end before they begin`);
    if (end > dataLength) {
      throw new RangeError(
        `${where}: tensor "${name}" spans bytes [${begin}, ${end}) of the data, but the data ` +
          `is only ${dataLength} bytes long; the file is truncated or corrupt.`,
      );
    }
    const itemsize = ST_DTYPES[dtype as StDType];
    const size = (shape as number[]).reduce((a, b) => a * b, 1);
    if ((end - begin) !== size * itemsize) {
      throw bad(
        `says shape [${shape.join(", ")}] of ${dtype} (${size * itemsize} bytes) but its ` +
          `data_offsets [${begin}, ${end}] span ${end - begin} bytes`,
      );
    }
    tensors.push({
      name,
      dtype: dtype as StDType,
      shape: shape as number[],
      begin: dataStart + begin,
      end: dataStart + end,
    });
  }
  // the tensors must tile the data: no overlap, no hole, nothing after the last one
  const sorted = [...tensors].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = dataStart;
  let prev = "the start of the data";
  for (const t of sorted) {
    if (t.begin < at) {
      throw new RangeError(
        `${where}: tensor "${t.name}" (bytes [${t.begin - dataStart}, ${t.end - dataStart})) ` +
          `overlaps ${prev}; the file is corrupt.`,
      );
    }
    if (t.begin > at) {
      throw new RangeError(
        `${where}: ${t.begin - at} unused byte(s) lie between ${prev} and tensor "${t.name}"; ` +
          `the header does not describe the data (corrupt file).`,
      );
    }
    at = t.end;
    prev = `tensor "${t.name}" (bytes ending at ${t.end - dataStart})`;
  }
  if (at !== bytes.length) {
    throw new RangeError(
      `${where}: ${bytes.length - at} byte(s) after ${prev} belong to no tensor; the header ` +
        `does not describe the data (corrupt file).`,
    );
  }
  return { tensors, metadata };
}

/**
 * The tensor as an array of its loaded dtype. F32/F64/I32/BOOL view the file's bytes when
 * the offset is aligned and `copy` is false, as do U8/I8/I16/U32 (as uint8/int8/int16/uint32);
 * F16 and BF16 load as float16/bfloat16 (held as exact float32 values); I64, U64 and U16
 * narrow to int32 and a value outside int32's range throws.
 */
export function readTensor(
  bytes: Uint8Array,
  t: TensorInfo,
  copy: boolean,
  where: string,
): ArrayValue {
  const itemsize = ST_DTYPES[t.dtype], n = (t.end - t.begin) / itemsize;
  const at = bytes.byteOffset + t.begin;
  const dtype = LOADS_AS[t.dtype];
  const aligned = at % itemsize === 0;
  const buffer = bytes.buffer as ArrayBuffer;
  const view = (
    C:
      | Float32ArrayConstructor
      | Float64ArrayConstructor
      | Int32ArrayConstructor
      | Int16ArrayConstructor
      | Int8ArrayConstructor
      | Uint8ArrayConstructor
      | Uint32ArrayConstructor,
  ) =>
    aligned
      ? (copy ? new C(buffer, at, n).slice() : new C(buffer, at, n))
      : new C(bytes.slice(t.begin, t.end).buffer);
  switch (t.dtype) {
    case "F32":
      return new ArrayValue(view(Float32Array), t.shape, dtype);
    case "F64":
      return new ArrayValue(view(Float64Array), t.shape, dtype);
    case "I32":
      return new ArrayValue(view(Int32Array), t.shape, dtype);
    case "I16":
      return new ArrayValue(view(Int16Array), t.shape, dtype);
    case "I8":
      return new ArrayValue(view(Int8Array), t.shape, dtype);
    case "U8":
      return new ArrayValue(view(Uint8Array), t.shape, dtype);
    case "U32":
      return new ArrayValue(view(Uint32Array), t.shape, dtype);
    case "BOOL": {
      const data = bytes.subarray(t.begin, t.end);
      const badAt = data.findIndex((b) => b > 1);
      if (badAt >= 0) {
        throw new TypeError(
          `${where}: BOOL tensor "${t.name}" holds the byte ${data[badAt]} at element ${badAt}; ` +
            `booleans are stored as 0 or 1 (corrupt file).`,
        );
      }
      return new ArrayValue(copy ? data.slice() : data, t.shape, dtype);
    }
  }
  const dv = new DataView(bytes.buffer, at, t.end - t.begin);
  if (t.dtype === "F16" || t.dtype === "BF16") {
    const out = new Float32Array(n);
    if (t.dtype === "F16") {
      for (let i = 0; i < n; i++) out[i] = float16FromBits(dv.getUint16(2 * i, true));
    } else {
      // bf16 is the high half of a float32's bits
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < n; i++) bits[i] = dv.getUint16(2 * i, true) << 16;
    }
    return new ArrayValue(out, t.shape, dtype);
  }
  const out = new Int32Array(n);
  const get: (i: number) => number | bigint = {
    I64: (i: number) => dv.getBigInt64(8 * i, true),
    U64: (i: number) => dv.getBigUint64(8 * i, true),
    U32: (i: number) => dv.getUint32(4 * i, true),
    I16: (i: number) => dv.getInt16(2 * i, true),
    U16: (i: number) => dv.getUint16(2 * i, true),
    I8: (i: number) => dv.getInt8(i),
    U8: (i: number) => dv.getUint8(i),
  }[t.dtype];
  for (let i = 0; i < n; i++) {
    const v = get(i);
    if (v < -2147483648 || v > 2147483647) {
      throw new RangeError(
        `${where}: ${t.dtype} tensor "${t.name}" holds ${v} at element ${i}, outside int32's ` +
          `range; difftrace loads ${t.dtype} as int32 and will not wrap it. Convert the tensor ` +
          `(for example to F64) before saving.`,
      );
    }
    out[i] = Number(v);
  }
  return new ArrayValue(out, t.shape, dtype);
}
