#!/bin/sh
# The I/O core knows no filesystem (DESIGN.md): no file under libfsimg/core/
# includes a backend's header (ext4/, jbd2/, xfs/, xlog/). A file on the
# allow-list (empty now) would be one that still did; the list only
# shrinks: a file on it that no longer needs it fails the test too.
. "$top_srcdir/tests/lib/tap.sh"
allow=""
core="$top_srcdir/libfsimg/core"
pattern='^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"](ext4|jbd2|xfs|xlog)/'
n=0
for f in "$core"/*.c "$core"/*.h; do
	[ -e "$f" ] && n=$((n + 1))
done
plan $((n + 1))
for f in "$core"/*.c "$core"/*.h; do
	[ -e "$f" ] || continue
	b=$(basename "$f")
	case " $allow " in
	*" $b "*)
		ok_cmd "core/$b: on the allow-list and still includes a backend header (else drop it from the list)" \
			grep -qE "$pattern" "$f" ;;
	*)
		ok_cmd "core/$b includes no backend header" sh -c "! grep -nE '$pattern' '$f'" ;;
	esac
done
# The check itself: it must see a backend include when there is one.
printf '#include "ext4/ext4.h"\n' > "${TMPDIR:-/tmp}/layering.$$.c"
ok_cmd "the pattern catches a backend include" grep -qE "$pattern" "${TMPDIR:-/tmp}/layering.$$.c"
rm -f "${TMPDIR:-/tmp}/layering.$$.c"
