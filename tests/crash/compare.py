#!/usr/bin/env python3
"""The crash harness's oracle comparison.

compare.py RUNDIR --fsimg FSIMG

RUNDIR holds what run.sh made: crashed.img (the image as the power cut left
it), crash.rec (the workload's records: ops, touches, fsyncs), recover.rec
(the kernel's recovery: mount, one summary line per path from lstat, FIEMAP
and a crc32 of the contents, clean unmount) and meta.json (the options).

The kernel's result is the truth.  Compared with it, per image:
  virtual  fsimg's in-memory replay of crashed.img: ls -R --json,
           extents --all --json, cat of every regular file;
  replay   fsimg replay crashed.img -o replayed.img, read back by debugfs
           (ls -l, ex -l, dump): an independent reader of fsimg's writing;
and for both, every path's inode, type, mode and size, every regular file's
extent map with adjacent runs coalesced (tree shape, timestamps and mount
counters are not compared), every regular file's data (crc32), and every
fsync'd file's synced bytes.  The kernel's result is itself checked for the
fsync'd bytes (a loss there is the harness's or the kernel's problem, and is
reported as such).  For XFS only the kernel's side is checked (fsimg does not
read XFS yet).

Writes RUNDIR/result.json and prints a one-line verdict.

compare.py RUNDIR --fsimg FSIMG --make-fixture OUT.json [--expect agree|differ|refuse --why TEXT]
    the kernel's result of a kept run, as a make check fixture (XFS: also the
    hashes of the blocks the kernel's recovery changed, outside the log)
compare.py --fixture FIXTURE.json --image IMG --fsimg FSIMG [--replay OUT]
    fsimg's in-memory replay of IMG (or, with --replay, fsimg replay -o OUT
    read back by debugfs; XFS: OUT's blocks, or the refusal expected) against
    a fixture; prints the differences
"""
import argparse
import json
import os
import re
import subprocess
import sys
import zlib

FIEMAP_UNWRITTEN = 0x800
FIEMAP_INLINE = 0x200
FIEMAP_DELALLOC = 0x4
S_IFMT = 0o170000
TYPES = {0o040000: "dir", 0o100000: "file", 0o120000: "symlink", 0o020000: "chr",
         0o060000: "blk", 0o010000: "fifo", 0o140000: "sock"}
MAX_DIFFS = 40
HELD_OPEN = 16  # workload.c MAXHELD: the unlinked files hold() keeps open to the cut


# the external log beside an image (run.sh --logdev): NAME.img -> NAME.log,
# given to fsimg with -j, to xfs_logprint and xfs_repair with -l; fsimg
# replay -o OUT.img writes OUT's clean log to OUT.log (--log-out)
LOGDEV_OPT = {"xfs_logprint": "-l", "xfs_repair": "-l"}


def replay_out(r, out, img):
    """what replay -o wrote: OUT; or, when it said "nothing to replay" (an ext4
    image without needs_recovery, e.g. one with no journal), IMG itself, as
    man fsimg-replay says: a clean image is left alone and no OUT is made"""
    if not os.path.exists(out) and b"nothing to replay" in r.stdout:
        return img
    return out


def run(cmd, **kw):
    # the output of replay -o is not the input: its .log, left by an earlier
    # comparison (matrix.sh --recompare), is no log to read
    skip = cmd.index("-o") + 1 if "-o" in cmd else -1
    log = next((x[:-4] + ".log" for i, x in enumerate(cmd) if i != skip and isinstance(x, str)
                and x.endswith(".img") and os.path.exists(x[:-4] + ".log")), None)
    if log:
        tool = os.path.basename(cmd[0])
        if tool in LOGDEV_OPT:
            cmd = [cmd[0], LOGDEV_OPT[tool], log] + list(cmd[1:])
        # any fsimg binary: src/fsimg, lt-fsimg, a copy such as /tmp/NAME-fsimg
        elif "fsimg" in tool:
            extra = ["-j", log]
            if cmd[1] == "replay" and "-o" in cmd:
                out = cmd[cmd.index("-o") + 1]
                extra += ["--log-out", (out[:-4] if out.endswith(".img") else out) + ".log"]
            cmd = [cmd[0], cmd[1]] + extra + list(cmd[2:])
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)


def records(path, tag):
    """the payloads of '@@ TAG ...' lines"""
    out = []
    try:
        with open(path, "rb") as f:
            for raw in f:
                if not raw.endswith(b"\n"):
                    break  # cut mid-line by the power cut
                line = raw.decode("utf-8", "replace").rstrip("\r\n")
                if line.startswith("@@ " + tag + " ") or line == "@@ " + tag:
                    out.append(line[len(tag) + 4:])
    except FileNotFoundError:
        pass
    return out


DATA_OPS = {"append", "overwrite", "fallocate", "keepsize", "punch", "zero", "direct",
            "truncate", "create", "frag", "clone", "clonerange", "holdunlink", "tmpfile",
            "convshare", "convwrite"}


# paths the workload's ops touched (set by synced_files): always read by
# fsimg_view, which samples the others on images of many files
TOUCHED = set()
# files read through `fsimg cat` at most (each cat replays the log in memory:
# an aged image of 8000 files took an hour, 0.5 s a cat on the loaded machine);
# the untouched ones past it sampled
CAT_MAX = int(os.environ.get("FSIMG_CRASH_CAT_MAX", "300"))


def synced_files(crash_rec):
    """fsync records still valid at the cut: no later op changed the path
    (create, rename, link, unlink) or wrote to the inode.  {path: (ino, size, crc)}"""
    seq = []
    with open(crash_rec, "rb") as f:
        for raw in f:
            if not raw.endswith(b"\n"):
                break  # cut mid-line by the power cut
            line = raw.decode("utf-8", "replace").split()
            if len(line) < 2 or line[0] != "@@":
                continue
            seq.append(line[1:])
    valid = {}
    kind = None
    for r in seq:
        if r[0] == "op" and len(r) >= 3:
            kind = r[2]
        elif r[0] == "fsync" and len(r) == 6:
            valid["/" + r[2]] = (int(r[3]), int(r[4]), int(r[5]))
        elif r[0] == "touch" and len(r) == 4:
            ino, path = int(r[2]), "/" + r[3]
            TOUCHED.add(path)
            for p, (vino, _, _) in list(valid.items()):
                if p == path and kind != "link":
                    del valid[p]
                elif ino and ino == vino and kind in DATA_OPS:
                    del valid[p]
    return valid


def coalesce(runs):
    """[(logical, physical, length, unwritten)] in blocks, adjacent runs merged"""
    out = []
    for r in sorted(runs):
        if out:
            l, p, n, u = out[-1]
            if l + n == r[0] and p + n == r[1] and u == r[3]:
                out[-1] = (l, p, n + r[2], u)
                continue
        out.append(tuple(r))
    return out


def kernel_view(recover_rec, bs):
    """{path: entry} from the guest's summary lines, FIEMAP in blocks"""
    paths = {}
    for s in records(recover_rec, "summary"):
        try:
            e = json.loads(s)
        except ValueError:
            continue
        if "fiemap" in e:
            runs, note = [], []
            for lo, ph, ln, fl in e["fiemap"]:
                if fl & (FIEMAP_INLINE | FIEMAP_DELALLOC):
                    note.append(fl)
                    continue
                runs.append((lo // bs, ph // bs, (ln + bs - 1) // bs, bool(fl & FIEMAP_UNWRITTEN)))
            e["runs"] = coalesce(runs)
        paths[e["path"]] = e
    return paths


def prefix_crc(data, size):
    return zlib.crc32(data[:size]) & 0xffffffff


def json_lines(data, what, errors):
    """the JSON objects of a command's output; a line that does not parse is a difference"""
    out = []
    for line in data.decode("utf-8", "replace").splitlines():
        try:
            out.append(json.loads(line))
        except ValueError:
            errors.append("%s: unparsable output line: %s" % (what, line[:120]))
    return out


def fsimg_view(fsimg, img, synced):
    """fsimg's in-memory replay of img: {path: entry}"""
    paths, errors = {}, []
    r = run([fsimg, "ls", "-R", "-a", "--json", img])
    for e in json_lines(r.stdout, "fsimg ls", errors):
        p = e.get("path", "")
        if p == "/.":
            e["path"] = "/"
            paths["/"] = e
        elif e.get("name") not in (".", ".."):
            paths[p] = e
    if r.returncode != 0:
        errors.append("fsimg ls exit %d: %s" % (r.returncode, r.stderr.decode()[-300:].strip()))
    ext = {}
    r = run([fsimg, "extents", "--all", "--json", img])
    for e in json_lines(r.stdout, "fsimg extents", errors):
        # the data fork only, as the kernel's FIEMAP (without FIEMAP_FLAG_XATTR)
        # lists it: XFS attr (and CoW) fork extents are marked "fork"
        ext[e.get("inode")] = coalesce([(x["logical"], x["physical"], x["length"], x["unwritten"])
                                        for x in e.get("extents", [])
                                        if x.get("fork", "data") == "data"])
    if r.returncode != 0:
        errors.append("fsimg extents exit %d: %s" % (r.returncode, r.stderr.decode()[-300:].strip()))
    if errors:
        paths["<error>"] = {"error": "; ".join(errors)}
    files = sorted(p for p, e in paths.items() if e.get("type") == "file")
    rest = [p for p in files if p not in synced and p not in TOUCHED]
    room = max(CAT_MAX - (len(files) - len(rest)), 0)
    skip = set()
    if len(rest) > room:  # every step-th of the untouched files read, room of them at most
        skip = set(rest) - set(rest[::-(-len(rest) // room)] if room else [])
    for p in files:
        e = paths[p]
        e["runs"] = ext.get(e.get("inode"), [])
        if p in skip:
            e["cat_skipped"] = True  # untouched, not in the sample: data not compared
            continue
        c = run([fsimg, "cat", img, p])
        if c.returncode != 0:
            e["read_error"] = c.stderr.decode()[-200:]
            continue
        e["crc32"] = zlib.crc32(c.stdout) & 0xffffffff
        e["read"] = len(c.stdout)
        if p in synced:
            e["synced_crc"] = prefix_crc(c.stdout, synced[p][1])
    return paths


def oops(d):
    """the kernel's oops in its recovery boot (lib.sh's boot stops it): where, or None"""
    try:
        con = open(os.path.join(d, "recover.console"), "rb").read().decode("utf-8", "replace")
    except OSError:
        return None
    m = re.search(r"(kernel BUG at \S+|Kernel panic[^\r\n]*)", con)
    rip = re.search(r"RIP: 0010:(\S+)", con)
    if not m and not rip:
        return None
    return "the kernel oopsed: %s%s" % (m.group(1) if m else "oops", " in " + rip.group(1) if rip else "")


def debugfs(img, cmds):
    """run debugfs commands; {command: output}"""
    script = "\n".join(cmds) + "\n"
    r = run(["debugfs", "-f", "-", img], input=script.encode())
    out, cur = {}, None
    for line in r.stdout.decode("utf-8", "replace").splitlines():
        if line.startswith("debugfs: "):
            cur = line[len("debugfs: "):]
            out[cur] = []
        elif cur is not None:
            out[cur].append(line)
    return out


EXLINE = re.compile(r"^\s*(\d+)/\s*(\d+)\s+\d+/\s*\d+\s+(\d+)\s*-\s*\d+\s+(\d+)\s*-\s*\d+\s+(\d+)")
# debugfs stat's BLOCKS list for a block-mapped file: "(0-11):1000-1011, (IND):1012, (12):1013"
BMRUN = re.compile(r"\((\d+)(?:-(\d+))?\):(\d+)(?:-\d+)?")
LSL = re.compile(r"^\s*(\d+)\s+([0-7]+)\s+\((\d+)\)\s+(\d+)\s+(\d+)\s+(\d+)\s+\S+\s+\S+\s(.*)$")


def bmap_runs(img, path):
    """a block-mapped file's data runs from debugfs stat (debugfs ex prints none for it)"""
    runs = []
    out = debugfs(img, ["stat %s" % path]).get("stat %s" % path, [])
    if not any(line.startswith("BLOCKS:") for line in out):
        return runs
    text = " ".join(out[[i for i, l in enumerate(out) if l.startswith("BLOCKS:")][0] + 1:])
    for m in BMRUN.finditer(text):
        l0 = int(m.group(1))
        l1 = int(m.group(2)) if m.group(2) else l0
        runs.append((l0, int(m.group(3)), l1 - l0 + 1, False))
    return runs


def debugfs_name(s):
    """a name as debugfs ls prints it, bytes past ASCII as \\xNN, back to its text"""
    b = re.sub(rb"\\x([0-9a-f]{2})", lambda m: bytes([int(m.group(1), 16)]), s.encode("utf-8", "replace"))
    return b.decode("utf-8", "replace")


def debugfs_view(img, synced, tmp):
    """fsimg's written replay read back by debugfs: {path: entry}"""
    paths = {}
    todo = ["/"]
    while todo:
        batch, todo = todo, []
        out = debugfs(img, ["ls -l %s" % d for d in batch])
        for d in batch:
            for line in out.get("ls -l %s" % d, []):
                m = LSL.match(line)
                if not m:
                    continue
                name = debugfs_name(m.group(7))
                mode = int(m.group(2), 8)
                e = {"inode": int(m.group(1)), "mode": mode, "links": int(m.group(3)),
                     "size": int(m.group(6)), "type": TYPES.get(mode & S_IFMT, "unknown")}
                if name == ".":
                    if d == "/":
                        e["path"] = "/"
                        paths["/"] = e
                    continue
                if name == "..":
                    continue
                p = (d.rstrip("/") + "/" + name)
                e["path"] = p
                paths[p] = e
                if e["type"] == "dir":
                    todo.append(p)
    files = [p for p, e in paths.items() if e["type"] == "file"]
    cmds = []
    for i, p in enumerate(files):
        cmds.append("ex -l %s" % p)
        cmds.append("dump %s %s/f%d" % (p, tmp, i))
    out = debugfs(img, cmds)
    for i, p in enumerate(files):
        runs = []
        for line in out.get("ex -l %s" % p, []):
            # "LEVEL/ DEPTH  ENTRY/ MAX  L0 - L1  P0 - P1  LEN [Uninit]": leaves only (LEVEL == DEPTH);
            # ENTRY/MAX has no space once MAX has three digits
            m = EXLINE.match(line)
            if not m or m.group(1) != m.group(2):
                continue
            l0, p0, n = int(m.group(3)), int(m.group(4)), int(m.group(5))
            runs.append((l0, p0, n, "Uninit" in line))
        if not runs and not any(EXLINE.match(line) for line in out.get("ex -l %s" % p, [])):
            runs = bmap_runs(img, p)
        paths[p]["runs"] = coalesce(runs)
        f = "%s/f%d" % (tmp, i)
        try:
            with open(f, "rb") as fh:
                data = fh.read()
            os.unlink(f)
        except OSError as err:
            paths[p]["read_error"] = str(err)
            continue
        # debugfs 1.47 dumps a file with inline data whole (i_block and the
        # "system.data" value), not its first i_size bytes
        data = data[:paths[p]["size"]]
        paths[p]["crc32"] = zlib.crc32(data) & 0xffffffff
        paths[p]["read"] = len(data)
        if p in synced:
            paths[p]["synced_crc"] = prefix_crc(data, synced[p][1])
    return paths


def fmt_runs(runs):
    return " ".join("%d+%d@%d%s" % (l, n, p, "u" if u else "") for l, p, n, u in runs)


def compare(kernel, mine, synced):
    """differences of mine from the kernel's result, as strings"""
    diffs = []
    if "<error>" in mine:
        diffs.append(mine.pop("<error>")["error"])
    for p in sorted(set(kernel) | set(mine)):
        k, m = kernel.get(p), mine.get(p)
        if m is None:
            diffs.append("%s: missing (kernel: inode %s, size %s)" % (p, k.get("inode"), k.get("size")))
            continue
        if k is None:
            diffs.append("%s: not in the kernel's result (inode %s, size %s)" % (p, m.get("inode"), m.get("size")))
            continue
        for f in ("inode", "mode", "size"):
            if k.get(f) != m.get(f):
                diffs.append("%s: %s %s, kernel %s" % (p, f, m.get(f), k.get(f)))
        ktype = TYPES.get(k.get("mode", 0) & S_IFMT, "unknown")
        if ktype != m.get("type"):
            diffs.append("%s: type %s, kernel %s" % (p, m.get("type"), ktype))
        if ktype != "file":
            continue
        if "runs" in k and k["runs"] != m.get("runs"):
            diffs.append("%s: extents %s, kernel %s" % (p, fmt_runs(m.get("runs", [])), fmt_runs(k["runs"])))
        if "read_error" in m:
            diffs.append("%s: unreadable: %s" % (p, m["read_error"].strip()))
        elif m.get("cat_skipped"):
            pass
        elif k.get("crc32") != m.get("crc32"):
            diffs.append("%s: data differ (crc32 %s of %s bytes, kernel %s of %s)" %
                         (p, m.get("crc32"), m.get("read"), k.get("crc32"), k.get("read")))
    for p, (ino, size, crc) in sorted(synced.items()):
        m = mine.get(p)
        if m is None or m.get("synced_crc") != crc or m.get("read", 0) < size:
            diffs.append("%s: fsync'd %d bytes not kept" % (p, size))
    return diffs


def check_kernel(kernel, synced):
    """the kernel must keep what fsync promised"""
    lost = []
    for p, (ino, size, crc) in sorted(synced.items()):
        k = kernel.get(p)
        if k is None:
            lost.append("%s: fsync'd file missing" % p)
        elif k.get("size") != size or k.get("crc32") != crc:
            lost.append("%s: fsync'd %d bytes (crc32 %d), kernel has %s bytes (crc32 %s)" %
                        (p, size, crc, k.get("size"), k.get("crc32")))
    return lost


def journal_summary(fsimg, img):
    r = run([fsimg, "journal", "--json", "-v", img])
    j = {"transactions": 0, "committed": 0, "blocks": 0, "revokes": 0,
         "fc_blocks": 0, "fc_tags": 0, "fc_tails": 0, "wraps": False}
    prev = None
    for line in r.stdout.decode("utf-8", "replace").splitlines():
        try:
            e = json.loads(line)
        except ValueError:
            continue
        rec = e.get("record")
        if rec == "transaction":
            j["transactions"] += 1
            if e.get("state") == "committed":
                j["committed"] += 1
            j["blocks"] += len(e.get("blocks", []))
            # the log crosses the journal's end when a later block sits lower
            for b in [e.get("first_block")] + [x["journal_block"] for x in e.get("blocks", [])] + \
                    [e.get("commit_block")]:
                if b is None:
                    continue
                if prev is not None and b < prev:
                    j["wraps"] = True
                prev = b
            j["revokes"] += len(e.get("revoked", []))
        elif rec == "fast_commit":
            if str(e.get("tag", e.get("type", ""))).lower().endswith("tail"):
                j["fc_tails"] += 1
        elif rec == "end":
            j["end"] = e.get("end")
            j["recoverable"] = e.get("recoverable")
            j["end_tid"] = e.get("end_sequence")
            j["fc_blocks"] = e.get("fast_commit_blocks_used", 0) or 0
            j["fc_tags"] = e.get("fast_commit_tags", 0) or 0
        elif rec == "superblock":
            j["length"] = e.get("maxlen")
            j["first_tid"] = e.get("sequence")
    if r.returncode != 0:
        j["error"] = r.stderr.decode()[-200:]
    return j


def e2fsck_fn(img):
    if not os.path.exists(img):
        return None
    return run(["e2fsck", "-fn", img]).returncode


def block_size(img):
    r = run(["dumpe2fs", "-h", img])
    m = re.search(r"^Block size:\s+(\d+)", r.stdout.decode(), re.M)
    return int(m.group(1)) if m else 4096


def kernel_for_fixture(kernel):
    """the kernel's result as a fixture keeps it"""
    out = {}
    for p, e in kernel.items():
        k = {"inode": e["inode"], "mode": e["mode"], "size": e["size"]}
        if "runs" in e:
            k["runs"] = [list(r) for r in e["runs"]]
            k["crc32"] = e.get("crc32")
            k["read"] = e.get("read")
        out[p] = k
    return out


def make_fixture(a):
    """RUNDIR (made with --keep) -> FIXTURE.json; the image is xz'd by the caller"""
    d = a.rundir
    with open(os.path.join(d, "result.json")) as f:
        res = json.load(f)
    meta = res["meta"]
    kernel = kernel_view(os.path.join(d, "recover.rec"), meta["block_size"])
    synced = synced_files(os.path.join(d, "crash.rec"))
    fix = {"about": "made by tests/crash/run.sh --keep and compare.py --make-fixture: the "
                    "kernel's recovery of the image (Linux %s)" % meta.get("kernel"),
           "meta": {k: meta[k] for k in ("fs", "mount_opts", "mkfs_opts", "size", "block_size",
                                         "seed", "ops", "cut", "cut_time", "workload", "kernel")},
           "journal": res.get("journal"), "cut": res.get("cut"),
           "expect": a.expect, "why": a.why,
           "kernel": kernel_for_fixture(kernel),
           "synced": {p: list(v) for p, v in synced.items()}}
    if meta["fs"] == "xfs":
        import xfscmp
        fix.update(xfscmp.fixture_part(d))
    with open(a.make_fixture, "w") as f:
        json.dump(fix, f, indent=0, sort_keys=True)
        f.write("\n")
    return 0


def check_fixture(a):
    """fsimg's in-memory replay of IMAGE against the fixture's kernel result"""
    with open(a.fixture) as f:
        fix = json.load(f)
    kernel = fix["kernel"]
    for e in kernel.values():
        if "runs" in e:
            e["runs"] = [tuple(r) for r in e["runs"]]
    synced = {p: tuple(v) for p, v in fix["synced"].items()}
    if a.replay and fix["meta"]["fs"] == "xfs":
        import xfscmp
        if "kernel_blocks" not in fix:
            print("the fixture keeps no blocks of the kernel's image")
            return 1
        diffs = xfscmp.check_replay_fixture(fix, a.fsimg, a.image, a.replay)
    elif a.replay:
        r = run([a.fsimg, "replay", "-f", "-o", a.replay, a.image])
        if r.returncode != 0:
            print("fsimg replay -o failed (exit %d): %s" % (r.returncode, r.stderr.decode()[-300:].strip()))
            return 1
        tmp = os.path.dirname(os.path.abspath(a.replay))
        got = replay_out(r, a.replay, a.image)
        diffs = compare(kernel, debugfs_view(got, synced, tmp), synced)
        if got == a.replay:
            os.unlink(a.replay)
    else:
        diffs = compare(kernel, fsimg_view(a.fsimg, a.image, synced), synced)
        if fix["meta"]["fs"] == "xfs" and fix.get("log"):
            import xfscmp
            diffs, by_bui = xfscmp.explained_by_bui(diffs, kernel, fix["log"].get("pending_bui_owners", []))
            for x in by_bui:
                print("(a pending BUI maps into it: not compared) " + x)
    for x in diffs:
        print(x)
    return 1 if diffs else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("rundir", nargs="?")
    ap.add_argument("--fsimg", required=True)
    ap.add_argument("--make-fixture", metavar="OUT.json")
    ap.add_argument("--expect", choices=("agree", "differ", "refuse"), default="agree",
                    help="refuse: (XFS) replay -o must refuse, naming the pending intents or unlinked inodes")
    ap.add_argument("--why", default="")
    ap.add_argument("--fixture", metavar="FIXTURE.json")
    ap.add_argument("--image")
    ap.add_argument("--replay", metavar="OUT", help="with --fixture: check replay -o OUT read by debugfs")
    a = ap.parse_args()
    if a.make_fixture:
        return make_fixture(a)
    if a.fixture:
        return check_fixture(a)
    d = a.rundir
    with open(os.path.join(d, "meta.json")) as f:
        meta = json.load(f)
    res = {"meta": meta}
    crash_rec, recover_rec = os.path.join(d, "crash.rec"), os.path.join(d, "recover.rec")
    img = os.path.join(d, "crashed.img")
    synced = synced_files(crash_rec)
    cut = records(crash_rec, "cut") or records(crash_rec, "end")
    ops_done = records(crash_rec, "rc")
    res["cut"] = {"after_op": int(cut[0]) if cut else None,
                  "ops_done": len(ops_done), "fsyncs": len(records(crash_rec, "fsync")),
                  "synced_files": len(synced), "how": meta.get("cut_how")}
    holds = records(crash_rec, "hold")
    if holds:
        # unlinked while open at the cut: workload.c's hold() keeps its last 16 open (it
        # closes the oldest), the workloads that keep their own (wl_hold.c, wl_idrop.c,
        # wl_ifin.c, wl_attr.c, wl_xfs.c's ichunk) keep up to 64; the records do not say
        # which, so 16 are counted open and the others held before them said, not dropped
        res["cut"]["held_open"] = min(len(holds), HELD_OPEN)
        if len(holds) > HELD_OPEN:
            res["cut"]["held_more"] = len(holds) - HELD_OPEN
    storm = records(crash_rec, "storm")
    if storm:
        res["cut"]["storm_ms"] = int(storm[0].split()[-1])
    res["dmesg"] = [s.split("] ", 1)[-1] for s in records(recover_rec, "dmesg")]
    recovered = bool(records(recover_rec, "done")) and records(recover_rec, "umount") == ["0"]
    diffs_v = diffs_r = None
    if not recovered:
        res["result"] = "error"
        res["why"] = "the kernel's recovery did not finish (%s)" % (
            "; ".join(records(recover_rec, "mount-failed")) or oops(d) or "see recover.console")
        if meta["fs"] == "ext4" and oops(d):
            # the kernel's replay crashed: does fsimg decline that replay, saying why?
            r = run([a.fsimg, "replay", "-n", img])
            m = re.search(r"valid fast commits .* that fsimg does not replay: (.*)",
                          r.stdout.decode("utf-8", "replace"))
            if m:
                res["result"] = "kernel-fails"
                res["why"] = "the kernel's own recovery crashes (%s); fsimg declines its fast commits: %s" % (
                    oops(d), m.group(1).strip())
        elif meta["fs"] == "xfs" and records(recover_rec, "mount-failed"):
            # the kernel's mount failed (a crafted image, run.sh --image): does fsimg refuse
            # to replay it too, naming why (the finish's refusal)?
            r = run([a.fsimg, "replay", "-n", img])
            m = re.search(r"^Refused: (.*)$", r.stdout.decode("utf-8", "replace"), re.M)
            if m:
                res["result"] = "kernel-fails"
                res["why"] = "the kernel's own mount fails (%s); fsimg refuses to replay: %s" % (
                    "; ".join(records(recover_rec, "mount-failed")), m.group(1).strip())
        elif meta["fs"] == "ext4" and records(recover_rec, "mount-failed"):
            # the kernel refused to mount: does fsimg's scan say it would?
            res["journal"] = journal_summary(a.fsimg, img)
            if res["journal"].get("recoverable") is False:
                res["result"] = "kernel-fails"
                res["why"] = ("the kernel's own recovery fails (%s), as fsimg's scan says it would; "
                              "neither replays the log" % "; ".join(records(recover_rec, "mount-failed")))
    else:
        bs = block_size(img) if meta["fs"] == "ext4" else meta.get("block_size", 4096)
        kernel = kernel_view(recover_rec, bs)
        res["kernel"] = {"paths": len(kernel), "files": sum(1 for e in kernel.values() if "runs" in e),
                         "fsync_lost": check_kernel(kernel, synced)}
        if meta["fs"] == "xfs":
            import xfscmp
            diffs_v, diffs_r = xfscmp.compare_xfs(res, d, a.fsimg, kernel, synced, meta.get("keep"))
            if res.get("log_clean") and not diffs_v and all("AG 0 superblock" in x for x in diffs_r):
                # nothing reached the log before the cut: no replay to compare; the kernel's
                # mount and unmount of a clean log rewrite the superblock alone
                res["result"] = "clean-log"
                res["why"] = "the crashed log is clean, nothing to replay (fsimg leaves the image alone); %s" % (
                    "; ".join(diffs_r) or "the kernel's mount changed nothing outside the log")
                diffs_r = []
        else:
            res["journal"] = journal_summary(a.fsimg, img)
            diffs_v = compare(kernel, fsimg_view(a.fsimg, img, synced), synced)
            out = os.path.join(d, "replayed.img")
            r = run([a.fsimg, "replay", "-f", "-o", out, img])
            if r.returncode != 0:
                diffs_r = ["fsimg replay -o failed (exit %d): %s" % (r.returncode, r.stderr.decode()[-300:].strip())]
            else:
                got = replay_out(r, out, img)
                diffs_r = compare(kernel, debugfs_view(got, synced, d), synced)
                # informational: is each side's result consistent to e2fsck?
                res["e2fsck_fn"] = {"kernel": e2fsck_fn(os.path.join(d, "kernel.img")),
                                    "replay": e2fsck_fn(got)}
                if not meta.get("keep") and got == out:
                    os.unlink(out)
            res["virtual"] = {"agrees": not diffs_v, "diffs": diffs_v[:MAX_DIFFS], "ndiffs": len(diffs_v)}
            res["replay"] = {"agrees": not diffs_r, "diffs": diffs_r[:MAX_DIFFS], "ndiffs": len(diffs_r)}
            res["result"] = "agrees" if not diffs_v and not diffs_r else "differs"
        if res["kernel"]["fsync_lost"]:
            res["result"] = "kernel-lost-fsync"
    try:  # compared again (matrix.sh --recompare): the boots' times stay
        with open(os.path.join(d, "result.json")) as f:
            res["seconds"] = json.load(f)["seconds"]
    except (OSError, ValueError, KeyError):
        pass
    with open(os.path.join(d, "result.json"), "w") as f:
        json.dump(res, f, indent=1)
        f.write("\n")
    line = res["result"]
    if diffs_v is not None:
        line += " (virtual: %d differences, replay -o: %d)" % (len(diffs_v), len(diffs_r))
    print(line + (": " + res["why"] if res["result"] in ("kernel-fails", "clean-log") else ""))
    for x in (diffs_v or [])[:10]:
        print("  virtual: " + x)
    for x in (diffs_r or [])[:10]:
        print("  replay:  " + x)
    if res.get("kernel", {}).get("fsync_lost"):
        for x in res["kernel"]["fsync_lost"][:10]:
            print("  kernel:  " + x)
    if res.get("why") and res["result"] in ("refused", "not-replayed"):
        print("  fsimg:   " + res["why"])
    return 0 if res["result"] in ("agrees", "agrees-equivalent", "refused", "kernel-only", "kernel-fails",
                                  "clean-log") else 1


if __name__ == "__main__":
    sys.exit(main())
