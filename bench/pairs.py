#!/usr/bin/env python3
"""Paired timing of two commands, for costs smaller than a machine's drift.

    bench/pairs.py [--prepare 'SHELL COMMAND'] N 'COMMAND A' 'COMMAND B'

Runs A and B alternately N times each (ABBA order, after two warm-up pairs),
output discarded, and prints one JSON object: the medians of A and B (wall
and CPU, user + sys, in seconds), the median of the N differences A - B, and
that difference as a percentage of B's median. On a shared VM the speed of
one run swings by tens of per cent over a minute; a difference taken between
neighbouring runs does not. The commands are split on blanks (no shell).
--prepare runs a shell command before every run, untimed (as hyperfine's
--prepare): removing what the last run wrote and syncing, for commands that
write.
"""
import json
import os
import statistics
import subprocess
import sys
import time


PREPARE = None


def run(cmd):
    if PREPARE:
        subprocess.run(PREPARE, shell=True, check=True)
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if status != 0:
        sys.exit("pairs.py: %s: exit status %d" % (" ".join(cmd), os.waitstatus_to_exitcode(status)))
    return wall, usage.ru_utime + usage.ru_stime


def main():
    global PREPARE
    if len(sys.argv) == 6 and sys.argv[1] == "--prepare":
        PREPARE = sys.argv[2]
        del sys.argv[1:3]
    if len(sys.argv) != 4:
        sys.exit("usage: pairs.py [--prepare 'SHELL COMMAND'] N 'COMMAND A' 'COMMAND B'")
    n = int(sys.argv[1])
    a, b = sys.argv[2].split(), sys.argv[3].split()
    for _ in range(2):
        run(a)
        run(b)
    wa, wb, ca, cb, diff = [], [], [], [], []
    for i in range(n):
        if i % 2 == 0:
            (xa, ya), (xb, yb) = run(a), run(b)
        else:
            (xb, yb), (xa, ya) = run(b), run(a)
        wa.append(xa)
        wb.append(xb)
        ca.append(ya)
        cb.append(yb)
        diff.append(xa - xb)
    mb = statistics.median(wb)
    print(json.dumps({
        "pairs": n,
        "a_median": statistics.median(wa), "b_median": mb,
        "a_cpu_median": statistics.median(ca), "b_cpu_median": statistics.median(cb),
        "diff_median": statistics.median(diff),
        "diff_pct": statistics.median(diff) / mb * 100,
        "cpu_diff_pct": (statistics.median(ca) / statistics.median(cb) - 1) * 100,
    }))


if __name__ == "__main__":
    main()
