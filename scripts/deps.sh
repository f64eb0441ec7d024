#!/usr/bin/env bash
# Installs the Debian packages hush's build, demo and tests need, only when
# one is missing, so `make demo` on a fresh Debian 12 machine just works.
set -euo pipefail
need=()
have() { command -v "$1" >/dev/null 2>&1; }
have runc          || need+=(runc)
have newuidmap     || need+=(uidmap)
[ -x /bin/busybox ] || need+=(busybox-static)
have skopeo        || need+=(skopeo)
# The Debian base and local package source of the restricted-isolation
# tests (scripts/debian-base.sh).
have mmdebstrap    || need+=(mmdebstrap)
have dpkg-scanpackages || need+=(dpkg-dev)
have bsdtar        || need+=(libarchive-tools) # a third tar writer for tests/untrusted_test.go
have docker-registry || [ -x /usr/bin/docker-registry ] || need+=(docker-registry)
have gcc           || need+=(gcc)
have git           || need+=(git)
have make          || need+=(make)
# The tests write their data with the real tools: the archive scanner's
# (secrets/archive) and audit/corpus's recall matrix (a writer whose tool is
# missing is skipped with one line).
have python3       || need+=(python3)
python3 -c 'import yaml' 2>/dev/null || need+=(python3-yaml)
have perl          || need+=(perl)
perl -MURI::Escape -e 1 2>/dev/null || need+=(liburi-perl)
have node          || need+=(nodejs)
have php           || need+=(php-cli)
{ have java && have jar; } || need+=(default-jdk-headless)
# .NET: Debian packages no SDK; Mono's compiler and class library.
have mcs           || need+=(mono-mcs libmono-system-web4.0-cil libmono-system-web-extensions4.0-cil)
have cpio          || need+=(cpio)
have rpmbuild      || need+=(rpm)
have brotli        || need+=(brotli)
have zstd          || need+=(zstd)
have xz            || need+=(xz-utils)
have bzip2         || need+=(bzip2)
have xxd           || need+=(xxd)
have gpg           || need+=(gnupg)
have openssl       || need+=(openssl)
have ssh-keygen    || need+=(openssh-client)
have zip           || need+=(zip)
# tests/platform_test.go runs arm64 RUN steps through qemu-user (binfmt_misc).
[ -e /usr/lib/binfmt.d/qemu-aarch64.conf ] || need+=(qemu-user-static binfmt-support)
# make release (docs/release.md): the other architecture's C cross
# compiler, readelf and file(1) for its checks, qemu-user for the arm64
# image's RUN step and the arm64 binary's check.
case $(dpkg --print-architecture 2>/dev/null) in
amd64) have aarch64-linux-gnu-gcc || need+=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross) ;;
arm64) have x86_64-linux-gnu-gcc || need+=(gcc-x86-64-linux-gnu libc6-dev-amd64-cross) ;;
esac
# builder/internal/cmode's sequence test mounts a fuse-overlayfs root (the
# Docker engine's driver where it has no kernel overlay).
have fuse-overlayfs || need+=(fuse-overlayfs)
have file          || need+=(file)
have readelf       || need+=(binutils)
have qemu-aarch64-static || need+=(qemu-user-static binfmt-support)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "deps: missing ${need[*]}; run as root or: sudo apt-get install ${need[*]}" >&2; exit 1
  fi
  echo "deps: installing ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
# docker-registry's Debian service would hold :5000; tests start their own.
if have systemctl && systemctl is-active -q docker-registry 2>/dev/null; then systemctl stop docker-registry || true; fi
want=$(awk '/^go /{print $2}' "$(dirname "$0")/../go.mod")
if ! have go; then
  echo "deps: Go $want or newer is needed (https://go.dev/dl); Debian 12's golang is too old" >&2; exit 1
fi
