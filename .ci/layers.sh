#!/usr/bin/env bash
# Checks difftrace's layering: every file under src/ imports only from its own layer or a
# layer below it, and no import circle exists between files (a type-only import counts).
#
# The layer order, lowest first. A folder of src/ that is not listed here is an error.
LAYERS=(core kernels interpreters jit numpy transforms train io parallel display)
#
#   bash .ci/layers.sh          exits 1 and names every offending import, or prints "layers ok"
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 2

declare -A rank
for i in "${!LAYERS[@]}"; do rank[${LAYERS[$i]}]=$i; done

bad=0
edges=$(mktemp)
trap 'rm -f "$edges"' EXIT

while IFS= read -r file; do
  layer=$(cut -d/ -f2 <<<"$file")
  if [[ $file != src/*/* ]]; then
    echo "layers: $file sits directly in src/; put it in one of the layer folders: ${LAYERS[*]}"
    bad=1
    continue
  fi
  if [[ -z ${rank[$layer]+x} ]]; then
    echo "layers: $file is in src/$layer/, which is not a layer; add it to LAYERS in .ci/layers.sh"
    bad=1
    continue
  fi
  # Static imports and re-exports ("from './x.ts'"), side-effect imports and dynamic imports.
  while IFS= read -r spec; do
    [[ $spec == .* ]] || continue
    target=$(realpath -m --relative-to=. "$(dirname "$file")/$spec")
    echo "$file $target" >>"$edges"
    if [[ $target != src/* ]]; then
      echo "layers: $file imports $spec, which is outside src/"
      bad=1
      continue
    fi
    tlayer=$(cut -d/ -f2 <<<"$target")
    if [[ -z ${rank[$tlayer]+x} ]]; then
      echo "layers: $file imports $target, whose folder is not a layer"
      bad=1
    elif ((rank[$tlayer] > rank[$layer])); then
      echo "layers: $file (layer $layer) imports $target from the higher layer $tlayer;" \
        "move the shared code down into $layer or below"
      bad=1
    fi
  done < <(grep -oE '(from|import)[[:space:]]*\(?[[:space:]]*"[^"]+"' "$file" | sed -E 's/.*"([^"]+)"/\1/')
done < <(find src -name '*.ts' | LC_ALL=C sort)

# Import circles: tsort prints the files of each loop it breaks; list each file once.
if loops=$(tsort "$edges" 2>&1 >/dev/null) && [[ -z $loops ]]; then
  :
elif grep -q 'loop' <<<"$loops"; then
  echo "layers: import circle(s) through these files (break them by moving the shared part down):"
  grep -v 'input contains a loop' <<<"$loops" | sed 's/^tsort: //' | LC_ALL=C sort -u | sed 's/^/    /'
  bad=1
fi

if ((bad)); then exit 1; fi
echo "layers ok: $(find src -name '*.ts' | wc -l) files in ${#LAYERS[@]} layers (${LAYERS[*]}), no upward import, no circle"
