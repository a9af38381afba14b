/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libblkid's name for a source (core/probe.c); fsimg_probe asks the backends first. */
#ifndef FSIMG_CORE_PROBE_H
#define FSIMG_CORE_PROBE_H

#include <stddef.h>

#include "fsimg/fsimg.h"

/* 0 and the TYPE libblkid gives, FSIMG_ENOFS (nothing, or no file descriptor), <0. */
int core_blkid_probe(char *name, size_t namelen, fsimg_io *io)
	__attribute__((visibility("hidden")));

#endif /* FSIMG_CORE_PROBE_H */
