#!/usr/bin/env bash
# `make image-test`: runs the built image as a deployment does and checks what it must do.
#   1. the migration step (`node dist/src/cli.js migrate`) on a scratch PostgreSQL database;
#   2. the server with MIGRATE_ON_START=false: /healthz, /readyz, a sign-up and its duplicate,
#      the image's HEALTHCHECK, its user (not root), a root filesystem it cannot write;
#   3. `stop`: SIGTERM through tini, a graceful shutdown ("shut down"), exit code 0;
#   4. the embedded database on a volume (no DATABASE_URL), started, used and stopped the same way.
# Every container has a read-only root filesystem (and, with podman, no tmpfs either), the host's
# network with the service on a free loopback port, and its secrets as files (*_FILE).
#   IMAGE, CONTAINER_ENGINE   as for `make image`
#   PG_ADMIN_URL              a PostgreSQL server on this machine where the scratch database is
#                             made and dropped (default postgresql://postgres@127.0.0.1:5432/postgres)
set -euo pipefail
cd "$(dirname "$0")/../.."
engine=${CONTAINER_ENGINE:-podman}
image=${IMAGE:-localhost/gatehouse:latest}
admin_url=${PG_ADMIN_URL:-postgresql://postgres@127.0.0.1:5432/postgres}
run_id=$$_$RANDOM
db=gatehouse_image_$run_id
volume=gatehouse-image-data-$run_id
port=$(node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })')
base=http://127.0.0.1:$port
work=$(mktemp -d)
containers=()
cleanup() {
  for name in "${containers[@]}"; do "$engine" rm -f "$name" > /dev/null 2>&1 || true; done
  "$engine" volume rm -f "$volume" > /dev/null 2>&1 || true
  psql "$admin_url" -qc "drop database if exists $db" > /dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "FAILED: $*" >&2
  for name in "${containers[@]}"; do
    echo "--- $name" >&2
    "$engine" logs "$name" 2>&1 | tail -n 30 >&2 || true
  done
  exit 1
}

mkdir "$work/secrets"
openssl rand -base64 32 > "$work/secrets/master_key"
echo "${admin_url%/*}/$db" > "$work/secrets/database_url"
psql "$admin_url" -qc "create database $db"

run_flags=(--network host --read-only -v "$work/secrets:/run/secrets:ro"
  -e "PORT=$port" -e TRUST_PROXY=loopback -e SHUTDOWN_DELAY_MS=500 -e MASTER_KEY_FILE=/run/secrets/master_key)
[ "$engine" = podman ] && run_flags+=(--read-only-tmpfs=false)
postgres_flags=(-e DATABASE_URL_FILE=/run/secrets/database_url)

request() { # method path [body] -> "status body"
  local args=(-s -o "$work/body" -w '%{http_code}' -X "$1" "$base$2")
  [ $# -lt 3 ] || args+=(-H 'content-type: application/json' -d "$3")
  rm -f "$work/body"
  curl "${args[@]}" || true
  printf ' %s\n' "$(cat "$work/body" 2> /dev/null)"
}
expect() { # label expected-status method path [body]
  local answer
  answer=$(request "${@:3}")
  echo "$1: $answer"
  [ "${answer%% *}" = "$2" ] || fail "$1: expected $2"
}
wait_ready() { # container
  for _ in $(seq 1 90); do
    [ "$(request GET /readyz | cut -d' ' -f1)" = 200 ] && return 0
    [ "$("$engine" inspect "$1" --format '{{.State.Running}}')" = true ] || fail "$1 exited"
    sleep 1
  done
  fail "$1 was not ready after 90 s"
}
start() { # name flags...
  local name=$1
  shift
  containers+=("$name")
  "$engine" run -d --name "$name" "${run_flags[@]}" "$@" "$image" > /dev/null 2> "$work/$name.err" ||
    fail "$name: $(cat "$work/$name.err")"
  local started=$SECONDS
  wait_ready "$name"
  echo "$name: ready after $((SECONDS - started)) s"
}
stop() { # name
  local started=$SECONDS
  "$engine" stop -t 30 "$1" > /dev/null 2>&1
  local code
  code=$("$engine" inspect "$1" --format '{{.State.ExitCode}}')
  echo "$1: stopped in $((SECONDS - started)) s, exit code $code; last line: $("$engine" logs "$1" 2>&1 | tail -n 1)"
  [ "$code" = 0 ] || fail "$1: exit code $code after stop"
  "$engine" logs "$1" 2>&1 | tail -n 1 | grep -q '"message":"shut down"' || fail "$1: no \"shut down\" line"
}

echo "== $image: $("$engine" image inspect "$image" --format '{{.Config.User}} {{.Config.Entrypoint}} {{.Config.Cmd}}')"

echo "== migration step"
"$engine" run --rm "${run_flags[@]}" "${postgres_flags[@]}" "$image" node dist/src/cli.js migrate | tee "$work/migrate.out"
grep -q '^applied: Migration' "$work/migrate.out" || fail "migrate applied nothing"

echo "== on PostgreSQL, migrations off"
start gatehouse-image-pg-$run_id "${postgres_flags[@]}" -e MIGRATE_ON_START=false
name=${containers[-1]}
expect "GET /healthz" 200 GET /healthz
expect "GET /readyz" 200 GET /readyz
user='{"username":"image-smoke","email":"image-smoke@example.com","password":"correct horse battery"}'
expect "POST /v1/users" 201 POST /v1/users "$user"
expect "POST /v1/users again" 409 POST /v1/users "$user"
if [ "$engine" = podman ]; then
  podman healthcheck run "$name" > /dev/null 2>&1 || fail "HEALTHCHECK: unhealthy"
  echo "HEALTHCHECK: healthy"
fi
uid=$("$engine" exec "$name" node -p 'process.getuid()')
echo "user id: $uid"
[ "$uid" != 0 ] || fail "runs as root"
if "$engine" exec "$name" node -e 'require("fs").writeFileSync("/app/probe", "")' 2> "$work/write.err"; then
  fail "the root filesystem is writable"
fi
echo "writing /app: $(grep -o 'EROFS[^,]*' "$work/write.err" | head -n 1)"
stop "$name"

echo "== embedded database on a volume"
"$engine" volume create "$volume" > /dev/null
start gatehouse-image-embedded-$run_id -v "$volume:/var/lib/gatehouse"
expect "POST /v1/users" 201 POST /v1/users "$user"
stop "${containers[-1]}"
echo "image checks passed"
