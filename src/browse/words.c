/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The words the views share, so that they name states alike. */
#include "config.h"

#include "browse.h"

const char *run_state_word(const struct fsimg_run *r)
{
	switch (r->type) {
	case FSIMG_RUN_MAPPED: return "written";
	case FSIMG_RUN_UNWRITTEN: return "unwritten";
	case FSIMG_RUN_INLINE: return "inline";
	case FSIMG_RUN_META: return "tree";
	case FSIMG_RUN_HOLE: return "hole";
	}
	return "?";
}

const char *csum_word(enum fsimg_csum_state s)
{
	switch (s) {
	case FSIMG_CSUM_OK: return "ok";
	case FSIMG_CSUM_BAD: return "BAD";
	default: return "-";
	}
}

const char *jtrans_state_word(enum fsimg_jtrans_state s)
{
	switch (s) {
	case FSIMG_JTRANS_COMMITTED: return "committed";
	case FSIMG_JTRANS_UNCOMMITTED: return "uncommitted";
	case FSIMG_JTRANS_BAD_COMMIT: return "bad commit";
	case FSIMG_JTRANS_BEYOND_END: return "beyond end";
	}
	return "?";
}
