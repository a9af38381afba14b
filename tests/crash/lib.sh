# The crash harness's shared helpers (sourced by run.sh): the guest kernel,
# its initramfs, and one boot under qemu (TCG).
#
# CACHE (default ${XDG_CACHE_HOME:-$HOME/.cache}/fsimg-crash, or
# $FSIMG_CRASH_CACHE) keeps the downloaded kernel package, its unpacked tree
# and the initramfs built from it, so only the first run needs apt.

CRASH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${FSIMG_CRASH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/fsimg-crash}
# the modules the guest loads (their dependencies come along; quota_v2 for
# ext4's quota feature: its hidden quota files are QFMT_VFS_V1)
GUEST_MODULES="virtio_pci virtio_blk crc32c_generic libcrc32c crc16 ext4 jbd2 xfs quota_v2"

die() {
	echo "crash: $*" >&2
	exit 8
}
note() { echo "crash: $*" >&2; }

# the kernel package: linux-image-amd64's dependency in bookworm
# (linux-image-6.1.0-N-amd64), else the newest 6.1 one apt knows
kernel_package() {
	local p
	p=$(apt-cache depends linux-image-amd64 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-6\.1\.[0-9.-]*-amd64\)$/\1/p' | head -1)
	[ -n "$p" ] || p=$(apt-cache search --names-only '^linux-image-6\.1\.0-[0-9]+-amd64$' 2>/dev/null |
		awk '{print $1}' | sort -V | tail -1)
	echo "$p"
}

# fetch_kernel: sets KDIR (unpacked package), KVER, VMLINUZ
fetch_kernel() {
	mkdir -p "$CACHE" || die "cannot make $CACHE"
	local deb
	deb=$(ls "$CACHE"/linux-image-6.1.*-amd64_*.deb 2>/dev/null | sort -V | tail -1)
	if [ -z "$deb" ]; then
		local pkg
		pkg=${FSIMG_CRASH_KERNEL_PACKAGE:-$(kernel_package)}
		[ -n "$pkg" ] || die "no linux-image-6.1 package known to apt (run apt-get update?)"
		note "downloading $pkg into $CACHE"
		(cd "$CACHE" && apt-get download "$pkg" >/dev/null 2>&1) ||
			die "apt-get download $pkg failed"
		deb=$(ls "$CACHE"/"$pkg"_*.deb 2>/dev/null | tail -1)
		[ -n "$deb" ] || die "apt-get download $pkg left no .deb"
	fi
	KDIR=$CACHE/$(basename "$deb" .deb)
	if [ ! -d "$KDIR/lib/modules" ]; then
		rm -rf "$KDIR.tmp"
		mkdir -p "$KDIR.tmp" && dpkg-deb -x "$deb" "$KDIR.tmp" ||
			die "dpkg-deb -x $deb failed"
		mv "$KDIR.tmp" "$KDIR"
	fi
	KVER=$(ls "$KDIR/lib/modules" | head -1)
	VMLINUZ=$KDIR/boot/vmlinuz-$KVER
	[ -f "$VMLINUZ" ] || die "no vmlinuz in $deb"
}

# build_workload: sets WORKLOAD (static binary, rebuilt when the source changes)
build_workload() {
	local src=("$CRASH_DIR/workload.c" "$CRASH_DIR"/wl_*.c "$CRASH_DIR/summary.c") sum
	sum=$(cat "${src[@]}" "$CRASH_DIR/workload.h" "$CRASH_DIR/init" | md5sum | cut -c1-12)
	WORKLOAD=$CACHE/workload-$sum
	if [ ! -x "$WORKLOAD" ]; then
		${CC:-cc} -static -O2 -Wall -o "$WORKLOAD.tmp" "${src[@]}" ||
			die "cannot build the static workload (is libc6-dev's libc.a there?)"
		mv "$WORKLOAD.tmp" "$WORKLOAD"
	fi
	WORKLOAD_SUM=$sum
}

# build_initramfs: sets INITRD (busybox-static, init, workload, the modules)
build_initramfs() {
	local bb
	bb=$(command -v busybox || echo /bin/busybox)
	[ -x "$bb" ] || die "busybox not found (apt-get install busybox-static)"
	file -L "$bb" 2>/dev/null | grep -q 'statically linked' ||
		ldd "$bb" 2>&1 | grep -q 'not a dynamic' ||
		die "$bb is not static (apt-get install busybox-static)"
	command -v depmod > /dev/null || [ -x /sbin/depmod ] || die "depmod not found (apt-get install kmod)"
	command -v cpio > /dev/null || die "cpio not found (apt-get install cpio)"
	# the module list is part of the name: a list changed builds anew
	INITRD=$CACHE/initrd-$KVER-$WORKLOAD_SUM-$(echo "$GUEST_MODULES" | cksum | cut -d" " -f1).cpio.gz
	[ -f "$INITRD" ] && return 0
	local st=$CACHE/initrd.staging m f
	PATH=$PATH:/sbin:/usr/sbin
	rm -rf "$st"
	mkdir -p "$st/bin" "$st/proc" "$st/sys" "$st/dev" "$st/mnt" "$st/tmp" "$st/lib/modules/$KVER"
	cp "$bb" "$st/bin/busybox"
	cp "$CRASH_DIR/init" "$st/init"
	chmod 755 "$st/init"
	cp "$WORKLOAD" "$st/workload"
	[ -f "$KDIR/lib/modules/$KVER/modules.dep" ] || depmod -b "$KDIR" "$KVER" ||
		die "depmod -b $KDIR failed"
	for m in $GUEST_MODULES; do
		modprobe -d "$KDIR" -S "$KVER" --show-depends "$m" 2>/dev/null |
			sed -n 's/^insmod \([^ ]*\).*/\1/p'
	done | sort -u | while read -r f; do
		rel=${f#"$KDIR"/}
		mkdir -p "$st/$(dirname "$rel")"
		cp "$f" "$st/$rel"
	done
	for m in $GUEST_MODULES; do
		find "$st/lib/modules" -name "$m.ko*" | grep -q . || die "module $m missing from $KVER"
	done
	cp "$KDIR/lib/modules/$KVER/modules.builtin" "$KDIR/lib/modules/$KVER/modules.order" "$KDIR/lib/modules/$KVER/modules.builtin.modinfo" \
		"$st/lib/modules/$KVER/" 2>/dev/null
	depmod -b "$st" "$KVER" || die "depmod -b $st failed"
	(cd "$st" && find . | cpio -o -H newc --quiet | gzip -1) > "$INITRD.tmp" ||
		die "cpio of the initramfs failed"
	mv "$INITRD.tmp" "$INITRD"
	rm -rf "$st"
}

guest_setup() {
	command -v qemu-system-x86_64 > /dev/null ||
		die "qemu-system-x86_64 not found (apt-get install qemu-system-x86)"
	fetch_kernel
	build_workload
	build_initramfs
}

# boot IMG PREFIX TIMEOUT KILL_AFTER ARGS...: boot the guest on IMG (raw,
# virtio, written in place) with ARGS on the kernel command line; the
# console goes to PREFIX.console, the records to PREFIX.rec.  KILL_AFTER > 0:
# kill qemu (power cut) KILL_AFTER seconds after the workload's start record.
# BOOT_LOGDEV, when set, is a second virtio disk (/dev/vdb: an external log).
# FSIMG_CRASH_KARGS, when set, goes on the guest's command line too (e.g.
# noapic: a loaded host's TCG guest can panic in its IO-APIC timer check).
# Returns qemu's status (137 when killed).
boot() {
	local img=$1 prefix=$2 tmo=$3 kill_after=$4
	shift 4
	: > "$prefix.console"
	: > "$prefix.rec"
	rm -f "$prefix.pid"
	nice -n "${FSIMG_CRASH_NICE:-10}" \
		qemu-system-x86_64 -accel tcg -m 512 -smp 1 -no-reboot \
		-display none -monitor none -nodefaults -pidfile "$prefix.pid" \
		-kernel "$VMLINUZ" -initrd "$INITRD" \
		-append "console=ttyS0 loglevel=4 panic=-1 rdinit=/init ${FSIMG_CRASH_KARGS:-} $*" \
		-drive "file=$img,format=raw,if=virtio,cache=unsafe" \
		${BOOT_LOGDEV:+-drive "file=$BOOT_LOGDEV,format=raw,if=virtio,cache=unsafe"} \
		-serial "file:$prefix.console" -serial "file:$prefix.rec" &
	local pid=$! t=0 cutting=0
	# qemu runs as $pid (nice execs it); poll: the power cut from outside,
	# and the timeout
	while kill -0 "$pid" 2>/dev/null; do
		if [ "$kill_after" != 0 ] && [ "$cutting" = 0 ] && grep -q '^@@ start' "$prefix.rec"; then
			cutting=$((t + kill_after * 5))
		fi
		if [ "$cutting" != 0 ] && [ "$t" -ge "$cutting" ]; then
			kill -KILL "$pid" 2>/dev/null
			break
		fi
		# a kernel oops (BUG, panic): the guest will not go on; stop now (125)
		if [ $((t % 5)) = 4 ] && grep -q -e '---\[ end trace' -e 'Kernel panic' "$prefix.console"; then
			note "the kernel oopsed: $(grep -m1 -o 'RIP: 0010:[^ ]*' "$prefix.console")"
			kill -KILL "$pid" 2>/dev/null
			{ wait "$pid"; } 2>/dev/null
			return 125
		fi
		if [ "$t" -ge $((tmo * 5)) ]; then
			note "qemu still running after ${tmo}s: killed"
			kill -KILL "$pid" 2>/dev/null
			{ wait "$pid"; } 2>/dev/null
			return 124
		fi
		sleep 0.2
		t=$((t + 1))
	done
	{ wait "$pid"; } 2>/dev/null
}
