#!/usr/bin/env bash
# `make image`: the base images when missing (scripts/image/build-base.sh), then the Dockerfile.
#   IMAGE               the tag (default localhost/gatehouse:latest)
#   CONTAINER_ENGINE    podman (default) or docker
#   IMAGE_BUILD_ARGS    more build options, e.g. --network=host or --no-cache
# When this machine's npm or Node.js trusts an extra CA (npm's cafile, NODE_EXTRA_CA_CERTS: e.g. a
# TLS-inspecting proxy in front of the npm registry), npm in the build gets it too, as the build
# secret build_ca.
set -euo pipefail
cd "$(dirname "$0")/../.."
engine=${CONTAINER_ENGINE:-podman}
image=${IMAGE:-localhost/gatehouse:latest}
base_image=${BASE_IMAGE:-localhost/gatehouse-base:node20}
build_image=${BUILD_IMAGE:-localhost/gatehouse-base:node20-build}

if ! "$engine" image inspect "$base_image" > /dev/null 2>&1 || ! "$engine" image inspect "$build_image" > /dev/null 2>&1; then
  scripts/image/build-base.sh
fi

args=(--build-arg "BASE_IMAGE=$base_image" --build-arg "BUILD_IMAGE=$build_image" -t "$image")
# podman and buildah write OCI images unless told otherwise, and OCI has no HEALTHCHECK.
[ "$engine" = docker ] || args+=(--format docker)
ca=${NODE_EXTRA_CA_CERTS:-$(npm config get cafile 2> /dev/null || true)}
[ -f "$ca" ] && args+=(--secret "id=build_ca,src=$ca")
# shellcheck disable=SC2206 # options, split on spaces
args+=(${IMAGE_BUILD_ARGS:-})

started=$(date +%s)
"$engine" build "${args[@]}" .
echo "$image: built in $(($(date +%s) - started)) s, $("$engine" image inspect "$image" --format '{{.Size}}' |
  awk '{ printf "%.0f MB", $1 / 1e6 }')"
