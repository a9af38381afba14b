/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The jbd2 journal of an image, for the commands about it: see cli_jbd2.h. */
#include "config.h"

#include "cli_jbd2.h"

int cli_journal_open(fsimg_journal **out, struct cli_image *img)
{
	int err;

	*out = NULL;
	if (!cli_sb(img)) {
		cli_error(img, "%s keeps no jbd2 journal", img->info.type);
		return CLI_EXIT_ERROR;
	}
	if (!img->journal_io && !cli_sb(img)->journal_inum && cli_sb(img)->has_journal) {
		cli_error(img, "the journal is on an external device; give it with -j EXTERNAL_JOURNAL");
		return CLI_EXIT_ERROR;
	}
	err = fsimg_journal_open(out, img->fs, img->journal_io);
	if (err < 0) {
		cli_error(img, "%s", cli_errmsg(img, err));
		return CLI_EXIT_ERROR;
	}
	return 0;
}
