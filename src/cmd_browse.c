/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fsimg browse: the interactive ncurses browser (src/browse/). Options and
 * the image are handled here like every other command; when fsimg was
 * built without ncursesw the command says so and fails.
 */
#include "config.h"

#include <stdio.h>
#include <unistd.h>

#include "cli.h"
#include "cmds.h"
#ifdef HAVE_NCURSES
#include "browse/browse_run.h"
#endif

static const struct cli_cmd browse_cmd = {
	"browse", "[-j EXTERNAL_JOURNAL] [--no-replay] IMAGE",
	"Browse IMAGE interactively: tree, inode, extent map, journal, groups, hex, problems.\n"
	"Press ? in the browser for the keys. Nothing is written to IMAGE.",
	NULL, 0, 1, 1,
};

int cmd_browse(int argc, char **argv)
{
	struct cli_common common;
	struct cli_image img;
	int first, status;

	status = cli_parse(&common, &browse_cmd, argc, argv, NULL, NULL, &first);
	if (status >= 0)
		return status;
#ifndef HAVE_NCURSES
	(void)img;
	fprintf(stderr, "fsimg browse: not built: fsimg was configured without ncursesw\n");
	return CLI_EXIT_ERROR;
#else
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "fsimg browse: needs a terminal\n");
		return CLI_EXIT_USAGE;
	}
	status = cli_open(&img, &common, argv[first]);
	if (status)
		return status;
	status = browse_run(&img, argv[first]);
	return cli_close(&img, status);
#endif
}
