#!/usr/bin/env bash
# Build benchmark: the same Dockerfiles built by hush and by the buildah CLI
# at the same library version, in one run, side by side, for a cold build
# (one clean layer per stage), a --layers no-op rebuild and a no-op rebuild
# of a ~330 MB cached layer, the builds run in turn so a drift of the
# machine's speed stays out of the ratio (bench/pairs.py). Targets:
# hush/buildah <= 1.05 for the first two, <= 1.0 for the large layer.
# Usage: build.sh HUSH   (RUNS=N rounds, default 9)
set -euo pipefail
hush=$(realpath "${1:-bin/hush}")
here=$(cd "$(dirname "$0")/.." && pwd)
command -v python3 >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 >/dev/null; }

buildah=$("$here/bench/buildah-cli.sh")

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
store=(--root "$work/root" --runroot "$work/runroot" --storage-driver overlay)
"$here/scripts/base.sh" "$hush" "${store[@]}" >/dev/null

# A context with some weight: 20 MB of files to COPY, a few RUN steps,
# and a second stage.
ctx="$work/ctx"; mkdir -p "$ctx/data"
for i in $(seq 1 20); do head -c 1048576 /dev/urandom > "$ctx/data/f$i"; done
cat > "$ctx/Dockerfile" <<'DOCKERFILE'
FROM localhost/busybox AS build
COPY data /data
RUN cat /data/* | md5sum > /sum && for i in 1 2 3 4 5; do echo step $i >> /log; done
RUN tar -cf /data.tar /data
FROM localhost/busybox
COPY --from=build /sum /sum
COPY --from=build /data.tar /data.tar
RUN ls -l /data.tar > /listing
DOCKERFILE

nofile=$(ulimit -Hn); nproc=$(ulimit -Hu)
b_common=(--runtime runc --network host --ulimit "nofile=$nofile:$nofile" --ulimit "nproc=$nproc:$nproc")
H="$hush build -q ${store[*]}"
B="$buildah ${store[*]} build -q ${b_common[*]}"

runs=${RUNS:-9}
echo "== cold build (one clean layer per stage): hush and buildah in turn"
"$here/bench/pairs.py" "$runs" hush "$H --no-cache -t bench-h $ctx" buildah "$B -t bench-b $ctx"

echo "== --layers no-op rebuild (cache hit on every step): hush and buildah in turn"
$H --layers -t bench-hl "$ctx" >/dev/null
$B --layers -t bench-bl "$ctx" >/dev/null
"$here/bench/pairs.py" "$runs" hush "$H --layers -t bench-hl $ctx" buildah "$B --layers -t bench-bl $ctx"
# A large cached layer with a secret: the guard vetted it on the first build
# and must not read its 330 MB again (builder/verdict.go).
"$here/bench/pybase.sh" "$hush" "${store[@]}" >/dev/null
big="$work/big"; mkdir -p "$big"; printf 'pip-token-%s\n' "$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')" > "$work/sec"
printf 'FROM localhost/pybase\nRUN --mount=type=secret,id=pip cp -a /usr /usr2\n' > "$big/Dockerfile"
sec="--secret id=pip,src=$work/sec"
echo "== --layers no-op rebuild of a ~330 MB cached layer, with a secret: hush and buildah in turn"
$H --layers $sec -t bench-hbig "$big" >/dev/null
$B --layers $sec -t bench-bbig "$big" >/dev/null
"$here/bench/pairs.py" "$runs" hush "$H --layers $sec -t bench-hbig $big" buildah "$B --layers $sec -t bench-bbig $big"
echo "(target: hush/buildah <= 1.05 for the first two, <= 1.0 for the last)"
