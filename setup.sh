#!/bin/sh
# fsimg quick start: install the build dependencies (Debian/Ubuntu), build,
# and run fsimg on a generated demo image of a crashed ext4 filesystem.
#
#   ./setup.sh             everything
#   ./setup.sh --no-deps   skip the package install (you have them)
#   ./setup.sh --deps-only install the packages and stop
#
# Works as root, or as a user through sudo.
set -eu

cd "$(dirname "$0")"

PACKAGES="build-essential autoconf automake libtool pkg-config
	libblkid-dev libjson-c-dev libncurses-dev libcmocka-dev libmount-dev
	e2fsprogs mandoc jq xz-utils bzip2 gzip time tmux hyperfine
	dosfstools xfsprogs btrfs-progs
	python3 bash-completion debhelper lintian
	zlib1g-dev libzstd-dev libvmdk-dev libvhdi-dev libewf-dev
	qemu-utils ewf-tools gdisk fdisk
	unicode-data"

deps=yes
build=yes
case "${1:-}" in
--no-deps) deps=no ;;
--deps-only) build=no ;;
"") ;;
*) echo "usage: $0 [--no-deps|--deps-only]" >&2; exit 16 ;;
esac

say() { printf '\n==> %s\n' "$*"; }

if [ "$deps" = yes ]; then
	say "installing build dependencies (apt-get)"
	if [ "$(id -u)" -eq 0 ]; then SUDO=; else SUDO=sudo; fi
	missing=
	for p in $PACKAGES; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
	done
	if [ -n "$missing" ]; then
		$SUDO apt-get update -qq
		# shellcheck disable=SC2086
		DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
	else
		echo "all present"
	fi
fi
[ "$build" = yes ] || exit 0

say "building"
[ -x configure ] || autoreconf -fi
[ -f Makefile ] || ./configure --quiet
make -j"$(nproc 2>/dev/null || echo 2)" >/dev/null

say "generating the demo image (a crashed ext4: journal needing recovery, fallocated files, punched holes)"
img=$(sh scripts/mkdemo.sh demo)
echo "$img"

say "fsimg info $img"
./src/fsimg info "$img"

say "fsimg extents --all $img"
./src/fsimg extents --all "$img"

if ./src/fsimg fsck --help >/dev/null 2>&1; then
	say "fsimg fsck $img"
	./src/fsimg fsck "$img" || true
fi

say "done. Run the test suite with: make check"
