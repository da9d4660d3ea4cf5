#!/usr/bin/env bash
# Whole-process benchmark of `keylint check --input` on a generated 100,000-key inventory:
# wall time and peak memory (max RSS) of the release binary, beside the file size.
#   bash scripts/bench-check.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100000}
file=${TMPDIR:-/tmp}/keylint-inventory-$n.json
[ -s "$file" ] || python3 scripts/gen-inventory.py "$n" > "$file"
cargo build --release --quiet
bin=${CARGO_TARGET_DIR:-target}/release/keylint
echo "inventory: $file ($(du -m "$file" | cut -f1) MB, $n keys)"
for format in json human; do
  for i in 1 2 3; do
    /usr/bin/time -f "$format run $i: %e s wall, %M KB max RSS" \
      "$bin" check --input "$file" --now 2026-11-26T12:00:00Z --format "$format" \
      --output /dev/null --quiet || [ $? -eq 1 ]
  done
done
