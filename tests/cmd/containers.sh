#!/bin/sh
# Images as people hold them: the README's demo image (ext4, journal needing
# recovery, preallocation) converted by the real tools (qemu-img: qcow2 v2,
# v3, compressed, extended L2 + zstd, VMDK sparse / stream-optimized / flat,
# VHD dynamic / fixed, VHDX; ewfacquire: an E01 segment set), a qcow2
# overlay holding changed blocks, and GPT / MBR disks (sgdisk, sfdisk, with
# logical partitions) with the filesystem in a partition, also inside a
# qcow2. Oracle: the bare image the tools give back (qemu-img convert -O raw,
# ewfexport, dd at the partition's offset), read by fsimg and by debugfs;
# sfdisk --json and blkid for the partition listing. Every container is
# hashed before and after: nothing is written.
. "$top_srcdir/tests/lib/tap.sh"
: "${FSIMG:?run through make check}"
LC_ALL=C; export LC_ALL

need qemu-img qemu-io ewfacquire ewfexport sgdisk sfdisk blkid debugfs mke2fs jq
tmp=$(mktemp_dir) || exit 99
[ -n "${FSIMG_TEST_KEEP:-}" ] || trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM
cd "$tmp" || exit 99

sh "$top_srcdir/scripts/mkdemo.sh" "$tmp/d" >/dev/null 2>&1 || { echo "Bail out! mkdemo.sh failed"; exit 99; }
bare=$tmp/d/demo.img

# What fsimg shows of an image, as one file per command (image names cut out).
views() { # views IMAGE OUTDIR
	mkdir -p "$2"
	for _c in "ls -R" "extents --all" fsck journal; do
		# shellcheck disable=SC2086
		"$FSIMG" $_c --json "$1" > "$2/out" 2>/dev/null
		echo "exit $?" > "$2/${_c%% *}"
		jq -c 'del(.image?)' < "$2/out" >> "$2/${_c%% *}" 2>&1
	done
	rm -f "$2/out"
	"$FSIMG" fsck "$1" 2>/dev/null | sed "s|^$1: ||" > "$2/fsck.txt"
	"$FSIMG" ls -R --no-replay "$1" > "$2/ls-raw" 2>/dev/null
	for f in /docs/notes.txt /data/db.bin /logs/app.log /vm/disk.raw /data/prealloc.dat; do
		"$FSIMG" cat "$1" "$f" 2>/dev/null | sha256sum
	done > "$2/cat"
	rm -f "$tmp/replay.out"
	"$FSIMG" replay "$1" -o "$tmp/replay.out" >/dev/null 2>&1; echo "exit $?" > "$2/replay"
	sha256sum < "$tmp/replay.out" >> "$2/replay"
}
same_views() { # same_views DESCRIPTION A B
	if diff -r "$2" "$3" > "$tmp/diff" 2>&1; then ok 0 "$1"; else
		ok 1 "$1"; head -12 "$tmp/diff" | sed 's/^/#   /'; fi
}
views "$bare" "$tmp/v.bare"
# The bare image's own views must be meaningful, or every comparison is void.
grep -q '"path":"/docs/notes.txt"' "$tmp/v.bare/ls" && grep -q 'exit 0' "$tmp/v.bare/replay" ||
	{ echo "Bail out! fsimg does not read the bare demo image"; exit 99; }

# ---------------------------------------------------------------- containers
# name  qemu-img arguments
cat > formats <<'EOF'
qcow2v2 -O qcow2 -o compat=0.10
qcow2v3 -O qcow2 -o compat=1.1
qcow2c -c -O qcow2
qcow2zx -c -O qcow2 -o compat=1.1,extended_l2=on,compression_type=zstd,cluster_size=65536
vmdk -O vmdk
vmdks -O vmdk -o subformat=streamOptimized
vmdkf -O vmdk -o subformat=twoGbMaxExtentFlat
vhd -O vpc
vhdf -O vpc -o subformat=fixed
vhdx -O vhdx
EOF
n=$(wc -l < formats)
plan $((n * 2 + 23))
while read -r name args; do
	# shellcheck disable=SC2086
	qemu-img convert -q $args "$bare" "$name.img" || { ok 1 "$name: qemu-img convert"; ok 1 "$name"; continue; }
	sha256sum "$name.img" ./*"$name"-*flat* 2>/dev/null > "$name.sum"
	qemu-img convert -q -O raw "$name.img" "$name.raw"
	# The oracle: the tool's own raw image, which fsimg and debugfs read bare.
	views "$name.raw" "v.$name.raw"
	views "$name.img" "v.$name"
	same_views "$name: ls, extents, fsck, journal, cat, replay -o as on qemu-img's raw image" \
		"v.$name.raw" "v.$name"
	debugfs -R 'ls -p /docs' "$name.raw" 2>/dev/null | awk -F/ 'NF > 5 && $6 != "." && $6 != ".." { print $6 }' | sort > dbg
	"$FSIMG" ls --no-replay "$name.img" /docs 2>/dev/null | sort > fs
	# VHD rounds the disk up to its CHS geometry: the image is a prefix of it.
	if cmp -s "$name.raw" "$bare"; then same=yes; else same=no; fi
	if [ -s dbg ] && cmp -s dbg fs && sha256sum -c --quiet "$name.sum" &&
		cmp -s -n "$(stat -c %s "$bare")" "$name.raw" "$bare" &&
		{ [ $same = no ] || diff -r v.bare "v.$name" >/dev/null 2>&1; }; then
		ok 0 "$name: /docs as debugfs lists it; the bare image's views (raw is bare: $same); container unchanged"
	else
		ok 1 "$name: /docs as debugfs lists it; the bare image's views (raw is bare: $same); container unchanged"
		diff dbg fs | head -5 | sed 's/^/#   /'
	fi
done < formats

# E01: a segment set of four, from ewfacquire; ewfexport gives the raw back.
cp "$bare" e.raw
ewfacquire -q -u -t ev -f encase6 -c none -S 20MiB e.raw >/dev/null 2>&1
sha256sum ev.E0* > e01.sum
ewfexport -q -u -t ex -f raw ev.E01 >/dev/null 2>&1
views ex.raw v.exraw
views ev.E01 v.e01
nseg=$(ls ev.E0* | wc -l)
if [ "$nseg" -ge 3 ] && cmp -s ex.raw "$bare"; then
	same_views "e01 ($nseg segments): the same views as ewfexport's raw image" v.exraw v.e01
else
	ok 1 "e01: ewfacquire made $nseg segments; ewfexport gives the image back"
fi
mv ev.E02 ev.E02.away
"$FSIMG" ls ev.E01 > /dev/null 2> err; st=$?
mv ev.E02.away ev.E02
[ $st -eq 8 ] && [ "$(wc -l < err)" -eq 1 ] && grep -q 'segment ev.E02 is missing' err
ok $? "e01: a missing segment is named, exit 8 (got $st: $(head -1 err))"
sha256sum -c --quiet e01.sum
ok $? "e01: the segment set is unchanged"

# A qcow2 overlay on a qcow2 on the raw image, holding one changed block of
# /docs/notes.txt: cat reads the overlay's block, as qemu-img's raw does.
qemu-img convert -q -O qcow2 "$bare" base.qcow2
qemu-img create -q -f qcow2 -b base.qcow2 -F qcow2 mid.qcow2
qemu-img create -q -f qcow2 -b mid.qcow2 -F qcow2 top.qcow2
blk=$(debugfs -R 'bmap /docs/notes.txt 2' "$bare" 2>/dev/null)
qemu-io -c "write -P 0x5a $((blk * 4096)) 4096" mid.qcow2 >/dev/null
sha256sum base.qcow2 mid.qcow2 top.qcow2 > chain.sum
qemu-img convert -q -O raw top.qcow2 top.raw
"$FSIMG" cat top.qcow2 /docs/notes.txt > a 2>/dev/null
"$FSIMG" cat top.raw /docs/notes.txt > b 2>/dev/null
"$FSIMG" cat "$bare" /docs/notes.txt > c 2>/dev/null
cmp -s a b && ! cmp -s a c && [ "$(od -An -tx1 -j 8192 -N 4 a | tr -d ' ')" = 5a5a5a5a ]
ok $? "qcow2 chain: a block changed in the middle layer reads as qemu-img's raw image has it"
"$FSIMG" info --json top.qcow2 2>/dev/null | jq -e '.container.format == "qcow2" and (.container.backing | length) == 2 and (.container.backing[1] | endswith("base.qcow2"))' >/dev/null
ok $? "qcow2 chain: info names the format and both backing files"

# Internal snapshots are listed as qemu-img lists them; the active layer,
# written after them, is what is read.
cp base.qcow2 snap.qcow2
qemu-img snapshot -c before-crash snap.qcow2
qemu-img snapshot -c second snap.qcow2
qemu-io -c "write -P 0x77 $((blk * 4096)) 4096" snap.qcow2 >/dev/null
qemu-img snapshot -l snap.qcow2 | awk 'NR > 2 { print $1 " " $2 }' > want
"$FSIMG" info --json snap.qcow2 2>/dev/null | jq -r '.container.snapshots[]' > got
qemu-img convert -q -O raw snap.qcow2 snap.raw
"$FSIMG" cat snap.qcow2 /docs/notes.txt > a 2>/dev/null
"$FSIMG" cat snap.raw /docs/notes.txt > b 2>/dev/null
[ -s want ] && cmp -s want got && cmp -s a b && [ "$(od -An -tx1 -j 8192 -N 2 a | tr -d ' ')" = 7777 ]
ok $? "qcow2 snapshots: listed as qemu-img lists them ($(tr '\n' ',' < got)); the active layer is read"

# --------------------------------------------------------------- partitions
# GPT: two partitions, the filesystem in the second.
truncate -s 160M gpt.img
sgdisk -n 1:2048:+20M -n 2:0:+70M -c 2:data gpt.img >/dev/null
p2=$(sfdisk --json gpt.img | jq '.partitiontable.partitions[1].start')
dd if="$bare" of=gpt.img bs=512 seek="$p2" conv=notrunc status=none
# MBR: a primary, then an extended partition with two logical ones (5, 6).
truncate -s 200M mbr.img
printf 'label: dos\n,20M,83\n,,5\n,30M,83\n,80M,83\n' | sfdisk -q mbr.img
p6=$(sfdisk --json mbr.img | jq '.partitiontable.partitions[] | select(.node | endswith("6")) | .start')
dd if="$bare" of=mbr.img bs=512 seek="$p6" conv=notrunc status=none
qemu-img convert -q -O qcow2 mbr.img mbr.qcow2
sha256sum gpt.img mbr.img mbr.qcow2 > disks.sum

# info lists what sfdisk lists; blkid names what is inside.
for d in gpt mbr; do
	sfdisk --json $d.img | jq -c '[.partitiontable.partitions[] | {n: (.node | capture("(?<n>[0-9]+)$").n | tonumber), start: (.start * 512), size: (.size * 512)}] | sort_by(.n)' > want.$d
	"$FSIMG" info --json $d.img 2>/dev/null | jq -c '[.partitions[] | {n: .number, start, size}] | sort_by(.n)' > got.$d
	cmp -s want.$d got.$d
	ok $? "$d: info lists the partitions sfdisk lists (number, start, size)"
	[ $? -eq 0 ] || { diag "sfdisk: $(cat want.$d)"; diag "fsimg:  $(cat got.$d)"; }
done
dd if=gpt.img of=gpt2.raw bs=512 skip="$p2" count=$((70 * 2048)) status=none
dd if=mbr.img of=mbr6.raw bs=512 skip="$p6" count=$((80 * 2048)) status=none
want=$(blkid -p -o value -s TYPE mbr6.raw)
"$FSIMG" info --json mbr.img | jq -e --arg t "$want" '.label == "dos" and ([.partitions[] | select(.number == 6)][0].fs_type == $t) and ([.partitions[] | select(.number == 1)][0].fs_type == null)' >/dev/null
ok $? "mbr: label dos; in logical partition 6 what blkid finds there ($want), nothing in 1"
views gpt2.raw v.gpt2raw
views gpt.img@2 v.gpt2
same_views "gpt@2: the same views as the partition cut out with dd" v.gpt2raw v.gpt2
views mbr6.raw v.mbr6raw
views mbr.qcow2@6 v.mbr6q
same_views "qcow2 of an MBR disk, @6 (logical): the same views as dd's cut" v.mbr6raw v.mbr6q
"$FSIMG" ls -R --json --partition 6 mbr.img > a 2>/dev/null
"$FSIMG" ls -R --json mbr.img@6 > b 2>/dev/null
[ -s a ] && cmp -s a b
ok $? "--partition 6 reads what IMAGE@6 reads"
"$FSIMG" ls mbr.img > /dev/null 2> err; st=$?
[ $st -eq 8 ] && [ "$(wc -l < err)" -eq 1 ] && grep -q 'partitioned disk (dos, ' err
ok $? "a partitioned disk without a partition: one line that says how to choose, exit 8 ($st)"
"$FSIMG" ls mbr.img@3 > /dev/null 2> err; st=$?
[ $st -eq 8 ] && [ "$(wc -l < err)" -eq 1 ] && grep -q 'no partition 3' err
ok $? "a partition that does not exist: one line, exit 8 ($st: $(head -1 err))"
"$FSIMG" replay --in-place gpt.img@2 > /dev/null 2> err; st=$?
[ $st -eq 8 ] && grep -q 'not a container or a partition' err
ok $? "replay --in-place refuses a partition ($st)"
"$FSIMG" replay --in-place qcow2v3.img > /dev/null 2> err; st=$?
[ $st -eq 8 ] && grep -q 'not a container or a partition' err
ok $? "replay --in-place refuses a container ($st)"
sha256sum -c --quiet disks.sum
ok $? "the disks are unchanged"

# ---------------------------------------------------------------- bad input
bad() { # bad DESCRIPTION FILE EXPECTED-TEXT
	timeout 20 "$FSIMG" ls "$2" > /dev/null 2> err; _st=$?
	[ $_st -eq 8 ] && [ "$(wc -l < err)" -eq 1 ] && grep -q "$3" err
	ok $? "$1: one line, exit 8 ($_st: $(head -1 err))"
}
cp base.qcow2 l1.qcow2
l1off=$(od -An -tu8 --endian=big -j 40 -N 8 l1.qcow2 | tr -d ' ')
printf '\000\000\000\177\377\000\000\000' | dd of=l1.qcow2 bs=1 seek="$l1off" conv=notrunc status=none
bad "qcow2 whose L1 entry points past the end of the file" l1.qcow2 "outside the file"
cp base.qcow2 hdr.qcow2
printf '\377\377\377\377' | dd of=hdr.qcow2 bs=1 seek=36 conv=notrunc status=none
bad "qcow2 whose header lies about its L1 size" hdr.qcow2 "L1 table"
qemu-img create -q -f qcow2 -b base.qcow2 -F qcow2 loop1.qcow2
qemu-img create -q -f qcow2 -b loop1.qcow2 -F qcow2 loop2.qcow2
qemu-img rebase -q -u -b loop2.qcow2 -F qcow2 loop1.qcow2
bad "a backing chain that loops" loop2.qcow2 "loops"
qemu-img create -q -f qcow2 -u -b gone.qcow2 -F qcow2 -o size=64M miss.qcow2
bad "a missing backing file" miss.qcow2 "gone.qcow2"
cp vhd.img badsum.vhd
sz=$(stat -c %s badsum.vhd)
printf '\001\002\003\004' | dd of=badsum.vhd bs=1 seek=$((sz - 512 + 64)) conv=notrunc status=none
printf '\001\002\003\004' | dd of=badsum.vhd bs=1 seek=64 conv=notrunc status=none
bad "a VHD with a bad footer checksum" badsum.vhd "cannot be opened"
cp mbr.img short.img
truncate -s 120M short.img
bad "a partition that runs past the end of the disk" short.img@6 "past the end"
done_testing
