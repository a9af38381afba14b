/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A bounded read cache over an image file (see iocache.c). */
#ifndef FSIMG_IOCACHE_H
#define FSIMG_IOCACHE_H

#include "fsimg/fsimg.h"

/* Like fsimg_io_open_file, with small reads served from a chunk cache. */
int cli_io_open_cached(fsimg_io **out, const char *path);

#endif /* FSIMG_IOCACHE_H */
