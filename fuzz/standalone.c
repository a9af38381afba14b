/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Replays inputs through a harness without a fuzzing engine (as libgit2's
 * standalone_driver): every file named on the command line, and every
 * regular file (recursively) in every directory named. Prints one line per
 * input when FUZZ_VERBOSE is set, and a count at the end; a crash or a
 * sanitizer report is the failure. Exit 0, or 2 on an unreadable argument.
 *
 *   fuzz_TARGET -m SEED COUNT BASE...   COUNT inputs in this one process: input
 *                                       i is BASE number i mod #BASEs with
 *                                       fuzz_mutate(seed SEED * 1000003 + i)
 *                                       applied, after the option byte i mod 16
 *                                       (so the CI smoke test can push
 *                                       thousands of mutated images through
 *                                       every harness in seconds). With
 *                                       FUZZ_VERBOSE, each input's mutations;
 *                                       FUZZ_SAVE=N writes input N (option
 *                                       byte first) to ./fuzz-input before it
 *                                       runs, to keep what failed.
 */
#include <dirent.h>
#include <stdio.h>
#include <sys/stat.h>

#include "fuzz.h"

static unsigned long count;
static int verbose;

/* Reads a whole file; NULL on error (reported). */
static uint8_t *slurp(const char *path, size_t *lenp)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (!f) {
		perror(path);
		return NULL;
	}
	for (;;) {
		if (len == cap) {
			uint8_t *nb;

			cap = cap ? cap * 2 : 65536;
			nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				fclose(f);
				fprintf(stderr, "%s: out of memory\n", path);
				return NULL;
			}
			buf = nb;
		}
		n = fread(buf + len, 1, cap - len, f);
		if (n == 0)
			break;
		len += n;
	}
	fclose(f);
	*lenp = len;
	return buf;
}

static int run_file(const char *path)
{
	size_t len = 0;
	uint8_t *buf = slurp(path, &len);

	if (!buf)
		return -1;
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

static int run_mutated(int argc, char **argv)
{
	unsigned long long seed, n;
	int nbases = argc - 4;
	uint8_t **base;
	size_t *blen, max = 0;
	uint8_t *in;
	int status = 0;
	const char *save = getenv("FUZZ_SAVE"); /* input number N written to ./fuzz-input */

	if (argc < 5) {
		fprintf(stderr, "usage: %s -m SEED COUNT BASE...\n", argv[0]);
		return 16;
	}
	seed = strtoull(argv[2], NULL, 0);
	n = strtoull(argv[3], NULL, 0);
	base = calloc((size_t)nbases, sizeof(*base));
	blen = calloc((size_t)nbases, sizeof(*blen));
	if (!base || !blen)
		return 2;
	for (int b = 0; b < nbases; b++) {
		if (!(base[b] = slurp(argv[4 + b], &blen[b])))
			status = 2;
		else if (blen[b] > max)
			max = blen[b];
	}
	in = status ? NULL : malloc(max + 1);
	for (unsigned long long i = 1; in && i <= n; i++) {
		int b = (int)(i % (unsigned)nbases);

		in[0] = (uint8_t)(i % 16);
		memcpy(in + 1, base[b], blen[b]);
		if (verbose) {
			printf("# %llu: %s, options %u\n", i, argv[4 + b], in[0]);
			fflush(stdout);
		}
		(void)fuzz_mutate(in + 1, blen[b], seed * 1000003 + i, verbose ? stdout : NULL);
		if (verbose)
			fflush(stdout);
		if (save && strtoull(save, NULL, 0) == i) {
			FILE *f = fopen("fuzz-input", "wb");
			if (!f || fwrite(in, 1, blen[b] + 1, f) != blen[b] + 1 || fclose(f))
				status = 2;
		}
		LLVMFuzzerTestOneInput(in, blen[b] + 1);
		count++;
	}
	free(in);
	for (int b = 0; b < nbases; b++)
		free(base[b]);
	free(base);
	free(blen);
	printf("%s: %lu mutated inputs\n", argv[0], count);
	return status;
}

int main(int argc, char **argv)
{
	int status = 0;

	verbose = getenv("FUZZ_VERBOSE") != NULL;
	if (argc > 1 && strcmp(argv[1], "-m") == 0)
		return run_mutated(argc, argv);
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
