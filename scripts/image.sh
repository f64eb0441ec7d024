#!/usr/bin/env bash
# make image: builds localhost/hush:dev with hush itself, FROM scratch, from
# a context assembled here: a static hush, this machine's runc, newuidmap,
# newgidmap and busybox, and the shared libraries ldd names for them.
# Writes bin/hush-image.tar (docker archive) and bin/hush-image/ (OCI layout).
# scripts/release-lib.sh (rootfs) lays out the same tree from Debian's
# packages per architecture for make release: keep the two alike.
# Usage: image.sh HUSH_STATIC BUILDER_HUSH
set -euo pipefail
static=$1 hush=$2
ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT
root=$ctx/rootfs
# The container's top-level names are links into /hush/root, where
# container and restricted isolation build each stage: Docker and
# Kubernetes make / itself 0755 root:root whatever the image says, so a
# non-root uid could not replace /usr or /etc there (docs/container-isolation.md).
# Docker's /etc/hosts and /etc/resolv.conf are mounted through the links.
tops="bin sbin usr lib lib32 lib64 libx32 etc var opt home root tmp run srv mnt media boot app src workspace build code data go work"
tree=$root/hush/root
mkdir -p "$root"/hush/{bin,etc/ssl,storage,run,tmp} "$tree"/{etc,root,run,tmp,var/tmp,lib64}
for t in $tops; do
	ln -s "/hush/root/$t" "$root/$t"
done
chmod 1777 "$root"/hush/{storage,run,tmp} "$tree"/tmp "$tree"/var/tmp
install -m 0755 "$static" "$root/hush/bin/hush"
for b in runc newuidmap newgidmap busybox; do
	src=$(command -v "$b" || true)
	[ -n "$src" ] || { echo "image: $b not found on this machine (apt-get install runc uidmap busybox-static)" >&2; exit 1; }
	install -m 0755 "$src" "$root/hush/bin/$b"
	# Shared libraries (and the loader) where the binaries look for them.
	{ ldd "$src" 2>/dev/null || true; } | awk '/=> \//{print $3} /^[ \t]*\/lib/{print $1}' | while read -r lib; do
		mkdir -p "$tree$(dirname "$lib")"
		cp -L "$lib" "$tree$lib"
	done
done
for a in $("$root/hush/bin/busybox" --list); do
	[ -e "$root/hush/bin/$a" ] || ln -s busybox "$root/hush/bin/$a"
done
if [ -r /etc/ssl/certs/ca-certificates.crt ]; then
	cp -L /etc/ssl/certs/ca-certificates.crt "$root/hush/etc/ssl/ca-certificates.crt"
else
	echo "image: no /etc/ssl/certs/ca-certificates.crt here (apt-get install ca-certificates): the image trusts no CA" >&2
fi
# One store for whoever runs the container (root or any uid: the
# directories are 1777; for a uid, graphroot wins over rootless paths).
# A volume goes on /hush/storage. The driver is chosen at run time (vfs on
# the container's overlayfs root).
# The tree is any uid's (OpenShift's convention, chgrp 0 and g=u, plus
# o+w for --user 1000:1000, which has neither the owner nor group 0):
# restricted isolation empties and refills it as the container's uid.
find "$tree" -type d ! -perm -1000 -exec chmod 0777 {} +
chmod 0777 "$tree"
cat > "$root/hush/etc/storage.conf" <<'CONF'
[storage]
graphroot = "/hush/storage"
runroot = "/hush/run"
CONF
cp Containerfile "$ctx/Containerfile"
rm -rf bin/hush-image bin/hush-image.tar
"$hush" build -q -f "$ctx/Containerfile" -t localhost/hush:dev \
	-o type=docker,dest=bin/hush-image.tar -o type=oci,dest=bin/hush-image "$ctx"
echo "image: localhost/hush:dev in bin/hush-image.tar and bin/hush-image/"
