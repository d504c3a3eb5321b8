/**
 * debug.print and debug.callback: they run when the program runs, with concrete values, under
 * jit (every call), scan (every step), vmap (every example) and grad (the forward values).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createWorkerPool, debug, grad, jit, lax, type NDArray, np, vmap } from "../mod.ts";

/** Runs `f` with console.log captured; returns the printed lines. */
function captured(f: () => void): string[] {
  const lines: string[] = [];
  const log = console.log;
  console.log = (...a: unknown[]) => void lines.push(a.join(" "));
  try {
    f();
  } finally {
    console.log = log;
  }
  return lines;
}

describe("debug.print and debug.callback", () => {
  it("debug.print() inside jit prints concrete values on every call, not at trace time", () => {
    const f = jit((x: NDArray) => {
      debug.print("x={} twice={1}", x, x.mul(2));
      return x.add(1);
    });
    const lines = captured(() => {
      f(np.array(1));
      f(np.array(2));
    });
    assert.deepEqual(lines, [
      "x=Array(1., dtype=float32) twice=Array(2., dtype=float32)",
      "x=Array(2., dtype=float32) twice=Array(4., dtype=float32)",
    ]);
  });

  it("debug.callback() runs once per scan step (jitted too) and once per vmap example", () => {
    const seen: number[] = [];
    const body = (c: NDArray, x: NDArray) => {
      debug.callback((v: NDArray) => seen.push(v.item() as number), c);
      return [c.add(x), null] as const;
    };
    lax.scan(body, np.array(0), np.array([1, 2, 3]));
    jit((xs: NDArray) => lax.scan(body, np.array(10), xs)[0])(np.array([1, 2]));
    vmap((x: NDArray) => {
      debug.callback((v: NDArray) => seen.push(v.item() as number), x);
      return x;
    })(np.array([7, 8]));
    assert.deepEqual(seen, [0, 1, 3, 10, 11, 7, 8]);
  });

  it("debug.callback() under grad sees the forward values; pytrees keep their structure", () => {
    const seen: unknown[] = [];
    const g = grad((x: NDArray) => {
      debug.callback((t: { a: NDArray; k: string }) => seen.push([t.a.item(), t.k]), {
        a: x,
        k: "tag",
      });
      return x.square();
    })(np.array(3));
    assert.equal(g.item(), 6);
    assert.deepEqual(seen, [[3, "tag"]]);
  });

  it("debug.print() checks its format; the pool refuses a callback it cannot ship", async () => {
    assert.throws(() => debug.print("{} {}", np.array(1)), /reads value 1 but 1 were given/);
    assert.throws(() => debug.print(3 as never), /format must be a string/);
    assert.deepEqual(captured(() => debug.print("{{literal}} {}", 5)), [
      "{literal} Array(5., dtype=float32)",
    ]);
    await using pool = createWorkerPool({ size: 1 });
    const f = (x: NDArray) => {
      debug.print("{}", x);
      return x;
    };
    await assert.rejects(async () => await pool.map(f)(np.ones([2, 2])), /debug\.print/);
  });
});
