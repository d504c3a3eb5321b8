/**
 * Timing each step of compiled plans, for `bench/jit_profile.ts`: where a jitted training
 * step spends its time (each matmul kernel, fused loop, eager kernel).
 */
import type { Step } from "./_codegen_js.ts";

/** Milliseconds spent per plan step, by step label (see {@link setPlanProfile}). */
export type PlanProfile = Map<string, { ms: number; calls: number }>;

let profile: PlanProfile | null = null;
let planned = 0;

/**
 * From now on, programs compiled while `into` is set time each of their steps into it
 * (label: the program's order number, the step's index and first description line); null
 * stops it for programs compiled later. Wrapping happens at plan time, so programs
 * compiled without a profile pay nothing.
 */
export function setPlanProfile(into: PlanProfile | null): void {
  profile = into;
}

/** Wraps each of a new plan's `steps` in a timer when a profile is set (`labels`: one per step). */
export function profileSteps(steps: Step[], labels: readonly string[]): void {
  const prof = profile;
  if (!prof) return;
  const program = planned++;
  steps.forEach((step, i) => {
    const cell = { ms: 0, calls: 0 };
    prof.set(`#${program}.${i} ${labels[i].split("\n")[0]}`, cell);
    steps[i] = (env) => {
      const t = performance.now();
      step(env);
      cell.ms += performance.now() - t;
      cell.calls++;
    };
  });
}
