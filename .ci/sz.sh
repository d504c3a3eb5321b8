#!/usr/bin/env bash
# `deno task sz`: line counts of the library's core files (src/**/*.ts, tests excluded),
# one line per file, then the total.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mapfile -t files < <(find src -type f -name '*.ts' ! -name '*_test.ts' 2>/dev/null | LC_ALL=C sort)
if [[ ${#files[@]} -eq 0 ]]; then
  echo "src: 0 lines (no .ts files)"
  exit 0
fi
total=0 nonblank=0
for f in "${files[@]}"; do
  n=$(wc -l <"$f")
  printf '%7d  %s\n' "$n" "$f"
  ((total += n)) || true
  ((nonblank += $(grep -cv '^[[:space:]]*$' "$f" || true))) || true
done
echo "src: $total lines in ${#files[@]} files ($nonblank non-blank)"
# The core: the trace machinery, the primitive set and one file per interpreter.
core=(src/_core.ts src/_primitives.ts src/_shape_rules.ts src/_eval.ts src/_jvp.ts src/_transpose.ts
  src/_vmap.ts src/_jaxpr.ts src/_jit.ts src/_jit_codegen.ts src/autodiff.ts)
core_lines=$(cat "${core[@]}" 2>/dev/null | wc -l)
prims=$(awk '/^export interface PrimitiveParams/{on=1;next} on&&/^}/{on=0} on&&/^  [a-z_0-9]+:/{n++} END{print n+0}' src/_primitives.ts)
echo "core (trace, primitives, interpreters): $core_lines lines in ${#core[@]} files; $prims primitives"
