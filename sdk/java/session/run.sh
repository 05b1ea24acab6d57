#!/usr/bin/env bash
# One scripted client session through the generated Java client, built with Maven.
# Run `make sdk LANG=java` first (it writes dist/sdk/java). Needs a running server:
#   GATEHOUSE_URL             its base URL, e.g. http://127.0.0.1:8000
#   GATEHOUSE_ADMIN_USERNAME  an account with the admin role
#   GATEHOUSE_ADMIN_PASSWORD  its password
# Prints one line per step and exits non-zero on the first unexpected result.
# MVN_ARGS adds Maven options, e.g. -o once ~/.m2 holds everything (not MAVEN_ARGS,
# which Maven 3.9 reads by itself too).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
client="$root/dist/sdk/java"
: "${GATEHOUSE_URL:?set GATEHOUSE_URL to the base URL of a running server}"
: "${GATEHOUSE_ADMIN_USERNAME:?set GATEHOUSE_ADMIN_USERNAME}"
: "${GATEHOUSE_ADMIN_PASSWORD:?set GATEHOUSE_ADMIN_PASSWORD}"
if [ ! -f "$client/pom.xml" ]; then
  echo "run.sh: $client/pom.xml is missing; run \`make sdk LANG=java\` first" >&2
  exit 2
fi
# The client's version is the spec's info.version, the first <version> of its pom.
version="$(sed -n 's:^    <version>\(.*\)</version>$:\1:p' "$client/pom.xml" | head -n 1)"
# Maven's output only when it fails (its quiet mode still prints colour resets), so
# stdout is the session's transcript alone.
mvn() {
  local log
  # shellcheck disable=SC2086 # MVN_ARGS is a list of options
  if ! log="$(command mvn -B -q -Dstyle.color=never ${MVN_ARGS:-} "$@" 2>&1)"; then
    printf '%s\n' "$log" >&2
    echo "run.sh: mvn $* failed" >&2
    exit 1
  fi
}

echo "run.sh: building $client (gatehouse-client $version) and the session with Maven" >&2
# The client into ~/.m2, without its generated tests, javadoc or sources jar.
mvn -f "$client/pom.xml" install -Dmaven.test.skip=true -Dmaven.javadoc.skip=true -Dmaven.source.skip=true
mvn -f "$here/pom.xml" compile -Dgatehouse.client.version="$version"
exec java -cp "$here/target/classes:$(cat "$here/target/classpath.txt")" dev.gatehouse.session.Session
