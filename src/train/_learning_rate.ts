/** The learning-rate check shared by the optimizers and `scaleByLearningRate`. */

/** Throws a TypeError naming `optim.<op>` unless `lr` is a finite number or a schedule function. */
export function checkLearningRate(op: string, lr: unknown): void {
  if (typeof lr === "function") return;
  if (typeof lr !== "number" || !Number.isFinite(lr)) {
    throw new TypeError(
      `optim.${op}: learningRate must be a finite number or a schedule (step) => NDArray, ` +
        `got ${lr}.`,
    );
  }
}
