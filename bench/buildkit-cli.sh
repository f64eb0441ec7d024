#!/usr/bin/env bash
# Prints the directory holding buildkitd and buildctl of a pinned BuildKit
# release, built once from its Go module into the bench cache (like
# buildah-cli.sh): BuildKit is a benchmark anchor, never a dependency.
set -euo pipefail
ver=${BUILDKIT_VERSION:-v0.26.2}
cache=${HUSH_BENCH_CACHE:-/var/tmp/hush-bench}
dir="$cache/buildkit-$ver"
if [ ! -x "$dir/buildkitd" ] || [ ! -x "$dir/buildctl" ]; then
  mkdir -p "$cache"
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  # A throwaway module requiring the exact version: the proxy serves it by
  # version even where it refuses version lists.
  (cd "$tmp" && go mod init buildkitbench >/dev/null 2>&1 &&
     cat > tools.go <<'GO' &&
//go:build tools

package tools

import (
	_ "github.com/moby/buildkit/cmd/buildctl"
	_ "github.com/moby/buildkit/cmd/buildkitd"
)
GO
     GOFLAGS=-mod=mod go get "github.com/moby/buildkit@$ver" >&2 &&
     GOFLAGS=-mod=mod CGO_ENABLED=0 go build -o "$tmp/out/" github.com/moby/buildkit/cmd/buildkitd github.com/moby/buildkit/cmd/buildctl >&2)
  mkdir -p "$dir"
  mv "$tmp/out/buildkitd" "$tmp/out/buildctl" "$dir/"
fi
echo "$dir"
