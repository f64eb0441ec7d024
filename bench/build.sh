#!/usr/bin/env bash
# Build benchmark: the same Dockerfiles built by hush and by the buildah CLI
# at the same library version, in one run, side by side (hyperfine), for a
# cold build (one clean layer per stage) and a --layers no-op rebuild.
# Target: hush/buildah <= 1.05 for both. Usage: build.sh HUSH
set -euo pipefail
hush=$(realpath "${1:-bin/hush}")
here=$(cd "$(dirname "$0")/.." && pwd)
command -v hyperfine >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq hyperfine >/dev/null; }

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

echo "== cold build (one clean layer per stage)"
hyperfine -N --warmup 1 --runs "${RUNS:-7}" --export-json "$work/cold.json" \
  -n hush "$H -t bench-h $ctx" -n buildah "$B -t bench-b $ctx"

echo "== --layers no-op rebuild (cache hit on every step)"
$H --layers -t bench-hl "$ctx" >/dev/null
$B --layers -t bench-bl "$ctx" >/dev/null
hyperfine -N --warmup 1 --runs "${RUNS:-7}" --export-json "$work/layers.json" \
  -n hush "$H --layers -t bench-hl $ctx" -n buildah "$B --layers -t bench-bl $ctx"

ratio() {
  python3 - "$1" <<'PY'
import json, sys
r = {x["command"]: x["median"] for x in json.load(open(sys.argv[1]))["results"]}
print("%.3fs vs %.3fs  hush/buildah = %.3f" % (r["hush"], r["buildah"], r["hush"] / r["buildah"]))
PY
}
echo "== summary (medians; target hush/buildah <= 1.05)"
echo "cold build:       $(ratio "$work/cold.json")"
echo "--layers no-op:   $(ratio "$work/layers.json")"
