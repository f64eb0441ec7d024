#!/usr/bin/env python3
"""Prints where a hush build's wall time went, from an execution trace that
HUSH_TRACE=FILE wrote: each phase (a runtime/trace region of builder's
build), its seconds and share of the traced run. docs/performance.md.
Usage: phases.py TRACE"""
import re
import subprocess
import sys

out = subprocess.run(["go", "tool", "trace", "-d=parsed", sys.argv[1]], capture_output=True, text=True).stdout
ev = re.compile(r'\bRegion(Begin|End) Time=(\d+) .*Type="([^"]+)"')
anyt = re.compile(r'\bTime=(\d+)')
first = last = None
begin, total = {}, {}
for line in out.splitlines():
    m = anyt.search(line)
    if m:
        t = int(m.group(1))
        first = t if first is None else min(first, t)
        last = t if last is None else max(last, t)
    m = ev.search(line)
    if not m:
        continue
    kind, t, name = m.group(1), int(m.group(2)), m.group(3)
    if kind == "Begin":
        begin[name] = t
    elif name in begin:
        total[name] = total.get(name, 0) + t - begin.pop(name)
span = (last - first) / 1e9 if first is not None else 0
print("%-18s %8s %7s" % ("phase", "seconds", "share"))
for name, ns in total.items():
    print("%-18s %8.3f %6.1f%%" % (name, ns / 1e9, 100 * ns / 1e9 / span if span else 0))
rest = span - sum(total.values()) / 1e9
print("%-18s %8.3f %6.1f%%" % ("other (CLI, finish)", rest, 100 * rest / span if span else 0))
print("%-18s %8.3f" % ("traced run", span))
