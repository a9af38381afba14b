# Minimal TAP helpers for the command tests (POSIX sh).
# Each test script: . "$top_srcdir/tests/lib/tap.sh"; plan N (or no_plan); ok/ok_cmd...; done_testing
: "${top_srcdir:?run through make check}"
: "${TESTS_TMPDIR:=${TMPDIR:-/tmp}/fsimg-tests}"
_tap_n=0
_tap_fail=0
_tap_planned=
plan() { _tap_planned=$1; echo "1..$1"; }
no_plan() { :; }
diag() { printf '# %s\n' "$*"; }
ok() { # ok COND_STATUS "description"
	_tap_n=$((_tap_n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $_tap_n - $2"; else echo "not ok $_tap_n - $2"; _tap_fail=$((_tap_fail + 1)); fi
}
ok_cmd() { # ok_cmd "description" command args...
	_d=$1; shift
	_out=$("$@" 2>&1); _st=$?
	ok $_st "$_d"
	[ $_st -eq 0 ] || printf '%s\n' "$_out" | head -20 | sed 's/^/#   /'
	return $_st
}
# need TOOL...: skip the whole script unless every tool is installed;
# e2fsprogs' tools live in /sbin, off a user's PATH on some systems.
need() {
	case ":$PATH:" in *:/usr/sbin:*) ;; *) PATH=$PATH:/sbin:/usr/sbin; export PATH ;; esac
	for _need in "$@"; do
		command -v "$_need" >/dev/null 2>&1 || skip_all "$_need not installed"
	done
}
skip_all() { echo "1..0 # SKIP $*"; exit 0; }
skip() { _tap_n=$((_tap_n + 1)); echo "ok $_tap_n # SKIP $*"; }
done_testing() {
	[ -n "$_tap_planned" ] || echo "1..$_tap_n"
	[ $_tap_fail -eq 0 ]
}
mktemp_dir() {
	mkdir -p "$TESTS_TMPDIR" && mktemp -d "$TESTS_TMPDIR/t.XXXXXX"
}
