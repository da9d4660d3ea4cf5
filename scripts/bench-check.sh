#!/usr/bin/env bash
# Whole-process benchmark of `keylint check --input` on a generated inventory, in every report
# format, side by side with jq reading the same file in the same run: wall time (median of RUNS
# alternating runs) and peak memory (the highest max RSS of the runs), beside the file size.
#   bash scripts/bench-check.sh [N] [MODE] [RUNS]
# N keys (default 100000); MODE as for gen-inventory.py (default heavy: about 2.8 findings a
# key); RUNS per command (default 5). Prints a Markdown table.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100000}
mode=${2:-heavy}
runs=${3:-5}
file=${TMPDIR:-/tmp}/keylint-inventory-$n-$mode.json
[ -s "$file" ] || python3 scripts/gen-inventory.py "$n" "$mode" > "$file"
command -v jq >/dev/null || { echo "jq is needed for the reference" >&2; exit 1; }
cargo build --release --quiet --locked
bin=${CARGO_TARGET_DIR:-target}/release/keylint
bytes=$(stat -c %s "$file")
formats=(human json sarif github markdown junit)
names=("jq '.data.items | length'" "${formats[@]/#/keylint --format }")
declare -A walls rss
times=$(mktemp)
trap 'rm -f "$times"' EXIT

measure() { # label, command...
  local label=$1
  shift
  /usr/bin/time -o "$times" -f "%e %M" "$@" >/dev/null 2>&1 || true
  # The last line: a failing exit status (keylint's 1: findings) adds a line before it.
  read -r wall kib < <(tail -n 1 "$times")
  walls[$label]+="$wall "
  [ "${rss[$label]:-0}" -ge "$kib" ] || rss[$label]=$kib
}

for _ in $(seq "$runs"); do
  measure "${names[0]}" jq '.data.items | length' "$file"
  for format in "${formats[@]}"; do
    measure "keylint --format $format" "$bin" check --input "$file" --now 2026-11-26T12:00:00Z \
      --format "$format" --output /dev/null --quiet
  done
done

findings=$("$bin" check --input "$file" --now 2026-11-26T12:00:00Z --format json --quiet \
  --fail-on never | jq '.findings | length')
echo "inventory: $file ($bytes bytes, $n keys, $findings findings); $runs alternating runs"
echo
echo "| command | wall time (median) | peak RSS | RSS / file size |"
echo "|---|---|---|---|"
for label in "${names[@]}"; do
  median=$(tr ' ' '\n' <<<"${walls[$label]}" | grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  kib=${rss[$label]}
  awk -v l="${label//|/\\|}" -v m="$median" -v k="$kib" -v b="$bytes" \
    'BEGIN {printf "| `%s` | %.2f s | %.1f MB | %.2fx |\n", l, m, k*1024/1e6, k*1024/b}'
done
