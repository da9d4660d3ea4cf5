#!/usr/bin/env bash
# The steps of the GitHub Action (action.yml) after the install:
#
#   run.sh fetch     read the inventory once: `keylint fetch -o <dir>/inventory.json`, or use the
#                    `inventory` input as it is. Exit code: keylint's (2 usage, 3 incomplete).
#   run.sh check     the gate: `keylint check --input <inventory> --format sarif`. Exit code:
#                    keylint's (0 clean, 1 findings at or above fail-on, 2 usage, 3 incomplete).
#   run.sh annotate  `keylint check --input <inventory> --format github --fail-on never`:
#                    annotations and the job summary; never changes the result.
#
# Every input comes through the environment (KEYLINT_*), never through the command line of a
# shell, so no input is ever expanded as shell code. The access token is read by keylint from
# COMETAPI_ACCESS_TOKEN; it is never an argument and never printed.
# Runs in bash 3.2 (macOS) and Git Bash (Windows) as well as on Linux.
set -euo pipefail

out="${GITHUB_OUTPUT:-/dev/null}"
dir="${RUNNER_TEMP:-${TMPDIR:-/tmp}}/keylint"
bin="${KEYLINT_BIN:-keylint}"

fail_usage() {
  echo "::error title=keylint::$*"
  echo "exit-code=2" >>"$out"
  exit 2
}

# Splits $1 on whitespace (spaces, tabs, newlines) into the array `words`, without glob
# expansion or any other shell processing. Quotes are not interpreted.
words=()
split() {
  words=()
  if [ -n "$1" ]; then
    read -r -d '' -a words <<<"$1" || true
  fi
}

# Options the action sets itself; giving them again would make keylint exit 2 or break the flow.
refuse() {
  local what="$1" word
  shift
  for word in "$@"; do
    case "$word" in
      --format | --format=* | --output | --output=* | -o | -o?* | --input | --input=* | --fail-on | --fail-on=*)
        fail_usage "$what must not contain $word: the action sets the format, the output, the input and --fail-on itself"
        ;;
    esac
  done
}

inventory() {
  if [ -n "${KEYLINT_INVENTORY:-}" ]; then
    printf '%s\n' "$KEYLINT_INVENTORY"
  else
    printf '%s\n' "$dir/inventory.json"
  fi
}

cmd_fetch() {
  mkdir -p "$dir"
  if [ -n "${KEYLINT_INVENTORY:-}" ]; then
    [ -f "$KEYLINT_INVENTORY" ] || fail_usage "inventory: no file $KEYLINT_INVENTORY"
    echo "checking the saved inventory $KEYLINT_INVENTORY; nothing is fetched"
    echo "inventory=$KEYLINT_INVENTORY" >>"$out"
    return 0
  fi
  split "${KEYLINT_FETCH_ARGS:-}"
  refuse "fetch-args" ${words[@]+"${words[@]}"}
  if [ -n "${KEYLINT_TOKEN:-}" ]; then
    COMETAPI_ACCESS_TOKEN="$KEYLINT_TOKEN"
    export COMETAPI_ACCESS_TOKEN
  fi
  unset KEYLINT_TOKEN
  local snapshot="$dir/inventory.json" status=0
  rm -f "$snapshot"
  "$bin" fetch --output "$snapshot" ${words[@]+"${words[@]}"} || status=$?
  if [ "$status" -ne 0 ]; then
    echo "::error title=keylint::keylint fetch exited $status ($(meaning "$status")); nothing was checked"
    echo "exit-code=$status" >>"$out"
    exit "$status"
  fi
  echo "inventory=$snapshot" >>"$out"
}

meaning() {
  case "$1" in
    0) echo "clean" ;;
    1) echo "findings at or above --fail-on" ;;
    2) echo "usage or configuration error" ;;
    3) echo "the inventory could not be read completely" ;;
    *) echo "unexpected exit" ;;
  esac
}

# Sets runs[].automationDetails.id to the sarif-category input (code scanning reads the id from
# the log and ignores upload-sarif's `category` when the log has one, as keylint's always does).
set_category() {
  local sarif="$1" category="$2" tmp
  case "$category" in */) ;; *) category="$category/" ;; esac
  tmp="$sarif.tmp"
  # The first Python 3 that runs (on Windows `python3` may be a stub that only points at a store).
  local py="" candidate
  for candidate in python3 python; do
    if command -v "$candidate" >/dev/null 2>&1 &&
      "$candidate" -c 'import sys; sys.exit(sys.version_info[0] != 3)' >/dev/null 2>&1; then
      py="$candidate"
      break
    fi
  done
  if [ -n "$py" ]; then
    "$py" -c '
import json, sys
path, out, category = sys.argv[1], sys.argv[2], sys.argv[3]
with open(path, encoding="utf-8") as f:
    log = json.load(f)
for run in log.get("runs", []):
    run.setdefault("automationDetails", {})["id"] = category
with open(out, "w", encoding="utf-8") as f:
    json.dump(log, f, ensure_ascii=False, indent=2)
' "$sarif" "$tmp" "$category"
  elif command -v jq >/dev/null 2>&1; then
    jq --arg id "$category" '.runs |= map(.automationDetails = ((.automationDetails // {}) + {id: $id}))' \
      "$sarif" >"$tmp"
  else
    fail_usage "sarif-category needs Python or jq on the runner"
  fi
  mv "$tmp" "$sarif"
  echo "SARIF category (automationDetails.id): $category"
}

cmd_check() {
  mkdir -p "$dir"
  split "${KEYLINT_ARGS:-}"
  refuse "args" ${words[@]+"${words[@]}"}
  local sarif="$dir/keylint.sarif" status=0
  rm -f "$sarif"
  "$bin" check --input "$(inventory)" --format sarif --output "$sarif" \
    --fail-on "${KEYLINT_FAIL_ON:-error}" ${words[@]+"${words[@]}"} || status=$?
  if [ -f "$sarif" ]; then
    if [ -n "${KEYLINT_SARIF_CATEGORY:-}" ]; then
      set_category "$sarif" "$KEYLINT_SARIF_CATEGORY"
    fi
    echo "sarif-file=$sarif" >>"$out"
  fi
  echo "exit-code=$status" >>"$out"
  if [ "$status" -ne 0 ]; then
    echo "::error title=keylint::keylint check exited $status ($(meaning "$status"))"
  fi
  exit "$status"
}

cmd_annotate() {
  split "${KEYLINT_ARGS:-}"
  local status=0
  "$bin" check --input "$(inventory)" --format github --fail-on never \
    ${words[@]+"${words[@]}"} || status=$?
  if [ "$status" -ne 0 ]; then
    echo "::warning title=keylint::the annotation run exited $status; the result is the check step's"
  fi
}

case "${1:-}" in
  fetch) cmd_fetch ;;
  check) cmd_check ;;
  annotate) cmd_annotate ;;
  *)
    echo "usage: $0 fetch|check|annotate" >&2
    exit 2
    ;;
esac
