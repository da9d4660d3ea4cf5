#!/usr/bin/env bash
# Rewrites the rule table of README.md from the rule metadata (`keylint rules --format markdown`).
# tests/readme.rs fails when the README and the metadata disagree.
set -euo pipefail
cd "$(dirname "$0")/.."
table=$(cargo run --quiet -- rules --no-config --format markdown)
python3 - "$table" <<'PY'
import re, sys
table = sys.argv[1].strip() + "\n"
text = open("README.md").read()
start = text.index("| id | name | severity | summary |")
end = text.index("\n\n", start) + 1
open("README.md", "w").write(text[:start] + table + text[end:])
PY
