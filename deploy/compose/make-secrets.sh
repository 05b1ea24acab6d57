#!/usr/bin/env bash
# Random secrets for compose.yaml, in deploy/compose/secrets/ (git-ignored). Existing files are kept,
# so running it again changes nothing; delete the folder's files to start over (and the
# postgres-data volume, which keeps the first password). Pass ADMIN_PASSWORD to choose the first
# admin's password; otherwise one is made and printed.
set -euo pipefail
cd "$(dirname "$0")/secrets"
umask 022
chmod 700 .

write() { # name value
  if [ -e "$1" ]; then
    echo "kept    deploy/compose/secrets/$1"
  else
    printf '%s\n' "$2" > "$1"
    echo "written deploy/compose/secrets/$1"
  fi
}
# Passwords that go into URLs: hex, so nothing needs escaping.
[ -e postgres_password ] || openssl rand -hex 24 > postgres_password
write database_url "postgresql://gatehouse:$(cat postgres_password)@postgres:5432/gatehouse"
[ -e redis_password ] || openssl rand -hex 24 > redis_password
write redis_conf "$(printf 'requirepass %s\nsave ""\nappendonly no' "$(cat redis_password)")"
write redis_url "redis://:$(cat redis_password)@redis:6379"
write master_key "$(openssl rand -base64 32)"
write metrics_token "$(openssl rand -hex 24)"
if [ ! -e admin_password ]; then
  write admin_password "${ADMIN_PASSWORD:-$(openssl rand -base64 18)}"
  [ -n "${ADMIN_PASSWORD:-}" ] || echo "first admin (ADMIN_EMAIL, default admin@example.com): password $(cat admin_password)"
fi
