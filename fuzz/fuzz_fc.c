/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzz target: the fast-commit replay (jbd2/fc_replay.c, fc_names.c,
 * fc_dirs.c, fc_inline.c, fc_bmap.c, fc_groups.c). The image's valid fast commits are replayed into the plan;
 * every block the replay made is read through the overlay, and the
 * replayed filesystem is opened and every inode a fast-commit tag names is
 * read, mapped and, for a directory, listed: what the replay wrote must be
 * readable by the library's own parsers without a crash. Seeds: fuzz/mkseeds.sh
 * (ext4fc: a fast-commit area with every tag kind, from the kinds the
 * kernel-made fixtures of tests/crash/fixtures hold; ext4fcin: names in an
 * inline-data directory until it grows into its xattr and then a block, a
 * new inline directory, fc_inline.c; ext4fcb: block-mapped files and a
 * directory unlinked and freed, fc_bmap.c; ext4fccf: mixed-case names in a
 * casefolded directory). FUZZ_OPT_FIXCSUM also
 * recomputes the TAIL crcs, so mutated tags stay valid fast commits.
 */
#include "fuzz.h"
#include "fsimg/journal.h"

/* Reads, maps and lists inode ino of the replayed filesystem. */
static void walk_inode(fsimg_fs *fs, uint32_t ino)
{
	struct fsimg_inode inode;
	struct fsimg_run run;
	struct fsimg_dirent ent;
	fsimg_map *m = NULL;
	fsimg_dir *d = NULL;

	if (fsimg_inode_read(&inode, fs, ino) < 0)
		return;
	if (fsimg_map_open(&m, fs, &inode, FSIMG_MAP_TREE) == 0) {
		for (size_t k = 0; k < FUZZ_MAX_RUNS && fsimg_map_next(m, &run) > 0; k++)
			fuzz_use(&run, sizeof(run));
		fsimg_map_close(m);
	}
	if (fsimg_dir_open(&d, fs, ino) == 0) {
		for (size_t k = 0; k < FUZZ_MAX_DIRENTS && fsimg_dir_next(d, &ent) > 0; k++)
			fuzz_use(&ent, sizeof(ent));
		fsimg_dir_close(d);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in;
	fsimg_fs *fs = NULL, *rfs = NULL;
	fsimg_recovery *rep = NULL;
	fsimg_journal *j = NULL;
	fsimg_plan *plan = NULL;
	fsimg_io *ov = NULL;
	uint32_t inos[64];
	size_t ninos = 0;
	char err[256];

	if (fuzz_input_open(&in, data, size) < 0)
		return 0;
	if (fsimg_fs_open(&fs, in.io, fuzz_open_flags(&in) | FSIMG_OPEN_NO_REPLAY, err, sizeof(err)) < 0)
		goto out;
	if (fsimg_journal_open(&j, fs, NULL) < 0)
		goto out;
	if (fsimg_plan_create(&plan, j, 0) == 0) {
		struct fsimg_plan_stats st;
		struct fsimg_plan_entry e;
		struct fsimg_fc_tag tag;
		uint32_t bs = fsimg_ext4_super(fs)->block_size;
		uint8_t *buf = malloc(bs), *jb = malloc(bs);

		(void)fsimg_plan_stats(&st, plan);
		/* the inodes the tags name (the value's first or second word) */
		for (size_t i = 0; jb && i < 4096 && ninos < 64 && fsimg_journal_fc_tag(&tag, j, i) > 0; i++) {
			if (tag.tag < 1 || tag.tag > 6 || fsimg_journal_read_block(j, jb, tag.journal_block) < 0 ||
			    tag.offset + 12u > bs)
				continue;
			const uint8_t *v = jb + tag.offset + 4;
			inos[ninos++] = (uint32_t)(v[0] | v[1] << 8 | v[2] << 16 | (uint32_t)v[3] << 24);
			if (tag.tag >= 3 && tag.tag <= 5 && ninos < 64)
				inos[ninos++] = (uint32_t)(v[4] | v[5] << 8 | v[6] << 16 | (uint32_t)v[7] << 24);
		}
		if (buf && fsimg_io_open_overlay(&ov, in.io, plan, 0) == 0) {
			for (size_t i = 0; i < fsimg_plan_count(plan) && i < 8192; i++) {
				if (fsimg_plan_entry(&e, plan, i) < 0 || e.journal_block != UINT32_MAX)
					continue;
				(void)fsimg_plan_read_entry(buf, bs, plan, i);
				(void)fsimg_io_read(ov, buf, bs, e.fs_block * bs);
				(void)fsimg_io_read(ov, buf, bs, e.fs_block * bs + bs / 2);
				fuzz_use(buf, bs);
			}
			fsimg_io_close(ov);
		}
		free(buf);
		free(jb);
		fsimg_plan_free(plan);
	}
	if (fsimg_fs_open_recovered(&rfs, &rep, in.io, NULL, fuzz_open_flags(&in), err, sizeof(err)) == 0) {
		walk_inode(rfs, FSIMG_ROOT_INO);
		for (size_t i = 0; i < ninos; i++)
			walk_inode(rfs, inos[i]);
		fsimg_fs_close(rfs);
	}
	fsimg_recovery_free(rep);
out:
	if (j)
		fsimg_journal_close(j);
	if (fs)
		fsimg_fs_close(fs);
	fuzz_input_close(&in);
	return 0;
}
