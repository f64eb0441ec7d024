#!/usr/bin/env bash
# Prepares this machine for the end-to-end suite (scripts/e2e.sh), as root.
# Idempotent: installs only the missing Debian packages, creates the
# unprivileged user the rootless run uses only if absent, and gives it
# subordinate ids only if it has none. Usage: test-env.sh [USER]
set -euo pipefail
user=${1:-hushtest}
if [ "$(id -u)" != 0 ]; then
  echo "test-env: run as root (it installs packages and creates the user $user)" >&2; exit 1
fi

have() { command -v "$1" >/dev/null 2>&1; }
need=()
have runc            || need+=(runc)
have newuidmap       || need+=(uidmap)
[ -x /bin/busybox ]  || need+=(busybox-static)
have skopeo          || need+=(skopeo)
[ -x /usr/bin/docker-registry ] || need+=(docker-registry)
have ssh-keygen      || need+=(openssh-client)
have zstd            || need+=(zstd)
have runuser         || need+=(util-linux)
if [ ${#need[@]} -gt 0 ]; then
  echo "test-env: installing ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# The Debian package starts a registry on :5000; the tests run their own
# on a free port, but a stray one only wastes memory and confuses readers.
if have systemctl && systemctl is-active -q docker-registry 2>/dev/null; then
  systemctl stop docker-registry || true
elif have service && service docker-registry status >/dev/null 2>&1; then
  service docker-registry stop >/dev/null 2>&1 || true
fi

if ! id -u "$user" >/dev/null 2>&1; then
  echo "test-env: creating user $user"
  useradd --create-home --shell /bin/bash "$user"
fi
uid=$(id -u "$user")

# Subordinate ids for the user namespace of rootless builds: 65536 of
# them, above every range already handed out, only if the user has none.
for f in /etc/subuid /etc/subgid; do
  touch "$f"
  if ! grep -q "^$user:" "$f" && ! grep -q "^$uid:" "$f"; then
    start=$(awk -F: 'BEGIN { m = 100000 } { e = $2 + $3; if (e > m) m = e } END { print m }' "$f")
    echo "$user:$start:65536" >> "$f"
    echo "test-env: $f: $user:$start:65536"
  fi
done

# XDG_RUNTIME_DIR for the user (no login session creates it here).
run=/run/user/$uid
if [ ! -d "$run" ]; then
  mkdir -p "$run"
fi
chown "$user:" "$run"
chmod 0700 "$run"
echo "test-env: ready (user $user, uid $uid, XDG_RUNTIME_DIR $run)"
