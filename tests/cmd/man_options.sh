#!/bin/sh
# Each command's man page and its --help list the same options: every
# option --help prints (its table, as "fsimg CMD --complete-options" gives
# it) has an .It entry in man/fsimg-CMD.1 with the same argument name, and
# every option an .It entry or the SYNOPSIS names is one the command
# accepts, and --help's exit status line names the codes of its EXIT STATUS
# section (128 + a signal number aside). Every command of "fsimg --help"
# has its page.
. "$top_srcdir/tests/lib/tap.sh"
tmp=$(mktemp_dir) || exit 1
trap 'rm -rf "$tmp"' EXIT

"$FSIMG" --help | awk '/^Commands:/ { on = 1; next } on && !NF { exit } on { print $1 }' > "$tmp/cmds"
[ -s "$tmp/cmds" ] || { echo "Bail out! no commands in fsimg --help"; exit 1; }
plan $((3 * $(wc -l < "$tmp/cmds")))

# mdoc_opts PAGE SECTION: "OPTION ARG" a line for every option of PAGE's
# ".It Fl ..." lines (SECTION "it"; ARG lowercase, "-" for none) or of its
# SYNOPSIS (SECTION "synopsis"; ARG "-").
mdoc_opts() {
	awk -v want="$2" '
		/^\.Sh / { sect = $2 }
		want == "it" && /^\.It Fl / {
			n = 0; arg = "-"
			for (i = 2; i <= NF; i++) {
				if ($i == "Fl" && i < NF) opt[++n] = "-" $(i + 1)
				else if ($i == "Ar" && i < NF) arg = tolower($(i + 1))
			}
			for (k = 1; k <= n; k++) print opt[k], arg
		}
		want == "synopsis" && sect == "SYNOPSIS" {
			for (i = 1; i < NF; i++) {
				if ($i != "Fl") continue
				f = $(i + 1); sub(/[,|]$/, "", f)
				if (f ~ /^-/ || length(f) == 1) print "-" f, "-"
				else for (k = 1; k <= length(f); k++) print "-" substr(f, k, 1), "-"   # Fl nfvq
			}
		}' "$1" | sed 's/[,|]$//' | LC_ALL=C sort -u
}

while read -r cmd; do
	page=$top_srcdir/man/fsimg-$cmd.1
	if [ ! -r "$page" ]; then
		ok 1 "$cmd: man/fsimg-$cmd.1 exists"
		ok 1 "$cmd: its SYNOPSIS names only options it accepts"
		ok 1 "$cmd: --help and its EXIT STATUS name the same exit codes"
		continue
	fi
	"$FSIMG" "$cmd" --complete-options | awk -F'\t' '/^-/ { print $1, ($2 == "" ? "-" : tolower($2)) }' |
		LC_ALL=C sort -u > "$tmp/help"
	mdoc_opts "$page" it > "$tmp/man"
	cmp -s "$tmp/help" "$tmp/man"
	ok $? "$cmd: --help and fsimg-$cmd(1) list the same options, with the same argument names"
	diff "$tmp/help" "$tmp/man" | sed -n 's/^</#   only in --help:/p; s/^>/#   only in the man page:/p'
	cut -d' ' -f1 "$tmp/help" > "$tmp/accepted"
	mdoc_opts "$page" synopsis | cut -d' ' -f1 | grep -vxF -f "$tmp/accepted" > "$tmp/stale"
	[ ! -s "$tmp/stale" ]
	ok $? "$cmd: the SYNOPSIS of fsimg-$cmd(1) names only options it accepts"
	sed 's/^/#   not accepted: /' "$tmp/stale"
	codes='\b(0|1|2|4|8|16|32)\b'
	h=$("$FSIMG" "$cmd" --help | sed -n '/^Exit status/,$p' | grep -oE "$codes" | sort -un | tr '\n' ' ')
	m=$(awk '/^\.Sh EXIT STATUS/ { on = 1; next } /^\.Sh/ { on = 0 } on' "$page" | sed 's/128 plus//' |
		grep -oE "$codes" | sort -un | tr '\n' ' ')
	[ -n "$h" ] && [ "$h" = "$m" ]
	ok $? "$cmd: --help and fsimg-$cmd(1)'s EXIT STATUS name the same exit codes ($h)"
	[ "$h" = "$m" ] || echo "#   --help: $h; the man page: $m"
done < "$tmp/cmds"
done_testing
