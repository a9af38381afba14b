/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz target: the jbd2 journal: open, scan, transactions, fast-commit tags,
 * the recovery plan, and an overlay read of every planned block. */
#include "fuzz.h"
#include "fsimg/journal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in;
	fsimg_fs *fs = NULL;
	fsimg_journal *j = NULL;
	fsimg_plan *plan = NULL;
	fsimg_io *ov = NULL;
	char err[256];

	if (fuzz_input_open(&in, data, size) < 0)
		return 0;
	if (fsimg_fs_open(&fs, in.io, fuzz_open_flags(&in), err, sizeof(err)) < 0)
		goto out;
	if (fsimg_journal_open(&j, fs, NULL) < 0)
		goto out;
	if (fsimg_journal_scan(j) == 0) {
		struct fsimg_journal_scan_info info;
		struct fsimg_jtrans t;
		struct fsimg_jblock b;
		struct fsimg_jrevoke r;
		struct fsimg_fc_tag tag;
		size_t nt = fsimg_journal_trans_count(j);
		uint32_t bs = fsimg_journal_super(j)->blocksize;
		uint8_t *buf = malloc(bs ? bs : 1);

		(void)fsimg_journal_scan_info(&info, j);
		for (size_t i = 0; i < nt && i < 4096; i++) {
			if (fsimg_journal_trans(&t, j, i) < 0)
				continue;
			for (size_t k = 0; k < t.nblocks && k < 4096; k++)
				(void)fsimg_journal_trans_block(&b, j, i, k);
			for (size_t k = 0; k < t.nrevokes && k < 4096; k++)
				(void)fsimg_journal_trans_revoke(&r, j, i, k);
			(void)fsimg_journal_trans_block(&b, j, i, t.nblocks); /* one past */
		}
		for (size_t i = 0; i < 4096 && fsimg_journal_fc_tag(&tag, j, i) == 0; i++)
			;
		if (buf) {
			(void)fsimg_journal_read_block(j, buf, 0);
			(void)fsimg_journal_read_block(j, buf, info.end_block);
			(void)fsimg_journal_read_block(j, buf, 0xFFFFFFFFu);
		}
		free(buf);
	}
	if (fsimg_plan_create(&plan, j, (in.opts & FUZZ_OPT_EXTRA) ? FSIMG_PLAN_IGNORE_CSUM : 0) == 0) {
		struct fsimg_plan_stats st;
		struct fsimg_plan_entry e;
		size_t n = fsimg_plan_count(plan);
		uint32_t bs = fsimg_ext4_super(fs)->block_size;
		uint8_t *buf = malloc(bs);

		(void)fsimg_plan_stats(&st, plan);
		if (buf && fsimg_io_open_overlay(&ov, in.io, plan, 0) == 0) {
			for (size_t i = 0; i < n && i < 8192; i++) {
				if (fsimg_plan_entry(&e, plan, i) < 0)
					continue;
				(void)fsimg_plan_lookup(&e, plan, e.fs_block);
				(void)fsimg_plan_read_entry(buf, bs, plan, i);
				(void)fsimg_io_read(ov, buf, bs, e.fs_block * bs);
				/* straddling the block's end */
				(void)fsimg_io_read(ov, buf, bs, e.fs_block * bs + bs / 2);
				fuzz_use(buf, bs);
			}
			(void)fsimg_io_read(ov, buf, bs, 0);
			(void)fsimg_io_read(ov, buf, 1024, 1024); /* the superblock, rewritten */
			fsimg_io_close(ov);
		}
		free(buf);
		fsimg_plan_free(plan);
	}
out:
	if (j)
		fsimg_journal_close(j);
	if (fs)
		fsimg_fs_close(fs);
	fuzz_input_close(&in);
	return 0;
}
