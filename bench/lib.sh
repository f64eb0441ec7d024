# Sourced by the benchmarks that start processes (a registry, a daemon)
# and may leave mounts behind, after they set $work to their scratch
# directory. Every pid added to pids is stopped on exit, whatever is still
# mounted under $work is unmounted (BuildKit's snapshots, storage's
# overlays), and $work goes.
pids=()
bench_cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  { grep -o " $work/[^ ]*" /proc/self/mountinfo || true; } | sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
  rm -rf "$work"
}
trap bench_cleanup EXIT
trap "exit 1" INT TERM

# bench_registry starts Debian's docker-registry on a free port of
# 127.0.0.1, its storage under $work/registry, and sets reg to host:port.
bench_registry() {
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  reg=127.0.0.1:$port
  printf 'version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: %s\n' "$work/registry" "$reg" > "$work/registry.yml"
  /usr/bin/docker-registry serve "$work/registry.yml" >"$work/registry.log" 2>&1 & pids+=($!)
  until curl -fs "http://$reg/v2/" >/dev/null; do sleep 0.1; done
}
