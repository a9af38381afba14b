/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fsimg journal on XFS (journal_xfs.c): the log listed as on disk. */
#ifndef FSIMG_JOURNAL_XFS_H
#define FSIMG_JOURNAL_XFS_H

#include "cli.h"

/*
 * Lists the log of an XFS image opened by cli_open (logdev: the external
 * log device's path, or NULL), then closes the image; returns the exit
 * status (8 with one line on stderr when the log cannot be read).
 */
int journal_xfs(struct cli_image *img, const struct cli_common *c, const char *logdev);

#endif /* FSIMG_JOURNAL_XFS_H */
