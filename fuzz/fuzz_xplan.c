/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzz target for the XFS log recovery planner (libfsimg/xlog/plan.c,
 * inode.c): the two passes over a log whose items meet the metadata they
 * log, so that buffer, inode, dquot and icreate replay, the v5 LSN rules
 * and the AGI unlinked scan all run on mutated bytes. The input, after the
 * option byte:
 *
 *   512 bytes     the superblock sector
 *   be32 LEN      then LEN bytes of log, read as an external log device
 *                 (fuzz_xlog.h: padded to the minimum, the superblock
 *                 pointed at it)
 *   extents       to the end: be64 daddr, be32 sectors, then the sectors'
 *                 bytes: the data device's contents there
 *
 * The data device is virtual: sb_dblocks blocks of zeros but for the
 * extents (a later one wins) and the superblock sector over them, so a seed
 * carries only the sectors the log touches (fuzz/mkseeds_xplan.py cuts
 * them from the crash fixtures). The plan must come out well formed:
 * writes ascending, not overlapping, inside the device; anything else
 * aborts. FUZZ_OPT_EXTRA recomputes the record CRCs first (as fuzz_xlog).
 * With FUZZ_XPLAN_PRINT set, the plan is printed as `xlogdump IMAGE plan`
 * prints it, so that a test can show a seed plans as its whole image does.
 */
#include "fuzz_xvdev.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xrun r;
	struct xlog_plan *plan = NULL;

	if (!xrun_open(&r, data, size, NULL) && !xlog_plan_build(&plan, r.log)) {
		check_plan(plan, r.dev.size);
		xlog_plan_free(plan);
	}
	xrun_close(&r);
	return 0;
}
