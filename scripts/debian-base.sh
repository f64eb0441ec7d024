#!/usr/bin/env bash
# Makes the Debian base the restricted-isolation tests build on (issue 22)
# and a local package source for it, once, cached outside the clone like
# tools.sh's tools: a bookworm minbase as a tar (mmdebstrap, which writes
# the tar with every owner and mode, no chroot left behind) and, in repo/,
# a few small packages with their dependencies that minbase lacks, indexed
# by dpkg-scanpackages for a `deb [trusted=yes] file:/repo ./` line. The
# build itself then needs no network. Needs root (mmdebstrap's root mode
# and apt-get's lock); prints the directory.
# Usage: debian-base.sh        Environment: HUSH_TOOLS (the cache directory,
# default ${XDG_CACHE_HOME:-$HOME/.cache}/hush-tools).
set -euo pipefail
suite=bookworm
mirror=http://deb.debian.org/debian
# hello (plain), less (a library dependency), uuid-runtime (a maintainer
# script that adds a system user and group through adduser, which minbase
# lacks too).
packages=(hello less uuid-runtime)
dir=${HUSH_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/hush-tools}/debian-$suite-minbase
if [ ! -s "$dir/repo/Packages" ]; then
  start=$(date +%s)
  work=$(mktemp -d "${dir}.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  # Keep apt's lists out of the image: the build's apt-get update reads
  # the local source only.
  mmdebstrap --quiet --variant=minbase --mode=root "$suite" "$work/base.tar" "deb $mirror $suite main" >&2
  # Resolve the packages against the base's dpkg status, with apt state of
  # our own (the host's is not touched).
  mkdir -p "$work/status" "$work/apt/lists/partial" "$work/cache/archives/partial" "$work/repo"
  tar -xOf "$work/base.tar" ./var/lib/dpkg/status >"$work/status/status"
  echo "deb $mirror $suite main" >"$work/sources.list"
  apt=(apt-get -q -o Dir::Etc::SourceList="$work/sources.list" -o Dir::Etc::SourceParts=/dev/null
    -o Dir::State::Lists="$work/apt/lists" -o Dir::State::status="$work/status/status"
    -o Dir::Cache="$work/cache" -o APT::Architecture="$(dpkg --print-architecture)" -o Debug::NoLocking=1)
  "${apt[@]}" update >&2
  "${apt[@]}" install -y -d --no-install-recommends "${packages[@]}" >&2
  mv "$work"/cache/archives/*.deb "$work/repo/"
  (cd "$work/repo" && dpkg-scanpackages -m . /dev/null >Packages 2>/dev/null)
  rm -rf "$work/status" "$work/apt" "$work/cache" "$work/sources.list"
  rm -rf "$dir"
  chmod 755 "$work"
  mv "$work" "$dir"
  trap - EXIT
  echo "debian-base: made $dir in $(( $(date +%s) - start ))s ($(du -sh "$dir/base.tar" | cut -f1) base)" >&2
fi
echo "$dir"
