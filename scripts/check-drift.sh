#!/usr/bin/env bash
# Regenerates generated/ and fails, naming the files, if it differs from what is committed.
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
