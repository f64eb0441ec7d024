#!/usr/bin/env bash
# The CI cache against BuildKit's, in one run, timed in turn by
# bench/pairs.py (medians of per-round ratios). Issue 11's targets: a fresh
# runner's build from a registry cache hush/BuildKit <= 1.0, and the
# default mode's no-op rebuild hush/BuildKit-daemonless <= 1.0.
#
# A registry (docker-registry) on 127.0.0.1 holds the base image and every
# cache. The Dockerfile has a build stage that writes a 50 MB layer from a
# 20 MB context and a final stage that copies its result and uses a secret.
# Rows:
#  fresh runner, every step a cache hit: hush --layers --cache-from, hush's
#    default mode --cache-from (whole-build entry), BuildKit with
#    --import-cache type=registry; each from an empty store / a new daemon
#    state, removed after the build (all in the timing); the same with the
#    image pushed to the registry;
#  no-op rebuild: hush's default mode --stage-cache on a warm store, BuildKit
#    with its cache on disk, daemon started and stopped around each build.
# BuildKit is bench/buildkit-cli.sh's pinned build (skipped if that script
# is absent). Usage: cache.sh HUSH   (RUNS=N rounds, default 5; root only)
set -euo pipefail
hush=$(realpath "${1:-bin/hush}")
here=$(cd "$(dirname "$0")/.." && pwd)
cache=${HUSH_BENCH_CACHE:-/var/tmp/hush-bench}
if [ "$(id -u)" != 0 ]; then echo "cache.sh: BuildKit's OCI worker runs as root here; skipped"; exit 0; fi
if [ ! -x "$here/bench/buildkit-cli.sh" ]; then echo "cache.sh: bench/buildkit-cli.sh (the BuildKit anchor) is missing; skipped"; exit 0; fi
bk=$("$here/bench/buildkit-cli.sh")
mkdir -p "$cache"
work=$(mktemp -d "$cache/cache.XXXXXX")
. "$here/bench/lib.sh"

bench_registry

store=(--root "$work/root" --runroot "$work/runroot" --storage-driver overlay)
"$here/scripts/base.sh" "$hush" "${store[@]}" >/dev/null
skopeo copy -q --dest-tls-verify=false "containers-storage:[overlay@$work/root+$work/runroot]localhost/busybox:latest" "docker://$reg/base/busybox:1"

ctx=$work/ctx
mkdir -p "$ctx/src"
head -c 20000000 /dev/urandom > "$ctx/src/data.bin"
cat > "$ctx/Dockerfile" <<DF
FROM $reg/base/busybox:1 AS build
COPY src /src
RUN head -c 50000000 /dev/urandom > /blob && tar -C /src -cf /app.tar .
FROM $reg/base/busybox:1
COPY --from=build /app.tar /app.tar
RUN --mount=type=secret,id=s test -s /run/secrets/s && echo done > /done
DF
echo "bench-cache-secret-$RANDOM$RANDOM" > "$work/secret"
chmod 600 "$work/secret"

cat > "$work/buildkitd.toml" <<TOML
[worker.oci]
  enabled = true
  snapshotter = "overlayfs"
  gc = false
[worker.containerd]
  enabled = false
[registry."$reg"]
  http = true
  insecure = true
TOML
# bk.sh STATE-DIR [buildctl build flags]: a daemon for this build only.
cat > "$work/bk.sh" <<SH
#!/usr/bin/env bash
set -euo pipefail
st=\$1; shift
mkdir -p "\$st"
"$bk/buildkitd" --config "$work/buildkitd.toml" --root "\$st/root" --addr "unix://\$st/sock" --oci-worker-binary runc --oci-worker-net host >>"\$st/log" 2>&1 & pid=\$!
trap 'kill \$pid 2>/dev/null; wait \$pid 2>/dev/null || true' EXIT
until "$bk/buildctl" --addr "unix://\$st/sock" debug workers >/dev/null 2>&1; do
  kill -0 \$pid 2>/dev/null || { tail -5 "\$st/log" >&2; exit 1; }
  sleep 0.02
done
"$bk/buildctl" --addr "unix://\$st/sock" build --frontend dockerfile.v0 --local context="$ctx" --local dockerfile="$ctx" \\
  --secret id=s,src="$work/secret" --output type=image,name=localhost/bk-cache:latest "\$@"
SH
# fresh.sh NAME CMD...: CMD with a new state directory \$ST, removed after.
cat > "$work/fresh.sh" <<'SH'
#!/usr/bin/env bash
set -euo pipefail
export ST=$(mktemp -d "$WORK/fresh.XXXXXX")
trap '{ grep -o " $ST/[^ ]*" /proc/self/mountinfo || true; } | sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done; rm -rf "$ST"' EXIT
eval "$*" >/dev/null
SH
chmod +x "$work"/*.sh
export WORK=$work

H="$hush build -q --tls-verify=false --secret id=s,src=$work/secret"
# Fill the caches once.
$H "${store[@]}" --layers --cache-to "type=registry,ref=$reg/hush-layers,mode=max" "$ctx" >/dev/null
$H "${store[@]}" --cache-to "$reg/hush-stage" "$ctx" >/dev/null
"$work/bk.sh" "$work/bk-seed" --export-cache "type=registry,ref=$reg/bk-cache,mode=max,registry.insecure=true" >/dev/null 2>&1
rm -rf "$work/bk-seed"

runs=${RUNS:-5}
fresh_store='--root $ST/root --runroot $ST/run --storage-driver overlay'
# BuildKit keeps cache hits lazy: with an image output it need not fetch
# the layers at all (buildkit); writing the image out (buildkit-oci, an OCI
# tarball, as a second output) makes it fetch what hush must unpack into
# storage.
echo "== fresh runner, registry cache (every step a hit): hush default mode, hush --layers, BuildKit, in turn"
"$here/bench/pairs.py" "$runs" \
  hush-default "$work/fresh.sh $H $fresh_store --cache-from $reg/hush-stage $ctx" \
  hush-layers "$work/fresh.sh $H $fresh_store --layers --cache-from $reg/hush-layers $ctx" \
  buildkit "$work/fresh.sh $work/bk.sh \$ST --import-cache type=registry,ref=$reg/bk-cache,registry.insecure=true" \
  buildkit-oci "$work/fresh.sh $work/bk.sh \$ST --import-cache type=registry,ref=$reg/bk-cache,registry.insecure=true --output type=oci,dest=\$ST/image.tar"
# Where the output is a registry push (a CI job's usual end): the hit's
# image pushed to the registry that holds the cache and the base, whose
# blobs every builder may reuse there.
echo "== fresh runner, registry cache, image pushed: hush default mode, hush --layers, BuildKit, in turn"
"$here/bench/pairs.py" "$runs" \
  hush-default-push "$work/fresh.sh $H $fresh_store --cache-from $reg/hush-stage -t $reg/out/hush:1 --push $ctx" \
  hush-layers-push "$work/fresh.sh $H $fresh_store --layers --cache-from $reg/hush-layers -t $reg/out/hush-layers:1 --push $ctx" \
  buildkit-push "$work/fresh.sh $work/bk.sh \$ST --import-cache type=registry,ref=$reg/bk-cache,registry.insecure=true --output type=image,name=$reg/out/bk:1,push=true,registry.insecure=true"
echo "== no-op rebuild: hush default mode --stage-cache (warm store), BuildKit daemonless (cache on disk, daemon per build), in turn"
"$work/bk.sh" "$work/bk-once" >/dev/null 2>&1
"$here/bench/pairs.py" "$runs" \
  hush-default "$H ${store[*]} --stage-cache $ctx" \
  buildkit-once "$work/bk.sh $work/bk-once"
echo "(targets: fresh runner hush/buildkit <= 1.0; no-op hush/buildkit-once <= 1.0)"
