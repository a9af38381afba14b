/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Replays inputs through a harness without a fuzzing engine (as libgit2's
 * standalone_driver): every file named on the command line, and every
 * regular file (recursively) in every directory named. Prints one line per
 * input when FUZZ_VERBOSE is set, and a count at the end; a crash or a
 * sanitizer report is the failure. Exit 0, or 2 on an unreadable argument.
 */
#include <dirent.h>
#include <stdio.h>
#include <sys/stat.h>

#include "fuzz.h"

static unsigned long count;
static int verbose;

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (!f) {
		perror(path);
		return -1;
	}
	for (;;) {
		if (len == cap) {
			uint8_t *nb;

			cap = cap ? cap * 2 : 65536;
			nb = realloc(buf, cap);
			if (!nb) {
				fclose(f);
				free(buf);
				fprintf(stderr, "%s: out of memory\n", path);
				return -1;
			}
			buf = nb;
		}
		n = fread(buf + len, 1, cap - len, f);
		if (n == 0)
			break;
		len += n;
	}
	fclose(f);
	if (verbose) {
		printf("# %s (%zu bytes)\n", path, len);
		fflush(stdout);
	}
	LLVMFuzzerTestOneInput(buf, len);
	free(buf);
	count++;
	return 0;
}

static int run_path(const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *e;
	int err = 0;

	if (stat(path, &st) < 0) {
		perror(path);
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return S_ISREG(st.st_mode) ? run_file(path) : 0;
	d = opendir(path);
	if (!d) {
		perror(path);
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		char *sub;

		if (e->d_name[0] == '.')
			continue; /* ".", "..", and hidden files (.gitignore) */
		sub = malloc(strlen(path) + strlen(e->d_name) + 2);
		if (!sub)
			break;
		sprintf(sub, "%s/%s", path, e->d_name);
		if (run_path(sub) < 0)
			err = -1;
		free(sub);
	}
	closedir(d);
	return err;
}

int main(int argc, char **argv)
{
	int status = 0;

	verbose = getenv("FUZZ_VERBOSE") != NULL;
	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
		return 16;
	}
	for (int i = 1; i < argc; i++)
		if (run_path(argv[i]) < 0)
			status = 2;
	printf("%s: %lu inputs\n", argv[0], count);
	return status;
}
