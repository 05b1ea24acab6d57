#!/usr/bin/env bash
# CI's container step: the base images, the image, and its checks (scripts/image/test-image.sh),
# with podman storage in a scratch folder that is removed afterwards, so that no image, layer or
# build cache outlives the run and each run builds from nothing.
#
# Two settings are this machine's, not the project's (containers.conf below):
# - runtime runc: Debian 12's crun 1.8 refuses the host's hybrid cgroup layout ("cgroups in hybrid
#   mode not supported, drop all controllers from cgroupv2");
# - ulimits within the host's (open files: its hard limit; processes: 4096): podman's defaults raise
#   RLIMIT_NOFILE and RLIMIT_NPROC, which needs CAP_SYS_RESOURCE, and the sandbox has none
#   ("setrlimit `RLIMIT_NOFILE`: Operation not permitted").
# Builds use the host's network (RUN steps reach the npm registry as the host does).
set -euo pipefail
cd "$(dirname "$0")/../.."
started=$(date +%s)
elapsed() { echo "$(($(date +%s) - started)) s"; }

if ! command -v podman > /dev/null || ! command -v runc > /dev/null; then
  echo "installing podman and runc (Debian)"
  { apt-get install -y -qq podman runc || { apt-get update -qq && apt-get install -y -qq podman runc; }; } > /dev/null
fi
echo "$(podman --version), runc $(runc --version | head -n 1 | cut -d' ' -f3) ($(elapsed))"

scratch=$(mktemp -d)
export TMPDIR=$scratch/tmp CONTAINERS_CONF=$scratch/containers.conf CONTAINERS_STORAGE_CONF=$scratch/storage.conf
mkdir "$TMPDIR" "$scratch/networks"
cat > "$CONTAINERS_STORAGE_CONF" << EOF
[storage]
driver = "overlay"
graphroot = "$scratch/storage"
runroot = "$scratch/run"
EOF
nproc_limit=$(ulimit -Hu)
[ "$nproc_limit" = unlimited ] || [ "$nproc_limit" -gt 4096 ] && nproc_limit=4096
cat > "$CONTAINERS_CONF" << EOF
[containers]
default_ulimits = ["nofile=$(ulimit -Hn):$(ulimit -Hn)", "nproc=$nproc_limit:$nproc_limit"]
[engine]
runtime = "runc"
# locks and state in the scratch folder too, apart from any other podman on the machine
lock_type = "file"
tmp_dir = "$scratch/libpod"
[network]
network_config_dir = "$scratch/networks"
EOF
cleanup() {
  local started=$SECONDS
  podman system reset --force > /dev/null 2>&1 || true
  rm -rf "$scratch"
  echo "podman storage removed in $((SECONDS - started)) s"
}
trap cleanup EXIT

export IMAGE=localhost/gatehouse:ci
scripts/image/build-base.sh
echo "base images: $(elapsed)"
# No intermediate layers: nothing here reuses them, and committing each one costs time.
IMAGE_BUILD_ARGS="--network=host --layers=false --quiet" scripts/image/build-image.sh
echo "image: $(elapsed)"
# podman cannot reach systemd here to schedule HEALTHCHECK timers and says so on each run; the
# checks run the HEALTHCHECK themselves.
scripts/image/test-image.sh 2> >(grep -v 'unable to get systemd connection' >&2)
echo "container step: $(elapsed)"
