/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The one place every subcommand shares: option parsing (with the options
 * common to all commands), opening an image, resolving FILE arguments, exit
 * codes, name escaping; the JSON writer (json.c, on json-c).
 *
 * Adding an option to every command (-j/--journal, --no-replay) means adding
 * a row to common_opts[] in cli.c, a field to struct cli_common, and using it
 * in cli_open(); no subcommand changes.
 */
#ifndef FSIMG_CLI_H
#define FSIMG_CLI_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "fsimg/fsimg.h"


/* Exit status, after fsck(8). */
enum {
	CLI_EXIT_OK = 0,
	CLI_EXIT_REFUSED = 4, /* replay: recovery left undone, nothing written (fsck's "errors left uncorrected") */
	CLI_EXIT_ERROR = 8,   /* operational error */
	CLI_EXIT_USAGE = 16   /* usage or syntax error */
};

/* Which common options a command accepts beyond -h, -v and -j. */
#define CLI_WANT_JSON 0x1u
/*
 * The command reads the raw image and handles the journal itself (journal,
 * replay): cli_open never replays and --no-replay is not offered.
 */
#define CLI_RAW 0x2u
/* The command opens no filesystem through cli_open (undo): no -j either. */
#define CLI_NO_JOURNAL_OPTS 0x4u
/* Options may follow the positional arguments ("replay IMAGE -o OUT"). */
#define CLI_PERMUTE 0x8u
/* -b SUPERBLOCK and -B BLOCKSIZE (e2fsck's): read through a superblock copy. */
#define CLI_WANT_SB 0x10u
/* The command exits as fsck(8) does: 4 when errors are found (--help says so). */
#define CLI_FSCK_EXIT 0x20u
/* The command exits 4 when it refuses, writing nothing (replay; --help says so). */
#define CLI_REFUSED_EXIT 0x40u

struct cli_common {
	int verbose;
	bool json;
	const char *journal;     /* -j: external journal device or file */
	bool no_replay;          /* --no-replay (or a CLI_RAW command): the on-disk state */
	unsigned partition;      /* --partition N, 0: none (IMAGE@N also sets it in cli_open) */
	uint64_t superblock;     /* -b: the superblock copy to read (0: the primary) */
	uint32_t blocksize;      /* -B: its block size (0: any) */
	bool short_ok;           /* fsck: an ext2/3/4 image shorter than its filesystem is opened (the check says so) */
};

/*
 * One option of a command. id is the short option character, or a value
 * >= CLI_OPT_LONG for long-only options. The same table drives getopt_long
 * and the --help text, so the help cannot drift from the code.
 */
#define CLI_OPT_LONG 0x100

struct cli_opt {
	int id;
	const char *long_name;   /* NULL: short only */
	const char *arg_name;    /* NULL: takes no argument */
	const char *help;
};

struct cli_cmd {
	const char *name;        /* "ls" */
	const char *synopsis;    /* "[-l] [-R] [-a] [--json] IMAGE [FILE]" */
	const char *summary;     /* one line for the global usage */
	const struct cli_opt *opts; /* terminated by a zero row; may be NULL */
	unsigned want;           /* CLI_WANT_* */
	int min_args, max_args;  /* positional arguments, IMAGE included; max -1: any */
};

/* The most options one command has (its own and the common ones). */
#define CLI_MAX_OPTS 64
/* Every option cmd accepts, its own first, as --help lists them; returns the count. */
size_t cli_opts(const struct cli_cmd *cmd, const struct cli_opt **out, size_t max);

/*
 * "fsimg CMD --complete-options" (what "fsimg __complete options CMD" runs):
 * the shell completion's view of the table --help prints, so the two cannot
 * drift. One line per option ("-j\tEXTERNAL_JOURNAL", "--json"), then one
 * per positional argument of the synopsis ("=IMAGE", "=FILE..."). complete.c.
 */
#define CLI_COMPLETE_OPTIONS "--complete-options"
int cli_complete_options(const struct cli_cmd *cmd);

/* Called for each command-specific option; return 0, or an exit status. */
typedef int (*cli_opt_fn)(void *ctx, int id, const char *arg);

/*
 * Parses argv (argv[0] is the command name). Returns -1 to go on, with
 * *first set to the index of the first positional argument, or an exit
 * status to return at once (0 after --help, CLI_EXIT_USAGE on a bad option).
 */
int cli_parse(struct cli_common *c, const struct cli_cmd *cmd, int argc, char **argv,
	      cli_opt_fn fn, void *ctx, int *first);
void cli_usage_error(const struct cli_cmd *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/*
 * -l LOGDEV (an XFS external log: -j's file by its XFS name) into
 * c->journal: 0, or CLI_EXIT_USAGE (said) when -j names another file.
 */
int cli_take_logdev(struct cli_common *c, const struct cli_cmd *cmd, const char *logdev);

/* An open image, with its notice counting. */
struct cli_image {
	const char *path;
	const struct cli_common *common;
	fsimg_io *io;            /* the image itself (the filesystem's bytes) */
	bool bare;               /* io is the file itself: no container, no partition */
	fsimg_io *journal_io;    /* -j EXTERNAL_JOURNAL, or NULL */
	fsimg_recovery *replay;  /* non-NULL when fs reads the recovered view */
	struct fsimg_recovery_stats replay_stats; /* valid when replay */
	fsimg_fs *fs;
	struct fsimg_fs_info info; /* what every command may know of the filesystem */
	uint64_t other_notices;  /* non-checksum notices seen */
	bool write_failed;       /* set by cli_finish_output */
	bool replay_failed;      /* needs recovery, but the journal could not be replayed */
};

/*
 * Opens IMAGE; on failure prints one line and returns CLI_EXIT_ERROR. When
 * the filesystem needs recovery and c->no_replay is false, the filesystem
 * is opened over the journal overlay (the state after recovery, nothing
 * written) and one line says so on stderr:
 *   "fsimg: IMAGE: journal replayed in memory: N transactions, M blocks, R revoked"
 */
int cli_open(struct cli_image *img, const struct cli_common *c, const char *path);
/*
 * cli_open with a read cache of nchunks chunks of CLI_CACHE_CHUNK bytes (0:
 * none); cli_open's is CLI_CACHE_CHUNKS of them (16 MiB), for commands that
 * read small records all over the image. A command that reads in large
 * sequential pieces itself (fsck) takes a smaller one: all of it is resident.
 */
#define CLI_CACHE_CHUNK 16384u
#define CLI_CACHE_CHUNKS 1024u
int cli_open_cache(struct cli_image *img, const struct cli_common *c, const char *path,
		   unsigned nchunks);
/*
 * The bytes of IMAGE's filesystem (source.c): IMAGE may be a container
 * (qcow2, VMDK, VHD, VHDX, E01) and name a partition as IMAGE@N (or
 * --partition N). *bare: io is the file itself. Prints one line and
 * returns an exit status on failure.
 */
int cli_open_source(fsimg_io **out, bool *bare, struct cli_image *img);
/* When the open failed on a partitioned disk, says how to choose a partition. */
bool cli_explain_disk(struct cli_image *img, fsimg_io *disk);
/*
 * `info` on a partitioned disk with no partition chosen: lists the
 * partitions and what each holds. -1 when IMAGE is not such a disk.
 */
int cli_disk_info(const struct cli_common *c, const char *path);
/* The container and partition lines of `info` (nothing for a bare image). */
void cli_container_text(FILE *f, const fsimg_io *io);
struct jw;
void cli_container_json(struct jw *w, const fsimg_io *io);
/* info --json: "replayed": {...} when the overlay is in use, else null. */
struct jw;
void cli_json_replayed(struct jw *w, const struct cli_image *img);
/*
 * What a log of items' recovery leaves pending (npending of it), in one
 * clause for replay's refusal and the view's warning: how many, and the
 * item whose finish fsimg refused with the reason
 * (fsimg_recovery_pending_why), else the first. Into buf.
 */
void cli_pending_text(char *buf, size_t len, const fsimg_recovery *rec, uint64_t npending);
/*
 * "refusal": why fsimg replay writes nothing (null when nothing is pending):
 * {"pending": N, "item": the refused item's name (else the first's),
 * "index": its place in "pending", "why": the reason, or null}.
 */
void cli_json_refusal(struct jw *w, const fsimg_recovery *rec, uint64_t npending);
/*
 * A log of items' (XFS) replay, as members of the open object: "items",
 * "skipped_lsn", "cancelled", "pending" (each thing's name), "refusal",
 * "finish_paths" ({"path", "count"}): info's and replay's.
 */
void cli_json_log_items(struct jw *w, const fsimg_recovery *rec, const struct fsimg_recovery_stats *st);
/*
 * Flushes stdout, prints the checksum summary, closes the image and folds
 * output errors into the exit status.
 */
int cli_close(struct cli_image *img, int status);

/* "fsimg: IMAGE: message" on stderr. */
void cli_error(const struct cli_image *img, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* "fsimg: IMAGE: FILE: message"; FILE is escaped. */
void cli_file_error(const struct cli_image *img, const char *file, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* "fsimg: PATH: FILE: message" (no FILE when NULL), both escaped: what the two above print. */
void cli_vsay(const char *path, const char *file, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
/* strerror in the lowercase style of our other messages. */
const char *cli_strerror(int errnum);
/* The message for a library error: the handle's detail when it has one. */
const char *cli_errmsg(const struct cli_image *img, int err);

/* Resolves FILE ("/a/b", "a/b" or "#N") and reads its inode; prints on failure. */
int cli_lookup(const struct cli_image *img, const char *file, struct fsimg_stat *st);

/* True once stdout has failed (a closed pipe, a full disk): stop walking. */
bool cli_output_failed(void);
/* Gives stdout a large buffer; call before the first output. */
void cli_stdout_init(void);

/*
 * A visited set of inode numbers, bounded by the filesystem's highest inode
 * number, which is checked against the image size before anything is
 * allocated.
 */
struct cli_bitmap {
	uint64_t *bits;
	uint64_t nbits;
};
int cli_bitmap_init(struct cli_bitmap *bm, const struct cli_image *img);
/* Sets the bit; returns true when it was already set (or ino is out of range). */
bool cli_bitmap_test_set(struct cli_bitmap *bm, fsimg_inum_t ino);
bool cli_bitmap_test(const struct cli_bitmap *bm, fsimg_inum_t ino);
void cli_bitmap_free(struct cli_bitmap *bm);

/* A growable path buffer: "/a/b", no silent truncation. */
struct cli_path {
	char *buf;
	size_t len, cap;
};
int cli_path_push(struct cli_path *p, const char *name, size_t len, size_t *saved);
void cli_path_pop(struct cli_path *p, size_t saved);
/* Replaces the whole path with s. */
int cli_path_set(struct cli_path *p, const char *s, size_t len);
void cli_path_free(struct cli_path *p);

/* Bound on directory depth for recursive walks. */
#define CLI_MAX_DEPTH 4096
struct cli_pipe;
/*
 * Whether a recursive walk is at depth CLI_MAX_DEPTH, too deep to go into the
 * directory at path: then says so (after draining pipe, when not NULL, so a
 * threaded dump interleaves it with its output as a one-thread one does) and
 * returns true.
 */
bool cli_too_deep(const struct cli_image *img, struct cli_pipe *pipe, const char *path, size_t depth);

/* File types and modes. */
const char *cli_type_name(uint16_t mode);       /* "file", "dir", ... "unknown" */
void cli_mode_string(char out[11], uint16_t mode); /* "drwxr-xr-x" */
/* Maps a directory entry file_type (1..7) to S_IF* bits, 0 when unknown. */
uint16_t cli_ftype_to_mode(uint8_t ftype);
/* A UUID as "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx". */
void cli_uuid_text(char out[37], const uint8_t u[16]);

/* Output helpers (stdout is the only stream written in bulk). */
void cli_put_u64(FILE *f, uint64_t v);
/* v in decimal at p (at most 20 bytes, no NUL); returns the end. */
char *cli_fmt_u64(char *p, uint64_t v);
/* Writes name for a text line: \xNN for bytes < 0x20, 0x7f, invalid UTF-8; "\\" for '\'. */
void cli_put_text(FILE *f, const char *s, size_t len);
/*
 * An output buffer in front of stdio for a command's hot loop: appends are
 * a memcpy, stdio sees one call per ~32 KiB (a whole-filesystem dump made a
 * dozen stdio calls per line, a fifth of its time). Flush before anything
 * else writes to the same stream, and at the end. On a terminal
 * cli_out_record_end hands each record on as it ends, so that records and
 * error lines keep their order there as with stdio alone.
 */
struct cli_out {
	FILE *f;
	size_t n;
	bool tty;
	char b[1 << 16];
};
void cli_out_init(struct cli_out *o, FILE *f);
void cli_out_flush(struct cli_out *o);
void cli_out_put_slow(struct cli_out *o, const void *p, size_t n);
static inline void cli_out_put(struct cli_out *o, const void *p, size_t n)
{
	const char *s = p;
	char *d;

	if (n > sizeof(o->b) || n > sizeof(o->b) - o->n) {
		cli_out_put_slow(o, p, n);
		return;
	}
	d = o->b + o->n;
	o->n += n;
	if (n > 16) {
		memcpy(d, s, n);
		return;
	}
	while (n--)   /* keys, words, separators: shorter than a call to memcpy is worth */
		*d++ = *s++;
}
static inline void cli_out_str(struct cli_out *o, const char *s)
{
	cli_out_put(o, s, strlen(s));
}
/* v in decimal, right-aligned in a field of w characters (printf's %*llu, w <= 32). */
void cli_out_u64w(struct cli_out *o, uint64_t v, size_t w);
static inline void cli_out_u64(struct cli_out *o, uint64_t v)
{
	cli_out_u64w(o, v, 0);
}
/* name as cli_put_text writes it. */
void cli_out_text(struct cli_out *o, const char *s, size_t len);
void cli_out_record_end(struct cli_out *o);
/* Length of the valid UTF-8 sequence at s (1..4), or 0 when it is not one. */
size_t cli_utf8_len(const unsigned char *s, size_t n);
extern const char cli_hexd[];   /* "0123456789abcdef" */

/*
 * The JSON writer (json.c), on json-c. Every record (an object or array
 * opened with jw_obj_begin/jw_arr_begin where no other is open) is built as
 * a json-c object and serialized when it closes, one per line with
 * jw_record_end. A document too large to hold (fsck's report, whose problems
 * come one by one) opens its outer levels with jw_stream_*_begin: those
 * brackets and keys go straight to the stream, and each value inside them is
 * built and serialized on its own, so memory stays one record deep.
 *
 * Strings are written as JSON: invalid UTF-8 bytes become \u00NN (their
 * Latin-1 code point), so any name round-trips to a JSON parser.
 */
#define JW_MAX_DEPTH 32

struct json_object;

struct jw {
	FILE *f;
	int sdepth;              /* open streamed containers */
	uint64_t need_comma;     /* bit per streamed depth */
	int depth;               /* open built containers, inside the streamed ones */
	struct json_object *stack[JW_MAX_DEPTH];
	bool stack_is_arr[JW_MAX_DEPTH];
	int overflow;            /* containers opened past JW_MAX_DEPTH (ignored) */
	struct cli_out *dout;    /* jw_init_direct's buffer; NULL: json-c */
};
void jw_init(struct jw *w, FILE *f);
/*
 * The same bytes written straight to f, every container streamed, without
 * json-c: for the one dump whose speed is a target (extents --all --json,
 * where building each record in json-c costs 2.8 times the whole run).
 * tests/unit/test_json checks both paths write the same bytes. The bytes go
 * through o: cli_out_flush(o) before anything else writes to its stream.
 */
void jw_init_direct(struct jw *w, struct cli_out *o);
/* Streamed containers: only at the outside (no built container open). */
void jw_stream_obj_begin(struct jw *w, const char *key);
void jw_stream_arr_begin(struct jw *w, const char *key);
/*
 * key is NULL inside arrays and at the top. Keys are our own ASCII literals:
 * json-c keeps the pointer, not a copy, until the record is written.
 */
void jw_obj_begin(struct jw *w, const char *key);
void jw_obj_end(struct jw *w);   /* closes a built or a streamed object */
void jw_arr_begin(struct jw *w, const char *key);
void jw_arr_end(struct jw *w);
void jw_str(struct jw *w, const char *key, const char *s);
void jw_strn(struct jw *w, const char *key, const char *s, size_t len);
void jw_u64(struct jw *w, const char *key, uint64_t v);
void jw_i64(struct jw *w, const char *key, int64_t v);
void jw_bool(struct jw *w, const char *key, bool v);
void jw_null(struct jw *w, const char *key);
/* A value json-c parsed (fsck --baseline's report); takes a reference of its own. */
void jw_json(struct jw *w, const char *key, struct json_object *o);
/* Ends one JSON Lines record (stdout's buffer is flushed as it fills). */
void jw_record_end(struct jw *w);

#endif /* FSIMG_CLI_H */
