/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The ext2/3/4 check: its state beside the framework's context, and its
 * passes in order.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "check/ext4/e4check.h"
#include "check/idmap.h"

int check_ext4_run(struct check_ctx *c)
{
	static int (*const passes[])(struct check_ctx *) = {
		check_pass_super, check_pass_inodes, check_pass_dups, check_pass_dirs,
		check_pass_ea_inodes,
		check_pass_bitmaps, check_pass_quota_usage, check_pass_journal,
	};
	struct e4check e;
	int err = 0;

	memset(&e, 0, sizeof(e));
	e.sb = fsimg_ext4_super(c->fs);
	if (!e.sb)
		return FSIMG_ENOTSUP_OP;
	c->be = &e;
	c->first_block = e.sb->first_data_block;
	for (size_t i = 0; err == 0 && i < sizeof(passes) / sizeof(passes[0]); i++)
		err = passes[i](c);
	free(e.ino_orphan);
	check_quota_usage_free(c);
	check_enc_free(c);
	check_badblocks_free(c);
	idmap_free(e.xattr_refs);
	c->be = NULL;
	return err;
}
