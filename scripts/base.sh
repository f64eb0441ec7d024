#!/usr/bin/env bash
# Makes localhost/busybox:latest offline: Debian's static busybox, copied
# into an empty image by hush itself. Usage: base.sh HUSH [extra hush flags]
set -euo pipefail
hush=$1; shift
ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT
cp /bin/busybox "$ctx/busybox"
cat > "$ctx/Dockerfile" <<'DOCKERFILE'
FROM scratch
COPY busybox /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]
RUN mkdir -p /root /tmp /etc && echo 'root:x:0:0:root:/root:/bin/sh' > /etc/passwd && echo 'root:x:0:' > /etc/group
CMD ["/bin/sh"]
DOCKERFILE
"$hush" build -q "$@" -t localhost/busybox:latest "$ctx" >/dev/null
echo "base: localhost/busybox:latest is ready"
