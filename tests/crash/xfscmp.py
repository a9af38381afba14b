"""The crash harness's XFS comparison (compare.py calls compare_xfs).

The kernel's recovery (mount, clean unmount: kernel.img; its view from a
ro,norecovery mount: recover.rec) is the truth.  Compared with it:
  virtual  fsimg's view of crashed.img (the log replayed in memory): ls -R,
           extents --all (adjacent runs coalesced), cat of every file, every
           fsync'd file's synced bytes;
  replay   fsimg replay crashed.img -o replayed.img against kernel.img block
           by block, outside the log (its blocks are the kernel's unmount
           record and fsimg's own); in the primary superblock the fields
           mount and unmount rewrite are masked: icount, ifree, fdblocks,
           frextents, features_log_incompat, crc, lsn; on a quota mount the
           qflags enforcement bits its options set (quota_enfd_mask), when
           the kernel's are what the options say.  No other field or
           block is masked (no AGF/AGI field was found that mount alone
           changes).  Then xfs_repair -n on both: the same exit status, and
           nothing said about the log of replayed.img;
  equivalent  where the kernel's own order is timing (the unlinked inodes'
           background inactivation, the order the free space btrees record),
           a replay whose only differing blocks are free space btree blocks
           (bnobt, cntbt), blocks on the AGFL in either image, the AGFL
           sector and the AGF fields that the btrees' shape and the AGFL
           decide (roots, levels, AGFL first/last/count, btreeblks, lsn, crc),
           and rmapbt leaves whose header and live records are the kernel's,
           only the unused slots past numrecs (and so the crc) differing (the
           order of those frees leaves there what it deleted and shifted: on
           g36x-nosparse-ext-1k-rmap-ichunkdrop's 55 chunk frees, one in 29
           random splits of fsimg's order into last-in first-out batches gives
           the kernel's leaf byte for byte, fsimg's one-by-one order does not)
           agrees-equivalent when xfs_db (an independent reader: freesp -d)
           finds the same free extents in both and xfs_repair -n exits the
           same: every inode, data, directory and other metadata block is
           the kernel's, and so are the free block counts.  It is its own
           class in RESULTS.md, never "agrees";
  refusal  when fsimg refuses to replay because intents are pending or inodes
           are on the AGI unlinked lists (the kernel finishes both after log
           replay), the row says so with fsimg's words: a refusal that names
           them is not a difference, nor an agreement;
and crashed.img must be the same bytes before and after (sha256).
xfs_logprint -t is the listing's oracle: transactions, items by type, and
the intents whose done item is not in the log (pending at the cut).
"""
import hashlib
import json
import os
import re
import struct

import compare as base

# xfs_dsb offsets: (name, offset, length) of what mount/unmount rewrite
SB_MASK = (("icount", 128, 8), ("ifree", 136, 8), ("fdblocks", 144, 8), ("frextents", 152, 8),
           ("features_log_incompat", 220, 4), ("crc", 224, 4), ("lsn", 240, 8))
MAGICS = {b"XFSB": "superblock", b"XAGF": "AGF", b"XAGI": "AGI", b"XAFL": "AGFL",
          b"ABTB": "bnobt", b"AB3B": "bnobt", b"ABTC": "cntbt", b"AB3C": "cntbt",
          b"IABT": "inobt", b"IAB3": "inobt", b"FIBT": "finobt", b"FIB3": "finobt",
          b"RMB3": "rmapbt", b"R3FC": "refcountbt", b"BMAP": "bmbt", b"BMA3": "bmbt",
          b"XDB3": "dir data", b"XD2B": "dir data", b"XDD3": "dir data", b"XD2D": "dir data",
          b"XDF3": "dir free", b"XD2F": "dir free", b"XSLM": "symlink"}
INTENTS = {"EFI": "EFD", "RUI": "RUD", "CUI": "CUD", "BUI": "BUD"}
DONE = {v: k for k, v in INTENTS.items()}
REFUSAL = re.compile(r"refusing to replay")
# what fsimg names pending: "pending: efi 0x... 1 extent...", "pending: unlinked
# inode 135 (...)", "pending: 10 leftover copy-on-write staging extents (...)", or
# any other kind it comes to name (its first words, after a count)
PENDING = re.compile(r"pending: (?:\d+ )?([a-z]+(?: inode| staging| extent)?)\b", re.I)
NO_XFS_REPLAY = re.compile(r"not xfs's log|jbd2 journal only|does not replay for xfs|does not write an external", re.I)


def pending_named(msg):
    """{kind: count} of what fsimg's refusal names pending (kinds as logprint's: EFI...)"""
    out = {}
    for m in PENDING.finditer(msg):
        k = m.group(1).upper() if m.group(1).upper() in INTENTS else m.group(1).lower()
        out[k] = out.get(k, 0) + 1
    return out


def refused(msg):
    return bool(REFUSAL.search(msg) and PENDING.search(msg))


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def geometry(img):
    with open(img, "rb") as f:
        sb = f.read(512)
    if len(sb) < 264 or sb[:4] != b"XFSB":
        return None
    g = {"blocksize": struct.unpack_from(">I", sb, 4)[0],
         "logstart": struct.unpack_from(">Q", sb, 48)[0],
         "agblocks": struct.unpack_from(">I", sb, 84)[0],
         "agcount": struct.unpack_from(">I", sb, 88)[0],
         "logblocks": struct.unpack_from(">I", sb, 96)[0],
         "version": struct.unpack_from(">H", sb, 100)[0] & 0xf,
         "sectsize": struct.unpack_from(">H", sb, 102)[0],
         "agblklog": sb[124]}
    if not (512 <= g["blocksize"] <= 65536 and 512 <= g["sectsize"] <= g["blocksize"]
            and g["agblocks"] and g["agblklog"] < 32):
        return None
    agno = g["logstart"] >> g["agblklog"]
    agbno = g["logstart"] & ((1 << g["agblklog"]) - 1)
    g["log_first"] = agno * g["agblocks"] + agbno  # linear block
    if g["logstart"] == 0:  # an external log: no block of the data device is the log's
        g["log_first"] = g["logblocks"] = 0
    return g


# (name, offset, length) of the AG headers' fields, to name what differs
SB_FIELDS = (("magicnum", 0, 4), ("blocksize", 4, 4), ("dblocks", 8, 8), ("rblocks", 16, 8),
             ("rextents", 24, 8), ("uuid", 32, 16), ("logstart", 48, 8), ("rootino", 56, 8),
             ("rbmino", 64, 8), ("rsumino", 72, 8), ("rextsize", 80, 4), ("agblocks", 84, 4),
             ("agcount", 88, 4), ("rbmblocks", 92, 4), ("logblocks", 96, 4), ("versionnum", 100, 2),
             ("sectsize", 102, 2), ("inodesize", 104, 2), ("inopblock", 106, 2), ("fname", 108, 12),
             ("log fields", 120, 8), ("icount", 128, 8), ("ifree", 136, 8), ("fdblocks", 144, 8),
             ("frextents", 152, 8), ("uquotino", 160, 8), ("gquotino", 168, 8), ("qflags", 176, 2),
             ("flags", 178, 1), ("shared_vn", 179, 1), ("inoalignmt", 180, 4), ("unit", 184, 4),
             ("width", 188, 4), ("dirblklog", 192, 1), ("logsectlog", 193, 1), ("logsectsize", 194, 2),
             ("logsunit", 196, 4), ("features2", 200, 4), ("bad_features2", 204, 4),
             ("features_compat", 208, 4), ("features_ro_compat", 212, 4),
             ("features_incompat", 216, 4), ("features_log_incompat", 220, 4), ("crc", 224, 4),
             ("spino_align", 228, 4), ("pquotino", 232, 8), ("lsn", 240, 8), ("meta_uuid", 248, 16))
AGF_FIELDS = (("magicnum", 0, 4), ("versionnum", 4, 4), ("seqno", 8, 4), ("length", 12, 4),
              ("bnoroot", 16, 4), ("cntroot", 20, 4), ("rmaproot", 24, 4), ("bnolevel", 28, 4),
              ("cntlevel", 32, 4), ("rmaplevel", 36, 4), ("flfirst", 40, 4), ("fllast", 44, 4),
              ("flcount", 48, 4), ("freeblks", 52, 4), ("longest", 56, 4), ("btreeblks", 60, 4),
              ("uuid", 64, 16), ("rmap_blocks", 80, 4), ("refcount_blocks", 84, 4),
              ("refcount_root", 88, 4), ("refcount_level", 92, 4), ("spare", 96, 112),
              ("lsn", 208, 8), ("crc", 216, 4))
AGI_FIELDS = (("magicnum", 0, 4), ("versionnum", 4, 4), ("seqno", 8, 4), ("length", 12, 4),
              ("count", 16, 4), ("root", 20, 4), ("level", 24, 4), ("freecount", 28, 4),
              ("newino", 32, 4), ("dirino", 36, 4), ("unlinked", 40, 256), ("uuid", 296, 16),
              ("crc", 312, 4), ("pad32", 316, 4), ("lsn", 320, 8), ("free_root", 328, 4),
              ("free_level", 332, 4), ("iblocks", 336, 4), ("fblocks", 340, 4))
HEADER_FIELDS = {"superblock": SB_FIELDS, "AGF": AGF_FIELDS, "AGI": AGI_FIELDS}


def fields_differ(name, a, b):
    """the fields of an AG header sector that differ, named"""
    out = [f for f, off, n in HEADER_FIELDS.get(name, ()) if a[off:off + n] != b[off:off + n]]
    end = max((off + n for _, off, n in HEADER_FIELDS.get(name, ())), default=0)
    if a[end:] != b[end:]:
        out.append("bytes past the fields" if end else "some bytes")
    return out


# sb_qflags: what a quota mount's options alone decide.  xfs_fs_parse_param
# (xfs_super.c) sets accounting and enforcement per type from usrquota/uquota/
# quota, grpquota/gquota, prjquota/pquota, and accounting without enforcement
# from the *noenforce options; xfs_qm_mount_quotas then writes m_qflags &
# XFS_MOUNT_QUOTA_ALL over sb_qflags (and xfs_sync_sb when they differ).  So
# enforcement turned off or on by quotactl (Q_XQUOTAOFF/ON of enforcement,
# which logs the superblock only) is undone by the next mount's options: an
# image cannot tell them.  Only those ENFD bits are masked, and only when the
# kernel's image has exactly what the options say.
QFLAGS_OFF = 176
UQUOTA_ENFD, OQUOTA_ENFD, GQUOTA_ENFD, PQUOTA_ENFD = 0x2, 0x10, 0x80, 0x200
QUOTA_OPTS = {"usrquota": ("u", True), "uquota": ("u", True), "quota": ("u", True),
              "uqnoenforce": ("u", False), "qnoenforce": ("u", False),
              "grpquota": ("g", True), "gquota": ("g", True), "gqnoenforce": ("g", False),
              "prjquota": ("p", True), "pquota": ("p", True), "pqnoenforce": ("p", False)}


def quota_enfd_mask(mount_opts, version, kernel_sb):
    """the sb_qflags enforcement bits the mount options decide, when the
    kernel's superblock (kernel_sb) has them as the options say; else 0"""
    want, types = {}, set()
    for o in (mount_opts or "").split(","):
        if o in QUOTA_OPTS:
            t, enfd = QUOTA_OPTS[o]
            types.add(t)
            want[t] = want.get(t, False) or enfd
        elif o == "noquota":
            want, types = {}, set()
    # v5 keeps group and project enforcement apart; v4 has one OQUOTA_ENFD
    # bit for both (xfs_sb_quota_to_disk)
    bit = {"u": UQUOTA_ENFD, "g": GQUOTA_ENFD, "p": PQUOTA_ENFD} if version == 5 else \
        {"u": UQUOTA_ENFD, "g": OQUOTA_ENFD, "p": OQUOTA_ENFD}
    mask = expect = 0
    for t in types:
        mask |= bit[t]
        if want[t]:
            expect |= bit[t]
    if len(kernel_sb) < QFLAGS_OFF + 2:
        return 0
    q = struct.unpack_from(">H", kernel_sb, QFLAGS_OFF)[0]
    return mask if q & mask == expect else 0


def masked_sb(sector, qmask=0):
    b = bytearray(sector)
    for _, off, n in SB_MASK:
        b[off:off + n] = bytes(n)
    if qmask and len(b) >= QFLAGS_OFF + 2:
        struct.pack_into(">H", b, QFLAGS_OFF, struct.unpack_from(">H", b, QFLAGS_OFF)[0] & ~qmask & 0xffff)
    return bytes(b)


def with_qmask(g, mount_opts, kimg):
    """g with "qmask" (quota_enfd_mask of the kernel's primary superblock) when
    the options mount quotas"""
    if g is not None:
        with open(kimg, "rb") as f:
            q = quota_enfd_mask(mount_opts, g["version"], f.read(512))
        if q:
            g["qmask"] = q
    return g


def block_name(g, blk, data):
    agno, agbno = divmod(blk, g["agblocks"])
    what = MAGICS.get(data[:4], "inode chunk" if data[:2] == b"IN" else "data or unknown")
    return "block %d (AG %d block %d: %s)" % (blk, agno, agbno, what)


def header_diffs(g, blk, a, b):
    """AG block 0 holds the superblock, AGF, AGI and AGFL sectors: compare by sector"""
    out = []
    ss = g["sectsize"]
    agno = blk // g["agblocks"]
    for i in range(0, len(a), ss):
        sa, sb = a[i:i + ss], b[i:i + ss]
        if blk == 0 and i == 0:
            sa, sb = masked_sb(sa, g.get("qmask", 0)), masked_sb(sb, g.get("qmask", 0))
        if sa != sb:
            name = MAGICS.get(a[i:i + 4]) or MAGICS.get(b[i:i + 4]) or "sector %d" % (i // ss)
            out.append("AG %d %s (%s)" % (agno, name, ", ".join(fields_differ(name, sa, sb))))
    return out


def differing_blocks(g, img_a, img_b):
    """(block, bytes in a, bytes in b) of every block outside the log that differs"""
    bs = g["blocksize"]
    lo, hi = g["log_first"], g["log_first"] + g["logblocks"]
    step = 256
    with open(img_a, "rb") as fa, open(img_b, "rb") as fb:
        blk = 0
        while True:
            ca, cb = fa.read(bs * step), fb.read(bs * step)
            if not ca and not cb:
                break
            if ca != cb:
                for i in range(0, max(len(ca), len(cb)), bs):
                    b = blk + i // bs
                    x, y = ca[i:i + bs], cb[i:i + bs]
                    if x != y and not lo <= b < hi:
                        yield b, x, y
            blk += step


def block_diffs(g, kernel_img, other_img, limit=200):
    """blocks of other_img that differ from kernel_img outside the log, named"""
    diffs, n = [], 0
    for b, x, y in differing_blocks(g, kernel_img, other_img):
        if b % g["agblocks"] == 0:
            hd = header_diffs(g, b, x, y)
            n += len(hd)
            diffs.extend(hd)
        else:
            n += 1
            if len(diffs) < limit:
                diffs.append(block_name(g, b, x if x[:4] in MAGICS else y))
    return n, diffs[:limit]


# AGF fields the free space btrees' shape and the AGFL decide (the free blocks
# themselves are freeblks and longest: not among them)
SHAPE_AGF = {"bnoroot", "cntroot", "bnolevel", "cntlevel", "flfirst", "fllast", "flcount",
             "btreeblks", "lsn", "crc"}
SHAPE_MAGICS = {"bnobt", "cntbt"}


def rmap_leaf_tail_only(x, y):
    """two rmapbt leaves (v5 short blocks) with the same header (the crc apart) and the
    same live records, differing only in the slots past numrecs: what the order of
    frees that deleted and shifted records there left (the unlinked inodes' chunk
    frees, in the kernel's inodegc batches)"""
    if x[:4] != b"RMB3" or y[:4] != b"RMB3" or x[4:6] != b"\0\0" or y[4:6] != b"\0\0":
        return False
    live = 56 + 24 * int.from_bytes(x[6:8], "big")
    return x[:52] == y[:52] and live <= len(x) and x[56:live] == y[56:live]


def free_extents(img):
    """{(agno, agbno, len)} of img's free extents, as xfs_db's freesp -d reads
    them; None when it fails"""
    r = base.run(["xfs_db", "-r", "-c", "freesp -d", img])
    if r.returncode != 0:
        return None
    out = set()
    for line in r.stdout.decode("utf-8", "replace").splitlines():
        f = line.split()
        if len(f) == 3 and all(x.isdigit() for x in f):
            out.add(tuple(int(x) for x in f))
    return out


def agfl_blocks(g, img):
    """the linear block numbers on each AG's AGFL (flfirst to fllast, round its end)"""
    ss, bs = g["sectsize"], g["blocksize"]
    out = set()
    with open(img, "rb") as f:
        for ag in range(g["agcount"]):
            base_off = ag * g["agblocks"] * bs
            f.seek(base_off + ss)
            agf = f.read(ss)
            f.seek(base_off + 3 * ss)
            agfl = f.read(ss)
            if agf[:4] != b"XAGF" or len(agfl) < ss:
                continue
            first, last, count = struct.unpack_from(">III", agf, 40)
            hdr = 36 if agfl[:4] == b"XAFL" else 0
            size = (ss - hdr) // 4
            if not size or first >= size or count > size:
                continue
            for i in range(count):
                bno = struct.unpack_from(">I", agfl, hdr + 4 * ((first + i) % size))[0]
                if bno < g["agblocks"]:
                    out.add(ag * g["agblocks"] + bno)
    return out


def shape_only(g, kernel_img, other_img):
    """'' when every block of other_img differing from kernel_img is of the free
    space btrees' shape (see the module's doc) and xfs_db finds the same free
    extents in both; else what is not"""
    bs, ss = g["blocksize"], g["sectsize"]
    agfl = agfl_blocks(g, kernel_img) | agfl_blocks(g, other_img)
    for b, x, y in differing_blocks(g, kernel_img, other_img):
        agbno = b % g["agblocks"]
        if agbno * bs < 4 * ss:  # a block holding AG headers: by sector
            for i in range(0, bs, ss):
                sect = (agbno * bs + i) // ss
                sx, sy = x[i:i + ss], y[i:i + ss]
                if b == 0 and i == 0:
                    sx, sy = masked_sb(sx, g.get("qmask", 0)), masked_sb(sy, g.get("qmask", 0))
                if sx == sy or sect == 3:  # the AGFL sector
                    continue
                name = MAGICS.get(sx[:4]) or MAGICS.get(sy[:4]) or "sector %d" % sect
                f = fields_differ(name, sx, sy)
                if name != "AGF" or not set(f) <= SHAPE_AGF:
                    return "AG %d %s (%s)" % (b // g["agblocks"], name, ", ".join(f))
            continue
        if MAGICS.get(x[:4]) in SHAPE_MAGICS or MAGICS.get(y[:4]) in SHAPE_MAGICS or b in agfl:
            continue
        if rmap_leaf_tail_only(x, y):
            continue
        return block_name(g, b, x if x[:4] in MAGICS else y)
    fk, fo = free_extents(kernel_img), free_extents(other_img)
    if fk is None or fo is None:
        return "xfs_db freesp -d failed"
    if fk != fo:
        return "free extents differ (xfs_db freesp -d: %d only the kernel's, %d only the replay's)" % (
            len(fk - fo), len(fo - fk))
    return ""


def logprint(img):
    """xfs_logprint -t: transactions, items by type, intents without their done item"""
    r = base.run(["xfs_logprint", "-t", img])
    out = r.stdout.decode("utf-8", "replace")
    j = {"transactions": 0, "items": {}, "pending": {}, "cycles": set()}
    opened = {}
    owners = {}  # open BUI id -> the inodes its extents map into
    last = None
    cur_bui = None
    for line in out.splitlines():
        m = re.search(r"own: (\d+)", line)
        if m and cur_bui:
            owners.setdefault(cur_bui, []).append(int(m.group(1)))
        # "BUF: cnt:", "INO: cnt:", ... and "DQ : cnt:", "QOFF: cnt:" (log_print_all.c)
        m = re.match(r"^(DQ |[A-Z]{3,4}):\s+cnt:", line)
        if m:
            last = m.group(1).strip()
            j["items"][last] = j["items"].get(last, 0) + 1
            continue
        if line.startswith("TRANS:"):
            j["transactions"] += 1
            continue
        m = re.search(r"LOG REC AT LSN cycle (\d+)", line)
        if m:
            j["cycles"].add(int(m.group(1)))
        m = re.search(r"log tail: (\d+) head: (\d+) state: <(\w+)>", line)
        if m:
            j["tail"], j["head"], j["state"] = int(m.group(1)), int(m.group(2)), m.group(3)
        m = re.match(r"^\s*([A-Z]{3}):\s+#regs.*id:\s*(0x[0-9a-f]+)", line)
        if m:
            t, ident = m.group(1), m.group(2)
            cur_bui = ident if t == "BUI" else None
            if t == "BUI":
                owners[ident] = []
            if t in INTENTS:
                opened[(t, ident)] = opened.get((t, ident), 0) + 1
            elif t in DONE and opened.get((DONE[t], ident)):
                opened[(DONE[t], ident)] -= 1
    j["pending_bui_owners"] = []
    for (t, ident), n in opened.items():
        if n:
            j["pending"][t] = j["pending"].get(t, 0) + n
            if t == "BUI":
                j["pending_bui_owners"].extend(owners.get(ident, []))
    j["pending_bui_owners"] = sorted(set(j["pending_bui_owners"]))
    # the log has gone round its end at least once (cycle 2 or more), and
    # whether its live part (tail to head) spans the end
    j["wraps"] = any(c > 1 for c in j["cycles"])
    j["spans_end"] = "tail" in j and j["head"] < j["tail"]
    j["cycles"] = sorted(j["cycles"])
    if r.returncode != 0:
        j["error"] = r.stderr.decode("utf-8", "replace")[-200:]
    return j


# fsimg journal --json's item types as xfs_logprint -t names them
LISTED = {"buf": "BUF", "inode": "INO", "icreate": "ICR", "dquot": "DQ", "quotaoff": "QOFF"}


def listing(fsimg, img):
    """fsimg journal --json: transactions and items by type (xfs_logprint's
    names), to compare with logprint(); None when it fails"""
    r = base.run([fsimg, "journal", "--json", img])
    j = {"transactions": 0, "items": {}}
    try:
        for line in r.stdout.decode("utf-8", "replace").splitlines():
            x = json.loads(line)
            if x.get("record") == "transaction":
                j["transactions"] += 1
                for it in x["items"]:
                    t = LISTED.get(it["type"], it["type"].upper())
                    j["items"][t] = j["items"].get(t, 0) + 1
    except ValueError:
        return None
    return j if r.returncode == 0 else None


def listing_diff(lp, mine):
    """'' when fsimg journal lists what xfs_logprint -t lists, else what differs"""
    if mine is None:
        return "fsimg journal failed"
    d = ["transactions %d, xfs_logprint %d" % (mine["transactions"], lp["transactions"])] \
        if mine["transactions"] != lp["transactions"] else []
    for t in sorted(set(mine["items"]) | set(lp["items"])):
        a, b = mine["items"].get(t, 0), lp["items"].get(t, 0)
        if a != b:
            d.append("%s %d, xfs_logprint %d" % (t, a, b))
    return "; ".join(d)


def repair_n(img):
    """xfs_repair -n: (exit status, does it speak of the log?)"""
    r = base.run(["xfs_repair", "-n", img])
    text = (r.stdout + r.stderr).decode("utf-8", "replace")
    if "Only one AG detected" in text:
        # a single AG has no secondary superblock to check its geometry against, and
        # xfs_repair stops there (exit 1) unless told to go on
        r = base.run(["xfs_repair", "-n", "-o", "force_geometry", img])
        text = (r.stdout + r.stderr).decode("utf-8", "replace")
    return {"exit": r.returncode, "log_lines": repair_log_lines(text)[:3], "found": repair_found(text)}


def repair_log_lines(text):
    """the lines of xfs_repair -n's output that speak of the log"""
    # "Phase 2 - using internal log" and "- zero log..." are said of every image;
    # "- 20:05:28: zeroing log - 16384 of 16384 blocks done" is a progress
    # report, timed (xfs_repair reports a phase that runs long: a big log on a
    # loaded machine), and said of the kernel's image as well
    log = [x.strip() for x in text.splitlines() if re.search(r"\blog\b", x, re.I)
           and not re.search(r"using (internal|external) log|zero log", x)
           and not re.match(r"\s*- \d+:\d\d:\d\d: .* done$", x)]
    return log


def repair_found(text):
    """what xfs_repair -n found: its lines, numbers as N, counted"""
    # what it found, without its progress and the host-geometry notes
    quiet = re.compile(r"^\s|^Phase|^No modify|^Cannot get host|^Repair may fail|^the image and"
                       r"|^\s*$|^\s*- ")
    found = {}
    for x in text.splitlines():
        if not quiet.search(x):
            k = re.sub(r"\d+", "N", x.strip())
            found[k] = found.get(k, 0) + 1
    return ["%s (x%d)" % kv if kv[1] > 1 else kv[0] for kv in list(found.items())[:4]]


def fsimg_says(fsimg, img):
    """what fsimg says it shows for img (its warnings: replayed or not, what is pending)"""
    r = base.run([fsimg, "info", img])
    return [x for x in r.stderr.decode("utf-8", "replace").splitlines() if x.strip()][:5]


def explained_by_bui(diffs, kernel, owners):
    """(unexplained, explained): a file whose inode a pending BUI maps into gets
    its mapping (and the bytes read through it) only when the kernel finishes
    the intent after log replay"""
    inos = set(owners)
    mine, bui = [], []
    for x in diffs:
        path = x.split(": ", 1)[0]
        k = kernel.get(path) or {}
        if k.get("inode") in inos and re.search(r": (extents|data differ|fsync'd)", x):
            bui.append(x)
        else:
            mine.append(x)
    return mine, bui


def compare_xfs(res, d, fsimg, kernel, synced, keep):
    """fills res (result.json) for an XFS row; returns (virtual diffs, replay diffs)"""
    img = os.path.join(d, "crashed.img")
    kimg = os.path.join(d, "kernel.img")
    before = sha256(img)
    res["log"] = logprint(img)
    res["fsimg_says"] = fsimg_says(fsimg, img)
    m = re.search(r"(\d+) transactions?, (\d+) items?", " ".join(res["fsimg_says"]))
    if m:  # what fsimg's in-memory replay applied (not a count of the listing)
        res["fsimg_log"] = {"transactions": int(m.group(1)), "items": int(m.group(2))}
    # the listing against xfs_logprint -t, type by type
    res["fsimg_list"] = listing(fsimg, img)
    res["list_differs"] = listing_diff(res["log"], res["fsimg_list"])
    diffs_v, by_bui = explained_by_bui(base.compare(kernel, base.fsimg_view(fsimg, img, synced), synced),
                                       kernel, res["log"]["pending_bui_owners"])
    g = with_qmask(geometry(kimg), res.get("meta", {}).get("mount_opts"), kimg)
    if g is not None and g.get("qmask"):
        res["qflags_masked"] = "0x%x (enforcement the mount options set)" % g["qmask"]
    out = os.path.join(d, "replayed.img")
    if os.path.exists(out):
        os.unlink(out)
    r = base.run([fsimg, "replay", "-v", "-f", "-o", out, img])
    msg = r.stderr.decode("utf-8", "replace").strip()
    replay = {"exit": r.returncode}
    # -v: the kernel paths the finish after the log took (fsimg-replay(1)), a refused one's too
    replay["finish_paths"] = {m.group(1): int(m.group(2)) for m in re.finditer(
        r"^finish path (\S+): (\d+)$", r.stdout.decode("utf-8", "replace"), re.M)}
    diffs_r = []
    if r.returncode != 0:
        replay["message"] = msg[-400:]
        if refused(msg):
            replay["refused"] = True
            replay["pending"] = pending_named(msg)
            # the second oracle: xfs_logprint's intents without done items
            intents = {k: v for k, v in replay["pending"].items() if k in INTENTS}
            replay["pending_as_logprint"] = intents == res["log"]["pending"]
        elif NO_XFS_REPLAY.search(msg):
            replay["unsupported"] = True
        else:
            diffs_r.append("fsimg replay -o failed (exit %d): %s" % (r.returncode, msg[-300:]))
        if os.path.exists(out) and os.path.getsize(out) and replay.get("refused"):
            diffs_r.append("replay -o refused but wrote %s" % out)
    elif g is None:
        diffs_r.append("kernel.img: no XFS superblock")
    else:
        # a clean log (a power cut before the first commit reached it): no OUT is made, the
        # image is its own recovery (fsimg-replay(1)), compared as it is
        out = base.replay_out(r, out, img)
        res["log_clean"] = out == img
        n, named = block_diffs(g, kimg, out)
        replay["blocks_differ"] = n
        why_not = shape_only(g, kimg, out) if n else "-"
        if why_not:
            diffs_r.extend("differs from the kernel's: " + x for x in named)
        else:  # the free space btrees' shape only: same free extents (xfs_db)
            replay["shape_differs"] = named[:5]
        rk, ro = repair_n(kimg), repair_n(out)
        replay["xfs_repair_n"] = {"kernel": rk, "replay": ro}
        if rk["exit"] != ro["exit"]:
            diffs_r.insert(0, "xfs_repair -n exit %d, on the kernel's %d: %s" % (
                ro["exit"], rk["exit"], "; ".join(ro["found"]) or "-"))
        if ro["log_lines"]:
            diffs_r.append("xfs_repair -n on replay -o speaks of the log: %s" % ro["log_lines"][0])
        # the checker on the crashed image sees the recovered filesystem (the overlay, by
        # default): clean where xfs_repair -n finds the kernel's result clean, and not where not
        fr = base.run([fsimg, "fsck", img])
        replay["fsck_overlay"] = fr.returncode
        if (fr.returncode == 0) != (rk["exit"] == 0):
            said = (fr.stdout + fr.stderr).decode("utf-8", "replace").strip().splitlines()
            diffs_r.append("fsimg fsck (the overlay) exits %d, xfs_repair -n on the kernel's result %d: %s" % (
                fr.returncode, rk["exit"], said[-1] if said else "-"))
    if g is not None:
        # informational: what the kernel's mount changed outside the log
        n, _ = block_diffs(g, kimg, img, limit=0)
        res["kernel_changed_blocks"] = n
    if out != img and os.path.exists(out) and not keep:
        os.unlink(out)
    after = sha256(img)
    res["crashed_unchanged"] = before == after
    if before != after:
        diffs_r.insert(0, "crashed.img changed (sha256 %s, was %s)" % (after[:16], before[:16]))
    res["virtual"] = {"agrees": not diffs_v, "diffs": diffs_v[:base.MAX_DIFFS], "ndiffs": len(diffs_v),
                      "pending_bui": by_bui[:base.MAX_DIFFS]}
    res["replay"] = dict(replay, agrees=not diffs_r and r.returncode == 0,
                         diffs=diffs_r[:base.MAX_DIFFS], ndiffs=len(diffs_r))
    # fsimg's last line, without its "fsimg: IMAGE: " prefix
    last = re.sub(r"^fsimg: [^:]*: ", "", msg.splitlines()[-1]) if msg else ""
    if diffs_r:
        res["result"] = "differs"
    elif replay.get("refused"):
        res["result"] = "refused"
        res["why"] = ", ".join("%s %d" % kv for kv in sorted(replay["pending"].items()))
        if not replay["pending_as_logprint"]:
            res["why"] += " (xfs_logprint -t: intents without done items %s)" % (
                ", ".join("%s %d" % kv for kv in sorted(res["log"]["pending"].items())) or "none")
    elif replay.get("unsupported"):
        res["result"] = "not-replayed"
        res["why"] = last
    else:
        res["result"] = "differs" if diffs_v else "agrees-equivalent" if replay.get("shape_differs") else "agrees"
    return diffs_v, diffs_r


# ---- fixtures (make check): the kernel's image kept as the hashes of the
# blocks its mount changed ----

def block_hash(g, blk, data):
    if blk == 0:
        data = masked_sb(data[:g["sectsize"]], g.get("qmask", 0)) + data[g["sectsize"]:]
    return hashlib.sha256(data).hexdigest()[:32]


def changed_blocks(g, base_img, other_img):
    """{block: hash} of the blocks of other_img outside the log that differ from
    base_img (the primary superblock's masked fields not counted)"""
    out = {}
    for b, x, y in differing_blocks(g, base_img, other_img):
        if block_hash(g, b, x) != block_hash(g, b, y):
            out[str(b)] = block_hash(g, b, y)
    return out


def fixture_part(d):
    """what a fixture keeps of an XFS run: the geometry, the log's listing, the
    blocks the kernel's recovery changed, xfs_repair -n on its image"""
    img, kimg = os.path.join(d, "crashed.img"), os.path.join(d, "kernel.img")
    with open(os.path.join(d, "meta.json")) as f:
        g = with_qmask(geometry(kimg), json.load(f).get("mount_opts"), kimg)
    if g is None:
        return {}
    return {"log": logprint(img), "geometry": g,
            "kernel_blocks": changed_blocks(g, img, kimg),
            "kernel_repair_n": repair_n(kimg)["exit"]}


def check_replay_fixture(fix, fsimg, img, out):
    """fsimg replay -o OUT of IMG against the fixture: the refusal it expects, or
    the kernel's changed blocks and nothing else; the differences"""
    before = sha256(img)
    if os.path.exists(out):
        os.unlink(out)
    r = base.run([fsimg, "replay", "-f", "-o", out, img])
    msg = r.stderr.decode("utf-8", "replace").strip()
    diffs = []
    if fix.get("expect") == "refuse":
        if r.returncode == 0:
            diffs.append("replay -o wrote a replay; the fixture expects a refusal naming %s" % fix.get("why"))
        elif not refused(msg):
            diffs.append("replay -o failed without naming intents or unlinked inodes: %s" % msg[-300:])
        elif os.path.exists(out) and os.path.getsize(out):
            diffs.append("replay -o refused but wrote %s" % out)
    elif r.returncode != 0:
        diffs.append("fsimg replay -o failed (exit %d): %s" % (r.returncode, msg[-300:]))
    else:
        g = fix["geometry"]
        mine, kern = changed_blocks(g, img, out), fix["kernel_blocks"]
        for b in sorted(set(mine) | set(kern), key=int):
            if b not in kern:
                diffs.append("block %s changed, the kernel left it" % b)
            elif b not in mine:
                diffs.append("block %s left as it was, the kernel changed it" % b)
            elif mine[b] != kern[b]:
                diffs.append("block %s differs from the kernel's" % b)
        rn = repair_n(out)
        if rn["exit"] != fix["kernel_repair_n"]:
            diffs.append("xfs_repair -n exit %d, on the kernel's %d" % (rn["exit"], fix["kernel_repair_n"]))
        if rn["log_lines"]:
            diffs.append("xfs_repair -n speaks of the log: %s" % rn["log_lines"][0])
    if os.path.exists(out):
        os.unlink(out)
    if sha256(img) != before:
        diffs.insert(0, "the crashed image changed")
    return diffs
