/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The commands' small shared tools (cli.h): a bounded inode bitmap, a
 * growable path, file types and modes, and the text output of numbers and
 * names.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "cli_pipe.h"

/* ------------------------------------------------------------- bitmap */

int cli_bitmap_init(struct cli_bitmap *bm, const struct cli_image *img)
{
	const struct fsimg_fs_info *info = &img->info;
	uint64_t words;

	bm->bits = NULL;
	bm->nbits = 0;
	/*
	 * Every inode has a slot of at least 128 bytes inside the image, so
	 * inode numbers beyond size/128 are a lie we must not allocate for.
	 */
	if (info->inodes == 0 || info->max_ino == 0 ||
	    info->max_ino - 1 > fsimg_io_size(img->io) / 128) {
		cli_error(img, "inode count %llu does not fit the image",
			  (unsigned long long)info->inodes);
		return CLI_EXIT_ERROR;
	}
	words = (info->max_ino + 63) / 64;
	bm->bits = calloc(words, sizeof(uint64_t));
	if (!bm->bits) {
		cli_error(img, "out of memory");
		return CLI_EXIT_ERROR;
	}
	bm->nbits = info->max_ino;
	return 0;
}

bool cli_bitmap_test_set(struct cli_bitmap *bm, fsimg_inum_t ino)
{
	uint64_t m;

	if (ino >= bm->nbits)
		return true;
	m = 1ull << (ino & 63);
	if (bm->bits[ino >> 6] & m)
		return true;
	bm->bits[ino >> 6] |= m;
	return false;
}

bool cli_bitmap_test(const struct cli_bitmap *bm, fsimg_inum_t ino)
{
	if (ino >= bm->nbits)
		return true;
	return (bm->bits[ino >> 6] >> (ino & 63)) & 1;
}

void cli_bitmap_free(struct cli_bitmap *bm)
{
	free(bm->bits);
	bm->bits = NULL;
	bm->nbits = 0;
}

/* --------------------------------------------------------------- paths */

static int path_reserve(struct cli_path *p, size_t need)
{
	size_t cap = p->cap ? p->cap : 256;
	char *nb;

	if (need <= p->cap)
		return 0;
	while (cap < need)
		cap *= 2;
	nb = realloc(p->buf, cap);
	if (!nb)
		return FSIMG_ENOMEM;
	p->buf = nb;
	p->cap = cap;
	return 0;
}

int cli_path_push(struct cli_path *p, const char *name, size_t len, size_t *saved)
{
	if (path_reserve(p, p->len + 1 + len + 1) < 0)
		return FSIMG_ENOMEM;
	*saved = p->len;
	if (p->len == 0 || p->buf[p->len - 1] != '/')
		p->buf[p->len++] = '/';
	memcpy(p->buf + p->len, name, len);
	p->len += len;
	p->buf[p->len] = '\0';
	return 0;
}

int cli_path_set(struct cli_path *p, const char *s, size_t len)
{
	if (path_reserve(p, len + 1) < 0)
		return FSIMG_ENOMEM;
	memcpy(p->buf, s, len);
	p->buf[len] = '\0';
	p->len = len;
	return 0;
}

void cli_path_pop(struct cli_path *p, size_t saved)
{
	p->len = saved;
	if (p->buf)
		p->buf[saved] = '\0';
}

void cli_path_free(struct cli_path *p)
{
	free(p->buf);
	p->buf = NULL;
	p->len = p->cap = 0;
}

/* ------------------------------------------------------- types, modes */

#define S_IFMT_ 0170000

const char *cli_type_name(uint16_t mode)
{
	switch (mode & S_IFMT_) {
	case 0100000: return "file";
	case 0040000: return "dir";
	case 0120000: return "symlink";
	case 0020000: return "chr";
	case 0060000: return "blk";
	case 0010000: return "fifo";
	case 0140000: return "sock";
	default: return "unknown";
	}
}

uint16_t cli_ftype_to_mode(uint8_t ftype)
{
	static const uint16_t m[8] = { 0, 0100000, 0040000, 0020000, 0060000,
				       0010000, 0140000, 0120000 };
	return ftype < 8 ? m[ftype] : 0;
}

void cli_mode_string(char out[11], uint16_t mode)
{
	static const char rwx[] = "rwxrwxrwx";
	int i;

	switch (mode & S_IFMT_) {
	case 0100000: out[0] = '-'; break;
	case 0040000: out[0] = 'd'; break;
	case 0120000: out[0] = 'l'; break;
	case 0020000: out[0] = 'c'; break;
	case 0060000: out[0] = 'b'; break;
	case 0010000: out[0] = 'p'; break;
	case 0140000: out[0] = 's'; break;
	default: out[0] = '?'; break;
	}
	for (i = 0; i < 9; i++)
		out[1 + i] = (mode & (0400 >> i)) ? rwx[i] : '-';
	if (mode & 04000)
		out[3] = (mode & 0100) ? 's' : 'S';
	if (mode & 02000)
		out[6] = (mode & 0010) ? 's' : 'S';
	if (mode & 01000)
		out[9] = (mode & 0001) ? 't' : 'T';
	out[10] = '\0';
}

void cli_uuid_text(char out[37], const uint8_t u[16])
{
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11],
		 u[12], u[13], u[14], u[15]);
}

/* ------------------------------------------------------------- output */

/*
 * Decimal digits of v (1..20) without a branch per digit: log10 from the
 * bit length (1233 / 4096 ~ log10 2), then one comparison.
 */
static unsigned u64_digits(uint64_t v)
{
	static const uint64_t p10[20] = {
		1ull, 10ull, 100ull, 1000ull, 10000ull, 100000ull, 1000000ull, 10000000ull,
		100000000ull, 1000000000ull, 10000000000ull, 100000000000ull, 1000000000000ull,
		10000000000000ull, 100000000000000ull, 1000000000000000ull, 10000000000000000ull,
		100000000000000000ull, 1000000000000000000ull, 10000000000000000000ull,
	};
	unsigned t = (unsigned)(64 - __builtin_clzll(v | 1)) * 1233 >> 12;

	/* v | 1: 0 has one digit; the powers past 1 are even, so nothing else moves */
	return t + 1 - ((v | 1) < p10[t]);
}

/*
 * v's n digits ending at end, two per division (a table of "00".."99"): a
 * whole-filesystem extent dump formats a million numbers.
 */
static void u64_put_digits(char *end, uint64_t v)
{
	static const char d2[201] =
		"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
		"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
		"8081828384858687888990919293949596979899";

	while (v >= 100) {
		unsigned r = (unsigned)(v % 100) * 2;

		v /= 100;
		*--end = d2[r + 1];
		*--end = d2[r];
	}
	if (v >= 10) {
		*--end = d2[v * 2 + 1];
		*--end = d2[v * 2];
	} else {
		*--end = (char)('0' + v);
	}
}

char *cli_fmt_u64(char *p, uint64_t v)
{
	unsigned n = u64_digits(v);

	u64_put_digits(p + n, v);
	return p + n;
}

void cli_put_u64(FILE *f, uint64_t v)
{
	char b[20];

	fwrite_unlocked(b, 1, (size_t)(cli_fmt_u64(b, v) - b), f);
}

size_t cli_utf8_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return n >= 2 && (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		if (n < 3 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
			return 0;
		if (c == 0xe0 && s[1] < 0xa0)   /* overlong */
			return 0;
		if (c == 0xed && s[1] >= 0xa0)  /* surrogates */
			return 0;
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if (n < 4 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 ||
		    (s[3] & 0xc0) != 0x80)
			return 0;
		if (c == 0xf0 && s[1] < 0x90)   /* overlong */
			return 0;
		if (c == 0xf4 && s[1] >= 0x90)  /* past U+10FFFF */
			return 0;
		return 4;
	}
	return 0;
}

const char cli_hexd[] = "0123456789abcdef";

/* How many bytes at p need no escape in a text line (cli_put_text's rule). */
static size_t text_plain(const unsigned char *p, size_t len)
{
	const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
	size_t i = 0, k;

	while (i < len) {
		unsigned c;

		/*
		 * Eight bytes at a time while none is a control byte, DEL, '\\' or
		 * past ASCII (the word tricks for "a byte below n" and "a zero byte"
		 * are exact about whether one exists); the bytes one by one from
		 * the first word that has one.
		 */
		while (len - i >= 8) {
			uint64_t v, below_space, del, bslash;

			memcpy(&v, p + i, sizeof(v));
			below_space = (v - ones * 0x20) & ~v & highs;
			del = ((v ^ ones * 0x7f) - ones) & ~(v ^ ones * 0x7f) & highs;
			bslash = ((v ^ ones * '\\') - ones) & ~(v ^ ones * '\\') & highs;
			if ((v & highs) | below_space | del | bslash)
				break;
			i += 8;
		}
		if (i >= len)
			break;
		c = p[i];
		if (c >= 0x20 && c < 0x7f && c != '\\')
			i++;
		else if (c >= 0x80 && (k = cli_utf8_len(p + i, len - i)) > 0)
			i += k;
		else
			break;
	}
	return i;
}

/* The escape of byte c, which text_plain stopped at, into e; its length. */
static size_t text_escape(char e[4], unsigned c)
{
	e[0] = '\\';
	if (c == '\\') {
		e[1] = '\\';
		return 2;
	}
	e[1] = 'x';
	e[2] = cli_hexd[c >> 4];
	e[3] = cli_hexd[c & 15];
	return 4;
}

void cli_put_text(FILE *f, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	char e[4];

	for (;;) {
		size_t n = text_plain(p, len);

		fwrite_unlocked(p, 1, n, f);
		if (n == len)
			return;
		fwrite_unlocked(e, 1, text_escape(e, p[n]), f);
		p += n + 1;
		len -= n + 1;
	}
}

void cli_out_init(struct cli_out *o, FILE *f)
{
	o->f = f;
	o->n = 0;
	o->tty = isatty(fileno(f)) != 0;
}

void cli_out_flush(struct cli_out *o)
{
	if (o->n)
		fwrite_unlocked(o->b, 1, o->n, o->f);
	o->n = 0;
}

void cli_out_put_slow(struct cli_out *o, const void *p, size_t n)
{
	cli_out_flush(o);
	if (n > sizeof(o->b))
		fwrite_unlocked(p, 1, n, o->f);
	else if (n) {
		memcpy(o->b, p, n);
		o->n = n;
	}
}

void cli_out_u64w(struct cli_out *o, uint64_t v, size_t w)
{
	unsigned n = u64_digits(v);
	char *p;

	if (w > 32)
		w = 32;
	if (sizeof(o->b) - o->n < 32 + 20)
		cli_out_flush(o);
	/* formatted in place: a copy of a few bytes through memcpy cost more than the digits */
	p = o->b + o->n;
	for (; w > n; w--)
		*p++ = ' ';
	p += n;
	u64_put_digits(p, v);
	o->n = (size_t)(p - o->b);
}

void cli_out_text(struct cli_out *o, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	char e[4];

	for (;;) {
		size_t n = text_plain(p, len);

		cli_out_put(o, p, n);
		if (n == len)
			return;
		cli_out_put(o, e, text_escape(e, p[n]));
		p += n + 1;
		len -= n + 1;
	}
}

void cli_out_record_end(struct cli_out *o)
{
	/* a terminal sees each record as it is made; a pipe or a file gets large writes */
	if (o->tty || o->n > sizeof(o->b) / 2)
		cli_out_flush(o);
}

bool cli_too_deep(const struct cli_image *img, struct cli_pipe *pipe, const char *path, size_t depth)
{
	if (depth < CLI_MAX_DEPTH)
		return false;
	if (pipe)
		cli_pipe_drain(pipe);
	cli_file_error(img, path, "directories nested too deep (limit %d)", CLI_MAX_DEPTH);
	return true;
}
