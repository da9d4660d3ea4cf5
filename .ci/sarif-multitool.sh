#!/usr/bin/env bash
# Validates a SARIF log the way code scanning will read it: Microsoft's SARIF Multitool with the
# SARIF and GitHub Advanced Security rule sets ("Sarif;Ghas"), then a check that every result has
# the physical location GitHub requires.
#
#   .ci/sarif-multitool.sh FILE.sarif
#
# Fails (exit 1) when the Multitool reports any result of level `error` (schema violations,
# GitHub ingestion errors such as GH1018) or an execution error, or when a result of FILE lacks
# `locations[0].physicalLocation.artifactLocation.uri` or `region.startLine`. Warnings and notes
# are printed, not fatal. Exit 2 on bad usage.
#
# The Multitool is a self-contained .NET program shipped in the npm package
# `@microsoft/sarif-multitool` (the platform binary comes with `@microsoft/sarif-multitool-linux`,
# about 100 MB; no .NET runtime is needed). It is installed on first use into
# $SARIF_MULTITOOL_DIR (default: $TMPDIR/keylint-sarif-multitool). $SARIF_MULTITOOL_LOG keeps
# the Multitool's own SARIF output (default: a temporary file).
set -euo pipefail

if [ "$#" -ne 1 ] || [ ! -f "$1" ]; then
  echo "usage: $0 FILE.sarif" >&2
  exit 2
fi
sarif="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
version="${SARIF_MULTITOOL_VERSION:-5.7.0}"
tool_dir="${SARIF_MULTITOOL_DIR:-${TMPDIR:-/tmp}/keylint-sarif-multitool}"
log="${SARIF_MULTITOOL_LOG:-}"
if [ -z "$log" ]; then
  log="$(mktemp "${TMPDIR:-/tmp}/sarif-multitool.XXXXXX")"
  trap 'rm -f "$log"' EXIT
fi
case "$log" in /*) ;; *) log="$PWD/$log" ;; esac

if [ ! -e "$tool_dir/node_modules/@microsoft/sarif-multitool/package.json" ]; then
  echo "installing @microsoft/sarif-multitool@$version into $tool_dir" >&2
  mkdir -p "$tool_dir"
  npm install --prefix "$tool_dir" --no-audit --no-fund --loglevel=error \
    "@microsoft/sarif-multitool@$version" >&2
fi
# The platform package marks the binary executable in a postinstall script, which npm may be
# configured not to run; the file is executable for its owner in the tarball already.
chmod u+x "$tool_dir"/node_modules/@microsoft/sarif-multitool-*/Sarif.Multitool 2>/dev/null || true

# The package's bin.js starts the tool through a shell (spawnSync with `shell: true`), so its
# arguments are split and expanded a second time: an unquoted "Sarif;Ghas" would run `Ghas` as
# a command. Quote every argument for that inner shell.
shq() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }

(
  cd "$tool_dir"
  npx --no-install @microsoft/sarif-multitool validate \
    --rule-kind "$(shq 'Sarif;Ghas')" \
    --level "$(shq 'Error;Warning;Note')" \
    --log ForceOverwrite \
    --max-file-size-in-kb 200000 \
    --output "$(shq "$log")" \
    "$(shq "$sarif")"
)

python3 - "$log" "$sarif" <<'PY'
import json
import sys

log_path, sarif_path = sys.argv[1], sys.argv[2]
failed = False

with open(log_path, encoding="utf-8") as f:
    log = json.load(f)
counts = {}
for run in log.get("runs", []):
    rules = run.get("tool", {}).get("driver", {}).get("rules", [])
    for result in run.get("results", []):
        level = result.get("level")
        if level is None:
            index = result.get("ruleIndex")
            rule = rules[index] if isinstance(index, int) and 0 <= index < len(rules) else {}
            level = rule.get("defaultConfiguration", {}).get("level", "warning")
        counts[level] = counts.get(level, 0) + 1
        if level == "error":
            failed = True
            args = result.get("message", {}).get("arguments", [])
            print(f"multitool error {result.get('ruleId')}: {args}", file=sys.stderr)
    for invocation in run.get("invocations", []):
        if invocation.get("executionSuccessful") is False:
            failed = True
            print("multitool: execution was not successful", file=sys.stderr)
        for key in ("toolExecutionNotifications", "toolConfigurationNotifications"):
            for note in invocation.get(key, []):
                if note.get("level", "warning") == "error":
                    failed = True
                    print(f"multitool {key}: {note.get('message')}", file=sys.stderr)
print("multitool results by level:", json.dumps(counts, sort_keys=True))

with open(sarif_path, encoding="utf-8") as f:
    sarif = json.load(f)
checked = 0
for r, run in enumerate(sarif.get("runs", [])):
    if "results" not in run:
        failed = True
        print(f"runs[{r}] has no `results` array", file=sys.stderr)
    for i, result in enumerate(run.get("results", [])):
        checked += 1
        locations = result.get("locations") or [{}]
        physical = locations[0].get("physicalLocation", {})
        uri = physical.get("artifactLocation", {}).get("uri")
        line = physical.get("region", {}).get("startLine")
        if not isinstance(uri, str) or not uri:
            failed = True
            print(f"runs[{r}].results[{i}]: no physicalLocation.artifactLocation.uri", file=sys.stderr)
        if not isinstance(line, int) or line < 1:
            failed = True
            print(f"runs[{r}].results[{i}]: no physicalLocation.region.startLine", file=sys.stderr)
print(f"{checked} results of {sarif_path} checked for a physical location")
sys.exit(1 if failed else 0)
PY
