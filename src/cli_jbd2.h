/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the commands about ext3/4's jbd2 journal share (journal, replay, browse). */
#ifndef FSIMG_CLI_JBD2_H
#define FSIMG_CLI_JBD2_H

#include "fsimg/ext4.h"
#include "fsimg/journal.h"
#include "cli.h"

/* The ext2/3/4 superblock of an image opened by cli_open; NULL on another filesystem. */
static inline const struct fsimg_super *cli_sb(const struct cli_image *img)
{
	return fsimg_ext4_super(img->fs);
}

/*
 * Opens the journal of an image opened by cli_open (the external one when
 * -j was given). Prints one line and returns CLI_EXIT_ERROR on failure.
 */
int cli_journal_open(fsimg_journal **out, struct cli_image *img);

#endif /* FSIMG_CLI_JBD2_H */
