#!/bin/sh
# fsck, inode passes: clean images give no inode, extent, shared-block or
# data-state error or warning (--scan-data included), and fsimg agrees with
# e2fsck -fn. The other variants: fsck_inode_clean2.sh.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/fsck_inode.sh"
fi_init
for v in ext2 ext3 ext4 ext4_1k ext4_nocsum; do
	fi_clean "$v"
done
FI_OPTS=--scan-data fi_clean ext4
fi_has_id "$FI_OUT" DATA_PREALLOC_PAST_EOF
ok $? "ext4 clean: preallocation past EOF is an info"
done_testing
