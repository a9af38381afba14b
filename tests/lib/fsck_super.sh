# Helpers for the fsck tests of passes 1, 6 and 7 (tests/cmd/fsck_super_*.sh,
# fsck_cli.sh). POSIX sh; source after tap.sh. Images come from mktree.sh +
# mkimg.sh; corruptions from debugfs -w; the oracle is e2fsck -fn.
: "${FSIMG:?run through make check}"
LC_ALL=C; export LC_ALL
E2FSCK_TIME=1700000000; export E2FSCK_TIME

fs_need() { # fs_need TOOL...: skip the whole test without them
	need "$@"
	[ -x "$FSIMG" ] || { echo "Bail out! $FSIMG not built"; exit 99; }
}

# fs_tmp: sets $tmp, removed at exit (FSIMG_TEST_KEEP=1 keeps it)
fs_tmp() {
	tmp=$(mktemp_dir) || exit 99
	[ -n "${FSIMG_TEST_KEEP:-}" ] || trap 'rm -rf "$tmp"' EXIT
	trap 'exit 1' INT TERM
}

# fs_img VARIANT OUT: a clean image of VARIANT from the standard tree
fs_img() {
	[ -d "$tmp/tree" ] || sh "$top_srcdir/tests/lib/mktree.sh" "$tmp/tree" >/dev/null 2>&1 ||
		{ echo "Bail out! mktree.sh failed"; exit 99; }
	sh "$top_srcdir/tests/lib/mkimg.sh" "$1" "$tmp/tree" "$2" >/dev/null 2>&1 ||
		{ echo "Bail out! mkimg.sh $1 failed"; exit 99; }
}

# fs_dbg IMG CMD...: debugfs -w with one command per argument
fs_dbg() {
	_img=$1; shift
	for _c in "$@"; do printf '%s\n' "$_c"; done | debugfs -w -f - "$_img" >/dev/null 2>&1
}

# fs_e2fsck IMG: prints "error" when e2fsck -fn finds one (exit != 0), else "clean"
fs_e2fsck() {
	e2fsck -fn "$1" >"$1.e2fsck" 2>&1
	case $? in 0) echo clean ;; *) echo error ;; esac
}

# fs_fsimg IMG [OPTS]: runs fsimg fsck, output in IMG.out; prints "error" for exit 4,
# "clean" for 0, "exitN" otherwise
fs_fsimg() {
	_img=$1; shift
	"$FSIMG" fsck "$@" "$_img" >"$_img.out" 2>"$_img.err"
	_rc=$?
	case $_rc in 0) echo clean ;; 4) echo error ;; *) echo "exit$_rc" ;; esac
}

# fs_has IMG ID: the last fsimg fsck output of IMG names problem ID
fs_has() {
	grep -Eq "^((warning|info): )?$2: " "$1.out"
}

. "$top_srcdir/fuzz/verdict.sh"
# fs_e2fsck_fy IMG: prints "error" when e2fsck -fy repairs a copy of IMG, else
# "clean". Repairs are judged as the corpus' `corrupt` rule does
# (fuzz/verdict.sh fy_judge): exit bit 4 or 8, or anything printed but
# boilerplate and the benign list (its exit status is reset when it restarts
# after fixing group descriptors; "could be shorter. Optimize?" is benign).
fs_e2fsck_fy() {
	cp "$1" "$1.fy" && e2fsck -fy "$1.fy" >"$1.e2fsck" 2>&1
	_rc=$(fy_judge $? "$1.e2fsck")
	rm -f "$1.fy"
	[ "$_rc" = 0 ] && { echo clean; return; }
	echo error
}

# fs_corrupt NAME ID IMG: one TAP line: fsimg reports ID and agrees with e2fsck -fn
fs_corrupt() { fs_corrupt_by fs_e2fsck "e2fsck -fn" "$@"; }
# fs_corrupt_fy NAME ID IMG: the same against e2fsck -fy on a copy, for the
# findings e2fsck -n prints, answers "no" to and still exits 0 for (group
# descriptor checksums, quota inodes) or never sees (journal recovery, which
# -n skips): whether -fy repairs something says whether e2fsck found an error.
fs_corrupt_fy() { fs_corrupt_by fs_e2fsck_fy "e2fsck -fy" "$@"; }

fs_corrupt_by() { # ORACLE_FN ORACLE_NAME NAME ID IMG
	_e=$($1 "$5")
	_f=$(fs_fsimg "$5")
	_st=0
	fs_has "$5" "$4" || _st=1
	[ "$_e" = "$_f" ] || _st=1
	ok $_st "$3: $4 reported; $2 $_e, fsimg $_f"
	set -- "$3" "$4" "$5"
	if [ $_st -ne 0 ]; then
		sed 's/^/#   fsimg: /' "$3.out" | head -15
		grep -v '^Pass\|^e2fsck\|^$' "$3.e2fsck" | sed 's/^/#   e2fsck: /' | head -15
	fi
}

# fs_problems_man: the problem list of fsimg-fsck(1), from fsimg fsck --list-problems
fs_problems_man() {
	"$FSIMG" fsck --list-problems -v | awk -f "$top_srcdir/man/problems.awk"
}

# fs_small_src: $src, a small tree (/a, /b of 3000 lines, /d/c) for mke2fs -d;
# sets E2FSPROGS_FAKE_TIME to E2FSCK_TIME, so that the times mke2fs and
# debugfs write are no later than e2fsck's (else it asks to fix them).
# fs_mk8 NAME MKE2FS-OPTS...: $tmp/NAME.img, 8 MiB at 1 KiB blocks, from
# $src (fs_small_src)
fs_mk8() {
	_n=$1; shift
	mke2fs -q -F -b 1024 "$@" -d "$src" "$tmp/$_n.img" 8M >/dev/null 2>&1 ||
		{ echo "Bail out! mke2fs $* failed"; exit 99; }
}

# fs_poke IMG BYTE_OFFSET OCTAL: one byte
fs_poke() { printf "\\$3" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none; }

fs_small_src() {
	E2FSPROGS_FAKE_TIME=$E2FSCK_TIME; export E2FSPROGS_FAKE_TIME
	src=$tmp/src
	mkdir -p "$src/d"
	printf 'one\n' > "$src/a"
	awk 'BEGIN { for (i = 0; i < 3000; i++) print "line", i }' > "$src/b"
	awk 'BEGIN { for (i = 0; i < 500; i++) print "c", i }' > "$src/d/c"
}
