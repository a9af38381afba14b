#!/usr/bin/env python3
"""RESULTS.md from the crash matrix's rows (matrix.sh calls it).

report.py MATRIX.txt OUTDIR          the Markdown table on stdout
report.py --check MATRIX.txt OUTDIR  exit 1 unless every row ended as expected
"""
import json
import os
import shlex
import sys


def rows(matrix):
    for line in open(matrix):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, _, rest = line.partition(" ")
        yield name, rest.strip()


def load(outdir, name):
    try:
        with open(os.path.join(outdir, name, "result.json")) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def verdict(r):
    """(expected?, text)"""
    if r is None:
        return False, "not run"
    res = r.get("result")
    j = r.get("journal", {})
    if res == "agrees":
        return True, "agrees"
    if res == "kernel-fails":
        return True, r.get("why", "")
    if res == "kernel-only":
        return True, "kernel recovered; comparison skipped (fsimg does not read XFS yet)"
    if res == "differs":
        nv, nr = r["virtual"]["ndiffs"], r["replay"]["ndiffs"]
        first = (r["virtual"]["diffs"] or r["replay"]["diffs"])[:2]
        text = "differs (virtual %d, replay -o %d): %s" % (nv, nr, "; ".join(first))
        return False, text
    if res == "kernel-lost-fsync":
        lost = r["kernel"]["fsync_lost"]
        lost_paths = {x.split(": ", 1)[0] for x in lost}
        mine = r.get("virtual", {}).get("diffs", []) + r.get("replay", {}).get("diffs", [])
        if all(x.split(": ", 1)[0] in lost_paths and "fsync'd" in x for x in mine):
            return True, ("fsimg agrees with the kernel, whose own recovery did not keep "
                          "fsync'd bytes: %s" % "; ".join(lost[:2]))
        return False, "the kernel lost fsync'd bytes (%s) and fsimg differs: %s" % (
            "; ".join(lost[:2]), "; ".join(mine[:2]))
    return False, "%s: %s" % (res, r.get("why", ""))


def log_cell(r):
    j = (r or {}).get("journal")
    if not j:
        return "-"
    s = "%d txn, %d blocks, %d revokes" % (j["committed"], j["blocks"], j["revokes"])
    if j.get("wraps"):
        s += ", wraps the %d-block journal" % j.get("length", 0)
    if j.get("fc_tags"):
        s += "; fc: %d blocks, %d tags, %d tails" % (j["fc_blocks"], j["fc_tags"], j["fc_tails"])
    return s


def cut_cell(r):
    c = (r or {}).get("cut") or {}
    if not c:
        return "-"
    how = c.get("how") or ""
    s = how if how.startswith("qemu") else "after op %s" % c.get("after_op")
    return "%s (%d ops run)" % (s, c.get("ops_done", 0))


def fsck_cell(r):
    e = (r or {}).get("e2fsck_fn")
    return "%s / %s" % (e.get("kernel"), e.get("replay")) if e else "-"


def main():
    check = sys.argv[1] == "--check"
    matrix, outdir = sys.argv[-2], sys.argv[-1]
    table, bad, counts = [], 0, {}
    for name, rest in rows(matrix):
        r = load(outdir, name)
        ok, text = verdict(r)
        bad += not ok
        m = (r or {}).get("meta", {})
        args = shlex.split(rest)
        fs = m.get("fs", "xfs" if "xfs" in args else "ext4")
        counts[fs] = counts.get(fs, 0) + 1
        mkfs = m.get("mkfs_opts", "") or "-"
        bs = m.get("block_size")
        fsync = (r or {}).get("cut", {}).get("synced_files", "-")
        table.append("| %s | %s%s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            name, fs, " %d" % bs if bs else "", mkfs.replace("|", "\\|"), m.get("mount_opts", "-"),
            "%s seed %s" % (m.get("workload", "-"), m.get("seed", "-")), cut_cell(r),
            log_cell(r), fsync, fsck_cell(r), text.replace("|", "\\|")))
        if check and not ok:
            print("unexpected: %s: %s" % (name, text))
    if check:
        return 1 if bad else 0
    print("# Crash matrix results\n")
    print("Made by `make crash-check` (tests/crash/matrix.sh over matrix.txt): one row per")
    print("image; each image crashed by Linux %s under qemu (TCG) and recovered by the" %
          next((load(outdir, n) or {}).get("meta", {}).get("kernel", "6.1")
               for n, _ in rows(matrix)))
    print("kernel on a copy; fsimg's in-memory replay and `fsimg replay -o` (read back by")
    print("debugfs) compared with the kernel's result: paths, inode numbers, types, modes,")
    print("sizes, extent maps (adjacent runs coalesced), data (crc32), fsync'd bytes.\n")
    print("Columns: fs and block size; mkfs and mount options; workload and seed; the cut;")
    print("the log at the cut as `fsimg journal` lists it (committed transactions, logged")
    print("blocks, revoke records; fast-commit blocks, tags and TAIL tags in the fast-commit")
    print("area, stale ones from earlier transactions included); files whose fsync'd bytes")
    print("were checked (no later op touched them); `e2fsck -fn`'s exit status on the kernel's")
    print("result and on fsimg's `replay -o` (0 clean, 4 errors left: informational); the result.\n")
    print("Rows: %s." % ", ".join("%d %s" % (v, k) for k, v in sorted(counts.items())))
    secs = sorted(x for n, _ in rows(matrix)
                  for x in ((load(outdir, n) or {}).get("seconds") or {}).values())
    if secs:
        print("Emulation: %d boots, %d s in all, median %d s per boot (TCG, under nice, on a"
              % (len(secs), sum(secs), secs[len(secs) // 2]))
        print("shared 2-core machine; a boot to the workload takes about 5 s of that when idle).")
    print("")
    print("fsimg replays valid fast commits (man fsimg-replay: what it does not replay,")
    print("and where it leaves the filesystem consistent while Linux 6.1 does not: the")
    print("e2fsck -fn column); a row where it differs from the kernel is a finding.\n")
    print("The kernel is the truth for fsimg, but the harness also checks the kernel: a row")
    print("whose recovered files do not hold bytes an fsync promised says so (\"whose own")
    print("recovery did not keep fsync'd bytes\"); fsimg then agrees with the kernel.\n")
    print("| image | fs | mkfs | mount | workload | cut | log at the cut | fsync'd files | e2fsck -fn | result |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    print("\n".join(table))
    return 0


if __name__ == "__main__":
    sys.exit(main())
