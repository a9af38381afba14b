/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Shared by the fuzz harnesses (fuzz/fuzz_*.c). Each harness is a
 * LLVMFuzzerTestOneInput over the memory I/O backend; the first input byte
 * chooses options, the rest is the image:
 *
 *   bit 0  FUZZ_OPT_FIXCSUM   recompute the metadata_csum / uninit_bg
 *                             checksums (superblock, primary group
 *                             descriptors, bitmaps, inodes, extent and
 *                             directory blocks) and the jbd2 csum v2/v3 ones
 *                             (fixcsum.c) before parsing, so mutations reach
 *                             deep code
 *   bit 1  FUZZ_OPT_NOVERIFY  open with FSIMG_OPEN_NO_CSUM_VERIFY
 *   bit 2  FUZZ_OPT_EXTRA     harness-specific (journal: FSIMG_PLAN_IGNORE_CSUM;
 *                             cat: FSIMG_READ_RAW; fsck: FSIMG_CHECK_SCAN_DATA;
 *                             inode: walk inodes from the end)
 *   bit 3  FUZZ_OPT_NOREPLAY  cat/fsck: FSIMG_OPEN_NO_REPLAY; xfin: the v5
 *                             metadata CRCs of the data device recomputed
 *
 * Inputs are bounded to FUZZ_MAX_INPUT bytes (larger ones are ignored), and
 * every walk has a fixed bound so one input runs in milliseconds.
 */
#ifndef FSIMG_FUZZ_H
#define FSIMG_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fsimg/fsimg.h"
#include "fsimg/ext4.h"

#define FUZZ_MAX_INPUT (4u << 20)
#define FUZZ_OPT_FIXCSUM 0x1u
#define FUZZ_OPT_NOVERIFY 0x2u
#define FUZZ_OPT_EXTRA 0x4u
#define FUZZ_OPT_NOREPLAY 0x8u

/* Bounds of the walks (per input). */
#define FUZZ_MAX_INODES 4096u
#define FUZZ_MAX_RUNS 4096u
#define FUZZ_MAX_DIRENTS 20000u
#define FUZZ_MAX_DIRS 512u
#define FUZZ_MAX_READ (8u << 20) /* bytes read through files, in all */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* fixcsum.c: recompute checksums in place (a private copy of the input). */
void fuzz_fix_checksums(uint8_t *img, size_t len);

/* mutator.c: 1 to 4 mutations of img chosen by seed (deterministic), one line
 * each to log unless it is NULL; returns how many. Not thread-safe. */
#include <stdio.h>
unsigned fuzz_mutate(uint8_t *img, size_t len, uint64_t seed, FILE *log);
/* 1: fuzz_mutate also draws the extended kinds; 2: the second round's too (mutator.c) */
extern int fuzz_mutate_extended;

struct fuzz_input {
	unsigned opts;
	uint8_t *img;    /* private copy (harnesses may not write the fuzzer's buffer) */
	size_t len;
	fsimg_io *io;
};

/* Returns 0 and an open memory io, or -1 when the input is to be skipped. */
static inline int fuzz_input_open(struct fuzz_input *in, const uint8_t *data, size_t size)
{
	memset(in, 0, sizeof(*in));
	if (size < 1 || size > FUZZ_MAX_INPUT)
		return -1;
	in->opts = data[0];
	in->len = size - 1;
	/* malloc(0) may return NULL: keep one byte */
	in->img = malloc(in->len ? in->len : 1);
	if (!in->img)
		return -1;
	if (in->len)
		memcpy(in->img, data + 1, in->len);
	if (in->opts & FUZZ_OPT_FIXCSUM)
		fuzz_fix_checksums(in->img, in->len);
	if (fsimg_io_open_mem(&in->io, in->img, in->len) < 0) {
		free(in->img);
		return -1;
	}
	return 0;
}

static inline unsigned fuzz_open_flags(const struct fuzz_input *in)
{
	return (in->opts & FUZZ_OPT_NOVERIFY) ? FSIMG_OPEN_NO_CSUM_VERIFY : 0;
}

static inline void fuzz_input_close(struct fuzz_input *in)
{
	fsimg_io_close(in->io);
	free(in->img);
}

/* Keeps the compiler from dropping reads whose results are unused. */
static inline void fuzz_use(const void *p, size_t n)
{
	volatile uint8_t sink = 0;
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i += 512)
		sink ^= b[i];
	(void)sink;
}

#endif /* FSIMG_FUZZ_H */
