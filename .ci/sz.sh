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
