#!/usr/bin/env bash
# CI: every libFuzzer target of fuzz/ for KEYLINT_FUZZ_SECONDS seconds (default 30) on a copy
# of its committed seeds; a crash, timeout or out-of-memory fails the run. Needs a nightly
# toolchain (cargo-fuzz is installed when missing); without one the targets are skipped.
# One fuzzer process at a time (libFuzzer's default: no -jobs/-workers); a finding is kept in
# fuzz/artifacts/TARGET/.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never

if ! rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  echo "fuzz: no nightly toolchain, skipping the fuzz targets"
  exit 0
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked --version 0.13.2
fi

seconds=${KEYLINT_FUZZ_SECONDS:-30}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

declare -A dictionary=(
  [inventory]=json [list_page]=json [baseline]=json [pipeline]=json [policy]=toml
)

cd fuzz
echo "== cargo fuzz build"
cargo +nightly fuzz build -O
for target in inventory list_page policy baseline pipeline; do
  echo "== fuzz $target for ${seconds}s"
  mkdir -p "$work/$target"
  cp seeds/"$target"/* "$work/$target/"
  cargo +nightly fuzz run -O "$target" "$work/$target" -- \
    -max_len=262144 -max_total_time="$seconds" -rss_limit_mb=4096 -timeout=10 \
    -print_final_stats=1 -dict="dict/${dictionary[$target]}.dict"
done
echo "fuzz: no target found a crash, timeout or out-of-memory"
