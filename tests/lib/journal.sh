# Helpers for the journal tests (tests/cmd/j_*.sh). POSIX sh; source after tap.sh.
# Images are made with mke2fs -d and journals written with debugfs
# (jo / jw -b BLOCKS FILE / jw -r BLOCKS / jc, jo -c for checksums, jw -c for
# an uncommitted transaction); the oracle is `e2fsck -y -E journal_only`.
: "${FSIMG:?run through make check}"

# A fixed clock for e2fsck, so its output is reproducible.
E2FSCK_TIME=1700000000
export E2FSCK_TIME

# The bytes fsimg replay -o may differ in from e2fsck's result, as cmp -l
# offsets (1-based) in the primary superblock (at byte 1024):
#   s_wtime           0x30..0x33  e2fsck stamps its clock (E2FSCK_TIME)
#   s_kbytes_written  0x178..0x17f e2fsck adds what it wrote
#   s_checksum        0x3fc..0x3ff follows from the two above
j_allowed_diff() { # OFFSET (1-based) -> status 0 when allowed
	_o=$(($1 - 1 - 1024))
	{ [ $_o -ge 48 ] && [ $_o -le 51 ]; } ||
	{ [ $_o -ge 376 ] && [ $_o -le 383 ]; } ||
	{ [ $_o -ge 1020 ] && [ $_o -le 1023 ]; }
}

# j_cmp_allowed A B: 0 when A and B differ only at allowed offsets.
j_cmp_allowed() {
	j_cmp_allowed_but "$1" "$2" 0 0
}

# j_cmp_allowed_but A B OFF LEN: j_cmp_allowed, also allowing bytes
# [OFF, OFF + LEN) (0-based) to differ.
j_cmp_allowed_but() {
	[ "$(wc -c <"$1")" -eq "$(wc -c <"$2")" ] || { echo "# sizes differ"; return 1; }
	_bad=0
	for _off in $(cmp -l "$1" "$2" | awk -v a="$3" -v n="$4" '$1 - 1 < a || $1 - 1 >= a + n {print $1}'); do
		if ! j_allowed_diff "$_off"; then
			echo "# unexpected difference at byte $_off"
			_bad=$((_bad + 1))
			[ $_bad -lt 10 ] || break
		fi
	done
	[ $_bad -eq 0 ]
}

# j_inode_off IMG INO: the byte offset of inode INO in IMG (debugfs imap).
j_inode_off() {
	set -- $(debugfs -R "imap <$2>" "$1" 2>/dev/null | sed -n 's/.*located at block \([0-9]*\), offset \(0x[0-9a-f]*\).*/\1 \2/p') \
		"$(dumpe2fs -h "$1" 2>/dev/null | awk '/^Block size/{print $3}')"
	echo $(($1 * $3 + $2))
}

# j_mkfs IMG SIZE [mke2fs options...]: a small tree with files to journal over.
j_mkfs() {
	_img=$1 _size=$2
	shift 2
	_tree=$(dirname "$_img")/tree
	if [ ! -d "$_tree" ]; then
		mkdir -p "$_tree/dir/sub"
		seq 1 20000 >"$_tree/big.txt"
		printf 'hello\n' >"$_tree/dir/small"
		seq 5 7 9000 >"$_tree/dir/sub/nums"
		ln -s dir/small "$_tree/link"
	fi
	mke2fs -q -F -o Linux -E lazy_itable_init=0 "$@" -d "$_tree" "$_img" "$_size" >/dev/null 2>&1
}

# j_pattern FILE BS N [escape]: N blocks of distinct bytes; with "escape"
# each block starts with the jbd2 magic c0 3b 39 98.
j_pattern() {
	python3 - "$@" <<'EOF'
import sys
path, bs, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
esc = len(sys.argv) > 4
with open(path, "wb") as f:
    for i in range(n):
        b = bytearray(((i * 7 + k) % 251 + 1) for k in range(bs))
        if esc:
            b[0:4] = bytes.fromhex("c03b3998")
        f.write(b)
EOF
}

# j_debugfs IMG "cmd1" "cmd2" ...: runs debugfs -w on IMG with these requests.
j_debugfs() {
	_img=$1
	shift
	_cmds=$_img.cmds
	: >"$_cmds"
	for _c in "$@"; do printf '%s\n' "$_c" >>"$_cmds"; done
	debugfs -w -f "$_cmds" "$_img" >/dev/null 2>"$_img.debugfs.err"
}

# j_blocks IMG FILE: the physical blocks of FILE, space-separated (debugfs blocks).
j_blocks() {
	debugfs -R "blocks $2" "$1" 2>/dev/null
}

# j_e2fsck SRC DST [ext journal copy]: DST = SRC replayed by e2fsck.
j_e2fsck() {
	cp --sparse=always "$1" "$2"
	if [ -n "$3" ]; then
		e2fsck -y -E journal_only -j "$3" "$2" >"$2.e2fsck.log" 2>&1
	else
		e2fsck -y -E journal_only "$2" >"$2.e2fsck.log" 2>&1
	fi
	_rc=$?
	[ $_rc -le 1 ] || { echo "# e2fsck exit $_rc"; sed 's/^/#   /' "$2.e2fsck.log"; return 1; }
}

# j_check NAME IMG [EXTJ]: the oracle battery for one image that needs recovery.
#  - fsimg replay -o equals e2fsck -E journal_only on a copy but for allowed bytes;
#  - ls -R -l, extents --all --json and cat of every file through the overlay
#    on IMG equal the same commands on e2fsck's copy;
#  - IMG (and EXTJ) are unchanged.
# 6 assertions.
j_check() {
	_n=$1 _img=$2 _ext=$3
	_jd=$(dirname "$_img")
	_sum=$(sha256sum "$_img" | cut -d' ' -f1)
	_jopt=
	_ecopy=
	if [ -n "$_ext" ]; then
		_esum=$(sha256sum "$_ext" | cut -d' ' -f1)
		_jopt="-j $_ext"
		_ecopy=$_jd/$_n.ext.e2fsck
		cp "$_ext" "$_ecopy"
	fi
	rm -f "$_jd/$_n.out"
	# shellcheck disable=SC2086
	ok_cmd "$_n: replay -o" "$FSIMG" replay $_jopt -o "$_jd/$_n.out" "$_img"
	j_e2fsck "$_img" "$_jd/$_n.e2fsck" "$_ecopy" >"$_jd/$_n.log"
	_st=$?
	[ $_st -eq 0 ] && { j_cmp_allowed "$_jd/$_n.out" "$_jd/$_n.e2fsck" >>"$_jd/$_n.log"; _st=$?; }
	ok $_st "$_n: replay -o equals e2fsck -E journal_only (but s_wtime, s_kbytes_written, s_checksum)"
	[ $_st -eq 0 ] || sed 's/^/#   /' "$_jd/$_n.log" | head -12
	# Through the overlay on the original vs. the raw e2fsck copy.
	# shellcheck disable=SC2086
	"$FSIMG" ls -R -l $_jopt "$_img" / >"$_jd/$_n.ls.a" 2>"$_jd/$_n.ls.err"
	"$FSIMG" ls -R -l "$_jd/$_n.e2fsck" / >"$_jd/$_n.ls.b" 2>/dev/null
	cmp -s "$_jd/$_n.ls.a" "$_jd/$_n.ls.b" && grep -q "journal replayed in memory" "$_jd/$_n.ls.err"
	ok $? "$_n: ls -R -l through the overlay equals e2fsck's copy (and says it replayed)"
	# shellcheck disable=SC2086
	"$FSIMG" extents --all --json $_jopt "$_img" >"$_jd/$_n.ex.a" 2>/dev/null
	"$FSIMG" extents --all --json "$_jd/$_n.e2fsck" >"$_jd/$_n.ex.b" 2>/dev/null
	cmp -s "$_jd/$_n.ex.a" "$_jd/$_n.ex.b"
	ok $? "$_n: extents --all --json through the overlay equals e2fsck's copy"
	_st=0
	for _f in $("$FSIMG" ls -R --json "$_jd/$_n.e2fsck" / 2>/dev/null |
		    python3 -c 'import sys,json
for l in sys.stdin:
    o=json.loads(l)
    if o["type"]=="file": print(o["path"])'); do
		# shellcheck disable=SC2086
		"$FSIMG" cat $_jopt "$_img" "$_f" >"$_jd/$_n.cat.a" 2>/dev/null
		"$FSIMG" cat "$_jd/$_n.e2fsck" "$_f" >"$_jd/$_n.cat.b" 2>/dev/null
		cmp -s "$_jd/$_n.cat.a" "$_jd/$_n.cat.b" || { echo "#   cat $_f differs"; _st=1; }
	done
	ok $_st "$_n: cat of every file through the overlay equals e2fsck's copy"
	_st=0
	[ "$(sha256sum "$_img" | cut -d' ' -f1)" = "$_sum" ] || _st=1
	[ -z "$_ext" ] || [ "$(sha256sum "$_ext" | cut -d' ' -f1)" = "$_esum" ] || _st=1
	ok $_st "$_n: the original image is unchanged"
}

# j_json_summary IMG [-j EXT]: "SEQ:committed:fsblock,fsblock:revoked,revoked" per transaction.
j_json_summary() {
	"$FSIMG" journal --json "$@" 2>/dev/null | python3 -c 'import sys,json
for l in sys.stdin:
    o=json.loads(l)
    if o["record"]!="transaction": continue
    print("%d:%s:%s:%s" % (o["sequence"], "c" if o["committed"] else "u",
        ",".join(str(b["fs_block"]) for b in o["blocks"]),
        ",".join(str(r) for r in o["revoked"])))'
}

# j_scenario NAME BS SIZE "mke2fs options" "jo options": the common story,
# four transactions written by debugfs over big.txt's blocks b0..b3:
#   1: b0, b1    2: revoke b0, log b2    3: b1 again (other bytes)
#   4: b3, never committed (jw -c)
# then `journal --json` is checked against it and j_check runs.
# 8 assertions.
j_scenario() {
	_sn=$1 _bs=$2 _sz=$3 _mk=$4 _jo=$5
	_sd=$(mktemp_dir)
	_si=$_sd/$_sn.img
	# shellcheck disable=SC2086
	j_mkfs "$_si" "$_sz" -b "$_bs" $_mk
	set -- $(j_blocks "$_si" /big.txt)
	_b0=$1 _b1=$2 _b2=$3 _b3=$4
	j_pattern "$_sd/p1" "$_bs" 2
	j_pattern "$_sd/p2" "$_bs" 3
	tail -c "$_bs" "$_sd/p2" >"$_sd/p3"
	j_debugfs "$_si" "jo $_jo" "jw -b $_b0,$_b1 $_sd/p1" "jc" \
		"jo" "jw -b $_b2 -r $_b0 $_sd/p2" "jc" \
		"jo" "jw -b $_b1 $_sd/p3" "jc" \
		"jo" "jw -b $_b3 -c $_sd/p1" "jc"
	_got=$(j_json_summary "$_si" | tr '\n' ' ')
	_want="1:c:$_b0,$_b1: 2:c:$_b2:$_b0 3:c:$_b1: 4:u:$_b3: "
	[ "$_got" = "$_want" ]
	ok $? "$_sn: journal --json lists the transactions debugfs wrote"
	[ "$_got" = "$_want" ] || { diag "want: $_want"; diag "got:  $_got"; }
	j_check "$_sn" "$_si"
	"$FSIMG" cat "$_sd/$_sn.e2fsck" /big.txt >"$_sd/big.replayed" 2>/dev/null
	! "$FSIMG" cat --no-replay "$_si" /big.txt 2>/dev/null | cmp -s - "$_sd/big.replayed"
	ok $? "$_sn: --no-replay shows the on-disk state (it differs from the replayed one)"
	rm -rf "$_sd"
}

# j_two_transactions IMG: an 8 MiB ext4 image (1 KiB blocks) needing
# recovery: a checksummed transaction over 8 blocks of /big.txt, then one
# over 4 more that revokes one of the first (the in-place replay and undo
# tests). Pattern file in IMG.p.
j_two_transactions() {
	j_mkfs "$1" 8M -t ext4 -b 1024
	set -- "$1" $(j_blocks "$1" /big.txt)
	j_pattern "$1.p" 1024 12
	j_debugfs "$1" "jo -c" "jw -b $2-$9 $1.p" "jc" "jo" "jw -b ${10}-${13} -r $3 $1.p" "jc"
}

# j_fc_two IMG: a 16 MiB ext4 image (1 KiB blocks, fast_commit) whose
# transactions 1 and 2 are committed over 3 blocks of /big.txt, the
# fast-commit feature on with a 16-block area; prints the area's first
# journal block (fast commits written there must carry tid 3). Pattern
# file in IMG.p.
j_fc_two() {
	j_mkfs "$1" 16M -t ext4 -O fast_commit -b 1024
	set -- "$1" $(j_blocks "$1" /big.txt)
	j_pattern "$1.p" 1024 3
	j_debugfs "$1" "jo" "jw -b $2,$3 $1.p" "jc" "jo" "jw -b $4 $1.p" "jc"
	j_fc_enable "$1" 16
	echo $(( $(dumpe2fs -h "$1" 2>/dev/null | awk '/Total journal blocks/{print $4}') - 15 ))
}

# j_fc_enable IMG NBLOCKS: turns on the jbd2 fast-commit feature in IMG's
# journal superblock (the kernel does so at mount; mke2fs -O fast_commit
# leaves it off) with an area of NBLOCKS (s_num_fc_blks), checksum redone.
# j_fc_write IMG JBLK "TAG:VALUE ..." writes fast-commit tags into journal
# block JBLK: HEAD:TID, TAIL:TID (crc32c from seed 0 over the tags since the
# last TAIL; its value runs to the block's end, so it comes last), TAILBAD:TID
# (a wrong crc), PAD:LEN, RANGE (an add_range: inode 12, block 0 at 5000),
# LINK (inode 12 as /ln), LINKTO:DIR,INO,NAME (inode INO as NAME in directory
# DIR), RANGETO:INO,LBLK,LEN,PBLK (an add_range), RANGE7 (an add_range for
# inode 7, a reserved inode).
# Layout from the kernel's fs/ext4/fast_commit.h; the crc is computed here.
j_fc_enable() {
	_j_fc_py enable "$1" "$(debugfs -R "bmap <8> 0" "$1" 2>/dev/null)" "$2"
}

j_fc_write() {
	_j_fc_py write "$1" "$(debugfs -R "bmap <8> $2" "$1" 2>/dev/null)" "$3"
}

# j_jsb_set IMG PBLK OFFSET VALUE: the big-endian u32 at OFFSET of the
# journal superblock in block PBLK of IMG set to VALUE, checksum redone.
j_jsb_set() {
	_j_fc_py set "$1" "$2" "$3 $4"
}

# _j_fc_py enable|set|write IMG PBLK ARG: the three above, on block PBLK of IMG.
_j_fc_py() {
	python3 - "$@" <<'PYEOF'
import os, struct, sys
mode, path, pblk, arg = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
sys.path.insert(0, os.environ["top_srcdir"] + "/tests/lib")
from crc32c import crc32c
with open(path, "r+b") as f:
    f.seek(1024)
    bs = 1024 << struct.unpack("<I", f.read(32)[24:28])[0]
    f.seek(pblk * bs)
    if mode in ("enable", "set"):
        sb = bytearray(f.read(1024))
        if mode == "set":
            o, v = (int(x, 0) for x in arg.split())
            sb[o:o + 4] = struct.pack(">I", v)
        else:
            sb[0x28:0x2c] = struct.pack(">I", struct.unpack(">I", sb[0x28:0x2c])[0] | 0x20)
            sb[0x54:0x58] = struct.pack(">I", int(arg))
        if struct.unpack(">I", sb[0x28:0x2c])[0] & 0x18:
            sb[0xfc:0x100] = b"\0" * 4
            sb[0xfc:0x100] = struct.pack(">I", crc32c(0xffffffff, bytes(sb)))
        f.seek(pblk * bs)
        f.write(sb)
        raise SystemExit(0)
    blk = bytearray(bs)
    off, crc = 0, 0
    for item in arg.split():
        name, _, val = item.partition(":")
        if name == "HEAD":
            t = struct.pack("<HHII", 9, 8, 0, int(val))
        elif name == "PAD":
            t = struct.pack("<HH", 7, int(val)) + bytes(int(val))
        elif name == "LINK":
            t = struct.pack("<HHII", 4, 10, 2, 12) + b"ln"
        elif name == "LINKTO":
            pdir, ino, nm = val.split(",", 2)
            t = struct.pack("<HHII", 4, 8 + len(nm), int(pdir), int(ino)) + nm.encode()
        elif name == "RANGETO":
            ino, lblk, ln, pb = (int(x) for x in val.split(","))
            t = struct.pack("<HHI", 1, 16, ino) + struct.pack("<IHHI", lblk, ln, pb >> 32, pb & 0xffffffff)
        elif name == "RANGE7":
            t = struct.pack("<HHI", 1, 16, 7) + struct.pack("<IHHI", 0, 1, 0, 5001)
        elif name == "RANGE":
            t = struct.pack("<HHI", 1, 16, 12) + struct.pack("<IHHI", 0, 1, 0, 5000)
        elif name in ("TAIL", "TAILBAD"):
            # as the kernel writes it: the TAIL's value runs to the block's end
            hdr = struct.pack("<HHI", 8, bs - off - 4, int(val))
            t = hdr + struct.pack("<I", crc32c(crc, hdr) ^ (1 if name == "TAILBAD" else 0))
        else:
            raise SystemExit("unknown " + name)
        crc = 0 if name in ("TAIL", "TAILBAD") else crc32c(crc, t)
        blk[off:off + len(t)] = t
        off = bs if name in ("TAIL", "TAILBAD") else off + len(t)
    f.write(blk)
PYEOF
}
