/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The views of fsimg info that are about one filesystem (src/info_FS.c). */
#ifndef FSIMG_INFO_H
#define FSIMG_INFO_H

#include <stdbool.h>
#include <stdint.h>

#include "cli.h"

/* dumpe2fs -h's words, and --groups; text or JSON by img->common->json. */
int info_ext4(struct cli_image *img, bool groups);

/* An XFS log's ends as on disk (blocks of 512 bytes), and clean (an unmount record last, or never written). */
struct info_log_ends {
	uint32_t head_cycle, head_block, tail_cycle, tail_block;
	bool clean;
};
/*
 * info_xfs.c: the log of an XFS img (internal, or external given with -l),
 * read as on disk (the filesystem opened again on the raw source: the open
 * one may be the recovered view, whose log is clean): 1 when read, 0 when
 * not (an external log not given; or one that cannot be read, said).
 */
int info_xfs_log_ends(struct cli_image *img, struct info_log_ends *out);

#endif /* FSIMG_INFO_H */
