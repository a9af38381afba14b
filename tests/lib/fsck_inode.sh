# Helpers for the fsck tests of the inode passes (2, 3, 4 and the data state).
# Source after tap.sh. Each case copies a generated image, corrupts it with
# debugfs -w, and checks three things: the expected problem ids appear,
# e2fsck -fn finds an error exactly when fsimg fsck exits 4, and fsimg
# does not crash.
#
#   fi_init                      tree (mktree.sh --no-far) in $FI_DIR
#   fi_image VARIANT             $FI_DIR/VARIANT.img, built once
#   fi_case VARIANT NAME CMDS ID...
#        CMDS: debugfs commands separated by ';'. IDs: problem ids that
#        must appear (none: only the agreement is checked). FI_OPTS: more
#        fsck options (e.g. --scan-data). After the call $FI_OUT holds the
#        fsimg output and $FI_IMG the corrupted image.
FSIMG=${FSIMG:-$top_builddir/src/fsimg}
E2FSPROGS_FAKE_TIME=1700000000; export E2FSPROGS_FAKE_TIME
E2FSCK_TIME=1700000000; export E2FSCK_TIME

fi_init() {
	command -v mke2fs >/dev/null 2>&1 && command -v debugfs >/dev/null 2>&1 &&
		command -v e2fsck >/dev/null 2>&1 || skip_all "e2fsprogs not found"
	FI_DIR=$(mktemp_dir) || exit 99
	trap 'rm -rf "$FI_DIR"' EXIT
	sh "$top_srcdir/tests/lib/mktree.sh" --no-far "$FI_DIR/tree" || exit 99
}

fi_image() {
	[ -f "$FI_DIR/$1.img" ] ||
		sh "$top_srcdir/tests/lib/mkimg.sh" "$1" "$FI_DIR/tree" "$FI_DIR/$1.img" >/dev/null ||
		exit 99
}

# The ids of problems_inode.def that are errors or warnings.
fi_bad_ids() {
	awk '/^PROBLEM\(/ && /FSIMG_SEV_(ERROR|WARNING)/ { sub(/^PROBLEM\(/, ""); sub(/,.*/, ""); print }' \
		"$top_srcdir/libfsimg/check/problems_inode.def"
}

# fi_has_id OUTPUT ID: does a problem line name ID?
fi_has_id() {
	printf '%s\n' "$1" | grep -Eq "(^|: )$2:"
}

fi_case() {
	_v=$1 _name=$2 _cmds=$3
	shift 3
	fi_image "$_v"
	FI_IMG=$FI_DIR/case.img
	cp "$FI_DIR/$_v.img" "$FI_IMG"
	printf '%s\n' "$_cmds" | tr ';' '\n' > "$FI_DIR/case.cmds"
	debugfs -w -f "$FI_DIR/case.cmds" "$FI_IMG" >/dev/null 2>&1
	e2fsck -fn "$FI_IMG" >"$FI_DIR/e2fsck.out" 2>&1
	_e2=$?
	# shellcheck disable=SC2086
	FI_OUT=$("$FSIMG" fsck ${FI_OPTS:-} "$FI_IMG" 2>&1)
	_rc=$?
	for _id in "$@"; do
		fi_has_id "$FI_OUT" "$_id"
		ok $? "$_v $_name: reports $_id"
	done
	if [ $_e2 -ge 4 ]; then _want=4; else _want=0; fi
	[ $_rc -eq $_want ]
	ok $? "$_v $_name: fsimg exits $_rc, e2fsck -fn $_e2 (agree)" ||
		{ printf '%s\n' "$FI_OUT" | head -12 | sed 's/^/#   /'; head -12 "$FI_DIR/e2fsck.out" | sed 's/^/#   e2fsck: /'; }
}

# fi_clean VARIANT: the inode passes give no error or warning, and fsimg exits as e2fsck.
fi_clean() {
	fi_image "$1"
	FI_OUT=$("$FSIMG" fsck ${FI_OPTS:-} "$FI_DIR/$1.img" 2>&1)
	_rc=$?
	_bad=
	for _id in $(fi_bad_ids); do
		! fi_has_id "$FI_OUT" "$_id" || _bad="$_bad $_id"
	done
	[ -z "$_bad" ]
	ok $? "$1 clean: no inode-pass errors or warnings${_bad:+ (got$_bad)}"
	e2fsck -fn "$FI_DIR/$1.img" >/dev/null 2>&1
	_e2=$?
	[ $_e2 -eq 0 ] && [ $_rc -eq 0 ]
	ok $? "$1 clean: fsimg exits $_rc, e2fsck -fn $_e2"
}
