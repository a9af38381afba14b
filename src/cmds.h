/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The subcommands main() dispatches to; each is in src/cmd_NAME.c. */
#ifndef FSIMG_CMDS_H
#define FSIMG_CMDS_H

int cmd_info(int argc, char **argv);
int cmd_ls(int argc, char **argv);
int cmd_cat(int argc, char **argv);
int cmd_extents(int argc, char **argv);
int cmd_journal(int argc, char **argv);
int cmd_replay(int argc, char **argv);
int cmd_undo(int argc, char **argv);
int cmd_fsck(int argc, char **argv);
int cmd_browse(int argc, char **argv);

#include <stdbool.h>
/* fsimg --version [--json] (version.c) */
int cmd_version(bool json);
/* fsimg __complete path [...] IMAGE PREFIX, for the shell completion (complete.c) */
int cli_complete_path(int argc, char **argv);

#endif /* FSIMG_CMDS_H */
