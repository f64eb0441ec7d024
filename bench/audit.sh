#!/usr/bin/env bash
# Audit benchmark: `hush audit` on a ~400 MB Debian image (debootstrap
# minbase + a few packages, packed as an OCI layout of four ~100 MB gzip
# layers) against the floor of decompressing every layer once (zcat to
# /dev/null), in the same run (hyperfine). Target: hush audit / zcat floor
# <= 1.2. Then side by side with gitleaks on the same image extracted to a
# directory, as users do today.
#
# Usage: HUSH=bin/hush bench/audit.sh   (or bench/audit.sh bin/hush)
# Cache (rootfs, layout, gitleaks): $HUSH_BENCH_CACHE, default /var/tmp/hush-bench.
# Needs root the first time (debootstrap), and Debian's apt mirror.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
hush=$(realpath "${1:-${HUSH:-$here/bin/hush}}")
cache=${HUSH_BENCH_CACHE:-/var/tmp/hush-bench}
mirror=${HUSH_BENCH_MIRROR:-http://deb.debian.org/debian}
suite=bookworm
pkgs=python3,perl,git,openssh-client,curl,ca-certificates,gcc,make
gitleaks_version=v8.30.0
runs=${RUNS:-5}
mkdir -p "$cache"

need=()
command -v hyperfine >/dev/null || need+=(hyperfine)
command -v debootstrap >/dev/null || [ -x /usr/sbin/debootstrap ] || need+=(debootstrap)
command -v pigz >/dev/null || need+=(pigz)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

# 1. The rootfs, once: debootstrap minbase, without apt's .deb cache (an
#    image would not ship it).
rootfs="$cache/audit-rootfs-$suite"
if [ ! -e "$rootfs/.hush-complete" ]; then
  echo "== debootstrap --variant=minbase $suite (once, into $rootfs)" >&2
  rm -rf "$rootfs.tmp"
  debootstrap --variant=minbase --include="$pkgs" "$suite" "$rootfs.tmp" "$mirror" >"$cache/debootstrap.log" 2>&1 ||
    { tail -20 "$cache/debootstrap.log" >&2; exit 1; }
  rm -f "$rootfs.tmp"/var/cache/apt/archives/*.deb "$rootfs.tmp"/var/cache/apt/*.bin
  rm -rf "$rootfs.tmp"/var/lib/apt/lists/*
  touch "$rootfs.tmp/.hush-complete"
  rm -rf "$rootfs"; mv "$rootfs.tmp" "$rootfs"
fi

# 2. The OCI layout, once: files split into 4 layers of about equal size
#    (directories in the first), gzip -6 as docker and buildah write them.
layout="$cache/audit-oci-$suite"
if [ ! -e "$layout/index.json" ]; then
  echo "== packing $rootfs as an OCI layout of 4 layers" >&2
  rm -rf "$layout.tmp"
  python3 - "$rootfs" "$layout.tmp" <<'PY'
import hashlib, json, os, subprocess, sys
root, out = sys.argv[1], sys.argv[2]
blobs = os.path.join(out, "blobs", "sha256")
os.makedirs(blobs)
dirs, files = [], []
for d, dn, fn in os.walk(root):
    rel = os.path.relpath(d, root)
    if rel != ".":
        dirs.append(rel)
    for f in fn:
        p = os.path.join(rel, f) if rel != "." else f
        if p == ".hush-complete":
            continue
        files.append((p, os.lstat(os.path.join(root, p)).st_size))
files.sort()
total = sum(s for _, s in files)
groups, cur, acc = [], [], 0
for p, s in files:
    cur.append(p); acc += s
    if acc >= total / 4 * (len(groups) + 1) and len(groups) < 3:
        groups.append(cur); cur = []
groups.append(cur)
groups[0] = sorted(dirs) + groups[0]
def put(b):
    h = hashlib.sha256(b).hexdigest()
    open(os.path.join(blobs, h), "wb").write(b)
    return h
layers, diffs = [], []
for i, g in enumerate(groups):
    lst = os.path.join(out, "list%d" % i)
    open(lst, "w").write("\n".join(g) + "\n")
    tmp = os.path.join(out, "layer%d" % i)
    tar = subprocess.Popen(["tar", "-C", root, "--numeric-owner", "--no-recursion", "--format=posix",
                            "--pax-option=delete=atime,delete=ctime", "-cf", "-", "-T", lst], stdout=subprocess.PIPE)
    gz = subprocess.Popen(["pigz", "-6", "-n"], stdin=subprocess.PIPE, stdout=open(tmp, "wb"))
    dh = hashlib.sha256()
    while True:
        b = tar.stdout.read(1 << 20)
        if not b:
            break
        dh.update(b); gz.stdin.write(b)
    gz.stdin.close(); gz.wait(); tar.wait()
    if tar.returncode or gz.returncode:
        sys.exit("tar/pigz failed")
    ch = hashlib.sha256()
    with open(tmp, "rb") as f:
        for b in iter(lambda: f.read(1 << 20), b""):
            ch.update(b)
    os.rename(tmp, os.path.join(blobs, ch.hexdigest()))
    os.remove(lst)
    size = os.path.getsize(os.path.join(blobs, ch.hexdigest()))
    layers.append({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": "sha256:" + ch.hexdigest(), "size": size})
    diffs.append("sha256:" + dh.hexdigest())
config = json.dumps({"architecture": "amd64", "os": "linux",
    "config": {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"], "Cmd": ["bash"]},
    "rootfs": {"type": "layers", "diff_ids": diffs},
    "history": [{"created_by": "debootstrap --variant=minbase (part %d of 4)" % (i + 1)} for i in range(len(layers))]}).encode()
ch = put(config)
manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
    "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": "sha256:" + ch, "size": len(config)},
    "layers": layers}).encode()
mh = put(manifest)
json.dump({"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
    "digest": "sha256:" + mh, "size": len(manifest), "annotations": {"org.opencontainers.image.ref.name": "bench"}}]},
    open(os.path.join(out, "index.json"), "w"))
open(os.path.join(out, "oci-layout"), "w").write('{"imageLayoutVersion":"1.0.0"}')
PY
  mv "$layout.tmp" "$layout"
fi
mapfile -t blobs < <(python3 -c 'import json,sys
m=json.load(open(sys.argv[1]+"/index.json"))["manifests"][0]["digest"].split(":")[1]
for l in json.load(open(sys.argv[1]+"/blobs/sha256/"+m))["layers"]: print(sys.argv[1]+"/blobs/sha256/"+l["digest"].split(":")[1])' "$layout")
comp=$(du -cb "${blobs[@]}" | tail -1 | cut -f1)
uncomp=$(for b in "${blobs[@]}"; do zcat "$b" | wc -c; done | awk '{s+=$1} END {print s}')
echo "== image: ${#blobs[@]} layers, $((comp >> 20)) MB gzip, $((uncomp >> 20)) MB uncompressed; $(nproc) CPUs"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf 'for f in "$@"; do zcat "$f" >/dev/null; done\n' > "$work/floor.sh"
printf 'printf "%%s\\0" "$@" | xargs -0 -n1 -P%s sh -c '"'"'zcat "$0" >/dev/null'"'"'\n' "$(nproc)" > "$work/floor-par.sh"
# Four known values, as a user would pass them (not in the image).
for i in 1 2 3 4; do
  printf '[global]\nindex-url = https://ci:benchpass%02d%s@pypi.internal/simple\n' "$i" "$(head -c 9 /dev/urandom | od -An -tx1 | tr -d ' \n')" > "$work/s$i"
done
sec="--secret id=s1,src=$work/s1 --secret id=s2,src=$work/s2 --secret id=s3,src=$work/s3 --secret id=s3b,src=$work/s4"
img="oci:$layout:bench"
echo "== hush audit's own report on the image (heuristics and 4 known values)"
"$hush" audit $sec "$img" || true

echo "== hush audit vs the zcat floor"
hyperfine -N --warmup 1 --runs "$runs" -i --export-json "$work/audit.json" \
  -n "zcat floor" "bash $work/floor.sh ${blobs[*]}" \
  -n "zcat floor, $(nproc) in parallel" "bash $work/floor-par.sh ${blobs[*]}" \
  -n "hush audit" "$hush audit $img" \
  -n "hush audit --secret x4" "$hush audit $sec $img"

# 3. gitleaks as users run it today: the image extracted to a directory,
#    then `gitleaks dir`.
gl="$cache/gitleaks-$gitleaks_version/gitleaks"
if [ ! -x "$gl" ]; then
  echo "== go install gitleaks $gitleaks_version (once)" >&2
  (cd "$work" && GOFLAGS= GOBIN="$(dirname "$gl")" go install "github.com/zricethezav/gitleaks/v8@$gitleaks_version")
fi
ext="$cache/audit-extracted-$suite"
t0=$(date +%s.%N)
rm -rf "$ext"; mkdir -p "$ext"
for b in "${blobs[@]}"; do tar -xzf "$b" -C "$ext" --numeric-owner; done
t1=$(date +%s.%N)
extract=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f", b-a}')
echo "== gitleaks dir on the extracted image (extraction took ${extract}s, not timed below)"
hyperfine -N --warmup 1 --runs "${GITLEAKS_RUNS:-3}" -i --export-json "$work/gitleaks.json" \
  -n "gitleaks dir" "$gl dir $ext --no-banner --log-level error --exit-code 0 --report-path $work/gl.json" \
  -n "hush audit" "$hush audit $img"

python3 - "$work/audit.json" "$work/gitleaks.json" "$extract" <<'PY'
import json, sys
a = {x["command"]: x["median"] for x in json.load(open(sys.argv[1]))["results"]}
g = {x["command"]: x["median"] for x in json.load(open(sys.argv[2]))["results"]}
ext = float(sys.argv[3])
floor = a["zcat floor"]
par = [k for k in a if k.startswith("zcat floor, ")][0]
print("== summary (medians)")
print(f"zcat floor (every layer once, one after another): {floor:.2f}s   {par}: {a[par]:.2f}s")
print(f"hush audit (heuristics):            {a['hush audit']:.2f}s   hush/floor = {a['hush audit']/floor:.2f} (target <= 1.2)   hush/parallel floor = {a['hush audit']/a[par]:.2f}")
print(f"hush audit (heuristics + 4 values): {a['hush audit --secret x4']:.2f}s   hush/floor = {a['hush audit --secret x4']/floor:.2f}   hush/parallel floor = {a['hush audit --secret x4']/a[par]:.2f}")
print(f"gitleaks dir (extracted rootfs):    {g['gitleaks dir']:.2f}s   (+ {ext:.2f}s to extract)   hush/gitleaks = {g['hush audit']/g['gitleaks dir']:.3f}   hush/(extract+gitleaks) = {g['hush audit']/(g['gitleaks dir']+ext):.3f}")
PY
