#!/usr/bin/env bash
# Regenerates generated/ (types, bindings, client SDK) and fails, naming the files,
# if it differs from what is committed: changed, new, or gone (generation starts the
# SDK from an empty folder, so a file the spec no longer produces shows as deleted).
set -euo pipefail
cd "$(dirname "$0")/.."
npx tsx scripts/generate.ts >/dev/null
changed=$(git status --porcelain --untracked-files=all -- generated/)
if [ -n "$changed" ]; then
  echo "generated/ is out of date with openapi/ (run \`make generate\` and commit):" >&2
  echo "$changed" >&2
  git --no-pager diff --stat -- generated/ >&2
  exit 1
fi
echo "generated/: no drift"
