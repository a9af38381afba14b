/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz target: probing, the superblock and the group descriptors. */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in;
	fsimg_fs *fs = NULL;
	char name[32], err[256];
	fsimg_group_t backups[64];

	if (fuzz_input_open(&in, data, size) < 0)
		return 0;
	(void)fsimg_probe(name, sizeof(name), in.io);
	if (fsimg_fs_open(&fs, in.io, fuzz_open_flags(&in), err, sizeof(err)) == 0) {
		const struct fsimg_super *sb = fsimg_ext4_super(fs);
		struct fsimg_group g;

		(void)fsimg_fs_type(fs);
		(void)fsimg_fs_has_feature(fs, "metadata_csum");
		(void)fsimg_ext4_backup_groups(fs, backups, 64);
		for (uint32_t i = 0; i < sb->group_count && i < 65536; i++)
			(void)fsimg_ext4_group_get(&g, fs, i);
		(void)fsimg_ext4_group_get(&g, fs, sb->group_count); /* one past */
		(void)fsimg_fs_errmsg(fs);
		fsimg_fs_close(fs);
	}
	fuzz_input_close(&in);
	return 0;
}
