#!/usr/bin/env bash
# Prints the path of a buildah CLI built from the very module version hush
# vendors, building it once into the bench cache. The anchor for benchmarks.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cache=${HUSH_BENCH_CACHE:-/var/tmp/hush-bench}
ver=$(awk '$1=="go.podman.io/buildah"{print $2}' "$here/go.mod")
bin="$cache/buildah-$ver"
if [ ! -x "$bin" ]; then
  mkdir -p "$cache"
  # A throwaway module with hush's requirements (go install pkg@version
  # would ask the proxy for a version list, which it refuses), without
  # hush's replaces of local copies (third_party/): the anchor is buildah
  # as its own module builds it.
  tmp=$(mktemp -d)
  sed -e 's|^module .*|module buildahbench|' -e '/^replace .* => \.\//d' "$here/go.mod" > "$tmp/go.mod"
  cp "$here/go.sum" "$tmp/go.sum"
  (cd "$tmp" && GOFLAGS="-mod=mod -tags=containers_image_openpgp,exclude_graphdriver_btrfs,exclude_graphdriver_devicemapper" \
     go build -o buildah go.podman.io/buildah/cmd/buildah) >&2
  mv "$tmp/buildah" "$bin"; rm -rf "$tmp"
fi
# buildah v1.45 looks for netavark when it creates any build container,
# even for --network host (hush stands a no-op network in for it).
if ! [ -x /usr/lib/podman/netavark ] && ! [ -x /usr/libexec/podman/netavark ]; then
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq netavark; } >&2
fi
echo "$bin"
