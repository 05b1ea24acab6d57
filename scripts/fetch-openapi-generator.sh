#!/usr/bin/env bash
# Puts the openapi-generator JAR pinned in openapitools.json where the npm wrapper
# looks for it (generator-cli.storageDir/<version>.jar), fetched with Maven, and
# checks it against the SHA-256 committed in scripts/openapi-generator.sha256.
# The wrapper downloads a missing JAR itself; running this first means it never has to.
set -euo pipefail
cd "$(dirname "$0")/.."

fail() {
  echo "openapi-generator: $*" >&2
  exit 1
}
digest() { # digest <sha256|sha1> <file>
  if command -v "${1}sum" > /dev/null; then "${1}sum" "$2"; else shasum -a "${1#sha}" "$2"; fi | cut -d' ' -f1
}

read -r version dir < <(node -p 'const c = require("./openapitools.json")["generator-cli"]; `${c.version} ${c.storageDir}`')
jar="$dir/$version.jar"
expected=$(awk -v name="$version.jar" '$2 == name { print $1 }' scripts/openapi-generator.sha256)
[ -n "$expected" ] || fail "no SHA-256 for $version.jar in scripts/openapi-generator.sha256"

if [ -f "$jar" ]; then
  actual=$(digest sha256 "$jar")
  [ "$actual" = "$expected" ] && exit 0
  fail "$jar has SHA-256 $actual, expected $expected. Delete it to fetch it again."
fi

command -v mvn > /dev/null || fail "Maven (mvn) is needed once to fetch openapi-generator-cli $version into $dir"
echo "openapi-generator: fetching openapi-generator-cli $version with Maven" >&2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# -C: fail, rather than warn, when a download does not match the checksum Maven Central publishes.
if ! mvn -B -q -C dependency:copy -Dartifact="org.openapitools:openapi-generator-cli:$version" -DoutputDirectory="$tmp" \
  > "$tmp/mvn.log" 2>&1; then
  cat "$tmp/mvn.log" >&2
  fail "Maven could not fetch org.openapitools:openapi-generator-cli:$version"
fi
fetched="$tmp/openapi-generator-cli-$version.jar"

published="$HOME/.m2/repository/org/openapitools/openapi-generator-cli/$version/openapi-generator-cli-$version.jar.sha1"
if [ -f "$published" ]; then
  sha1=$(digest sha1 "$fetched")
  [ "$sha1" = "$(cut -c1-40 "$published")" ] || fail "the fetched JAR has SHA-1 $sha1, Maven Central publishes $(cat "$published")"
fi
actual=$(digest sha256 "$fetched")
[ "$actual" = "$expected" ] ||
  fail "the fetched JAR has SHA-256 $actual, scripts/openapi-generator.sha256 expects $expected. Not installed."

mkdir -p "$dir"
mv "$fetched" "$jar.partial"
mv "$jar.partial" "$jar"
echo "openapi-generator: $jar verified (SHA-256 $actual)" >&2
