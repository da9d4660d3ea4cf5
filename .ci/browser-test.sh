#!/usr/bin/env bash
# The HTML report in a real browser: Debian's Chromium, driven by playwright-core, opens the
# report of the example inventory and of an inventory of hostile key names from disk, and
# tests/browser/html-report.mjs checks them against the JSON report of the same run.
# Screenshots go to target/browser/*.png (docs/html-report.png is example-overview.png).
set -euo pipefail
cd "$(dirname "$0")/.."

PLAYWRIGHT_VERSION=1.64.1
out=target/browser
mkdir -p "$out"

if ! command -v chromium >/dev/null; then
  apt-get update -qq && apt-get install -y -qq chromium
fi
command -v npm >/dev/null || { apt-get update -qq && apt-get install -y -qq nodejs npm; }
node_dir="$out/node"
if [ ! -f "$node_dir/node_modules/playwright-core/package.json" ] ||
  ! grep -q "\"version\": \"$PLAYWRIGHT_VERSION\"" "$node_dir/node_modules/playwright-core/package.json"; then
  mkdir -p "$node_dir"
  [ -f "$node_dir/package.json" ] || echo '{"private": true}' >"$node_dir/package.json"
  npm install --prefix "$node_dir" --no-audit --no-fund --silent "playwright-core@$PLAYWRIGHT_VERSION"
fi

cargo build --quiet --locked
keylint=target/debug/keylint
now=2026-11-26T12:00:00Z

# name, input, extra flags
report() {
  local name=$1 input=$2
  shift 2
  local status=0
  for format in html json; do
    "$keylint" check --input "$input" --now "$now" "$@" --format "$format" \
      --output "$out/$name.$format" --quiet || status=$?
    [ "$status" -le 1 ] || { echo "keylint exited $status on $input"; exit 1; }
  done
}

report example examples/inventory.json --config examples/keylint.toml
echo "-- example inventory (examples/keylint.toml)"
node tests/browser/html-report.mjs "$node_dir" "$out/example.html" "$out/example.json" "$out/example.png"

report hostile tests/fixtures/hostile-html.json --no-config
echo "-- hostile key names (tests/fixtures/hostile-html.json)"
node tests/browser/html-report.mjs "$node_dir" "$out/hostile.html" "$out/hostile.json" "$out/hostile.png" \
  '<script>alert(1)</script>' '"><img src=x onerror=alert(2)>' '</script><script>alert(3)</script>'
