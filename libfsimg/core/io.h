/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The I/O vtable behind fsimg_io: file, memory, and (later) journal overlay. */
#ifndef FSIMG_CORE_IO_H
#define FSIMG_CORE_IO_H

#include "fsimg/fsimg.h"

struct fsimg_io {
	struct fsimg_io_ops ops;
	void *priv;
};

#endif
