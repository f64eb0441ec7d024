#!/usr/bin/env bash
# Makes localhost/pybase:latest offline for the benchmarks: busybox plus
# Debian's python3.11 and pip (with the libraries they load) and, for
# weight, the host's /usr/lib/gcc and /usr/libexec: a /usr of ~330 MB, so
# `RUN cp -a /usr /usr2` commits a layer of that size.
# Usage: pybase.sh HUSH [extra hush flags] (localhost/busybox must exist)
set -euo pipefail
hush=$1; shift
[ -x /usr/bin/python3.11 ] && [ -d /usr/lib/python3/dist-packages/pip ] || {
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-pip >/dev/null; }
ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT
r="$ctx/root"
mkdir -p "$r/usr/bin" "$r/usr/lib/python3" "$r/lib/x86_64-linux-gnu" "$r/lib64"
cp -a /usr/bin/python3.11 "$r/usr/bin/"; ln -s python3.11 "$r/usr/bin/python3"
cp -a /usr/lib/python3.11 "$r/usr/lib/"
cp -a /usr/lib/python3/dist-packages "$r/usr/lib/python3/"
for lib in $(ldd /usr/bin/python3.11 /usr/lib/python3.11/lib-dynload/*.so 2>/dev/null | awk '/=>/ {print $3}' | sort -u); do
  cp -L "$lib" "$r/lib/x86_64-linux-gnu/"
done
cp -L /lib64/ld-linux-x86-64.so.2 "$r/lib64/"
cp -a /usr/lib/gcc "$r/usr/lib/" 2>/dev/null || true
cp -a /usr/libexec "$r/usr/" 2>/dev/null || true
cat > "$ctx/Dockerfile" <<'DOCKERFILE'
FROM localhost/busybox
COPY root/ /
DOCKERFILE
"$hush" build -q "$@" -t localhost/pybase:latest "$ctx" >/dev/null
echo "base: localhost/pybase:latest is ready ($(du -sh "$r" | cut -f1))"
