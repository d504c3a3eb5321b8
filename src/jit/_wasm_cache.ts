/**
 * Caches of what is built from WebAssembly module bytes, keyed by the bytes: groups of one
 * structure (ops, constants, inputs, outputs) share one compiled module and instance whatever
 * their length, so a function jitted for many shapes compiles its wasm once
 * (JavaScriptCore took ~10 ms and kept ~50 KB per module).
 */

/**
 * `make(bytes)`, built once per distinct byte string and kept, least recently used first,
 * for at most `capacity` byte strings.
 */
export function cacheByBytes<T>(
  make: (bytes: Uint8Array) => T,
  capacity = 256,
): (bytes: Uint8Array) => T {
  const built = new Map<string, T>();
  return (bytes) => {
    let key = "";
    for (let i = 0; i < bytes.length; i += 8192) {
      key += String.fromCharCode(...bytes.subarray(i, i + 8192));
    }
    let v = built.get(key);
    if (v !== undefined) built.delete(key);
    else {
      v = make(bytes);
      if (built.size >= capacity) built.delete(built.keys().next().value!);
    }
    built.set(key, v);
    return v;
  };
}
