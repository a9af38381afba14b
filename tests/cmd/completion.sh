#!/bin/sh
# The bash completion (completion/fsimg), driven in bash through COMP_WORDS
# and COMP_CWORD: subcommands and options agree with --help (the same
# table), image paths come from the file system, and names inside the image
# agree with debugfs ls -p on an image made by mke2fs -d, which stays unchanged.
. "$top_srcdir/tests/lib/tap.sh"
need bash mke2fs debugfs sha256sum
plan 9
tmp=$(mktemp_dir) || exit 1
trap 'rm -rf "$tmp"' EXIT

mkdir -p "$tmp/src/dir one" "$tmp/src/data" "$tmp/src/dev/sub"
for f in d1 dx "d space" e1 "data/a" "data/b" "dev/sub/z"; do echo "$f" > "$tmp/src/$f"; done
mke2fs -q -t ext4 -d "$tmp/src" "$tmp/c.img" 4M >/dev/null 2>&1 || { echo "Bail out! mke2fs"; exit 1; }
sum=$(sha256sum < "$tmp/c.img")

# complete WORD... : COMPREPLY of the last word, sorted, one a line
cat > "$tmp/drive.bash" <<'EOS'
. "$top_srcdir/completion/fsimg"
compopt() { :; }   # only valid inside a real completion
COMP_WORDS=("$FSIMG" "$@")
COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
COMPREPLY=()
_fsimg
[ ${#COMPREPLY[@]} -eq 0 ] || printf '%s\n' "${COMPREPLY[@]}" | LC_ALL=C sort
EOS
complete() { (cd "$tmp" && bash "$tmp/drive.bash" "$@"); }

# debugfs ls -p: /ino/mode/uid/gid/name/size/ ; dirs (mode 040...) get a slash
names() { # names DIR PREFIX: the oracle's completions of PREFIX in DIR
	debugfs -R "ls -p $1" "$tmp/c.img" 2>/dev/null |
		awk -F/ -v d="$1" -v p="$2" 'NF >= 7 && $6 != "." && $6 != ".." && index($6, p) == 1 {
			print (d == "/" ? "" : d) "/" $6 (substr($3, 1, 3) == "040" ? "/" : "") }' |
		sed 's/ /\\ /g' | LC_ALL=C sort
}

"$FSIMG" --help | awk '/^Commands:/ { on = 1; next } on && !NF { exit } on { print $1 }' | LC_ALL=C sort > "$tmp/cmds.want"
complete "" > "$tmp/cmds.got"
cmp -s "$tmp/cmds.want" "$tmp/cmds.got"; ok $? "fsimg <TAB>: the commands of fsimg --help"

bad=
for c in $(cat "$tmp/cmds.want"); do
	"$FSIMG" "$c" --help | sed -n '/^Options:/,/^$/p' | grep -oE '(^|[ ,])--?[A-Za-z0-9][A-Za-z0-9-]*' |
		tr -d ' ,' | LC_ALL=C sort -u > "$tmp/o.want"
	complete "$c" - > "$tmp/o.got"
	cmp -s "$tmp/o.want" "$tmp/o.got" || { bad="$bad $c"; diff "$tmp/o.want" "$tmp/o.got" | sed 's/^/#   /'; }
done
[ -z "$bad" ]; ok $? "fsimg CMD -<TAB>: the options of fsimg CMD --help, for every command${bad:+ (differ:$bad)}"

names / d > "$tmp/want"
complete cat c.img /d > "$tmp/got"
[ -s "$tmp/want" ] && cmp -s "$tmp/want" "$tmp/got"; ok $? "fsimg cat IMG /d<TAB>: the root's entries starting with d (debugfs ls -p)"
[ "$(wc -l < "$tmp/got")" -eq 6 ]; ok $? "  d1, dx, d space, data/, dev/, dir one/ ($(tr '\n' ' ' < "$tmp/got"))"

names /dev/sub "" > "$tmp/want"
complete ls -l c.img /dev/sub/ > "$tmp/got"
cmp -s "$tmp/want" "$tmp/got" && [ "$(cat "$tmp/got")" = /dev/sub/z ]
ok $? "fsimg ls -l IMG /dev/sub/<TAB>: the entries of a subdirectory"

names /data "" > "$tmp/want"
complete extents -v --json c.img /d1 /data/ > "$tmp/got"
cmp -s "$tmp/want" "$tmp/got"; ok $? "fsimg extents IMG FILE FILE<TAB>: every FILE completes inside the image"

complete ls c.i > "$tmp/got"
[ "$(cat "$tmp/got")" = c.img ]; ok $? "fsimg ls c.i<TAB>: IMAGE from the file system"

complete replay -o c. > "$tmp/a"; complete fsck -C "" > "$tmp/b"
[ "$(cat "$tmp/a")" = c.img ] && [ ! -s "$tmp/b" ]
ok $? "an option's argument: files for -o OUT, nothing for -C FD"

[ "$(sha256sum < "$tmp/c.img")" = "$sum" ]; ok $? "the image is unchanged"
done_testing
