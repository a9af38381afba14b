/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * XFS log recovery as the front's fsimg_recovery (recovery.c): the plan,
 * its overlay, its write list, and the superblock and clean log the
 * kernel's mount and unmount leave when nothing is pending.
 */
#ifndef FSIMG_XLOG_RECOVERY_H
#define FSIMG_XLOG_RECOVERY_H

#include "fsimg/fsimg.h"
#include "xlog/xlog.h"

/* The recovery of x's log (external: the log device when it is apart). found,
 * when not NULL, is x's internal log already opened and its ends found by
 * xlog_find_tail_deferred, which returned found_err: the recovery takes it
 * over (it is freed with the recovery, or on failure). On failure errbuf says
 * why. */
int xlog_recovery_plan(fsimg_recovery **out, xfs_fs *x, fsimg_io *external, xlog *found,
		       int found_err, char *errbuf, size_t errlen) XFS_HIDDEN;
/* Is r an XFS recovery whose log is on an external device (then its log is not made clean)? */
bool xlog_recovery_log_external(const fsimg_recovery *r) XFS_HIDDEN;

#endif /* FSIMG_XLOG_RECOVERY_H */
