/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fsimg: the command-line front end. main() only dispatches; each command
 * lives in its own cmd_NAME.c.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cmds.h"

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{ "fsck", cmd_fsck, "check the filesystem read-only (after replaying its journal in memory)" },
	{ "info", cmd_info, "show the superblock (and group descriptors)" },
	{ "ls", cmd_ls, "list a directory" },
	{ "cat", cmd_cat, "write a file's contents to standard output" },
	{ "extents", cmd_extents, "show files' extent maps" },
	{ "journal", cmd_journal, "list the journal's superblock and transactions" },
	{ "replay", cmd_replay, "replay the journal into a copy, or in place with an undo file" },
	{ "undo", cmd_undo, "restore an image from the undo file of an in-place replay" },
	{ "browse", cmd_browse, "browse the image interactively (ncurses)" },
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "Usage: fsimg [-h|--help] [-V|--version] COMMAND [OPTIONS] IMAGE [ARGS]\n"
		   "Tools for ext2/3/4 filesystem images (only replay and undo write).\n\nCommands:\n");
	for (i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\nRun 'fsimg COMMAND --help' for a command's options.\n");
}

int main(int argc, char **argv)
{
	const char *name;
	size_t i;

	if (argc < 2) {
		usage(stderr);
		return CLI_EXIT_USAGE;
	}
	name = argv[1];
	if (!strcmp(name, "-h") || !strcmp(name, "--help")) {
		usage(stdout);
		return fflush(stdout) ? CLI_EXIT_ERROR : CLI_EXIT_OK;
	}
	if (!strcmp(name, "-V") || !strcmp(name, "--version")) {
		printf("fsimg %s\n", PACKAGE_VERSION);
		return fflush(stdout) ? CLI_EXIT_ERROR : CLI_EXIT_OK;
	}
	for (i = 0; i < NCOMMANDS; i++)
		if (!strcmp(name, commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	if (name[0] == '-')
		fprintf(stderr, "fsimg: unknown option '%s'\n", name);
	else
		fprintf(stderr, "fsimg: unknown command '%s'\n", name);
	usage(stderr);
	return CLI_EXIT_USAGE;
}
