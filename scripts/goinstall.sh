#!/usr/bin/env bash
# Proves `go install github.com/hushbuild/hush/cmd/hush@VERSION` works for
# this tree, the way a user without a clone runs it: the tree (less vendor/,
# as a module zip leaves it out) is served as a version from a local file
# proxy, next to the module cache's downloads for every dependency, and
# `go install MODULE/cmd/hush@VERSION` runs outside any module with the
# proxy off the network (GOSUMDB off: the test version is in no checksum
# database; go.sum's sums are still the ones `go mod verify` checks).
# A replace or exclude in go.mod fails it, as it fails go install.
# Usage: goinstall.sh [-n]   (-n: load and plan the build, compile nothing;
# what `make test` runs. Without it: a full build, then `hush version`.)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
GO=${GO:-go}
TAGS=${TAGS:-containers_image_openpgp exclude_graphdriver_btrfs exclude_graphdriver_devicemapper}
plan=
[ "${1:-}" = -n ] && plan=-n
mod=$(awk '$1=="module"{print $2; exit}' "$here/go.mod")
ver=v0.0.0-goinstall
tmp=$(mktemp -d)
trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT

# The directives go install refuses, named (its own error says less).
bad=$($GO mod edit -json "$here/go.mod" | awk -F'"' '/"(Replace|Exclude)": \[/{print $2}')
if [ -n "$bad" ]; then
	echo "goinstall: go.mod has $(echo $bad) directives: go install $mod/cmd/hush@version refuses them" >&2
	exit 1
fi
# Every dependency in the module cache (a no-op when it already is).
(cd "$here" && GOFLAGS=-mod=mod $GO mod download)
(cd "$here" && GOFLAGS=-mod=mod $GO mod verify >/dev/null)

# The module zip: the tree's files, tracked or not ignored, less vendor/.
z=$tmp/zip/$mod@$ver
mkdir -p "$z"
(cd "$here" && git ls-files -co --exclude-standard | grep -v '^vendor/' |
	while read -r f; do [ -f "$f" ] && printf '%s\n' "$f"; done |
	tar -cf - -T -) | tar -xf - -C "$z"
p=$tmp/proxy/$mod/@v
mkdir -p "$p"
(cd "$tmp/zip" && zip -qrD "$p/$ver.zip" "$mod@$ver")
cp "$here/go.mod" "$p/$ver.mod"
printf '{"Version":"%s","Time":"2026-01-01T00:00:00Z"}\n' "$ver" >"$p/$ver.info"
echo "$ver" >"$p/list"

cache=$($GO env GOMODCACHE)
mkdir -p "$tmp/bin" "$tmp/work"
cd "$tmp/work"
env GOPROXY="file://$tmp/proxy,file://$cache/cache/download" GOSUMDB=off GONOSUMDB= GOPRIVATE= \
	GOFLAGS=-modcacherw GOTOOLCHAIN=local GOMODCACHE="$tmp/modcache" GOBIN="$tmp/bin" GOWORK=off \
	CGO_ENABLED=1 $GO install $plan -tags "$TAGS" "$mod/cmd/hush@$ver" >"$tmp/install.log" 2>&1 ||
	{ cat "$tmp/install.log" >&2; echo "goinstall: go install $mod/cmd/hush@$ver failed" >&2; exit 1; }
if [ -z "$plan" ]; then
	"$tmp/bin/hush" version
else
	grep -q 'cmd/hush' "$tmp/install.log" || { echo "goinstall: go install -n planned no build of cmd/hush" >&2; exit 1; }
fi
echo "goinstall: go install $mod/cmd/hush@version works${plan:+ (planned, -n)}"
