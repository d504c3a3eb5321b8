#!/usr/bin/env bash
# `deno task sz`: lines of the library (src/**/*.ts), per layer in the order of .ci/layers.sh,
# then the core (the IR, the trace stack and the interpreters) and the number of primitives.
#   bash .ci/sz.sh          one line per layer
#   bash .ci/sz.sh -v       also one line per file
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
verbose=${1:-}
mapfile -t layers < <(sed -nE 's/^LAYERS=\((.*)\)$/\1/p' .ci/layers.sh | tr ' ' '\n')
total=0 files=0
printf '%-14s %7s %6s  %s\n' layer lines files "largest file"
for layer in "${layers[@]}"; do
  [[ -d src/$layer ]] || continue
  mapfile -t fs < <(find "src/$layer" -type f -name '*.ts' | LC_ALL=C sort)
  n=0
  for f in "${fs[@]}"; do n=$((n + $(wc -l <"$f"))); done
  biggest=$(wc -l "${fs[@]}" | grep -v ' total$' | sort -rn | head -1 | awk '{print $2 " (" $1 ")"}')
  printf '%-14s %7d %6d  %s\n' "$layer" "$n" "${#fs[@]}" "$biggest"
  if [[ $verbose == -v ]]; then
    for f in "${fs[@]}"; do printf '%24d  %s\n' "$(wc -l <"$f")" "$f"; done
  fi
  total=$((total + n)) files=$((files + ${#fs[@]}))
done
echo "src: $total lines in $files files"
over=$(find src -name '*.ts' -exec wc -l {} + | grep -v ' total$' | awk '$1 > 600 {print $2 " (" $1 ")"}')
[[ -n $over ]] && echo "files over 600 lines: $over"
core_lines=$(cat src/core/_ir.ts src/core/_aval.ts src/core/_primitive_families.ts src/core/_trace.ts \
  src/interpreters/*.ts | wc -l)
prims=$(awk '/^export interface PrimitiveParams/{on=1;next} on&&/^}/{on=0} on&&/^  [a-z_0-9]+:/{n++} END{print n+0}' src/core/_ir.ts)
echo "core (the IR, the trace stack, the interpreters): $core_lines lines; $prims primitives"
