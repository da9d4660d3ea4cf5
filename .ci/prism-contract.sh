#!/usr/bin/env bash
# Contract test of `keylint check` against Stoplight Prism mocking the list endpoint from its
# OpenAPI document (tests/fixtures/list-api-keys.openapi.yaml).
#
#   .ci/prism-contract.sh PATH/TO/keylint
#
# 1. Static mode: Prism answers with the document's example (one key). keylint must read it
#    completely: exit 0 or 1, and the JSON report must count one key.
# 2. Dynamic mode (`-d --seed N`, several seeds): Prism answers with data generated from the
#    schema (random totals, `success: false`, odd values). keylint may refuse the inventory, but
#    must exit within 0..=3, never panic, and never print the access token.
#
# In every run the canary token must not appear on stdout, stderr or in the report.
#
# Prism comes from the npm package @stoplight/prism-cli: $PRISM if set, else
# ./node_modules/.bin/prism, else it is installed on first use into $PRISM_DIR (default
# $TMPDIR/keylint-prism; about 10 s). Prism listens on 127.0.0.1 only and is stopped on exit.
# Exit 1 on a failed expectation, 2 on bad usage.
set -euo pipefail

if [ "$#" -ne 1 ] || [ ! -x "$1" ]; then
  echo "usage: $0 PATH/TO/keylint" >&2
  exit 2
fi
keylint="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
cd "$(dirname "$0")/.."
spec="$PWD/tests/fixtures/list-api-keys.openapi.yaml"
seeds="${PRISM_SEEDS:-1 2 3 4 5 6 7 8}"
version="${PRISM_VERSION:-5.14.2}"
token="CANARY-prism-token-5e0c2b7a"

prism="${PRISM:-}"
if [ -z "$prism" ] && [ -x node_modules/.bin/prism ]; then
  prism="$PWD/node_modules/.bin/prism"
fi
if [ -z "$prism" ]; then
  prism_dir="${PRISM_DIR:-${TMPDIR:-/tmp}/keylint-prism}"
  prism="$prism_dir/node_modules/.bin/prism"
  if [ ! -x "$prism" ]; then
    command -v npm >/dev/null || { apt-get update -qq && apt-get install -y -qq nodejs npm; }
    echo "installing @stoplight/prism-cli@$version into $prism_dir" >&2
    mkdir -p "$prism_dir"
    npm install --prefix "$prism_dir" --no-audit --no-fund --loglevel=error \
      "@stoplight/prism-cli@$version" >&2
  fi
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/keylint-prism-contract.XXXXXX")"
prism_pid=""
stop_prism() {
  if [ -n "$prism_pid" ]; then
    kill "$prism_pid" 2>/dev/null || true
    wait "$prism_pid" 2>/dev/null || true
    prism_pid=""
  fi
}
cleanup() {
  stop_prism
  rm -rf "$work"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# start_prism ARGS...: starts Prism on a free port and waits until it answers (60 s at most).
start_prism() {
  port="$(free_port)"
  "$prism" mock --host 127.0.0.1 --port "$port" "$@" "$spec" >"$work/prism.log" 2>&1 &
  prism_pid=$!
  for _ in $(seq 1 600); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      return 0
    fi
    if ! kill -0 "$prism_pid" 2>/dev/null; then
      break
    fi
    sleep 0.1
  done
  echo "Prism did not start:" >&2
  cat "$work/prism.log" >&2
  exit 1
}

failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

# run_check LABEL ALLOWED_CODES [EXTRA ARGS...]: runs keylint check against Prism; sets `code`.
run_check() {
  local label="$1" allowed="$2"
  shift 2
  local out="$work/$label.out" err="$work/$label.err" report="$work/$label.json"
  rm -f "$report"
  code=0
  COMETAPI_ACCESS_TOKEN="$token" timeout 120 "$keylint" check \
    --base-url "http://127.0.0.1:$port" --format json --output "$report" \
    --timeout 10 --retries 1 "$@" >"$out" 2>"$err" </dev/null || code=$?
  echo "$label: exit $code" >&2
  case " $allowed " in
    *" $code "*) ;;
    *) fail "$label: exit $code, expected one of: $allowed"; sed 's/^/  stderr: /' "$err" | head -20 >&2 ;;
  esac
  if grep -q "panicked" "$err"; then
    fail "$label: panic on stderr"
    sed 's/^/  stderr: /' "$err" | head -20 >&2
  fi
  for file in "$out" "$err" "$report"; do
    if [ -f "$file" ] && grep -qF -- "$token" "$file"; then
      fail "$label: the access token appears in $(basename "$file")"
    fi
  done
}

echo "== Prism static mode" >&2
start_prism
run_check static "0 1"
if [ "$code" -le 1 ]; then
  keys="$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["inventory"]["keys"])' \
    "$work/static.json" 2>/dev/null || echo "unreadable")"
  [ "$keys" = "1" ] || fail "static: the JSON report counts $keys keys, expected 1"
fi
run_check static-small-pages "0 1" --page-size 1 --concurrency 2 --max-pages 5
run_check static-user-id "0 1" --user-id 5678
stop_prism

for seed in $seeds; do
  echo "== Prism dynamic mode, seed $seed" >&2
  start_prism --dynamic --seed "$seed"
  run_check "dynamic-$seed" "0 1 3"
  run_check "dynamic-$seed-small" "0 1 3" --page-size 3 --max-pages 50
  stop_prism
done

if [ "$failures" -ne 0 ]; then
  echo "prism contract: $failures failed expectation(s)" >&2
  exit 1
fi
echo "prism contract: all expectations met" >&2
