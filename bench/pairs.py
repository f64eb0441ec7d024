#!/usr/bin/env python3
"""Times commands in turn (A B C A B C ...) and prints, side by side, each
one's wall-time median and range, and the median of the per-round ratios of
the first command to each other one.

Running them in turn, rather than all runs of one then all of the other as
hyperfine does, keeps a drift in the machine's speed (other work on a shared
host) out of the ratios: each ratio compares runs made one after the other.
Each round starts one command further on (A B C, B C A, C A B, ...), so no
command always runs right after the same other one, and every run starts
after a sync (untimed): a build that writes a GB leaves the kernel flushing
it during whatever runs next, which must not be charged to one command.

Usage: pairs.py RUNS NAME 'COMMAND' NAME 'COMMAND' [NAME 'COMMAND' ...]
Each COMMAND is split as a shell splits words and run without a shell; its
output is thrown away; a non-zero exit stops the benchmark. One warm-up
round is not counted.
"""
import os
import shlex
import statistics
import subprocess
import sys
import time


def run(argv):
    os.sync()
    start = time.perf_counter()
    p = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = time.perf_counter() - start
    if p.returncode != 0:
        sys.exit("pairs: %s: exit %d\n%s" % (" ".join(argv), p.returncode, p.stderr.decode(errors="replace")[-2000:]))
    return wall


def main():
    if len(sys.argv) < 6 or len(sys.argv) % 2 != 0:
        sys.exit(__doc__)
    runs = int(sys.argv[1])
    names = sys.argv[2::2]
    cmds = [shlex.split(c) for c in sys.argv[3::2]]
    for c in cmds:  # warm-up
        run(c)
    times = [[] for _ in cmds]
    for r in range(runs):
        for k in range(len(cmds)):
            i = (r + k) % len(cmds)
            times[i].append(run(cmds[i]))
    width = max(len(n) for n in names)
    print("%-*s  %8s  %8s  %8s   (wall seconds, %d rounds in turn)" % (width, "", "median", "min", "max", runs))
    for n, ts in zip(names, times):
        print("%-*s  %8.3f  %8.3f  %8.3f" % (width, n, statistics.median(ts), min(ts), max(ts)))
    for n, ts in zip(names[1:], times[1:]):
        ratios = [a / b for a, b in zip(times[0], ts)]
        print("%s/%s = %.3f (median of %d per-round ratios; range %.3f to %.3f)"
              % (names[0], n, statistics.median(ratios), runs, min(ratios), max(ratios)))


if __name__ == "__main__":
    main()
