/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz target: the whole read-only checker (fsimg_check_run) on the image,
 * after replaying the journal in memory, single-threaded. */
#include "fuzz.h"
#include "fsimg/journal.h"
#include "fsimg/check.h"

static void report(void *ctx, const struct fsimg_problem *p)
{
	/* touch what a front end would print */
	*(size_t *)ctx += strlen(p->message) + strlen(p->def->id);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in;
	fsimg_fs *fs = NULL;
	fsimg_recovery *replay = NULL;
	char err[256];
	unsigned flags;

	if (fuzz_input_open(&in, data, size) < 0)
		return 0;
	flags = fuzz_open_flags(&in) | ((in.opts & FUZZ_OPT_NOREPLAY) ? FSIMG_OPEN_NO_REPLAY : 0);
	if (fsimg_fs_open_recovered(&fs, &replay, in.io, NULL, flags, err, sizeof(err)) == 0) {
		struct fsimg_check_opts o;
		struct fsimg_check_summary sum;
		size_t chars = 0;

		memset(&o, 0, sizeof(o));
		o.flags = (in.opts & FUZZ_OPT_EXTRA) ? FSIMG_CHECK_SCAN_DATA : 0;
		o.report = report;
		o.report_ctx = &chars;
		o.raw_journal = replay ? fsimg_recovery_journal(replay) : NULL;
		o.threads = 1;
		(void)fsimg_check_run(&sum, fs, &o);
		fsimg_fs_close(fs);
	}
	if (replay)
		fsimg_recovery_free(replay);
	fuzz_input_close(&in);
	return 0;
}
