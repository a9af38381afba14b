#!/bin/sh
# Directed ext4 campaign (camp4): one debugfs change a case -- an inode field
# (set_inode_field), a superblock field (set_super_value) or a group
# descriptor field (set_bg) -- set to one of 0, 1, 2, 7, 0x100, 0xffff,
# 0x80000000, 0xffffffff, over chosen inodes of fuzz/mkseeds.sh's bases
# (root, files, directories and the reserved ones each base has), debugfs
# recomputing the checksums. Each case is judged twice: e2fsck -fn against
# fsimg fsck --no-replay, and e2fsck -fy on a copy (fuzz/verdict.sh's
# fy_judge, the project's truth) against fsimg fsck; fuzz/verdict.sh's
# verdicts.
#
#   sh fuzz/debugfs_sweep.sh [--seed S] [--count N] [--bases LIST] [--fsimg PATH]
#                            [--out FILE] [--keep DIR]
#
# --bases: the 17 bases with chosen inodes (the default; a seed draws the
# same list as before the option existed) or any of them and camp5's
# e3i128 nbmbg e2hf enci nob64j.
#
# Prints one line per case where either truth disagrees and a summary;
# --out gets every case (base, command, fn: e2fsck/fsimg:verdict,
# fy: e2fsck/fsimg:verdict, e2fsck's first line, fsimg's ids); --keep DIR
# the image of each case either truth disagrees on. A command debugfs
# refuses is "skip", one that changes no byte "same".
set -u
LC_ALL=C; export LC_ALL
for t in e2fsck debugfs python3 timeout; do
	command -v $t >/dev/null 2>&1 || PATH=$PATH:/sbin:/usr/sbin
done
here=$(cd "$(dirname "$0")" && pwd)
. "$here/verdict.sh"
top=${top_builddir:-$here/..}
seed=100 count=200 out= keep= fsimg=${FSIMG:-$top/src/fsimg}
bases="bigal inl1k inlx mbg grow cf ext2 ext3 quo orpm mmp big1k deep big64 m64f1k feat shrink"
. "$here/campaign.sh"
camp_usage="usage: debugfs_sweep.sh [--seed S] [--count N] [--bases LIST] [--fsimg PATH] [--out FILE] [--keep DIR]"
while [ $# -gt 0 ]; do
	camp_opt "$@" && { shift $camp_n; continue; }
	case $1 in
	--bases) bases=$2; shift 2 ;;
	*) echo "$camp_usage" >&2; exit 2 ;;
	esac
done
t=$(mktemp -d "${TMPDIR:-/tmp}/fsimg-dsweep.XXXXXX") || exit 2
trap 'rm -rf "$t"' EXIT
trap 'exit 1' INT TERM
sh "$here/mkseeds.sh" "$t/s" >"$t/mkseeds.log" 2>&1 || { echo "debugfs_sweep.sh: mkseeds.sh failed" >&2; exit 2; }
python3 - "$seed" "$count" "$bases" >"$t/list" <<'PY' || exit 2
import random, sys
random.seed(int(sys.argv[1]))
n = int(sys.argv[2])
inodes = {
 'bigal': [2, 12, 13, 17, 11], 'inl1k': [2, 12, 13, 17, 31], 'inlx': [2, 12, 13, 17, 31],
 'mbg': [2, 12, 13, 7], 'grow': [2, 12, 7], 'cf': [2, 12, 37, 17], 'ext2': [2, 12, 13, 17, 35],
 'ext3': [2, 12, 13, 17, 8, 7], 'quo': [2, 13, 3, 4], 'orpm': [2, 13, 12], 'mmp': [2, 12],
 'big1k': [2, 12, 8], 'deep': [2, 14, 715, 716, 12, 8], 'big64': [2, 12],
 'm64f1k': [2, 12, 13, 17], 'feat': [2, 12, 13, 17], 'shrink': [2, 12, 7],
 'e3i128': [2, 12, 13, 8, 7], 'nbmbg': [2, 12, 13, 11], 'e2hf': [2, 12, 13, 7],
 'enci': [2, 12, 13, 11], 'nob64j': [2, 12, 13, 8, 7],
}
bases = {}
for b in sys.argv[3].split():
    if b not in inodes:
        sys.exit('debugfs_sweep.sh: no inode list for base %s' % b)
    bases[b] = inodes[b]
ifields = ("mode uid size size_hi dtime gid links_count blocks blocks_hi flags version translator "
           "block[0] block[1] block[2] block[3] block[4] block[5] block[6] block[7] block[11] "
           "block[IND] block[DIND] block[TIND] generation file_acl file_acl_hi faddr frag fsize "
           "checksum checksum_hi extra_isize projid").split()
sfields = ("inodes_count blocks_count blocks_count_hi r_blocks_count free_blocks_count "
           "free_inodes_count first_data_block log_block_size log_cluster_size blocks_per_group "
           "clusters_per_group inodes_per_group mnt_count max_mnt_count state errors "
           "minor_rev_level checkinterval creator_os rev_level def_resuid first_ino inode_size "
           "block_group_nr feature_compat feature_incompat feature_ro_compat "
           "algorithm_usage_bitmap prealloc_blocks reserved_gdt_blocks journal_inum journal_dev "
           "last_orphan def_hash_version jnl_backup_type desc_size default_mount_opts "
           "first_meta_bg jnl_blocks[0] jnl_blocks[15] jnl_blocks[16] min_extra_isize "
           "want_extra_isize flags raid_stride mmp_interval mmp_block raid_stripe_width "
           "log_groups_per_flex checksum_type encryption_level snapshot_inum usr_quota_inum "
           "grp_quota_inum prj_quota_inum overhead_clusters backup_bgs[0] backup_bgs[1] checksum "
           "error_count first_error_ino lpf_ino checksum_seed orphan_file_inum encrypt_algos[0] "
           "kbytes_written").split()
bfields = ("block_bitmap block_bitmap_hi inode_bitmap inode_table inode_table_hi "
           "free_blocks_count free_inodes_count used_dirs_count flags exclude_bitmap "
           "block_bitmap_csum inode_bitmap_csum itable_unused checksum").split()
vals = ['0', '1', '2', '0xffff', '0xffffffff', '0x80000000', '7', '0x100']
seen, out = set(), []
while len(out) < n:
    b = random.choice(list(bases))
    r = random.random()
    v = random.choice(vals)
    if r < 0.55:
        cmd = 'sif <%d> %s %s' % (random.choice(bases[b]), random.choice(ifields), v)
    elif r < 0.8:
        cmd = 'ssv %s %s' % (random.choice(sfields), v)
    else:
        cmd = 'set_bg %d %s %s' % (random.choice([0, 0, 1, 2]), random.choice(bfields), v)
    if (b, cmd) not in seen:  # drawn in order: the same list for a seed in every run
        seen.add((b, cmd))
        out.append((b, cmd))
for b, c in out:
    print('%s\t%s' % (b, c))
PY
[ -n "$out" ] && : >"$out"
[ -n "$keep" ] && mkdir -p "$keep"
n=0 fn_dis=0 fy_dis=0 crash=0
while IFS='	' read -r b cmd; do
	cp "$t/s/base/$b.img" "$t/m.img"
	debugfs -w -R "$cmd" "$t/m.img" >"$t/dbg" 2>&1
	if grep -q -i 'invalid\|unknown\|usage\|not found\|Couldn' "$t/dbg"; then
		[ -n "$out" ] && printf '%s\t%s\tskip\n' "$b" "$cmd" >>"$out"
		continue
	fi
	if cmp -s "$t/s/base/$b.img" "$t/m.img"; then
		[ -n "$out" ] && printf '%s\t%s\tsame\n' "$b" "$cmd" >>"$out"
		continue
	fi
	n=$((n + 1))
	cp "$t/m.img" "$t/e.img"; timeout -k 2 60 e2fsck -fn "$t/e.img" </dev/null >"$t/en" 2>&1; en=$?
	cp "$t/m.img" "$t/e.img"; timeout -k 2 60 e2fsck -fy "$t/e.img" </dev/null >"$t/ey" 2>&1; ey=$(fy_judge $? "$t/ey")
	timeout -k 2 30 "$fsimg" fsck --no-replay --threads 1 "$t/m.img" >"$t/fn" 2>&1; fn=$?
	timeout -k 2 30 "$fsimg" fsck --threads 1 "$t/m.img" >"$t/fy" 2>&1; fy=$?
	verdict $en "$t/en" $fn "$t/fn"; vn=$v
	verdict $ey "$t/ey" $fy "$t/fy"; vy=$v
	case $vn:$vy in *CRASH*) crash=$((crash + 1)) ;; esac
	case $vn in agree | agree-counts | refused) ;; *) fn_dis=$((fn_dis + 1)) ;; esac
	case $vy in agree | agree-counts | refused) ;; *) fy_dis=$((fy_dis + 1)) ;; esac
	ef=$(grep -v '^e2fsck 1\.\|^Pass \|^$\|^ext2fs_open2\|^\*\*\*\|files (' "$t/ey" | head -1 | tr '\t' ' ')
	fi=$(sed -n 's/^\(warning: \|info: \)\{0,1\}\([A-Z][A-Z0-9_]*\): .*/\2/p' "$t/fy" | sort -u | tr '\n' ' ')
	line=$(printf '%s\t%s\tfn:%s/%s:%s\tfy:%s/%s:%s\t%s\t%s' "$b" "$cmd" "$en" "$fn" "$vn" "$ey" "$fy" "$vy" "$ef" "$fi")
	[ -n "$out" ] && printf '%s\n' "$line" >>"$out"
	case $vn:$vy in
	*[A-Z]-* | *MISSED* | *CRASH*)
		printf '%s\n' "$line"
		[ -n "$keep" ] && cp "$t/m.img" "$keep/$((n - 1))-$b.img"
		;;
	esac
done <"$t/list"
echo "debugfs_sweep: $n cases (seed $seed): $fy_dis disagree by -fy (the project's truth), $fn_dis by -fn, $crash crashes/timeouts"
[ $crash -eq 0 ]
