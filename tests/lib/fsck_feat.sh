# Helpers for the fsck tests of feature-specific inode rules (verity,
# ea_inode). Source after tap.sh. Each image is made by mke2fs and changed by
# debugfs -w; e2fsck -fn is the verdict oracle unless a test says otherwise.
#
#   ff_init                         $FF_DIR, e2fsprogs required
#   ff_mkfs IMG FEATURES            a 4 KiB-block ext4 image of 8 MiB
#   ff_debugfs IMG CMDS             debugfs -w commands separated by ';'
#   ff_case NAME IMG ID...          IDs must be reported (none: clean), and
#                                   fsimg exits 4 exactly when e2fsck -fn does
FSIMG=${FSIMG:-$top_builddir/src/fsimg}
E2FSPROGS_FAKE_TIME=1700000000; export E2FSPROGS_FAKE_TIME
E2FSCK_TIME=1700000000; export E2FSCK_TIME

ff_init() {
	need mke2fs debugfs e2fsck
	FF_DIR=$(mktemp_dir) || exit 99
	trap 'rm -rf "$FF_DIR"' EXIT
}

ff_mkfs() {
	rm -f "$1"
	mke2fs -q -F -t ext4 -b 4096 -O "$2" -U 6b33f2d6-1c4e-4a8c-9d4e-1f0e2d3c4b5a \
		-E hash_seed=0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0 "$1" 8M >/dev/null 2>&1 || exit 99
}

ff_debugfs() {
	printf '%s\n' "$2" | tr ';' '\n' > "$FF_DIR/cmds"
	debugfs -w -f "$FF_DIR/cmds" "$1" >/dev/null 2>&1
}

# ff_has_id OUTPUT ID: does a problem line name ID?
ff_has_id() {
	printf '%s\n' "$1" | grep -Eq "(^|: )$2:"
}

# ff_ids ID...: each ID is named in $FF_OUT (case $_name)
ff_ids() {
	for _id in "$@"; do
		ff_has_id "$FF_OUT" "$_id"
		ok $? "$_name: reports $_id" || printf '%s\n' "$FF_OUT" | head -8 | sed 's/^/#   /'
	done
}

ff_case() {
	_name=$1 _img=$2
	shift 2
	e2fsck -fn "$_img" >"$FF_DIR/e2fsck.out" 2>&1
	_e2=$?
	FF_OUT=$("$FSIMG" fsck "$_img" 2>&1)
	_rc=$?
	ff_ids "$@"
	if [ $_e2 -ge 4 ]; then _want=4; else _want=0; fi
	[ $_rc -eq $_want ]
	ok $? "$_name: fsimg exits $_rc, e2fsck -fn $_e2 (agree)" ||
		{ printf '%s\n' "$FF_OUT" | head -12 | sed 's/^/#   /'; head -12 "$FF_DIR/e2fsck.out" | sed 's/^/#   e2fsck: /'; }
}

# ff_newer NAME IMG WHY ID...: a rule of e2fsprogs newer than the installed
# e2fsck (WHY names the upstream commit): the IDs are reported and fsimg
# exits 4, as upstream's recorded runs (the project's truth) call such images
# corrupt; the installed e2fsck's verdict is shown, not compared.
ff_newer() {
	_name=$1 _img=$2 _why=$3
	shift 3
	e2fsck -fn "$_img" >/dev/null 2>&1
	diag "$_name: the installed e2fsck -fn exits $? ($_why)"
	FF_OUT=$("$FSIMG" fsck "$_img" 2>&1)
	_rc=$?
	ff_ids "$@"
	[ $_rc -eq 4 ]
	ok $? "$_name: fsimg exits $_rc (4: corrupt)"
}
