#!/bin/sh
# The container libraries are loaded only when an image needs them
# (libfsimg/core/dl.c): neither the fsimg program nor libfsimg.so names
# libvmdk, libvhdi, libewf, zlib or zstd as NEEDED (readelf -d), a command
# on a plain image loads none of them, and a qcow2 (zlib) or VMDK (libvmdk)
# image loads what it needs. Oracle: the dynamic loader's own account of
# what it opened (LD_DEBUG=files), and qemu-img for the containers.
. "$top_srcdir/tests/lib/tap.sh"
: "${FSIMG:?run through make check}"
LC_ALL=C; export LC_ALL
need readelf mke2fs
t=$(mktemp_dir) || exit 99
trap 'rm -rf "$t"' EXIT

lazy='libvmdk|libvhdi|libewf|libz\.so|libzstd'
# The program itself, not libtool's wrapper script.
prog=$FSIMG
if head -c 2 "$prog" | grep -q '#!'; then
	prog=$(dirname "$FSIMG")/.libs/$(basename "$FSIMG")
fi
lib=$top_builddir/libfsimg/.libs/libfsimg.so
for f in "$prog" "$lib"; do
	if [ -f "$f" ]; then
		readelf -d "$f" > "$t/dyn" 2>&1 && grep -q NEEDED "$t/dyn" && ! grep NEEDED "$t/dyn" | grep -Eq "$lazy"
		ok $? "$(basename "$f") links none of the container libraries (readelf -d NEEDED)"
	else
		skip "$(basename "$f") not built"
	fi
done

# loaded CMD...: the shared objects the loader opened while CMD ran
loaded() { LD_DEBUG=files "$@" 2>&1 >/dev/null | sed -n 's/.*file=\([^ ]*\) .*/\1/p' | sort -u; }

loaded "$FSIMG" --version > "$t/version"
grep -q . "$t/version" || { skip "LD_DEBUG is not honoured here"; skip "LD_DEBUG"; skip "LD_DEBUG"; done_testing; exit $?; }
! grep -Eq "$lazy" "$t/version"
ok $? "fsimg --version loads no container library"

mkdir "$t/tree" && echo hello > "$t/tree/f"
mke2fs -q -F -t ext4 -b 4096 -d "$t/tree" "$t/plain.img" 16M >/dev/null 2>&1
loaded "$FSIMG" fsck "$t/plain.img" > "$t/plain"
! grep -Eq "$lazy" "$t/plain"
ok $? "fsimg fsck on a plain image loads no container library"

if command -v qemu-img >/dev/null 2>&1; then
	qemu-img convert -c -O qcow2 "$t/plain.img" "$t/c.qcow2" &&
		qemu-img convert -O vmdk "$t/plain.img" "$t/v.vmdk"
	loaded "$FSIMG" cat "$t/c.qcow2" /f > "$t/qcow2"
	[ "$("$FSIMG" cat "$t/c.qcow2" /f)" = hello ] && grep -q '^libz\.so' "$t/qcow2" &&
		! grep -Eq 'libvmdk|libvhdi|libewf' "$t/qcow2"
	ok $? "a compressed qcow2 image loads zlib and reads, and loads no libyal library"
	if "$FSIMG" --version | grep -q vmdk; then
		loaded "$FSIMG" cat "$t/v.vmdk" /f > "$t/vmdk"
		[ "$("$FSIMG" cat "$t/v.vmdk" /f)" = hello ] && grep -q '^libvmdk' "$t/vmdk" &&
			! grep -Eq 'libvhdi|libewf' "$t/vmdk"
		ok $? "a VMDK image loads libvmdk (and not libvhdi or libewf) and reads"
	else
		skip "built without libyal"
	fi
else
	skip "qemu-img not installed"
	skip "qemu-img not installed"
fi
done_testing
