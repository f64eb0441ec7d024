#!/usr/bin/env bash
# Commit-guard benchmark: a build that commits a ~400 MB layer with 8
# secrets, by hush with the guard, hush with the guard switched off, and the
# buildah CLI at the same library version, in turn in one run
# (bench/pairs.py). Target: guard on / guard off <= 1.03. Then the scanner's
# own throughput (go test -bench). "Guard off" is a second binary built here
# with -tags hush_bench_noguard, the only build in which
# HUSH_BENCH_DISABLE_GUARD=1 does anything; the shipped one has no switch.
# Usage: guard.sh HUSH
set -euo pipefail
hush=$(realpath "${1:-bin/hush}")
here=$(cd "$(dirname "$0")/.." && pwd)
cache=${HUSH_BENCH_CACHE:-/var/tmp/hush-bench}
mkdir -p "$cache"
command -v python3 >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 >/dev/null; }
buildah=$("$here/bench/buildah-cli.sh")
noguard="$cache/hush-noguard"
(cd "$here" && CGO_ENABLED=1 go build -mod=vendor \
  -tags "containers_image_openpgp exclude_graphdriver_btrfs exclude_graphdriver_devicemapper hush_bench_noguard" \
  -o "$noguard" ./cmd/hush)

work=$(mktemp -d "$cache/guard.XXXXXX")
trap 'rm -rf "$work"' EXIT
store=(--root "$work/root" --runroot "$work/runroot" --storage-driver overlay)
"$here/scripts/base.sh" "$hush" "${store[@]}" >/dev/null

# ~400 MB of mixed content: text-like lines and random blocks.
ctx="$work/ctx"; mkdir -p "$ctx/sec"
python3 - "$ctx/big" <<'PY'
import os, sys, random
random.seed(1)
words = [b"alpha", b"beta", b"index-url", b"timeout", b"password", b"token", b"https://example.org/simple", b"= 60"]
with open(sys.argv[1], "wb") as f:
    for i in range(200):
        f.write(os.urandom(1 << 20))
        f.write(b"\n".join(b" ".join(random.choice(words) for _ in range(12)) for _ in range(11000)))
PY
for i in 1 2 3 4 5 6 7 8; do
  printf '[global]\nindex-url = https://ci:benchpass%02d%s@pypi.internal/simple\n' "$i" "$(head -c 9 /dev/urandom | od -An -tx1 | tr -d ' \n')" > "$ctx/sec/s$i"
done
cat > "$ctx/Dockerfile" <<'DOCKERFILE'
FROM localhost/busybox
COPY big /big
RUN --mount=type=secret,id=s1 --mount=type=secret,id=s2 wc -c /run/secrets/s1 /run/secrets/s2 > /dev/null
DOCKERFILE
echo sec > "$ctx/.dockerignore"
sec=(); bsec=()
for i in 1 2 3 4 5 6 7 8; do sec+=(--secret "id=s$i,src=$ctx/sec/s$i"); bsec+=(--secret "id=s$i,src=$ctx/sec/s$i"); done
nofile=$(ulimit -Hn); nproc=$(ulimit -Hu)
H="$hush build -q --no-cache ${store[*]} ${sec[*]} $ctx"
HOFF="env HUSH_BENCH_DISABLE_GUARD=1 $noguard build -q --no-cache ${store[*]} ${sec[*]} $ctx"
B="$buildah ${store[*]} build -q --runtime runc --network host --ulimit nofile=$nofile:$nofile --ulimit nproc=$nproc:$nproc ${bsec[*]} $ctx"

echo "== 400 MB layer, 8 secrets: guard on, guard off, buildah CLI, in turn"
"$here/bench/pairs.py" "${RUNS:-9}" guard-on "$H" guard-off "$HOFF" buildah "$B"
echo "(target: guard-on/guard-off <= 1.03)"

echo "== scanner throughput, 8 secrets, all encodings (target >= 1000 MB/s per core)"
(cd "$here" && go test -run '^$' -bench 'BenchmarkStream' -benchtime 2s -cpu 1 ./secrets/pattern/ | grep -E '^Benchmark')
