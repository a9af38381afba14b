/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The inode view: every field of the selected inode decoded (mode, flags by
 * name, sizes, i_blocks, times with nanoseconds, links, checksum state).
 * On ext2/3/4 it shows the raw inode as the kernel and debugfs name its
 * fields (fsimg/ext4.h); on any other filesystem, fsimg_stat's fields.
 */
#include "config.h"

#include <curses.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "browse.h"

#define MAX_LINES 96

struct inode_view {
	fsimg_inum_t ino;        /* loaded for; 0: not loaded */
	char lines[MAX_LINES][160];
	size_t n;
	struct list list;
};

static void add(struct inode_view *v, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void add(struct inode_view *v, const char *fmt, ...)
{
	va_list ap;

	if (v->n == MAX_LINES)
		return;
	va_start(ap, fmt);
	vsnprintf(v->lines[v->n++], sizeof(v->lines[0]), fmt, ap);
	va_end(ap);
}

static const struct {
	uint32_t bit;
	const char *name;
} iflags[] = {
	{ 0x1, "secrm" }, { 0x2, "unrm" }, { 0x4, "compr" }, { 0x8, "sync" },
	{ 0x10, "immutable" }, { 0x20, "append" }, { 0x40, "nodump" }, { 0x80, "noatime" },
	{ 0x100, "dirty" }, { 0x200, "comprblk" }, { 0x400, "nocompr" }, { 0x800, "encrypt" },
	{ 0x1000, "index" }, { 0x2000, "imagic" }, { 0x4000, "journal_data" }, { 0x8000, "notail" },
	{ 0x10000, "dirsync" }, { 0x20000, "topdir" }, { 0x40000, "huge_file" }, { 0x80000, "extents" },
	{ 0x100000, "verity" }, { 0x200000, "ea_inode" }, { 0x2000000, "dax" },
	{ 0x10000000, "inline_data" }, { 0x20000000, "projinherit" }, { 0x40000000, "casefold" },
};

static void flags_text(char *buf, size_t len, uint32_t fl)
{
	size_t i, pos = 0;
	uint32_t known = 0;

	buf[0] = '\0';
	for (i = 0; i < sizeof(iflags) / sizeof(iflags[0]); i++) {
		known |= iflags[i].bit;
		if ((fl & iflags[i].bit) && pos < len)
			pos += (size_t)snprintf(buf + pos, len - pos, "%s%s", pos ? " " : "", iflags[i].name);
	}
	if ((fl & ~known) && pos < len)
		snprintf(buf + pos, len - pos, "%sunknown 0x%x", pos ? " " : "", fl & ~known);
	if (!fl)
		snprintf(buf, len, "none");
}

/* ext4 times: 32 seconds + extra (2 epoch bits, 30 nanosecond bits). */
static void time_text(char *buf, size_t len, uint32_t sec, uint32_t extra, bool has_extra)
{
	int64_t s = (int64_t)(int32_t)sec;
	uint32_t ns = 0;
	struct tm tm;
	time_t t;
	char d[40];

	if (has_extra) {
		s += (int64_t)(extra & 3) << 32;
		ns = extra >> 2;
	}
	t = (time_t)s;
	if (gmtime_r(&t, &tm) && strftime(d, sizeof(d), "%Y-%m-%d %H:%M:%S", &tm))
		snprintf(buf, len, "%s.%09u UTC (%lld)", d, ns, (long long)s);
	else
		snprintf(buf, len, "%lld.%09u", (long long)s, ns);
}

static void stat_time(char *buf, size_t len, const struct fsimg_time *ft)
{
	/* time_text's form: the low 32 bits, then 2 epoch bits and the nanoseconds. */
	time_text(buf, len, (uint32_t)ft->sec, (uint32_t)((ft->sec >> 32) & 3) | ft->nsec << 2, true);
}

static void inode_load_neutral(struct app *a, struct inode_view *v)
{
	struct fsimg_stat st;
	char mode[11], fl[200], t[80];
	size_t pos = 0;
	int r;

	r = fsimg_stat(&st, a->fs, v->ino);
	if (r < 0) {
		add(v, "inode %llu: %s", (unsigned long long)v->ino,
		    fsimg_fs_errmsg(a->fs)[0] ? fsimg_fs_errmsg(a->fs) : fsimg_strerror(r));
		return;
	}
	cli_mode_string(mode, (uint16_t)st.mode);
	add(v, "inode          %llu", (unsigned long long)st.ino);
	add(v, "path           %s", a->cur_path[0] ? a->cur_path : "(not looked up)");
	add(v, "type           %s", cli_type_name((uint16_t)st.mode));
	add(v, "mode           %s (0%o)", mode, st.mode);
	add(v, "uid / gid      %u / %u", st.uid, st.gid);
	add(v, "size           %llu bytes", (unsigned long long)st.size);
	add(v, "links          %llu", (unsigned long long)st.links);
	add(v, "blocks         %llu (512-byte units)", (unsigned long long)st.blocks);
	fl[0] = '\0';
	for (unsigned i = 0; i < st.nflags && pos < sizeof(fl); i++)
		pos += (size_t)snprintf(fl + pos, sizeof(fl) - pos, "%s%s", i ? " " : "", st.flags[i]);
	if (st.unknown_flags && pos < sizeof(fl))
		snprintf(fl + pos, sizeof(fl) - pos, "%sunknown 0x%llx", pos ? " " : "",
			 (unsigned long long)st.unknown_flags);
	add(v, "flags          0x%llx %s", (unsigned long long)st.raw_flags, st.raw_flags ? fl : "none");
	stat_time(t, sizeof(t), &st.atime);
	add(v, "atime          %s", t);
	stat_time(t, sizeof(t), &st.mtime);
	add(v, "mtime          %s", t);
	stat_time(t, sizeof(t), &st.ctime);
	add(v, "ctime          %s", t);
	add(v, "generation     %llu", (unsigned long long)st.generation);
	add(v, "checksum       %s", csum_word(st.csum_state));
	if (st.type == FSIMG_FT_SYMLINK) {
		char target[1025];
		if (fsimg_readlink(target, sizeof(target), a->fs, st.ino) >= 0)
			add(v, "symlink to     %s", target);
	}
}

static void inode_load(struct app *a, struct inode_view *v)
{
	struct fsimg_inode in;
	char mode[11], fl[200], t[80];
	bool extra;
	int r, used;

	if (v->ino == a->cur_ino)
		return;
	v->ino = a->cur_ino;
	v->n = 0;
	memset(&v->list, 0, sizeof(v->list));
	if (!a->sb) {
		inode_load_neutral(a, v);
		list_set(&v->list, v->n);
		return;
	}
	r = fsimg_inode_read(&in, a->fs, (fsimg_ino_t)v->ino);
	if (r < 0) {
		add(v, "inode %llu: %s", (unsigned long long)v->ino,
		    fsimg_fs_errmsg(a->fs)[0] ? fsimg_fs_errmsg(a->fs) : fsimg_strerror(r));
		list_set(&v->list, v->n);
		return;
	}
	used = fsimg_inode_in_use(a->fs, (fsimg_ino_t)v->ino);
	cli_mode_string(mode, in.mode);
	add(v, "inode          %u%s", in.ino, used == 1 ? "" : used == 0 ? "  (not in use per bitmap)" : "");
	add(v, "path           %s", a->cur_path[0] ? a->cur_path : "(not looked up)");
	add(v, "type           %s", cli_type_name(in.mode));
	add(v, "mode           %s (0%o)", mode, in.mode);
	add(v, "uid / gid      %u / %u", in.uid, in.gid);
	add(v, "size           %llu bytes", (unsigned long long)in.size);
	add(v, "links          %u", in.links_count);
	add(v, "i_blocks       %llu (512-byte units; %llu as stored)", (unsigned long long)in.blocks,
	    (unsigned long long)in.blocks_raw);
	flags_text(fl, sizeof(fl), in.flags);
	add(v, "flags          0x%08x %s", in.flags, fl);
	extra = in.inode_size > 128 && in.extra_isize >= 24;
	time_text(t, sizeof(t), in.atime, in.atime_extra, extra);
	add(v, "atime          %s", t);
	time_text(t, sizeof(t), in.mtime, in.mtime_extra, extra);
	add(v, "mtime          %s", t);
	time_text(t, sizeof(t), in.ctime, in.ctime_extra, extra);
	add(v, "ctime          %s", t);
	if (in.inode_size > 128 && in.extra_isize >= 28) {
		time_text(t, sizeof(t), in.crtime, in.crtime_extra, true);
		add(v, "crtime         %s", t);
	}
	if (in.dtime)
		add(v, "dtime          %u", in.dtime);
	add(v, "generation     %u", in.generation);
	add(v, "file_acl       %llu", (unsigned long long)in.file_acl);
	add(v, "projid         %u", in.projid);
	add(v, "version        %u", in.version);
	add(v, "inode size     %u (extra_isize %u)", in.inode_size, in.extra_isize);
	add(v, "checksum       0x%08x %s", in.checksum, csum_word(in.csum_state));
	if ((in.mode & 0170000) == 0120000) {
		char target[256];
		r = fsimg_symlink_read(target, sizeof(target), a->fs, &in);
		if (r >= 0)
			add(v, "symlink to     %s", target);
	}
	{
		char hex[3 * 20 + 1];
		int i, j;

		for (i = 0; i < 60; i += 20) {
			for (j = 0; j < 20; j++)
				snprintf(hex + 3 * j, sizeof(hex) - 3 * (size_t)j, "%02x ", in.i_block[i + j]);
			add(v, "i_block[%2d]    %s", i, hex);
		}
	}
	list_set(&v->list, v->n);
}

static int inode_init(struct app *a, void **state)
{
	(void)a;
	*state = calloc(1, sizeof(struct inode_view));
	return *state ? 0 : -1;
}

static void inode_reset(struct app *a, void *state)
{
	(void)a;
	((struct inode_view *)state)->ino = 0;
}

static void inode_row(struct app *a, void *st, uint64_t i, int y, int w, bool cur)
{
	struct inode_view *v = st;
	const char *l = v->lines[i];
	int attr = cur ? A_REVERSE : 0;

	if (strstr(l, " BAD"))
		attr |= app_attr(a, C_ERROR);
	put_text(y, 1, w - 1, l, strlen(l), attr);
}

static void inode_draw(struct app *a, void *state, int y, int h, int w)
{
	struct inode_view *v = state;

	inode_load(a, v);
	put_fmt(y, 1, w - 1, app_attr(a, C_TITLE), "inode %llu %s   (e extents, x hex)",
		(unsigned long long)v->ino, a->cur_path);
	list_draw(a, &v->list, y + 1, h - 1, w, inode_row, v);
}

static bool inode_key(struct app *a, void *state, int ch)
{
	struct inode_view *v = state;
	const struct fsimg_super *sb = a->sb;
	struct fsimg_group g;

	switch (ch) {
	case 'e':
	case '\n':
		app_show(a, V_EXTENTS);
		return true;
	case 'x': {
		fsimg_group_t gi;
		uint64_t idx, off;

		if (!sb || !sb->inodes_per_group || !v->ino)
			return true;
		gi = (v->ino - 1) / sb->inodes_per_group;
		idx = (v->ino - 1) % sb->inodes_per_group;
		if (fsimg_ext4_group_get(&g, a->fs, gi) < 0) {
			app_message(a, true, "group %u: %s", gi, fsimg_fs_errmsg(a->fs));
			return true;
		}
		off = idx * sb->inode_size;
		app_select_block(a, g.inode_table + off / sb->block_size, (uint32_t)(off % sb->block_size));
		app_show(a, V_HEX);
		return true;
	}
	}
	return false;
}

static struct list *inode_list(void *state)
{
	return &((struct inode_view *)state)->list;
}

static bool inode_row_text(struct app *a, void *state, uint64_t i, char *buf, size_t len)
{
	struct inode_view *v = state;

	(void)a;
	if (i >= v->n)
		return false;
	snprintf(buf, len, "%s", v->lines[i]);
	return true;
}

const struct view view_inode = {
	.name = "Inode",
	.init = inode_init,
	.free = free,
	.reset = inode_reset,
	.draw = inode_draw,
	.key = inode_key,
	.list = inode_list,
	.row_text = inode_row_text,
};
