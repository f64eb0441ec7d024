#!/usr/bin/env bash
# Container mode against kaniko (issue 20), and, with SETUPS=1, hush in
# each CI container set-up against the same build on the host (issue 8).
#
# Kaniko: v1.24.0 (its last release), built from its module and assembled
# as its executor image (bench/kaniko-cli.sh), and hush's image (make
# image), each in the same `docker run` set-up: root, Docker's default
# seccomp (so hush runs in container mode), --network host, a registry on
# 127.0.0.1 holding the bases, every build pushing its image there. Five
# Dockerfiles: RUN true on busybox; pip install on the ~330 MB Debian base
# (bench/pybase.sh) from a private index that asks for the pip.conf
# secret's credentials; a ~300 MB layer (RUN cp -a /usr /usr2); a
# multi-stage COPY --from (a 330 MB stage, busybox final); a RUN --mount
# secret on busybox. Kaniko ignores RUN --mount, so its container gets the
# secret files mounted where the steps read them (kaniko's usual way: a
# mounted path is on its ignore list). Rows run in turn (bench/pairs.py,
# medians of per-round ratios hush/kaniko); each run is a fresh container,
# its `docker run` start and stop included. After the timed rounds one
# more build per builder and case runs in a named container, and the disk
# it left in the container (docker's SizeRw: its writable layer) is printed.
# Target (issue 20): hush/kaniko <= 1.0 per case, disk <= 1.2x kaniko's.
#
# Set-ups (SETUPS=1): the seeds' pip case, host against hush's image in
# each working set-up of tests/container_test.go: (a) container mode, (b)
# chroot as root in a user namespace, (c) chroot as uid 1000, (d) chroot
# with SYS_ADMIN and a volume. A build with secrets stages pulled and
# committed layers on tmpfs (/dev/shm), which Docker sizes 64 MiB: pybase
# is ~330 MB, so every container row runs with --shm-size 1g.
# Target (issue 8): container mode <= 1.3x the host build.
# Usage: container.sh HUSH   (RUNS=N rounds, default 3; CASES="true pip big multi secret";
# HUSH_IMAGE=docker archive of hush's image, default bin/hush-image.tar; root, Docker)
set -euo pipefail
hush=$(realpath "${1:-bin/hush}")
here=$(cd "$(dirname "$0")/.." && pwd)
if [ "$(id -u)" != 0 ]; then echo "container.sh: runs as root (docker); skipped"; exit 0; fi
if ! docker version >/dev/null 2>&1; then echo "container.sh: no Docker daemon answers; skipped"; exit 0; fi
image=${HUSH_IMAGE:-$here/bin/hush-image.tar}
[ -f "$image" ] || { echo "container.sh: $image is missing: run make image; skipped"; exit 0; }
# A name of this run's own: other users of this Docker engine load
# localhost/hush:dev too.
himg=localhost/hush-bench:$$
skopeo copy -q "docker-archive:$image" "docker-daemon:$himg" >/dev/null
work=$(mktemp -d /var/tmp/hush-bench-container.XXXXXX)
chmod 755 "$work"
. "$here/bench/lib.sh"
trap 'docker rmi -f "$himg" >/dev/null 2>&1; bench_cleanup' EXIT

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
exec docker run --rm --network host --shm-size 1g "\$@" -v "$work/ctx:/ctx:ro" -v "$work/secret:/secret:ro" $himg \
  build -q --tls-verify=false --secret id=pip,src=/secret/pip.conf /ctx
SH
chmod +x "$work"/*.sh
if [ -n "${SETUPS:-}" ]; then
echo "seeds' pip case, fresh store, base pulled from $reg; RUNS=${RUNS:-3}"
python3 "$here/bench/pairs.py" "${RUNS:-3}" \
  host "$work/host.sh" \
  a-container "$work/in.sh" \
  b-root-unconfined "$work/in.sh --security-opt seccomp=unconfined" \
  c-user-unconfined "$work/in.sh --user 1000 --security-opt seccomp=unconfined" \
  d-sysadmin-volume "$work/in.sh --cap-add SYS_ADMIN -v /hush/storage"
fi

# Kaniko beside hush.
kaniko_tar=$("$here/bench/kaniko-cli.sh")
docker load -q -i "$kaniko_tar" >/dev/null
kimg=localhost/kaniko-executor:${KANIKO_VERSION:-v1.24.0}
skopeo copy -q --dest-tls-verify=false "containers-storage:[$drv@$work/root+$work/runroot]localhost/busybox:latest" "docker://$reg/busybox:latest"
printf '%s' "hushbench-secret-$pw" > "$work/secret/tok"; chmod 644 "$work/secret/tok"
mk() { mkdir -p "$work/k/$1"; printf '%s\n' "$2" > "$work/k/$1/Dockerfile"; chmod -R go+rX "$work/k"; }
mk true "FROM $reg/busybox:latest
RUN true"
mk pip "FROM $reg/pybase:latest
RUN --mount=type=secret,id=pip,target=/etc/pip.conf python3 -m pip install --no-cache-dir --disable-pip-version-check --break-system-packages hushbench"
mk big "FROM $reg/pybase:latest
RUN cp -a /usr /usr2"
mk multi "FROM $reg/pybase:latest AS build
RUN mkdir /out && cp -a /usr/lib/python3.11 /out/
FROM $reg/busybox:latest
COPY --from=build /out /out"
mk secret "FROM $reg/busybox:latest
RUN --mount=type=secret,id=tok test -s /run/secrets/tok"
# run.sh BUILDER CASE [docker run flags]: one build in a fresh container
# that pushes $reg/bench-CASE-BUILDER.
cat > "$work/run.sh" <<SH
#!/usr/bin/env bash
set -euo pipefail
b=\$1 c=\$2; shift 2
if [ "\$b" = hush ]; then
  exec docker run --network host --shm-size 1g "\$@" -v "$work/k/\$c:/ctx:ro" -v "$work/secret:/secret:ro" $himg \\
    build -q --tls-verify=false --secret id=pip,src=/secret/pip.conf --secret id=tok,src=/secret/tok -t "$reg/bench-\$c-hush" --push /ctx
fi
exec docker run --network host "\$@" -v "$work/k/\$c:/workspace:ro" -v "$work/secret/pip.conf:/etc/pip.conf:ro" \\
  -v "$work/secret/tok:/run/secrets/tok:ro" $kimg \\
  --context dir:///workspace --dockerfile /workspace/Dockerfile --destination "$reg/bench-\$c-kaniko" \\
  --insecure --insecure-pull --skip-tls-verify --skip-tls-verify-pull
SH
chmod +x "$work/run.sh"
cases=${CASES:-true pip big multi secret}
echo "hush (container mode) and kaniko $kimg, root, default seccomp, host network, registry $reg; RUNS=${RUNS:-3}"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for c in $cases; do
  echo "== $c"
  python3 "$here/bench/pairs.py" "${RUNS:-3}" hush "$work/run.sh hush $c --rm" kaniko "$work/run.sh kaniko $c --rm"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== disk left in the container after one build (docker's SizeRw), MB"
for c in $cases; do
  row="$c"
  for b in hush kaniko; do
    n="hush-bench-disk-$b-$c-$$"
    "$work/run.sh" "$b" "$c" --name "$n" >/dev/null 2>&1 || { docker rm -f "$n" >/dev/null 2>&1; echo "disk: $b $c failed" >&2; continue; }
    sz=$(docker inspect --size -f '{{.SizeRw}}' "$n")
    docker rm -f "$n" >/dev/null
    row="$row $b=$(( sz / 1000000 ))"
  done
  echo "$row"
done
