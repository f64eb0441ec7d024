#!/usr/bin/env bash
# Checks what `make release` wrote in OUT, with readers independent of hush
# (sha256sum, readelf, file, qemu-user, the OCI layout's JSON by hand):
# the checksums; each binary static, for its architecture, and running
# `hush version` (through qemu-user when foreign); the image an index with
# every platform, each with its attestation manifest holding provenance, an
# SBOM and the guard's attestation; `hush verify` on it where this hush has
# the command. Exit 1 and one line naming what is wrong.
# Usage: release-check.sh OUT [PLATFORMS]   (default linux/amd64,linux/arm64)
set -euo pipefail
out=${1:?usage: release-check.sh OUT [PLATFORMS]}
PLATFORMS=${2:-${RELEASE_PLATFORMS:-linux/amd64,linux/arm64}}
GO=${GO:-go}
die() { echo "release-check: $*" >&2; exit 1; }
here=$(cd "$(dirname "$0")/.." && pwd)
source "$here/scripts/release-lib.sh"
cd "$out"

[ -s SHA256SUMS ] || die "no SHA256SUMS in $out"
sha256sum --quiet -c SHA256SUMS >/dev/null 2>&1 || die "SHA256SUMS does not match the binaries"
for p in ${PLATFORMS//,/ }; do
	a=${p#linux/} f=hush-linux-${p#linux/}
	[ -f "$f" ] || die "no $f"
	grep -q " $f\$" SHA256SUMS || die "$f is not in SHA256SUMS"
	case $a in amd64) m='X86-64' ;; arm64) m='AArch64' ;; *) die "platform $p: no check" ;; esac
	readelf -hW "$f" | grep -q "Machine:.*$m" || die "$f is not for $a: $(readelf -hW "$f" | sed -n 's/ *Machine: *//p')"
	readelf -lW "$f" | grep -q 'program interpreter' && die "$f asks for a program interpreter: not static"
	readelf -dW "$f" 2>/dev/null | grep -q '(NEEDED)' && die "$f needs shared libraries: not static"
	file -L "$f" | grep -q 'statically linked' || die "$f: file(1) says: $(file -bL "$f")"
	v=$(run_arch "$a" "./$f" version) || die "$f version failed"
	case $v in "hush "*) ;; *) die "$f version printed: $v" ;; esac
	echo "release-check: $f static $a, SHA256SUMS matches, runs: $v"
done

[ -f image/index.json ] || die "no OCI layout in $out/image"
python3 - "$PLATFORMS" <<'EOF' || exit 1 # it said why
import json, os, sys
want = sys.argv[1].split(",")
def blob(d):
    alg, h = d["digest"].split(":", 1)
    with open(os.path.join("image", "blobs", alg, h), "rb") as f:
        return json.load(f)
def fail(msg):
    print("release-check: image: " + msg, file=sys.stderr); sys.exit(1)
idx = json.load(open("image/index.json"))
# The layout's index.json either is the image index or names one.
ms = idx.get("manifests", [])
if len(ms) == 1 and ms[0].get("mediaType", "").endswith(("image.index.v1+json", "manifest.list.v2+json")):
    idx = blob(ms[0])
    ms = idx.get("manifests", [])
images, atts = {}, {}
for m in ms:
    ann = m.get("annotations") or {}
    if ann.get("vnd.docker.reference.type") == "attestation-manifest":
        atts[ann.get("vnd.docker.reference.digest")] = m
        continue
    p = m.get("platform") or {}
    images[p.get("os", "?") + "/" + p.get("architecture", "?")] = m
for p in want:
    if p not in images:
        fail("no manifest for %s (has %s)" % (p, ", ".join(sorted(images)) or "none"))
    cfg = blob(blob(images[p])["config"])
    if "%s/%s" % (cfg.get("os"), cfg.get("architecture")) != p:
        fail("%s's config says %s/%s" % (p, cfg.get("os"), cfg.get("architecture")))
for p in want:
    a = atts.get(images[p]["digest"])
    if a is None:
        fail("no attestation manifest for %s" % p)
    types = sorted((l.get("annotations") or {}).get("in-toto.io/predicate-type", "?") for l in blob(a)["layers"])
    # No SPDX statement yet: hush builds no SBOM (docs/attestations.md).
    for kind in ("slsa.dev/provenance", "hush"):
        if not any(kind in t for t in types):
            fail("%s's attestations have no %s statement (have %s)" % (p, kind, ", ".join(types)))
    print("release-check: image %s: %s, attested (%s)" % (p, images[p]["digest"][:19], ", ".join(types)))
EOF
host=hush-linux-$($GO env GOHOSTARCH)
if [ -x "$host" ] && "./$host" verify --help >/dev/null 2>&1; then
	"./$host" verify "oci:$PWD/image" || die "hush verify refuses the release image"
	echo "release-check: hush verify passes the image"
else
	echo "release-check: hush verify skipped: $host has no verify command"
fi
echo "release-check: ok"
