#!/bin/sh
# The public headers compile alone, as strict C11.
. "$top_srcdir/tests/lib/tap.sh"
plan 2
tmp=$(mktemp_dir)
printf '#include <fsimg/fsimg.h>\nint main(void) { return fsimg_strerror(0) == 0; }\n' > "$tmp/h.c"
ok_cmd "fsimg.h compiles alone with -std=c11 -pedantic -Werror" \
	${CC:-cc} -std=c11 -pedantic -Wall -Wextra -Werror -I"$top_srcdir/libfsimg/include" -c "$tmp/h.c" -o "$tmp/h.o"
printf '#include <fsimg/image.h>\nint main(void) { return fsimg_image_backing(0, 0) != 0; }\n' > "$tmp/i.c"
ok_cmd "image.h compiles alone with -std=c11 -pedantic -Werror" \
	${CC:-cc} -std=c11 -pedantic -Wall -Wextra -Werror -I"$top_srcdir/libfsimg/include" -c "$tmp/i.c" -o "$tmp/i.o"
