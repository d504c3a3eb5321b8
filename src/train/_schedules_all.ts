/**
 * The `schedules` namespace: the schedules of `schedules.ts` and the further
 * optax schedules of `_schedules_more.ts` (kept apart so neither imports the other's importer).
 *
 * @module
 */
export * from "./schedules.ts";
export * from "./_schedules_more.ts";
