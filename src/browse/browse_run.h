/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The browser's entry point, for src/cmd_browse.c. */
#ifndef FSIMG_BROWSE_RUN_H
#define FSIMG_BROWSE_RUN_H

#include "cli.h"

/* Runs the browser on an image opened by cli_open; returns an exit status. */
int browse_run(struct cli_image *img, const char *path);

#endif /* FSIMG_BROWSE_RUN_H */
