#!/usr/bin/env bash
# make release: hush's release, built by hush (docs/release.md).
#  OUT/hush-linux-amd64, OUT/hush-linux-arm64: static (cgo, netgo,
#    osusergo, external static link: the flags of `make image`), -trimpath;
#  OUT/SHA256SUMS;
#  OUT/image/: hush's image for both platforms as an OCI layout (an index),
#    with provenance (mode=max) and the guard's attestation (no SBOM yet:
#    docs/attestations.md),
#    built by the hush being released; pushed too when RELEASE_REGISTRY is
#    set (RELEASE_REGISTRY/hush:VERSION).
# The image's runc, newuidmap, newgidmap and busybox are Debian's for each
# architecture (apt-get download, not this machine's binaries), with the
# shared libraries their ELF headers name; the layout is that of
# scripts/image.sh. Then scripts/release-check.sh checks what was written.
# Usage: release.sh OUT BUILDER_HUSH
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
GO=${GO:-go}
TAGS=${TAGS:-containers_image_openpgp exclude_graphdriver_btrfs exclude_graphdriver_devicemapper}
VERSION=${VERSION:-$(git -C "$here" describe --tags --always --dirty 2>/dev/null || echo dev)}
PLATFORMS=${RELEASE_PLATFORMS:-linux/amd64,linux/arm64}
# The attestation flags (docs/attestations.md); the guard's attestation
# comes with either.
ATTEST=${RELEASE_ATTEST:---provenance=mode=max}
# More hush build flags, e.g. --tls-verify=false for a loopback registry.
FLAGS=${RELEASE_FLAGS:-}
die() { echo "release: $*" >&2; exit 1; }
source "$here/scripts/release-lib.sh"

out=${1:?usage: release.sh OUT BUILDER_HUSH} hush=${2:?usage: release.sh OUT BUILDER_HUSH}
hush=$(cd "$(dirname "$hush")" && pwd)/$(basename "$hush")
mkdir -p "$out"
out=$(cd "$out" && pwd)
cd "$here"
# Timestamps pinned to the commit: the same commit gives the same image.
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

archs=()
for p in ${PLATFORMS//,/ }; do
	[ "${p%%/*}" = linux ] || die "platform $p: only linux/* is released"
	archs+=("${p#linux/}")
done

# 1. The binaries.
rm -f "$out"/hush-linux-* "$out/SHA256SUMS"
for a in "${archs[@]}"; do
	cc=$(cross_cc "$a")
	echo "release: hush-linux-$a (CC=$cc)"
	CGO_ENABLED=1 GOOS=linux GOARCH=$a CC=$cc nice -n 5 $GO build -mod=vendor -trimpath \
		-tags "$TAGS netgo osusergo" \
		-ldflags "-linkmode external -extldflags -static -X main.version=$VERSION" \
		-o "$out/hush-linux-$a" ./cmd/hush
done
(cd "$out" && sha256sum hush-linux-* >SHA256SUMS)

# 2. The image's context: one rootfs per architecture, chosen by TARGETARCH.
ctx=$tmp/ctx
mkdir -p "$ctx/rootfs"
for a in "${archs[@]}"; do
	debs "$a" "$tmp/debs-$a"
	rootfs "$a" "$tmp/debs-$a" "$out/hush-linux-$a" "$ctx/rootfs/$a"
done
# The repository's Containerfile, its one COPY of the rootfs per platform.
[ "$(grep -c '^COPY rootfs/ /$' Containerfile)" = 1 ] || die "Containerfile: expected one 'COPY rootfs/ /' line to make per-platform"
sed -e 's|^COPY rootfs/ /$|ARG TARGETARCH\nCOPY rootfs/${TARGETARCH}/ /|' Containerfile >"$ctx/Containerfile"

# 3. The image, by hush: every platform, attested, as an OCI layout.
binfmt_ready "${archs[@]}"
push=()
if [ -n "${RELEASE_REGISTRY:-}" ]; then
	push=(-t "$RELEASE_REGISTRY/hush:$VERSION" --push)
fi
rm -rf "$out/image"
# shellcheck disable=SC2086 # ATTEST and FLAGS are lists of flags
"$hush" build -q -f "$ctx/Containerfile" --platform "$PLATFORMS" $ATTEST $FLAGS \
	"${push[@]}" -o "type=oci,dest=$out/image" "$ctx" >"$out/image.id"
echo "release: $VERSION in $out (binaries, SHA256SUMS, image/${RELEASE_REGISTRY:+, pushed to $RELEASE_REGISTRY/hush:$VERSION})"
"$here/scripts/release-check.sh" "$out" "$PLATFORMS"
