#!/usr/bin/env bash
# The release's test, run by hand (it builds two static hush binaries and a
# two-platform image: minutes, too long for make test): `make release`,
# scripts/release-check.sh on the result, then the check on doctored copies
# of it, each of which it must refuse with its own line: a checksum that
# does not match, the amd64 binary standing in for the arm64 one, a
# dynamically linked binary, an index without the arm64 image, an image
# without its attestation manifest.
# Usage: release-test.sh [OUT]   (OUT: an existing release: skip make release)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
out=${1:-}
if [ -z "$out" ]; then
	make release
	out=bin/release
fi
scripts/release-check.sh "$out"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
# refused NAME WANT: the check must fail on $tmp/r, saying WANT.
refused() {
	local msg
	if msg=$(scripts/release-check.sh "$tmp/r" 2>&1 >/dev/null); then
		echo "release-test: FAIL: $1: the check passed it" >&2; fails=$((fails + 1)); return
	fi
	case $msg in
	*"$2"*) echo "release-test: ok: $1 refused: ${msg##*$'\n'}" ;;
	*) echo "release-test: FAIL: $1: refused for another reason: $msg" >&2; fails=$((fails + 1)) ;;
	esac
}
fresh() { rm -rf "$tmp/r"; cp -a "$out" "$tmp/r"; }
sums() { (cd "$tmp/r" && sha256sum hush-linux-* >SHA256SUMS); }

fresh; printf '\0' >>"$tmp/r/hush-linux-arm64"
refused "a binary changed after SHA256SUMS" "SHA256SUMS does not match"
fresh; cp "$tmp/r/hush-linux-amd64" "$tmp/r/hush-linux-arm64"; sums
refused "the amd64 binary as hush-linux-arm64" "is not for arm64"
fresh; cp bin/hush "$tmp/r/hush-linux-amd64"; sums
refused "a dynamically linked binary" "not static"
# The image index without one platform, and without an attestation.
drop() { # JQ-like edit of the layout's image index with python
	python3 - "$tmp/r/image" "$1" <<'EOF'
import hashlib, json, os, sys
root, what = sys.argv[1], sys.argv[2]
top = json.load(open(os.path.join(root, "index.json")))
def path(d):
    alg, h = d["digest"].split(":", 1)
    return os.path.join(root, "blobs", alg, h)
nested = len(top["manifests"]) == 1 and top["manifests"][0]["mediaType"].endswith("index.v1+json")
idx = json.load(open(path(top["manifests"][0]))) if nested else top
def keep(m):
    ann = m.get("annotations") or {}
    att = ann.get("vnd.docker.reference.type") == "attestation-manifest"
    if what == "arm64":
        return att or (m.get("platform") or {}).get("architecture") != "arm64"
    return not att
idx["manifests"] = [m for m in idx["manifests"] if keep(m)]
if nested:
    b = json.dumps(idx).encode()
    d = "sha256:" + hashlib.sha256(b).hexdigest()
    open(os.path.join(root, "blobs", "sha256", d[7:]), "wb").write(b)
    top["manifests"][0].update(digest=d, size=len(b))
    idx = top
json.dump(idx, open(os.path.join(root, "index.json"), "w"))
EOF
}
fresh; drop arm64
refused "an index without linux/arm64" "no manifest for linux/arm64"
fresh; drop attestations
refused "an index without attestation manifests" "no attestation manifest"

[ $fails = 0 ] || { echo "release-test: $fails failed" >&2; exit 1; }
echo "release-test: ok"
