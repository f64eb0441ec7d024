# shellcheck shell=bash
# Functions of scripts/release.sh (sourced): the C cross compiler per
# architecture, Debian's runc, uidmap and busybox-static for an
# architecture, and hush's image rootfs assembled from them with the
# libraries their ELF headers name (readelf works on any architecture's
# ELF; ldd runs the loader and would need the target's CPU). The layout is
# scripts/image.sh's.

triplet() {
	case $1 in
	amd64) echo x86_64-linux-gnu ;;
	arm64) echo aarch64-linux-gnu ;;
	*) die "architecture $1: release knows amd64 and arm64" ;;
	esac
}

# cross_cc ARCH: the C compiler for cgo (hush links sqlite and more in C).
cross_cc() {
	local cc=gcc
	[ "$1" = "$($GO env GOHOSTARCH)" ] || cc=$(triplet "$1")-gcc
	command -v "$cc" >/dev/null || die "no $cc: apt-get install gcc-$(triplet "$1" | sed 's/_/-/g') libc6-dev-$1-cross (scripts/deps.sh)"
	echo "$cc"
}

# debs ARCH DIR: Debian's runc, uidmap, busybox-static for ARCH and the
# library packages they depend on, extracted into DIR/x.
debs() {
	local a=$1 dir=$2 native= libs top=(runc uidmap busybox-static)
	[ "$a" = "$(dpkg --print-architecture)" ] && native=1
	if [ -z "$native" ] && ! dpkg --print-foreign-architectures | grep -qx "$a"; then
		[ "$(id -u)" = 0 ] || die "Debian's $a packages are not known here: as root, dpkg --add-architecture $a && apt-get update"
		echo "release: dpkg --add-architecture $a; apt-get update"
		dpkg --add-architecture "$a"
		apt-get update -qq
	fi
	libs=$(apt-cache depends --recurse --important "${top[@]/%/:$a}" |
		awk -v a=":$a" -v native="$native" '/^[a-z0-9]/ { n=$1; if (native) { if (n !~ /:/) print n } else if (sub(a"$","",n)) print n }' |
		grep -E '^(lib|zlib)' | sort -u)
	mkdir -p "$dir/dl" "$dir/x"
	# shellcheck disable=SC2086 # libs is a list of names
	(cd "$dir/dl" && apt-get download -qq -o APT::Sandbox::User=root "${top[@]/%/:$a}" $(printf "%s:$a " $libs)) >/dev/null ||
		die "apt-get download of Debian's $a packages failed"
	for d in "$dir"/dl/*.deb; do dpkg-deb -x "$d" "$dir/x"; done
}

# inside X PATH: PATH with its symlinks resolved inside the tree X (an
# absolute link target is X's, not this machine's).
inside() {
	local x=$1 p=$2 t n=0
	while [ -L "$x$p" ]; do
		t=$(readlink "$x$p")
		case $t in /*) p=$t ;; *) p=$(dirname "$p")/$t ;; esac
		n=$((n + 1))
		[ $n -lt 40 ] || die "symlink loop at $p in Debian's packages"
	done
	[ -f "$x$p" ] || die "$p not in Debian's packages"
	echo "$p"
}

# elf_libs X ROOT FILE ARCH: the loader and every shared library FILE
# needs, found in X and copied to the same path in ROOT (once).
elf_libs() {
	local x=$1 root=$2 f=$3 a=$4 t interp so d p
	t=$(triplet "$a")
	interp=$(readelf -lW "$f" | sed -n 's/.*Requesting program interpreter: \(.*\)\]/\1/p')
	if [ -n "$interp" ] && [ ! -e "$root$interp" ]; then
		mkdir -p "$root$(dirname "$interp")"
		cp "$x$(inside "$x" "$interp")" "$root$interp"
	fi
	for so in $(readelf -dW "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
		p=
		for d in /lib/$t /usr/lib/$t /lib /usr/lib; do
			if [ -e "$x$d/$so" ] || [ -L "$x$d/$so" ]; then p=$d/$so; break; fi
		done
		[ -n "$p" ] || die "$(basename "$f") ($a) needs $so: in none of Debian's packages fetched"
		[ -e "$root$p" ] && continue
		mkdir -p "$root$(dirname "$p")"
		cp "$x$(inside "$x" "$p")" "$root$p"
		elf_libs "$x" "$root" "$root$p" "$a"
	done
}

# run_arch ARCH CMD...: runs CMD, a binary for ARCH, through qemu-user
# when ARCH is not this machine's.
run_arch() {
	local a=$1
	shift
	if [ "$a" = "$($GO env GOHOSTARCH)" ]; then "$@"; return; fi
	local q
	q=qemu-$(triplet "$a" | cut -d- -f1)-static
	command -v "$q" >/dev/null || die "no $q to run a $a binary: apt-get install qemu-user-static"
	"$q" "$@"
}

# rootfs ARCH DEBDIR HUSH_STATIC ROOT: hush's image tree for ARCH, in
# scripts/image.sh's layout (keep the two alike): / holds links into
# /hush/root, the tree container and restricted isolation build in, any
# uid's; the libraries go there.
rootfs() {
	local a=$1 x=$2/x bin=$3 root=$4 b t tree=$4/hush/root
	local tops="bin sbin usr lib lib32 lib64 libx32 etc var opt home root tmp run srv mnt media boot app src workspace build code data go work"
	mkdir -p "$root"/hush/{bin,etc/ssl,storage,run,tmp} "$tree"/{etc,root,run,tmp,var/tmp,lib64}
	for t in $tops; do ln -s "/hush/root/$t" "$root/$t"; done
	chmod 1777 "$root"/hush/{storage,run,tmp} "$tree"/tmp "$tree"/var/tmp
	install -m 0755 "$bin" "$root/hush/bin/hush"
	install -m 0755 "$x/usr/sbin/runc" "$root/hush/bin/runc"
	install -m 0755 "$x/usr/bin/newuidmap" "$root/hush/bin/newuidmap"
	install -m 0755 "$x/usr/bin/newgidmap" "$root/hush/bin/newgidmap"
	install -m 0755 "$x/bin/busybox" "$root/hush/bin/busybox"
	for b in runc newuidmap newgidmap busybox; do
		elf_libs "$x" "$tree" "$root/hush/bin/$b" "$a"
	done
	for b in $(run_arch "$a" "$root/hush/bin/busybox" --list); do
		[ -e "$root/hush/bin/$b" ] || ln -s busybox "$root/hush/bin/$b"
	done
	[ -r /etc/ssl/certs/ca-certificates.crt ] || die "no /etc/ssl/certs/ca-certificates.crt here (apt-get install ca-certificates): a release trusts the CAs"
	cp -L /etc/ssl/certs/ca-certificates.crt "$root/hush/etc/ssl/ca-certificates.crt"
	find "$tree" -type d ! -perm -1000 -exec chmod 0777 {} +
	chmod 0777 "$tree"
	printf '[storage]\ngraphroot = "/hush/storage"\nrunroot = "/hush/run"\n' >"$root/hush/etc/storage.conf"
}

# binfmt_ready ARCH...: the Containerfile RUNs a step in every platform;
# a foreign one runs through qemu-user registered in binfmt_misc.
binfmt_ready() {
	local a q
	for a in "$@"; do
		[ "$a" = "$($GO env GOHOSTARCH)" ] && continue
		q=qemu-$(triplet "$a" | cut -d- -f1)
		grep -qx enabled "/proc/sys/fs/binfmt_misc/$q" 2>/dev/null ||
			die "the $a image's RUN step needs $q in binfmt_misc: apt-get install qemu-user-static binfmt-support; update-binfmts --enable $q (hush doctor says which platforms run)"
	done
}
