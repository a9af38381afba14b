#!/bin/sh
# Write a mkfs.xfs protofile (mkfs.xfs -p) for a source tree on stdout.
#
#   sh tests/lib/xfsproto.sh [--max-symlink N] DIR
#
# The protofile format cannot hold names or symlink targets with white
# space, hard links (each name becomes its own inode), the sticky bit or
# sockets: entries that need them are left out (a directory with its
# contents), and tests/cmd/xfs_read.sh builds its expectations from this
# file. Symlinks longer than --max-symlink bytes are left out too (mkfs.xfs
# 6.1 writes v5 remote symlinks without their block header; see NOTES.md).
set -eu
LC_ALL=C; export LC_ALL
max_symlink=1024
if [ "$1" = --max-symlink ]; then max_symlink=$2; shift 2; fi
[ $# -eq 1 ] || { echo "usage: xfsproto.sh [--max-symlink N] DIR" >&2; exit 16; }
root=$(cd "$1" && pwd)

printf '/dev/null\n0 0\nd--%s 0 0\n' "$(stat -c %a "$root" | sed 's/.*\(...\)$/\1/')"
# find lists a directory's descendants right after it: close directories as the depth falls
find "$root" -mindepth 1 -printf '%d\t%y\t%m\t%f\t%p\t%l\n' | awk -F '\t' -v max="$max_symlink" '
function close_to(d) { while (depth > d) { depth--; printf "%*s$\n", depth + 1, "" } }
function mode(t, m,   s) {
	m = sprintf("%04d", m)
	s = t (substr(m, 1, 1) ~ /[4567]/ ? "u" : "-") (substr(m, 1, 1) ~ /[2367]/ ? "g" : "-")
	return s substr(m, 2, 3)
}
BEGIN { depth = 0; skip = 0 }
{
	d = $1 + 0
	if (skip && d > skip) next
	skip = 0
	close_to(d - 1)
	if ($4 ~ /[ \t]/ || ($2 == "l" && ($6 ~ /[ \t]/ || length($6) > max))) { if ($2 == "d") skip = d; next }
	ind = sprintf("%*s", d, "")
	if ($2 == "d") { printf "%s%s %s 0 0\n", ind, $4, mode("d", $3); depth = d }
	else if ($2 == "f") printf "%s%s %s 0 0 %s\n", ind, $4, mode("-", $3), $5
	else if ($2 == "l") printf "%s%s %s 0 0 %s\n", ind, $4, mode("l", $3), $6
	else if ($2 == "p") printf "%s%s %s 0 0\n", ind, $4, mode("p", $3)
}
END { close_to(0); print "$" }'
