#!/usr/bin/env bash
# Builds the real CI tools the e2e tests drive (tests/skaffold_test.go) from
# their Go modules at pinned versions and prints each binary's path. They
# are cached outside the clone, so a CI runner's next fresh clone reuses
# them (and the Go module cache their sources come from). Skaffold cannot
# be added to hush's go.mod (its replace lines do not apply to a dependent
# module), so it is built inside a copy of its own module. Nothing of it is
# committed.
# Usage: tools.sh        Environment: HUSH_TOOLS (the cache directory,
# default ${XDG_CACHE_HOME:-$HOME/.cache}/hush-tools).
set -euo pipefail
skaffold_version=v2.16.1
dir=${HUSH_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/hush-tools}
bin="$dir/skaffold-$skaffold_version"
if [ ! -x "$bin" ]; then
  mkdir -p "$dir"
  start=$(date +%s)
  src=$(go mod download -json "github.com/GoogleContainerTools/skaffold/v2@$skaffold_version" |
    awk -F'"' '/"Dir":/{print $4}')
  [ -d "$src" ] || { echo "tools: skaffold $skaffold_version: the module download gave no directory" >&2; exit 1; }
  # The module cache is read-only, and go build records go.sum entries.
  work=$(mktemp -d "$dir/skaffold-src.XXXXXX")
  trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
  cp -r "$src/." "$work/"
  chmod -R u+w "$work"
  (cd "$work" && GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath \
    -ldflags "-s -w -X github.com/GoogleContainerTools/skaffold/v2/pkg/skaffold/version.version=$skaffold_version" \
    -o "$bin.tmp" ./cmd/skaffold) >&2
  mv "$bin.tmp" "$bin"
  echo "tools: built skaffold $skaffold_version in $(( $(date +%s) - start ))s: $bin" >&2
fi
echo "$bin"
