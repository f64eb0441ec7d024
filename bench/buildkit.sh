#!/usr/bin/env bash
# hush against BuildKit (and the buildah CLI at hush's library version), in
# one run, each row timed in turn by bench/pairs.py (medians of per-round
# ratios). BuildKit v0.26.2 is built from its Go module into the bench cache
# (bench/buildkit-cli.sh) and run as root with the OCI worker (runc, the
# overlayfs snapshotter, host network), its state in a temporary directory;
# this script starts and stops it. Every builder starts from the same base
# images: hush and buildah from containers-storage, BuildKit from an OCI
# layout of them (named build contexts). BuildKit exports to its image
# store uncompressed, as hush and buildah store layers in containers-storage.
#
# Rows: the seeds' pip case (RUN --mount=type=secret with a pip.conf, pip
# install from a private index that asks for those credentials, on
# 127.0.0.1); FROM busybox + RUN true; a ~330 MB layer (RUN cp -a /usr
# /usr2); a no-op rebuild of that layer (hush and buildah --layers,
# BuildKit's cache with its daemon warm, and "daemonless": the daemon
# started and stopped around each build). The secret mount is in every
# row's Dockerfile but RUN true's, so hush's guard runs as it would.
# Targets (issue 10): cold hush/buildkit <= 1.0; no-op hush/buildkit-once
# <= 1.0 and hush/buildkit-warm <= 2.0.
# Usage: buildkit.sh HUSH   (RUNS=N rounds, default 5; root only)
set -euo pipefail
hush=$(realpath "${1:-bin/hush}")
here=$(cd "$(dirname "$0")/.." && pwd)
cache=${HUSH_BENCH_CACHE:-/var/tmp/hush-bench}
if [ "$(id -u)" != 0 ]; then echo "buildkit.sh: BuildKit's OCI worker runs as root here; skipped"; exit 0; fi
command -v python3 >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 >/dev/null; }
buildah=$("$here/bench/buildah-cli.sh")
bk=$("$here/bench/buildkit-cli.sh")
mkdir -p "$cache"
work=$(mktemp -d "$cache/buildkit.XXXXXX")
. "$here/bench/lib.sh"
store=(--root "$work/root" --runroot "$work/runroot" --storage-driver overlay)
"$here/scripts/base.sh" "$hush" "${store[@]}" >/dev/null
"$here/bench/pybase.sh" "$hush" "${store[@]}" >/dev/null
for b in busybox pybase; do
  skopeo copy -q "containers-storage:[overlay@$work/root+$work/runroot]localhost/$b:latest" "oci:$work/oci:$b" >/dev/null
done

# The private index and the pip.conf secret that opens it.
pw=benchpw$(head -c 9 /dev/urandom | od -An -tx1 | tr -d ' \n')
python3 "$here/bench/pyindex.py" "$work/index" "ci:$pw" > "$work/index.port" & pids+=($!)
for _ in $(seq 50); do [ -s "$work/index.port" ] && break; sleep 0.1; done
printf '[global]\nindex-url = http://ci:%s@127.0.0.1:%s/simple\ntrusted-host = 127.0.0.1\n' "$pw" "$(cat "$work/index.port")" > "$work/pip.conf"
chmod 600 "$work/pip.conf"

# BuildKit names an OCI layout's image by digest.
dig() { python3 -c 'import json,sys; print(next(m["digest"] for m in json.load(open(sys.argv[1]))["manifests"] if m.get("annotations",{}).get("org.opencontainers.image.ref.name")==sys.argv[2]))' "$work/oci/index.json" "$1"; }
busybox_ref="oci-layout://base@$(dig busybox)"; pybase_ref="oci-layout://base@$(dig pybase)"

mk() { mkdir -p "$work/$1"; printf '%s\n' "$2" > "$work/$1/Dockerfile"; }
mk pip 'FROM localhost/pybase
RUN --mount=type=secret,id=pip,target=/etc/pip.conf python3 -m pip install --no-cache-dir --disable-pip-version-check --break-system-packages hushbench'
mk true 'FROM localhost/busybox
RUN true'
mk big 'FROM localhost/pybase
RUN --mount=type=secret,id=pip,target=/etc/pip.conf cp -a /usr /usr2'

# BuildKit: one daemon kept warm, and a script that runs a daemon for one
# build only (its own state directory, so its cache persists between runs).
cat > "$work/buildkitd.toml" <<'TOML'
[worker.oci]
  enabled = true
  snapshotter = "overlayfs"
  gc = false
[worker.containerd]
  enabled = false
TOML
cat > "$work/bk.sh" <<SH
#!/usr/bin/env bash
# bk.sh STATE-DIR CONTEXT [buildctl build flags]: build with the daemon at STATE-DIR.
set -euo pipefail
st=\$1 ctx=\$2; shift 2
exec "$bk/buildctl" --addr "unix://\$st/sock" build --frontend dockerfile.v0 \\
  --local context="\$ctx" --local dockerfile="\$ctx" \\
  --oci-layout base="$work/oci" \\
  --opt context:localhost/busybox=$busybox_ref --opt context:localhost/pybase=$pybase_ref \\
  --secret id=pip,src="$work/pip.conf" --output type=image,name=localhost/bk-\$(basename "\$ctx"):latest,compression=uncompressed "\$@"
SH
cat > "$work/bkd.sh" <<SH
#!/usr/bin/env bash
# bkd.sh STATE-DIR: runs buildkitd in the foreground with its state in STATE-DIR.
exec "$bk/buildkitd" --config "$work/buildkitd.toml" --root "\$1/root" --addr "unix://\$1/sock" \\
  --oci-worker-binary runc --oci-worker-net host
SH
cat > "$work/bk-once.sh" <<SH
#!/usr/bin/env bash
# bk-once.sh STATE-DIR CONTEXT: start a daemon, build, stop it (daemonless use).
set -euo pipefail
st=\$1
"$work/bkd.sh" "\$st" >>"\$st/log" 2>&1 & pid=\$!
trap 'kill \$pid 2>/dev/null; wait \$pid 2>/dev/null || true' EXIT
until "$bk/buildctl" --addr "unix://\$st/sock" debug workers >/dev/null 2>&1; do
  kill -0 \$pid 2>/dev/null || { tail -5 "\$st/log" >&2; exit 1; }
  sleep 0.02
done
"$work/bk.sh" "\$@"
SH
chmod +x "$work"/*.sh
mkdir -p "$work/bk-warm" "$work/bk-once"
"$work/bkd.sh" "$work/bk-warm" >"$work/bk-warm/log" 2>&1 & pids+=($!)
until "$bk/buildctl" --addr "unix://$work/bk-warm/sock" debug workers >/dev/null 2>&1; do sleep 0.1; done

nofile=$(ulimit -Hn); nproc=$(ulimit -Hu)
sec="--secret id=pip,src=$work/pip.conf"
H="$hush build -q ${store[*]} $sec"
B="$buildah ${store[*]} build -q --runtime runc --network host --ulimit nofile=$nofile:$nofile --ulimit nproc=$nproc:$nproc $sec"
W="$work/bk.sh $work/bk-warm"
O="$work/bk-once.sh $work/bk-once"
runs=${RUNS:-5}
for row in pip true big; do
  echo "== $row, cold: hush, buildah CLI, BuildKit (warm daemon, --no-cache), in turn"
  "$here/bench/pairs.py" "$runs" hush "$H --no-cache -t bench-$row $work/$row" buildah "$B -t bench-b$row $work/$row" \
    buildkit "$W $work/$row --no-cache"
done
echo "== big, no-op rebuild: hush and buildah --layers, BuildKit's cache (daemon warm, and started/stopped per build), in turn"
"$here/bench/pairs.py" "$runs" hush "$H --layers -t bench-lbig $work/big" buildah "$B --layers -t bench-blbig $work/big" \
  buildkit-warm "$W $work/big" buildkit-once "$O $work/big"
echo "(targets: cold hush/buildkit <= 1.0; no-op hush/buildkit-once <= 1.0, hush/buildkit-warm <= 2.0)"
