/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A deterministic, structure-aware image mutator for the CI smoke test
 * (tests/cmd/fuzz_smoke.sh).
 *
 *   mutate [-x|-X] SEED BASE OUT
 *                            writes OUT: BASE with 1..4 mutations chosen by
 *                            SEED; prints one line per mutation; -x draws
 *                            the extended kinds too, -X those and the
 *                            second round's (mutator.c)
 *   mutate -s OFF:WIDTH:VALUE[:be] [-s ...] [-c] BASE OUT
 *                            crafted edits: set WIDTH (1, 2, 4, 8) bytes at
 *                            byte offset OFF (little-endian unless :be);
 *                            -c then recomputes the checksums fixcsum.c
 *                            knows (ext4 metadata, jbd2 csum v2/v3)
 *
 * The mutations are fuzz/mutator.c's.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

static uint8_t *img;
static size_t len;

static void put(size_t off, int w, int be, uint64_t v)
{
	for (int i = 0; i < w; i++)
		img[off + i] = (uint8_t)(v >> (8 * (be ? w - 1 - i : i)));
}

static int load(const char *path)
{
	FILE *f = fopen(path, "rb");
	long sz;

	if (!f || fseek(f, 0, SEEK_END) < 0 || (sz = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) < 0) {
		perror(path);
		return -1;
	}
	len = (size_t)sz;
	img = malloc(len ? len : 1);
	if (!img || fread(img, 1, len, f) != len) {
		perror(path);
		return -1;
	}
	fclose(f);
	return 0;
}

static int save(const char *path)
{
	FILE *f = fopen(path, "wb");

	if (!f || fwrite(img, 1, len, f) != len || fclose(f) != 0) {
		perror(path);
		return -1;
	}
	return 0;
}

static int crafted(int argc, char **argv)
{
	int fix = 0, i;

	for (i = 1; i + 2 < argc; i++) {
		if (strcmp(argv[i], "-c") == 0)
			fix = 1;
		else if (strcmp(argv[i], "-s") == 0)
			i++;
		else
			break;
	}
	if (i + 2 != argc) {
		fprintf(stderr, "usage: mutate [-s OFF:WIDTH:VALUE[:be]]... [-c] BASE OUT\n");
		return 16;
	}
	if (load(argv[argc - 2]) < 0)
		return 8;
	for (i = 1; i < argc - 2; i++) {
		unsigned long long off, w, v;
		char be[8] = "";

		if (strcmp(argv[i], "-s") != 0)
			continue;
		i++;
		if (sscanf(argv[i], "%lli:%lli:%lli:%3s", &off, &w, &v, be) < 3 ||
		    (w != 1 && w != 2 && w != 4 && w != 8) || off + w > len) {
			fprintf(stderr, "mutate: bad edit %s\n", argv[i]);
			return 16;
		}
		put((size_t)off, (int)w, strcmp(be, "be") == 0, v);
	}
	if (fix)
		fuzz_fix_checksums(img, len);
	return save(argv[argc - 1]) < 0 ? 8 : 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && (strcmp(argv[1], "-s") == 0 || strcmp(argv[1], "-c") == 0))
		return crafted(argc, argv);
	if (argc == 5 && (strcmp(argv[1], "-x") == 0 || strcmp(argv[1], "-X") == 0)) {
		fuzz_mutate_extended = argv[1][1] == 'X' ? 2 : 1;
		argc--;
		argv++;
	}
	if (argc != 4) {
		fprintf(stderr, "usage: mutate [-x|-X] SEED BASE OUT\n");
		return 16;
	}
	if (load(argv[2]) < 0)
		return 8;
	(void)fuzz_mutate(img, len, strtoull(argv[1], NULL, 0), stdout);
	if (save(argv[3]) < 0)
		return 8;
	free(img);
	return 0;
}
