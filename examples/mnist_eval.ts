/**
 * Loads the MLP parameters that `examples/mnist_mlp.ts --save` wrote and reports their
 * accuracy on the same 2,000 held-out MNIST digits: the number the training run printed.
 *
 *   deno run -A examples/mnist_mlp.ts --save out/mnist_mlp.safetensors
 *   deno run -A examples/mnist_eval.ts [out/mnist_mlp.safetensors]
 *   bun run examples/mnist_eval.ts
 */
import { io, random } from "../mod.ts";
import { loadMnist } from "./_data.ts";
import { accuracy, model, type Params } from "./mnist_mlp.ts";

/** The held-out accuracy of the parameters saved at `path`. */
export async function evaluateMnistMlp(path: string): Promise<number> {
  // the template gives the structure, shapes and dtypes the file must have
  const params = await io.load<Params>(path, { like: model.init(random.key(0)) });
  const data = await loadMnist({ seed: 0 });
  return accuracy(params, data.testImages, data.testLabels);
}

if (import.meta.main) {
  const args = (globalThis as { Deno?: { args: string[] } }).Deno?.args ??
    (globalThis as unknown as { process: { argv: string[] } }).process.argv.slice(2);
  const path = args[0] ?? "out/mnist_mlp.safetensors";
  console.log(`test accuracy: ${(await evaluateMnistMlp(path)).toFixed(4)}`);
}
