#!/bin/sh
# The scripted client session through the Python SDK, on Debian's python3 and
# Debian's packages for the client's dependencies (no PyPI). Needs the client from
# `make sdk LANG=python` in dist/sdk/python and a running server:
#   GATEHOUSE_URL=http://127.0.0.1:8000 GATEHOUSE_ADMIN_USERNAME=admin \
#   GATEHOUSE_ADMIN_PASSWORD=... sdk/python/session/run.sh
# Prints one line per step; exits non-zero on any unexpected result.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
client=$(cd "$here/../../.." && pwd)/dist/sdk/python
python=/usr/bin/python3
# What the generated client imports (pydantic 1.10 pulls in python3-typing-extensions).
packages="python3 python3-pydantic python3-urllib3 python3-dateutil"

: "${GATEHOUSE_URL:?set GATEHOUSE_URL, e.g. http://127.0.0.1:8000}"
: "${GATEHOUSE_ADMIN_USERNAME:?set GATEHOUSE_ADMIN_USERNAME}"
: "${GATEHOUSE_ADMIN_PASSWORD:?set GATEHOUSE_ADMIN_PASSWORD}"

if [ ! -d "$client/gatehouse_client" ]; then
  echo "run.sh: no client in $client; run \`make sdk LANG=python\` first" >&2
  exit 2
fi

missing=
for package in $packages; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' ||
    missing="$missing $package"
done
if [ -n "$missing" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "run.sh: installing Debian packages:$missing" >&2
    apt-get update -qq >&2
    # shellcheck disable=SC2086 # one word per package
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >&2
  else
    echo "run.sh: needs the Debian (12, bookworm) packages:$missing" >&2
    echo "run.sh: install them as root: apt-get install -y$missing" >&2
    exit 2
  fi
fi

# UTF-8 whatever the locale; nothing from a user's site-packages; no __pycache__ in the tree.
PYTHONPATH=$client PYTHONUTF8=1 PYTHONNOUSERSITE=1 PYTHONDONTWRITEBYTECODE=1 \
  exec "$python" "$here/session.py"
