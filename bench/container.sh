#!/usr/bin/env bash
# hush inside a CI container (hush's own image, make image) against the same
# build on the host, in one run, timed in turn by bench/pairs.py (medians of
# per-round ratios). The build is the seeds' pip case: RUN --mount of a
# pip.conf secret, pip install from a private index on 127.0.0.1 that asks
# for those credentials, base localhost/pybase (busybox plus Debian's
# python3 and pip, bench/pybase.sh: not a debootstrap'ed Debian). Every
# build starts from an empty store and pulls its base from a registry on
# 127.0.0.1, as a fresh CI job does; the container rows include
# `docker run`'s own start and stop. One row per working set-up of
# tests/container_test.go: (a) container mode, (b) chroot as root in a user
# namespace, (c) chroot as uid 1000, (d) chroot with SYS_ADMIN and a volume.
# A build with secrets stages pulled and committed layers on tmpfs
# (/dev/shm), which Docker sizes 64 MiB: pybase is ~330 MB, so every
# container row runs with --shm-size 1g.
# Target (issue 8): container mode <= 1.3x the host build.
# Usage: container.sh HUSH   (RUNS=N rounds, default 3: a round is ~5 builds of a 330 MB base; root, Docker)
set -euo pipefail
hush=$(realpath "${1:-bin/hush}")
here=$(cd "$(dirname "$0")/.." && pwd)
if [ "$(id -u)" != 0 ]; then echo "container.sh: runs as root (docker); skipped"; exit 0; fi
if ! docker version >/dev/null 2>&1; then echo "container.sh: no Docker daemon answers; skipped"; exit 0; fi
[ -f "$here/bin/hush-image.tar" ] || { echo "container.sh: bin/hush-image.tar is missing: run make image; skipped"; exit 0; }
docker load -q -i "$here/bin/hush-image.tar" >/dev/null
work=$(mktemp -d /var/tmp/hush-bench-container.XXXXXX)
chmod 755 "$work"
. "$here/bench/lib.sh"

bench_registry

store=(--root "$work/root" --runroot "$work/runroot")
"$here/scripts/base.sh" "$hush" "${store[@]}" >/dev/null
"$here/bench/pybase.sh" "$hush" "${store[@]}" >/dev/null
drv=overlay; [ -d "$work/root/vfs" ] && drv=vfs
skopeo copy -q --dest-tls-verify=false "containers-storage:[$drv@$work/root+$work/runroot]localhost/pybase:latest" "docker://$reg/pybase:latest"

pw=benchpw$(head -c 9 /dev/urandom | od -An -tx1 | tr -d ' \n')
python3 "$here/bench/pyindex.py" "$work/index" "ci:$pw" > "$work/index.port" & pids+=($!)
for _ in $(seq 50); do [ -s "$work/index.port" ] && break; sleep 0.1; done
mkdir -p "$work/ctx" "$work/secret"
printf '[global]\nindex-url = http://ci:%s@127.0.0.1:%s/simple\ntrusted-host = 127.0.0.1\n' "$pw" "$(cat "$work/index.port")" > "$work/secret/pip.conf"
printf 'FROM %s/pybase:latest\nRUN --mount=type=secret,id=pip,target=/etc/pip.conf python3 -m pip install --no-cache-dir --disable-pip-version-check --break-system-packages hushbench\n' "$reg" > "$work/ctx/Dockerfile"
# uid 1000 (set-up c) reads them; the context is the job user's (1000:0).
chmod 755 "$work/ctx" "$work/secret"; chmod 644 "$work/secret/pip.conf" "$work/ctx/Dockerfile"
chown -R 1000:0 "$work/ctx"

cat > "$work/host.sh" <<SH
#!/usr/bin/env bash
set -euo pipefail
rm -rf "$work/hs"
"$hush" build -q --root "$work/hs/root" --runroot "$work/hs/run" --tls-verify=false --secret id=pip,src="$work/secret/pip.conf" "$work/ctx" >/dev/null
rm -rf "$work/hs"
SH
cat > "$work/in.sh" <<SH
#!/usr/bin/env bash
# in.sh [docker run flags]: the build in a fresh container (empty store).
set -euo pipefail
exec docker run --rm --network host --shm-size 1g "\$@" -v "$work/ctx:/ctx:ro" -v "$work/secret:/secret:ro" localhost/hush:dev \
  build -q --tls-verify=false --secret id=pip,src=/secret/pip.conf /ctx
SH
chmod +x "$work"/*.sh
echo "seeds' pip case, fresh store, base pulled from $reg; RUNS=${RUNS:-3}"
python3 "$here/bench/pairs.py" "${RUNS:-3}" \
  host "$work/host.sh" \
  a-container "$work/in.sh" \
  b-root-unconfined "$work/in.sh --security-opt seccomp=unconfined" \
  c-user-unconfined "$work/in.sh --user 1000 --security-opt seccomp=unconfined" \
  d-sysadmin-volume "$work/in.sh --cap-add SYS_ADMIN -v /hush/storage"
