#!/usr/bin/env python3
"""RESULTS.md from the crash matrix's rows (matrix.sh calls it).

report.py MATRIX.txt OUTDIR          the Markdown table on stdout
report.py --previous REPORT MATRIX.txt OUTDIR
                                     the same; a row without a result in OUTDIR
                                     keeps its line from REPORT
report.py --check [--only REGEX] [--kept] MATRIX.txt OUTDIR  exit 1 unless every row (matching REGEX; with
                                  --kept, kept in OUTDIR) ended as expected
"""
import json
import re
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
    if res == "agrees-equivalent":
        rn = (r.get("replay") or {}).get("xfs_repair_n") or {}
        return True, ("agrees-equivalent (the shape an order of frees decides differs: free space "
                      "btrees, rmapbt leaves' unused slots; same free extents, same live records, "
                      "same inode and data blocks; xfs_repair -n exit %s on both): %s" % (
                          (rn.get("kernel") or {}).get("exit", "?"),
                          "; ".join(r["replay"].get("shape_differs", [])[:2])))
    if res in ("kernel-fails", "clean-log"):
        return True, r.get("why", "")
    if res == "kernel-only":
        return True, "kernel recovered; comparison skipped (fsimg does not read XFS yet)"
    if res == "refused":
        # an acceptable end until fsimg finishes intents and frees unlinked
        # inodes as the kernel does, when the refusal names them
        return True, "refused naming pending %s (virtual %s)" % (r.get("why", ""), virtual_cell(r))
    if res == "not-replayed":
        return False, "not replayed: %s (virtual %s)" % (r.get("why", ""), virtual_cell(r))
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


def virtual_cell(r):
    v = r.get("virtual") or {}
    if v.get("agrees"):
        if v.get("pending_bui"):
            return "agrees but for files a pending BUI maps into: %s" % v["pending_bui"][0]
        return "agrees"
    return "%d differences: %s" % (v.get("ndiffs", 0), "; ".join(v.get("diffs", [])[:1]))


def xfs_log_cell(x):
    """the log at the cut as xfs_logprint -t lists it"""
    s = "%d txn" % x.get("transactions", 0)
    intents = ["%s %d" % (t, x["items"][t]) for t in ("EFI", "RUI", "CUI", "BUI") if x["items"].get(t)]
    if intents:
        s += "; intents: " + ", ".join(intents)
    pend = ", ".join("%s %d" % (t, n) for t, n in sorted(x.get("pending", {}).items()))
    s += "; pending: " + (pend or "none")
    if x.get("wraps"):
        s += "; wrapped (cycle %s%s)" % ("-".join(str(c) for c in x.get("cycles", [])),
                                         ", live part across the end" if x.get("spans_end") else "")
    return s


def log_cell(r):
    if (r or {}).get("log"):
        s = xfs_log_cell(r["log"])
        n = sum(r["log"]["items"].values())
        if "fsimg_list" in r:  # fsimg journal against xfs_logprint -t, type by type
            s = s.replace("txn", "txn, %d items (fsimg journal: %s)" % (
                n, r["list_differs"] or "the same"), 1)
        f = r.get("fsimg_log")
        if f:  # what the in-memory replay applied: no intents, done items, cancels, dquots
            s += "; replay applied %d items" % f["items"]
        p = (r.get("replay") or {}).get("finish_paths")
        if p:  # the kernel paths the finish after the log took (replay -v)
            s += "; finish took " + ", ".join("%s %d" % kv for kv in p.items())
        return s
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
    s = "%s (%d ops run)" % (s, c.get("ops_done", 0))
    if c.get("storm_ms"):
        s += ", storm of %d ms" % c["storm_ms"]
    if c.get("held_open"):
        s += ", %d unlinked files open" % c["held_open"]
        if c.get("held_more"):  # compare.py: more were held (open still, or closed by hold())
            s += " ... and %d more held" % c["held_more"]
    return s


def fsck_cell(r):
    x = ((r or {}).get("replay") or {}).get("xfs_repair_n")
    if x:
        return "%s / %s" % (x["kernel"]["exit"], x["replay"]["exit"])
    e = (r or {}).get("e2fsck_fn")
    return "%s / %s" % (e.get("kernel"), e.get("replay")) if e else "-"


def previous_rows(report):
    """the rows of the report being rewritten: a row not run this time keeps its line"""
    out = {}
    try:
        for line in open(report):
            if line.startswith("| ") and not line.startswith("| image "):
                out[line.split("|")[1].strip()] = line.rstrip("\n")
    except OSError:
        pass
    return out


def main():
    only = None
    if "--only" in sys.argv:  # --check over the rows a matrix.sh --only REGEX ran
        i = sys.argv.index("--only")
        only = re.compile(sys.argv[i + 1])
        del sys.argv[i:i + 2]
    kept_only = "--kept" in sys.argv  # --check over the rows kept in OUTDIR (a --recompare)
    if kept_only:
        sys.argv.remove("--kept")
    check = sys.argv[1] == "--check"
    keep = {}
    if sys.argv[1] == "--previous":
        keep = previous_rows(sys.argv[2])
    matrix, outdir = sys.argv[-2], sys.argv[-1]
    table, bad, counts = [], 0, {}
    for name, rest in rows(matrix):
        if check and only and not only.search(name):
            continue
        if check and kept_only and not os.path.isdir(os.path.join(outdir, name)):
            continue
        r = load(outdir, name)
        if r is None and name in keep and not check:
            table.append(keep[name])
            fs = "xfs" if "xfs" in shlex.split(rest) else "ext4"
            counts[fs] = counts.get(fs, 0) + 1
            continue
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
    print("XFS rows (tests/crash/xfscmp.py): the log at the cut as `xfs_logprint -t` lists it")
    print("(transactions, items; intent items; the intents whose done item is not in the log,")
    print("which the kernel finishes after log replay; whether the log wraps), `fsimg journal`")
    print("against it type by type, and how many items fsimg's replay applied (buffers, inodes,")
    print("icreates: intents and done items, cancel records, items skipped as older than the")
    print("block on disk or cancelled, and dquots on a mount without quotas are not applied,")
    print("so that count is lower by design: tests/cmd/xlog_counts.sh); fsimg's in-memory view")
    print("of the crashed image (ls, extents, cat, fsync'd bytes) against the kernel's; `fsimg")
    print("replay -o` against the kernel's image block by block outside the log (superblock")
    print("icount, ifree, fdblocks, frextents, log_incompat, crc and lsn masked), and")
    print("`xfs_repair -n`'s exit status on both (the e2fsck column); the crashed image is")
    print("checked unchanged.  \"refused naming X\" is fsimg refusing to write a replay that")
    print("would leave pending intents or unlinked inodes unfinished: acceptable, not agreement.")
    print("\"agrees-equivalent\" is its own class, for where the kernel's order is timing (the")
    print("background inactivation of unlinked inodes, whose order the free space btrees record):")
    print("the only blocks that differ are free space btree blocks, AGFL blocks and sector, and")
    print("the AGF fields the btrees' shape decides; xfs_db (freesp -d) reads the same free")
    print("extents in both images and xfs_repair -n exits the same; every inode, data and")
    print("other metadata block is the kernel's.\n")
    print("Rows: %s." % ", ".join("%d %s" % (v, k) for k, v in sorted(counts.items())))
    secs = sorted(x for n, _ in rows(matrix)
                  for x in ((load(outdir, n) or {}).get("seconds") or {}).values())
    if secs:
        print("Emulation (the rows run in the last pass): %d boots, %d s in all, median %d s"
              % (len(secs), sum(secs), secs[len(secs) // 2]))
        print("per boot (TCG, under nice, on a shared 2-core machine; a boot to the workload")
        print("takes about 5 s of that when idle).")
    print("")
    print("fsimg replays valid fast commits (man fsimg-replay: what it does not replay,")
    print("and where it leaves the filesystem consistent while Linux 6.1 does not: the")
    print("e2fsck -fn column); a row where it differs from the kernel is a finding.\n")
    print("The kernel is the truth for fsimg, but the harness also checks the kernel: a row")
    print("whose recovered files do not hold bytes an fsync promised says so (\"whose own")
    print("recovery did not keep fsync'd bytes\"); fsimg then agrees with the kernel.\n")
    print("| image | fs | mkfs | mount | workload | cut | log at the cut | fsync'd files | e2fsck -fn / xfs_repair -n | result |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    print("\n".join(table))
    return 0


if __name__ == "__main__":
    sys.exit(main())
