/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fsimg --version [--json]: the version, then what this build supports, so
 * an administrator or a CI job can ask a binary rather than its changelog.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <json-c/json_c_version.h>

#include "cli.h"
#include "cmds.h"

static const char *const filesystems[] = { "ext2", "ext3", "ext4", "xfs" };
static const char *const journals[] = { "jbd2", "xfs_log" };
/* What of the journals is read: both places, every checksum version, and replay. */
static const char *const journal_features[] = {
	"internal", "external", "csum_v1", "csum_v2", "csum_v3", "64bit", "revoke",
	"replay_in_memory", "replay_to_file", "replay_in_place_with_undo",
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

#ifdef HAVE_NCURSES
#define BROWSER true
#else
#define BROWSER false
#endif

/* The table implementation is "slice8"; any other name is a CPU instruction. */
static bool crc32c_hardware(const char *impl)
{
	return strcmp(impl, "slice8") != 0;
}

static void put_list(const char *label, const char *const *v, size_t n)
{
	printf("%s:", label);
	for (size_t i = 0; i < n; i++)
		printf(" %s", v[i]);
	putchar('\n');
}

static void json_list(struct jw *w, const char *key, const char *const *v, size_t n)
{
	jw_arr_begin(w, key);
	for (size_t i = 0; i < n; i++)
		jw_str(w, NULL, v[i]);
	jw_arr_end(w);
}

/* The container formats this build reads (core/image.c): qcow2 always, the libyal ones when built. */
static const char *const containers[] = {
	"qcow2",
#ifdef HAVE_ZSTD
	"qcow2-zstd",
#endif
#ifdef HAVE_LIBYAL
	"vmdk", "vhd", "vhdx", "e01",
#endif
};
static const char *const partition_tables[] = { "gpt", "dos" };

int cmd_version(bool json)
{
	const char *impl = fsimg_crc32c_impl();
	struct jw w;

	if (json) {
		jw_init(&w, stdout);
		jw_obj_begin(&w, NULL);
		jw_str(&w, "version", PACKAGE_VERSION);
		json_list(&w, "filesystems", filesystems, N(filesystems));
		json_list(&w, "journals", journals, N(journals));
		json_list(&w, "journal_features", journal_features, N(journal_features));
		jw_bool(&w, "fast_commit_replay", true);
		jw_obj_begin(&w, "checksums");
		jw_str(&w, "crc32c", impl);
		jw_bool(&w, "crc32c_hardware", crc32c_hardware(impl));
		jw_str(&w, "crc16", "table");
		jw_obj_end(&w);
		json_list(&w, "containers", containers, N(containers));
		json_list(&w, "partition_tables", partition_tables, N(partition_tables));
		jw_bool(&w, "browser", BROWSER);
		jw_str(&w, "json_c", json_c_version());
		jw_obj_end(&w);
		jw_record_end(&w);
	} else {
		printf("fsimg %s\n", PACKAGE_VERSION);
		put_list("filesystems", filesystems, N(filesystems));
		put_list("journals", journals, N(journals));
		printf("journal features: internal and external; checksums v1, v2, v3; 64bit; revoke;\n"
		       "  replayed in memory by every command, or to a file or in place (with undo) by\n"
		       "  replay; ext4 fast commits replayed as Linux 6.1 does; the XFS log (internal or\n"
		       "  external) likewise, with what the kernel's mount finishes after it where exact\n");
		printf("checksums: crc32c (%s, %s), crc16 (table)\n", impl,
		       crc32c_hardware(impl) ? "hardware" : "table");
		put_list("containers", containers, N(containers));
		put_list("partition tables", partition_tables, N(partition_tables));
		printf("browser: %s\n", BROWSER ? "yes (ncursesw)" : "no (built without ncursesw)");
		printf("json: json-c %s\n", json_c_version());
	}
	return fflush(stdout) ? CLI_EXIT_ERROR : CLI_EXIT_OK;
}
