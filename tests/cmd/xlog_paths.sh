#!/bin/sh
# The finish paths a replay took (libfsimg/xlog/trace.h): on images a real
# Linux 6.1 crashed (tests/crash/fixtures), `fsimg replay -v -n` names the
# kernel paths the mount's work after the log must take there, as the
# fixture's own case says (its matrix row, its "why"): the finobt split
# and new root of xn-1k-finobt-split's 64 unlinked inodes, the refcount
# btree's joins and the busy trim of xr-1k-cowcut-busy's CoW leftovers,
# the log force in g13x-1k-rmap-lb64k-cowcut-force's 546 leftovers' frees,
# g14x-1k-rmap-attr-aext-force's 34 attribute forks inactivated around a force,
# g19x-1k-rmap-reflink-holdshare-s16's reflinked truncates (shared rmap unmaps, refcount
# extents split) under 15 forces, g25x-1k-rmap-reflink-shareunmap's remap whose
# unmap BUI the cut left without its done item (the old mapping unmapped, its
# shared rmap record removed), g28x-1k-reflink-shareunmap-huge-10505's whole-file
# clone whose CUI recovery requeues and rolls, g32x-1k-rmap-reflink-wsync-convshare's
# conversion in a reflinked file (an RUI CONVERT_SHARED),
# g37x-1k-reflink-shareiroot's map BUI into a fork whose bmbt root in the
# inode is full (a leaf split, then the tree grown a level: new_iroot),
# xt-1k-attr's attribute forks and its bmbt leaves given back to extents
# form, xqd-4k-unlinkedsym's remote symlinks, xk-1k-sparse-fragfree-twokind's
# two freed bmbt blocks taken back as by-block leaves after the force that
# released their buffers (zeroed: buf.reget_gone); without -v the output has
# none of it; info --json holds the same in "replayed"."finish_paths",
# as fsimg-info(1)'s schema says; every name printed is in fsimg-replay(1).
. "$top_srcdir/tests/lib/tap.sh"
need xz python3
plan 33
fix=$top_srcdir/tests/crash/fixtures
d=$(mktemp_dir)
trap 'rm -rf "$d"' EXIT

# paths NAME: fsimg replay -v -n of the fixture into $d/NAME.paths ("path count" lines)
paths() {
	[ -f "$d/$1.img" ] || xz -dc "$fix/$1.img.xz" > "$d/$1.img" || return 1
	"$FSIMG" replay -v -n "$d/$1.img" > "$d/$1.out" 2> "$d/$1.err" || return 1
	sed -n 's/^finish path \([a-z_.]*\): \([0-9]*\)$/\1 \2/p' "$d/$1.out" > "$d/$1.paths"
}
# count NAME PATH: how often the fixture's replay took PATH (0 when not)
count() {
	awk -v p="$2" '$1 == p { n = $2 } END { print n + 0 }' "$d/$1.paths"
}
# at_least NAME PATH N
at_least() {
	_n=$(count "$1" "$2")
	[ "$_n" -ge "$3" ]
	ok $? "$1: $2 taken $_n time(s) (at least $3)"
}

paths xn-1k-finobt-split || echo "# replay -v -n failed: $(head -3 "$d/xn-1k-finobt-split.err")"
at_least xn-1k-finobt-split finobt.split 1
at_least xn-1k-finobt-split finobt.new_root 1
# the split's and the new root's blocks, each from xfs_alloc_ag_vextent_near
[ "$(count xn-1k-finobt-split alloc.vextent_near)" -eq 2 ]
ok $? "xn-1k-finobt-split: alloc.vextent_near twice ($(count xn-1k-finobt-split alloc.vextent_near))"
[ "$(count xn-1k-finobt-split ifree.inode)" -eq 64 ]
ok $? "xn-1k-finobt-split: ifree.inode for its 64 unlinked inodes ($(count xn-1k-finobt-split ifree.inode))"

paths xr-1k-cowcut-busy || echo "# replay -v -n failed: $(head -3 "$d/xr-1k-cowcut-busy.err")"
at_least xr-1k-cowcut-busy cow.recover 1
at_least xr-1k-cowcut-busy refcbt.join 1
at_least xr-1k-cowcut-busy refcbt.kill_root 1
at_least xr-1k-cowcut-busy busy.trim 1

paths g13x-1k-rmap-lb64k-cowcut-force || echo "# replay -v -n failed: $(head -3 "$d/g13x-1k-rmap-lb64k-cowcut-force.err")"
at_least g13x-1k-rmap-lb64k-cowcut-force cow.recover 546
[ "$(count g13x-1k-rmap-lb64k-cowcut-force log.force)" -eq 1 ]
ok $? "g13x-1k-rmap-lb64k-cowcut-force: log.force once, in the leftovers' frees ($(count g13x-1k-rmap-lb64k-cowcut-force log.force))"
rm -f "$d/g13x-1k-rmap-lb64k-cowcut-force.img"

paths g14x-1k-rmap-attr-aext-force || echo "# replay -v -n failed: $(head -3 "$d/g14x-1k-rmap-attr-aext-force.err")"
at_least g14x-1k-rmap-attr-aext-force ifree.attr_inactive 34
[ "$(count g14x-1k-rmap-attr-aext-force log.force)" -eq 1 ]
ok $? "g14x-1k-rmap-attr-aext-force: log.force once ($(count g14x-1k-rmap-attr-aext-force log.force))"
rm -f "$d/g14x-1k-rmap-attr-aext-force.img"

paths g19x-1k-rmap-reflink-holdshare-s16 || echo "# replay -v -n failed: $(head -3 "$d/g19x-1k-rmap-reflink-holdshare-s16.err")"
at_least g19x-1k-rmap-reflink-holdshare-s16 rmap.unmap_shared 2727
at_least g19x-1k-rmap-reflink-holdshare-s16 refcbt.split_extent 1593
[ "$(count g19x-1k-rmap-reflink-holdshare-s16 log.force)" -eq 15 ]
ok $? "g19x-1k-rmap-reflink-holdshare-s16: log.force 15 times ($(count g19x-1k-rmap-reflink-holdshare-s16 log.force))"
rm -f "$d/g19x-1k-rmap-reflink-holdshare-s16.img"

paths g25x-1k-rmap-reflink-shareunmap || echo "# replay -v -n failed: $(head -3 "$d/g25x-1k-rmap-reflink-shareunmap.err")"
[ "$(count g25x-1k-rmap-reflink-shareunmap bmap.unmap)" -eq 1 ]
ok $? "g25x-1k-rmap-reflink-shareunmap: bmap.unmap once ($(count g25x-1k-rmap-reflink-shareunmap bmap.unmap))"
at_least g25x-1k-rmap-reflink-shareunmap rmap.unmap_shared 1
[ "$(count g25x-1k-rmap-reflink-shareunmap bui.recover)" -eq 2 ]
ok $? "g25x-1k-rmap-reflink-shareunmap: bui.recover twice, the unmap and the map ($(count g25x-1k-rmap-reflink-shareunmap bui.recover))"
rm -f "$d/g25x-1k-rmap-reflink-shareunmap.img"

paths g28x-1k-reflink-shareunmap-huge-10505 || echo "# replay -v -n failed: $(head -3 "$d/g28x-1k-reflink-shareunmap-huge-10505.err")"
at_least g28x-1k-reflink-shareunmap-huge-10505 cui.requeue 1
at_least g28x-1k-reflink-shareunmap-huge-10505 cui.roll 2
rm -f "$d/g28x-1k-reflink-shareunmap-huge-10505.img"

paths g32x-1k-rmap-reflink-wsync-convshare || echo "# replay -v -n failed: $(head -3 "$d/g32x-1k-rmap-reflink-wsync-convshare.err")"
[ "$(count g32x-1k-rmap-reflink-wsync-convshare rmap.convert_shared)" -eq 1 ]
ok $? "g32x-1k-rmap-reflink-wsync-convshare: rmap.convert_shared once ($(count g32x-1k-rmap-reflink-wsync-convshare rmap.convert_shared))"
at_least g32x-1k-rmap-reflink-wsync-convshare rui.recover 1
rm -f "$d/g32x-1k-rmap-reflink-wsync-convshare.img"

paths g37x-1k-reflink-shareiroot || echo "# replay -v -n failed: $(head -3 "$d/g37x-1k-reflink-shareiroot.err")"
[ "$(count g37x-1k-reflink-shareiroot bmbt.new_iroot)" -eq 1 ]
ok $? "g37x-1k-reflink-shareiroot: bmbt.new_iroot once ($(count g37x-1k-reflink-shareiroot bmbt.new_iroot))"
[ "$(count g37x-1k-reflink-shareiroot bmbt.split)" -eq 1 ]
ok $? "g37x-1k-reflink-shareiroot: bmbt.split once, the full leaf ($(count g37x-1k-reflink-shareiroot bmbt.split))"
rm -f "$d/g37x-1k-reflink-shareiroot.img"

paths xt-1k-attr || echo "# replay -v -n failed: $(head -3 "$d/xt-1k-attr.err")"
at_least xt-1k-attr ifree.attr_inactive 16
at_least xt-1k-attr bmbt.btree_to_extents 1

paths xqd-4k-unlinkedsym || echo "# replay -v -n failed: $(head -3 "$d/xqd-4k-unlinkedsym.err")"
at_least xqd-4k-unlinkedsym ifree.symlink_rmt 1

paths xk-1k-sparse-fragfree-twokind || echo "# replay -v -n failed: $(head -3 "$d/xk-1k-sparse-fragfree-twokind.err")"
at_least xk-1k-sparse-fragfree-twokind buf.reget 2
at_least xk-1k-sparse-fragfree-twokind buf.reget_gone 2
rm -f "$d/xk-1k-sparse-fragfree-twokind.img"

# the plain output stays as it was: no paths without -v
"$FSIMG" replay -n "$d/xn-1k-finobt-split.img" > "$d/plain.out" 2>&1
! grep -q "finish path" "$d/plain.out"
ok $? "replay -n without -v names no finish path"

# every name printed is documented
cat "$d"/*.paths | while read -r p n; do
	grep -q "$(echo "${p#*.}" | sed 's/\./\\./g')" "$top_srcdir/man/fsimg-replay.1" &&
		grep -q "${p%%.*}" "$top_srcdir/man/fsimg-replay.1" || echo "$p"
done > "$d/undoc"
[ ! -s "$d/undoc" ]
ok $? "fsimg-replay(1) names every path printed$( [ -s "$d/undoc" ] && echo ": not $(head -3 "$d/undoc" | tr '\n' ' ')")"

# info --json: the same counters, in the schema fsimg-info(1) documents
"$FSIMG" info --json "$d/xn-1k-finobt-split.img" > "$d/info.json" 2> /dev/null
python3 - "$d/info.json" "$d/xn-1k-finobt-split.paths" > "$d/json.diff" <<'PY'
import json, sys
got = {x["path"]: x["count"] for x in json.load(open(sys.argv[1]))["replayed"]["finish_paths"]}
want = dict((l.split()[0], int(l.split()[1])) for l in open(sys.argv[2]))
if got != want:
    print("info --json %s, replay -v %s" % (got, want))
PY
[ ! -s "$d/json.diff" ] && grep -q finobt.split "$d/info.json"
ok $? "info --json: replayed.finish_paths as replay -v lists them $(cat "$d/json.diff")"
python3 "$top_srcdir/tests/lib/manschema.py" "$top_srcdir/man/fsimg-info.1" info "$d/info.json" 2> "$d/why"
ok $? "info --json matches fsimg-info(1)'s schema $(head -1 "$d/why")"
done_testing
