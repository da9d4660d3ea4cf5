#!/usr/bin/env bash
# Installs keylint for the GitHub Action (action.yml) on the runner it runs on.
#
#   KEYLINT_VERSION=0.1.0 bash action/install.sh
#
# 1. When action/checksums/<version>.sha256 (a copy of the release's `sha256.sum`, committed by
#    the release process, see docs/ci.md) has an entry for this runner's archive, the archive is
#    downloaded from the GitHub release and installed only if its SHA-256 matches that entry.
#    A mismatch, or a failed download, fails the step: it never falls back to an unverified copy.
# 2. Otherwise (a version the action ships no checksum for, or a runner no release binary fits)
#    keylint is built from crates.io with `cargo install --locked keylint --version <version>`,
#    which checks every crate against the registry index's checksums.
# 3. KEYLINT_INSTALL=false installs nothing and uses the `keylint` already on PATH.
#
# Writes `bin=<path of the binary>` and `method=release|cargo|path` to $GITHUB_OUTPUT and adds
# the binary's folder to $GITHUB_PATH, so later steps of the job can run `keylint` too.
# Runs in bash 3.2 (macOS) and Git Bash (Windows) as well as on Linux.
set -euo pipefail

repo_url="https://github.com/keylint/keylint"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${GITHUB_OUTPUT:-/dev/null}"
path_file="${GITHUB_PATH:-/dev/null}"
tmp_root="${RUNNER_TEMP:-${TMPDIR:-/tmp}}"

fail() {
  echo "::error title=keylint install::$*"
  exit 1
}

exe=""
case "${RUNNER_OS:-$(uname -s)}" in
  Windows | MINGW* | MSYS* | CYGWIN*) exe=".exe" ;;
esac

if [ "${KEYLINT_INSTALL:-true}" = "false" ]; then
  bin="$(command -v "keylint$exe" || command -v keylint || true)"
  [ -n "$bin" ] || fail "install: false, but there is no keylint on PATH"
  echo "using $bin: $("$bin" --version)"
  { echo "bin=$bin"; echo "method=path"; } >>"$out"
  exit 0
fi

version="${KEYLINT_VERSION:-}"
version="${version#v}"
if ! printf '%s\n' "$version" | grep -Eq '^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$'; then
  fail "version must be a release such as 0.1.0, got '${KEYLINT_VERSION:-}'"
fi

# The release artifacts (see dist-workspace.toml): keylint-<target>.tar.xz, .zip on Windows.
target=""
archive_ext="tar.xz"
case "${RUNNER_OS:-}/${RUNNER_ARCH:-}" in
  Linux/X64) target="x86_64-unknown-linux-musl" ;;
  Linux/ARM64) target="aarch64-unknown-linux-musl" ;;
  macOS/X64) target="x86_64-apple-darwin" ;;
  macOS/ARM64) target="aarch64-apple-darwin" ;;
  Windows/X64) target="x86_64-pc-windows-msvc" archive_ext="zip" ;;
esac

expected=""
archive=""
sums="$here/checksums/$version.sha256"
if [ -n "$target" ] && [ -f "$sums" ]; then
  archive="keylint-$target.$archive_ext"
  # sha256sum format, as dist writes it: "<hex> *<file>" (or "<hex>  <file>").
  expected="$(awk -v f="$archive" '$2 == f || $2 == "*" f { print tolower($1); exit }' "$sums")"
fi

install_dir="$tmp_root/keylint-$version-bin"
mkdir -p "$install_dir"

sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | awk '{ print tolower($1) }'
  elif command -v shasum >/dev/null 2>&1; then
    shasum -a 256 "$1" | awk '{ print tolower($1) }'
  elif command -v openssl >/dev/null 2>&1; then
    openssl dgst -sha256 -r "$1" | awk '{ print tolower($1) }'
  else
    fail "no sha256sum, shasum or openssl on this runner to verify the download"
  fi
}

if printf '%s\n' "$expected" | grep -Eq '^[0-9a-f]{64}$'; then
  method="release"
  work="$(mktemp -d "$tmp_root/keylint-download.XXXXXX")"
  url="$repo_url/releases/download/v$version/$archive"
  echo "downloading $url"
  curl --proto '=https' --tlsv1.2 --fail --silent --show-error --location \
    --retry 3 --retry-delay 2 --output "$work/$archive" "$url" ||
    fail "could not download $url"
  actual="$(sha256_of "$work/$archive")"
  if [ "$actual" != "$expected" ]; then
    rm -rf "$work"
    fail "SHA-256 mismatch for $archive: expected $expected (action/checksums/$version.sha256), got $actual; not installing"
  fi
  echo "verified SHA-256 $actual of $archive"
  mkdir -p "$work/x"
  case "$archive_ext" in
    tar.xz) tar -xJf "$work/$archive" -C "$work/x" ;;
    zip)
      if command -v unzip >/dev/null 2>&1; then
        unzip -q "$work/$archive" -d "$work/x"
      elif command -v 7z >/dev/null 2>&1; then
        7z x -y -bd "-o$work/x" "$work/$archive" >/dev/null
      else
        # shellcheck disable=SC2016 # $args is PowerShell's, not the shell's
        pwsh -NoProfile -NonInteractive -Command \
          'Expand-Archive -LiteralPath $args[0] -DestinationPath $args[1] -Force' \
          "$work/$archive" "$work/x"
      fi
      ;;
  esac
  found="$(find "$work/x" -type f -name "keylint$exe" | head -n 1)"
  [ -n "$found" ] || fail "$archive holds no keylint$exe"
  cp "$found" "$install_dir/keylint$exe"
  chmod +x "$install_dir/keylint$exe"
  rm -rf "$work"
  bin="$install_dir/keylint$exe"
else
  method="cargo"
  if [ -z "$target" ]; then
    why="no release binary for ${RUNNER_OS:-this OS}/${RUNNER_ARCH:-this architecture}"
  elif [ ! -f "$sums" ]; then
    why="this action ships no checksums for keylint $version (action/checksums/$version.sha256)"
  else
    why="action/checksums/$version.sha256 has no SHA-256 for keylint-$target.$archive_ext"
  fi
  echo "::notice title=keylint install::$why; building keylint $version from crates.io with cargo install --locked"
  command -v cargo >/dev/null 2>&1 ||
    fail "$why, and there is no cargo on this runner to build it (install Rust first, e.g. with rustup)"
  cargo install --locked --quiet keylint --version "$version" --root "$install_dir/cargo" ||
    fail "cargo install keylint --version $version failed"
  bin="$install_dir/cargo/bin/keylint$exe"
  [ -x "$bin" ] || fail "cargo install did not produce $bin"
fi

reported="$("$bin" --version)"
case "$reported" in
  "keylint $version" | "keylint $version "*) ;;
  *) fail "installed binary reports '$reported', expected keylint $version" ;;
esac
echo "installed $reported ($method) at $bin"
dirname "$bin" >>"$path_file"
{ echo "bin=$bin"; echo "method=$method"; } >>"$out"
