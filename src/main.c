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

	fprintf(f, "Usage: fsimg [-h|--help] [-V|--version [--json]] COMMAND [OPTIONS] IMAGE [ARGS]\n"
		   "Tools for ext2/3/4 filesystem images (only replay and undo write).\n\nCommands:\n");
	for (i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\nRun 'fsimg COMMAND --help' for a command's options.\n");
}

/*
 * fsimg __complete commands | options COMMAND | path [-j J] [--no-replay] IMAGE PREFIX:
 * what the bash completion asks (one answer a line). Not in the usage: it
 * is for the completion script.
 */
static int complete(int argc, char **argv)
{
	size_t i;

	if (argc >= 2 && !strcmp(argv[1], "commands")) {
		for (i = 0; i < NCOMMANDS; i++)
			printf("%s\n", commands[i].name);
		return fflush(stdout) ? CLI_EXIT_ERROR : CLI_EXIT_OK;
	}
	if (argc == 3 && !strcmp(argv[1], "options")) {
		for (i = 0; i < NCOMMANDS; i++)
			if (!strcmp(argv[2], commands[i].name)) {
				char *av[] = { argv[2], (char *)CLI_COMPLETE_OPTIONS, NULL };
				return commands[i].run(2, av);
			}
		return CLI_EXIT_USAGE;
	}
	if (argc >= 2 && !strcmp(argv[1], "path"))
		return cli_complete_path(argc - 1, argv + 1);
	fprintf(stderr, "usage: fsimg __complete commands | options COMMAND | path IMAGE PREFIX\n");
	return CLI_EXIT_USAGE;
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
		bool json = argc == 3 && !strcmp(argv[2], "--json");

		if (argc > 2 && !json) {
			fprintf(stderr, "fsimg: --version takes only --json\n");
			return CLI_EXIT_USAGE;
		}
		return cmd_version(json);
	}
	if (!strcmp(name, "__complete"))
		return complete(argc - 1, argv + 1);
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
