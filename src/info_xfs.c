/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fsimg info's view of an XFS log (fsimg/xlog.h): its state, head and tail as on disk. */
#include "config.h"

#include "info.h"
#include "fsimg/xlog.h"

/* As info.h says: 1 when read, 0 when not. */
int info_xfs_log_ends(struct cli_image *img, struct info_log_ends *out)
{
	struct fsimg_xlog_info li;
	fsimg_fs *raw = NULL;
	fsimg_xlog *log = NULL;
	char why[256] = "";
	int err;

	if (!img->info.log_internal && !img->journal_io)
		return 0;
	err = fsimg_fs_open(&raw, img->io, 0, why, sizeof why);
	if (err == 0)
		err = fsimg_xlog_open(&log, raw, img->journal_io, why, sizeof why);
	if (err == 0) {
		fsimg_xlog_info(&li, log);
		out->head_cycle = li.head_cycle;
		out->head_block = li.head_block;
		out->tail_cycle = li.tail_cycle;
		out->tail_block = li.tail_block;
		out->clean = li.clean || li.zeroed;
	} else {
		cli_error(img, "warning: the log cannot be read: %s", why[0] ? why : fsimg_strerror(err));
	}
	fsimg_xlog_close(log);
	fsimg_fs_close(raw);
	return err == 0;
}
