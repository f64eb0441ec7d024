#!/usr/bin/env bash
# Prints the path of a docker-archive of kaniko's executor image at a pinned
# release (the benchmark anchor of bench/container.sh; never a dependency),
# built once from its Go module into the tools cache, as scripts/tools.sh
# builds Skaffold. The image is assembled as kaniko's deploy/Dockerfile
# assembles its kaniko-executor target: FROM scratch, the static executor
# at /kaniko/executor, CA certificates at /kaniko/ssl/certs, an empty
# /kaniko/.docker, /etc/nsswitch.conf, HOME, USER, PATH, SSL_CERT_DIR,
# DOCKER_CONFIG, WORKDIR /workspace (the credential helpers are left out:
# the benchmark's registry needs none), with Docker's classic builder.
# Usage: kaniko-cli.sh   Environment: HUSH_TOOLS (the cache directory).
set -euo pipefail
ver=${KANIKO_VERSION:-v1.24.0}
dir=${HUSH_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/hush-tools}
bin="$dir/kaniko-executor-$ver"
tar="$dir/kaniko-image-$ver.tar"
mkdir -p "$dir"
work= ctx=
trap 'rm -rf "$ctx"; [ -z "$work" ] || { chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"; }' EXIT
if [ ! -x "$bin" ]; then
  start=$(date +%s)
  src=$(go mod download -json "github.com/GoogleContainerTools/kaniko@$ver" | awk -F'"' '/"Dir":/{print $4}')
  [ -d "$src" ] || { echo "kaniko-cli: kaniko $ver: the module download gave no directory" >&2; exit 1; }
  # The module cache is read-only and its zip has no vendor/: build in a
  # copy, resolving the pinned go.sum through the module proxy.
  work=$(mktemp -d "$dir/kaniko-src.XXXXXX")
  cp -r "$src/." "$work/"
  chmod -R u+w "$work"
  (cd "$work" && GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath \
    -ldflags "-s -w -X github.com/GoogleContainerTools/kaniko/pkg/version.version=$ver" \
    -o "$bin.tmp" ./cmd/executor) >&2
  mv "$bin.tmp" "$bin"
  echo "kaniko-cli: built kaniko $ver in $(( $(date +%s) - start ))s: $bin" >&2
fi
if [ ! -s "$tar" ]; then
  ctx=$(mktemp -d)
  src=$(go mod download -json "github.com/GoogleContainerTools/kaniko@$ver" | awk -F'"' '/"Dir":/{print $4}')
  mkdir -p "$ctx/kaniko/ssl/certs" "$ctx/kaniko/.docker" "$ctx/etc"
  cp "$bin" "$ctx/kaniko/executor"
  cp /etc/ssl/certs/ca-certificates.crt "$ctx/kaniko/ssl/certs/"
  cp "$src/files/nsswitch.conf" "$ctx/etc/nsswitch.conf"
  chmod -R u+w,go+rX "$ctx"; chmod 777 "$ctx/kaniko"
  cat > "$ctx/Dockerfile" <<'DOCKERFILE'
FROM scratch
COPY kaniko/ /kaniko/
COPY etc/nsswitch.conf /etc/nsswitch.conf
ENV HOME=/root USER=root PATH=/usr/local/bin:/kaniko SSL_CERT_DIR=/kaniko/ssl/certs
ENV DOCKER_CONFIG=/kaniko/.docker/ DOCKER_CREDENTIAL_GCR_CONFIG=/kaniko/.config/gcloud/docker_credential_gcr_config.json
WORKDIR /workspace
ENTRYPOINT ["/kaniko/executor"]
DOCKERFILE
  DOCKER_BUILDKIT=0 docker build -q -t "localhost/kaniko-executor:$ver" "$ctx" >/dev/null
  docker save -o "$tar.tmp" "localhost/kaniko-executor:$ver"
  mv "$tar.tmp" "$tar"
fi
echo "$tar"
