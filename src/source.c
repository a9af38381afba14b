/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What IMAGE names: a file or block device, perhaps a container (qcow2,
 * VMDK, VHD, VHDX, E01) and perhaps a partition of the disk inside it,
 * chosen as IMAGE@N or --partition N. Opened read-only, always.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "fsimg/image.h"

#define MAX_PARTS 128

/*
 * "disk.img@2": partition 2 of disk.img, unless a file is really named so.
 * Returns the file's name (malloc'd) and sets *partno (0: none).
 */
static char *split_partition(const char *path, unsigned *partno)
{
	struct stat st;
	const char *at = strrchr(path, '@');
	char *file, *end;
	unsigned long n;

	*partno = 0;
	if (!at || at == path || !at[1] || stat(path, &st) == 0)
		return strdup(path);
	n = strtoul(at + 1, &end, 10);
	if (*end || n == 0 || n > 4096 || at[1] < '0' || at[1] > '9')
		return strdup(path);
	file = strndup(path, (size_t)(at - path));
	if (file && stat(file, &st) != 0) {
		free(file);
		return strdup(path);
	}
	*partno = (unsigned)n;
	return file;
}

static int open_disk(fsimg_io **out, struct cli_image *img, unsigned *partno, bool quiet)
{
	char why[512] = "";
	char *file;
	int err;

	*out = NULL;
	file = split_partition(img->path, partno);
	if (!file) {
		cli_error(img, "%s", cli_strerror(ENOMEM));
		return CLI_EXIT_ERROR;
	}
	if (img->common->partition) {
		if (*partno && *partno != img->common->partition) {
			cli_error(img, "names partition %u, and --partition %u", *partno, img->common->partition);
			free(file);
			return CLI_EXIT_USAGE;
		}
		*partno = img->common->partition;
	}
	err = fsimg_io_open_image(out, file, why, sizeof(why));
	if (err < 0 && !quiet) {
		struct stat st;

		/* The file itself: "no such file", a directory, a FIFO... */
		if (stat(file, &st) < 0)
			cli_error(img, "%s", cli_strerror(errno));
		else if (S_ISDIR(st.st_mode))
			cli_error(img, "is a directory");
		else if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))
			cli_error(img, "not a regular file or block device");
		else {
			/* The library names the file; the line already starts with it. */
			size_t n = strlen(file);
			const char *msg = why;

			if (!strncmp(why, file, n) && !strncmp(why + n, ": ", 2))
				msg = why + n + 2;
			cli_error(img, "%s", msg[0] ? msg : fsimg_strerror(err));
		}
	}
	free(file);
	return err < 0 ? CLI_EXIT_ERROR : 0;
}

int cli_open_source(fsimg_io **out, bool *bare, struct cli_image *img)
{
	struct fsimg_image_info info;
	char why[512] = "";
	unsigned partno;
	fsimg_io *disk;
	int status, err;

	*out = NULL;
	*bare = false;
	status = open_disk(&disk, img, &partno, false);
	if (status)
		return status;
	if (partno) {
		err = fsimg_io_open_partition(out, disk, partno, why, sizeof(why));
		if (err < 0) {
			cli_error(img, "%s", why[0] ? why : fsimg_strerror(err));
			fsimg_io_close(disk);
			return CLI_EXIT_ERROR;
		}
		return 0;
	}
	fsimg_image_describe(&info, disk);
	*bare = !strcmp(info.format, "raw");
	*out = disk;
	return 0;
}

/* A partitioned disk given where a filesystem was expected: say how to choose. */
bool cli_explain_disk(struct cli_image *img, fsimg_io *disk)
{
	char label[16];
	int n = fsimg_partitions(NULL, 0, label, sizeof(label), disk);

	if (n <= 0)
		return false;
	cli_error(img, "a partitioned disk (%s, %d partition%s): choose one with IMAGE@N or "
		  "--partition N ('fsimg info IMAGE' lists them)", label, n, n == 1 ? "" : "s");
	return true;
}

static void print_size(FILE *f, uint64_t bytes)
{
	static const char *unit[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
	double v = (double)bytes;
	unsigned u = 0;

	while (v >= 1024 && u + 1 < sizeof(unit) / sizeof(unit[0])) {
		v /= 1024;
		u++;
	}
	fprintf(f, u ? "%.1f %s" : "%.0f %s", v, unit[u]);
}

void cli_container_text(FILE *f, const fsimg_io *io)
{
	struct fsimg_image_info info;

	if (fsimg_image_describe(&info, io) < 0 || (!strcmp(info.format, "raw") && !info.partno))
		return;
	if (strcmp(info.format, "raw")) {
		fprintf(f, "Container:                %s", info.format);
		if (info.version)
			fprintf(f, " v%u", info.version);
		fprintf(f, ", ");
		print_size(f, info.virtual_size);
		if (info.snapshots)
			fprintf(f, ", %u internal snapshot%s (the active layer is read)", info.snapshots,
				info.snapshots == 1 ? "" : "s");
		fputc('\n', f);
		for (unsigned i = 0; i < info.snapshots && fsimg_image_snapshot(io, i); i++)
			fprintf(f, "Snapshot:                 %s\n", fsimg_image_snapshot(io, i));
		for (unsigned i = 0; i < info.chain_len; i++)
			fprintf(f, "Backing file %u:           %s\n", i + 1, fsimg_image_backing(io, i));
	}
	if (info.partno)
		fprintf(f, "Partition:                %u, at byte %" PRIu64 "\n", info.partno, info.part_start);
}

void cli_container_json(struct jw *w, const fsimg_io *io)
{
	struct fsimg_image_info info;

	fsimg_image_describe(&info, io);
	jw_obj_begin(w, "container");
	jw_str(w, "format", info.format);
	jw_u64(w, "version", info.version);
	jw_u64(w, "virtual_size", info.virtual_size);
	jw_arr_begin(w, "snapshots");
	for (unsigned i = 0; i < info.snapshots && fsimg_image_snapshot(io, i); i++)
		jw_str(w, NULL, fsimg_image_snapshot(io, i));
	jw_arr_end(w);
	jw_arr_begin(w, "backing");
	for (unsigned i = 0; i < info.chain_len; i++)
		jw_str(w, NULL, fsimg_image_backing(io, i));
	jw_arr_end(w);
	if (info.partno) {
		jw_u64(w, "partition", info.partno);
		jw_u64(w, "partition_start", info.part_start);
	} else {
		jw_null(w, "partition");
		jw_null(w, "partition_start");
	}
	jw_obj_end(w);
}

int cli_disk_info(const struct cli_common *c, const char *path)
{
	struct fsimg_partition parts[MAX_PARTS];
	struct cli_image img;
	char label[16];
	unsigned partno;
	fsimg_io *disk;
	int n, status;

	memset(&img, 0, sizeof(img));
	img.path = path;
	img.common = c;
	free(split_partition(path, &partno));
	if (partno || c->partition)
		return -1;
	status = open_disk(&disk, &img, &partno, true);
	if (status)
		return -1; /* cli_open says why, the usual way */
	n = fsimg_partitions(parts, MAX_PARTS, label, sizeof(label), disk);
	if (n <= 0) {
		fsimg_io_close(disk);
		return -1;
	}
	if (n > MAX_PARTS)
		n = MAX_PARTS;
	if (c->json) {
		struct jw w;

		jw_init(&w, stdout);
		jw_obj_begin(&w, NULL);
		jw_str(&w, "image", path);
		cli_container_json(&w, disk);
		jw_str(&w, "label", label);
		jw_u64(&w, "size", fsimg_io_size(disk));
		jw_arr_begin(&w, "partitions");
		for (int i = 0; i < n; i++) {
			jw_obj_begin(&w, NULL);
			jw_u64(&w, "number", parts[i].partno);
			jw_u64(&w, "start", parts[i].start);
			jw_u64(&w, "size", parts[i].size);
			jw_str(&w, "type", parts[i].type);
			jw_str(&w, "name", parts[i].name);
			if (parts[i].fstype[0])
				jw_str(&w, "fs_type", parts[i].fstype);
			else
				jw_null(&w, "fs_type");
			jw_obj_end(&w);
		}
		jw_arr_end(&w);
		jw_obj_end(&w);
		jw_record_end(&w);
	} else {
		printf("Disk:                     %s\n", path);
		cli_container_text(stdout, disk);
		printf("Partition table:          %s\n", label);
		printf("Size:                     %" PRIu64 " bytes\n", fsimg_io_size(disk));
		printf("\n%-4s %14s %14s  %-38s %s\n", "Part", "Start", "Size", "Type", "Filesystem");
		for (int i = 0; i < n; i++)
			printf("%-4u %14" PRIu64 " %14" PRIu64 "  %-38s %s\n", parts[i].partno, parts[i].start,
			       parts[i].size, parts[i].type, parts[i].fstype[0] ? parts[i].fstype : "-");
	}
	fsimg_io_close(disk);
	if (fflush(stdout) != 0 || cli_output_failed()) {
		cli_error(&img, "cannot write the output: %s", cli_strerror(errno));
		return CLI_EXIT_ERROR;
	}
	return CLI_EXIT_OK;
}
