# Python helpers that call into the shared libfsimg (tests/xfs/xlog/xlogrec.py's
# record CRC): sourced after tap.sh; sets $so, skips the script without the
# library, and runs python3 as pyso with ASan preloaded when the library has it.
so=$(ls "$top_builddir"/libfsimg/.libs/libfsimg.so.[0-9]* 2>/dev/null | head -1)
[ -n "$so" ] || skip_all "no shared libfsimg (for the record CRC)"
pypre=
if ldd "$so" 2>/dev/null | grep -q libasan; then
	pypre=$(${CC:-cc} -print-file-name=libasan.so)
fi
pyso() { LD_PRELOAD=$pypre ASAN_OPTIONS=${ASAN_OPTIONS:-}:detect_leaks=0 python3 "$@"; }
