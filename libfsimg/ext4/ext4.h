/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ext4 internals shared by the files of libfsimg/ext4: the filesystem handle,
 * bounded block reads, error and notice helpers, range predicates, and the
 * entry points one structure family offers the others.
 */
#ifndef FSIMG_EXT4_EXT4_H
#define FSIMG_EXT4_EXT4_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fsimg/fsimg.h"
#include "fsimg/ext4.h"
#include "core/crc.h"
#include "core/cursor.h"
#include "ext4/format.h"
#include "fs/front.h"

/* Walk bounds: a crafted image must not make a walk loop or grow without end. */
#define FSIMG_MAX_DIR_BLOCKS (1u << 26)     /* largedir: 2^32 bytes / 64 B blocks */

/*
 * The filesystem handle. Its head is the front's (backend, io, errors,
 * notices), the same for every backend; the rest is ext4's, zero on a
 * handle of another backend (which keeps its own state behind be_priv), so
 * an ext4 call made on it finds nothing in range and fails.
 */
struct fsimg_fs {
	const struct fsimg_backend *be;
	void *be_priv;
	fsimg_io *io;
	unsigned flags;
	/* a recovery's view with nothing left pending (fsimg_fs_open_recovered): its log is
	 * as the kernel's mount leaves it, clean, without reading it */
	bool log_replayed;
	struct fsimg_super sb;
	uint8_t raw_sb[EXT4_SUPER_SIZE];
	uint32_t block_size;
	unsigned log_block_size;     /* 10 .. 16 */
	uint64_t io_blocks;          /* whole blocks the source holds */
	/* the superblock copy in use: 0 the primary, else its block (a backup) */
	uint64_t sb_block;
	/* why the primary was not used, when a backup was taken instead ("" otherwise) */
	char primary_error[200];

	/* group descriptors as on disk, desc_size bytes each, group_count of them */
	uint8_t *gdt;
	size_t gdt_len;
	uint8_t *gd_csum_state;      /* per group: enum fsimg_csum_state */

	/* checksums */
	bool metadata_csum;
	bool gdt_csum;               /* uninit_bg (crc16), without metadata_csum */
	uint32_t csum_seed;          /* crc32c(~0, uuid) or s_checksum_seed */

	/* errors and notices */
	char errmsg[256];
	fsimg_notice_fn notice;
	void *notice_ctx;
	uint64_t csum_errors;

	/* a closed fsimg_map and extent walker kept for the next open; freed with the handle */
	struct fsimg_map *map_spare;
	struct ext4_ext_walk *ext_spare;

	/* the neutral calls (ext4/front.c): the last inode read, feature names */
	bool icache_valid;
	struct fsimg_inode icache;
	const char *feat_names[96];
	char feat_unknown[96][16];
};

/* Is fs an ext2/3/4 handle? The fsimg_ext4_* calls refuse others. */
static inline bool fs_is_ext4(const struct fsimg_fs *fs)
{
	return fs && fs->be == &fsimg_backend_ext4;
}


/* Range predicates, in one place. Each includes the start + len overflow check. */
static inline bool fs_pblk_ok(const struct fsimg_fs *fs, fsimg_pblk_t blk)
{
	return blk >= fs->sb.first_data_block && blk < fs->sb.blocks_count;
}
static inline bool fs_pblk_range_ok(const struct fsimg_fs *fs, fsimg_pblk_t start, uint64_t len)
{
	return len > 0 && start + len > start && start >= fs->sb.first_data_block &&
	       start + len <= fs->sb.blocks_count;
}
static inline bool fs_ino_ok(const struct fsimg_fs *fs, fsimg_ino_t ino)
{
	return ino >= 1 && ino <= fs->sb.inodes_count;
}

/* Reads count whole blocks; FSIMG_ERANGE outside the filesystem, FSIMG_EIO past the source. */
FSIMG_HIDDEN int fs_read_blocks(struct fsimg_fs *fs, fsimg_pblk_t blk, uint64_t count, void *buf);
static inline int fs_read_block(struct fsimg_fs *fs, fsimg_pblk_t blk, void *buf)
{
	return fs_read_blocks(fs, blk, 1, buf);
}

/* A block-sized buffer; NULL when out of memory. Free with free(). */
FSIMG_HIDDEN void *fs_block_alloc(const struct fsimg_fs *fs);

/* Checksums (core/crc.c) and the metadata_csum form: crc32c(seed, ...). */
FSIMG_HIDDEN uint32_t ext4_csum(const struct fsimg_fs *fs, uint32_t seed, const void *buf, size_t len);

/* super.c */
FSIMG_HIDDEN int ext4_super_from_disk(struct fsimg_super *sb, const uint8_t *raw, size_t len,
				      char *why, size_t whylen);
FSIMG_HIDDEN bool ext4_group_has_super(const struct fsimg_super *sb, fsimg_group_t g);
FSIMG_HIDDEN uint32_t ext4_super_csum(const uint8_t *raw);
/* group.c: where group g's descriptor lies (block, byte offset), and its checksum (metadata_csum or uninit_bg). */
FSIMG_HIDDEN int ext4_gd_locate(const struct fsimg_fs *fs, fsimg_group_t g, fsimg_pblk_t *blk, size_t *off);
FSIMG_HIDDEN uint16_t ext4_group_desc_csum(const struct fsimg_fs *fs, fsimg_group_t g, const uint8_t *d);

/*
 * The inodes the superblock owns: named by one of its fields, never by a
 * directory entry's choice. One table in super.c; a field of 0 names none.
 */
enum ext4_sb_inode {
	EXT4_SBINO_NONE = 0,
	EXT4_SBINO_JOURNAL,          /* s_journal_inum */
	EXT4_SBINO_USR_QUOTA,        /* s_usr_quota_inum */
	EXT4_SBINO_GRP_QUOTA,        /* s_grp_quota_inum */
	EXT4_SBINO_PRJ_QUOTA,        /* s_prj_quota_inum */
	EXT4_SBINO_ORPHAN_FILE,      /* s_orphan_file_inum */
	EXT4_SBINO__COUNT
};
/* The inode number a role's field holds (0: none). */
FSIMG_HIDDEN uint32_t ext4_sb_inode(const struct fsimg_super *sb, enum ext4_sb_inode role);
/* The role of ino, EXT4_SBINO_NONE when no field names it. */
FSIMG_HIDDEN enum ext4_sb_inode ext4_sb_inode_role(const struct fsimg_super *sb, fsimg_ino_t ino);
/* "journal", "user quota", "group quota", "project quota", "orphan file". */
FSIMG_HIDDEN const char *ext4_sb_inode_name(enum ext4_sb_inode role);
/*
 * Is ino, at s_first_ino or above, an inode no directory may name and whose
 * link count means nothing (as the reserved inodes below s_first_ino)? The
 * kernel's is_special_ino: the quota and orphan file inodes. A journal past
 * s_first_ino is the visible file of an old tune2fs -j, named like any other.
 */
FSIMG_HIDDEN bool ext4_sb_inode_nameless(const struct fsimg_super *sb, fsimg_ino_t ino);
/* "ext2", "ext3" or "ext4" from the feature words, by libblkid's rule. */
FSIMG_HIDDEN const char *ext4_type_name(uint32_t compat, uint32_t incompat, uint32_t ro_compat);
FSIMG_HIDDEN const char *ext4_fs_type(const struct fsimg_fs *fs);
FSIMG_HIDDEN int ext4_has_feature_named(const struct fsimg_fs *fs, const char *name);
/* fs.c: open and close, the backend's entries. */
FSIMG_HIDDEN int ext4_fs_match(fsimg_io *io);
FSIMG_HIDDEN const char *ext4_probe_name(fsimg_io *io);
FSIMG_HIDDEN int ext4_fs_open(fsimg_fs **out, fsimg_io *io, unsigned flags, char *errbuf,
			      size_t errlen);
FSIMG_HIDDEN int ext4_fs_rescue(fsimg_fs **out, fsimg_io *io, unsigned flags);
FSIMG_HIDDEN void ext4_fs_close(fsimg_fs *fs);
/* map.c, file.c: the iterators' next and close behind the front's. */
FSIMG_HIDDEN int ext4_map_next(fsimg_map *m, struct fsimg_run *run);
FSIMG_HIDDEN void ext4_map_close(fsimg_map *m);
/* A map with no runs: the forks ext4 does not have (attr, cow). */
FSIMG_HIDDEN int ext4_map_open_empty(fsimg_map **out, struct fsimg_fs *fs, fsimg_ino_t ino);
FSIMG_HIDDEN int64_t ext4_file_read(fsimg_file *f, void *buf, size_t len, uint64_t off);
FSIMG_HIDDEN void ext4_file_close(fsimg_file *f);

/* group.c */
FSIMG_HIDDEN int ext4_gdt_load(struct fsimg_fs *fs);
/* Group g's inode table block (unchecked against the filesystem's range). */
FSIMG_HIDDEN int ext4_group_inode_table(struct fsimg_fs *fs, fsimg_group_t g, fsimg_pblk_t *blk);
/* The group holding inode ino and its index in that group. */
static inline fsimg_group_t ext4_ino_group(const struct fsimg_fs *fs, fsimg_ino_t ino)
{
	return (ino - 1) / fs->sb.inodes_per_group;
}

/* inode.c: the raw on-disk record (inode_size bytes) of ino, and its location. */
FSIMG_HIDDEN int ext4_inode_read_raw(struct fsimg_fs *fs, fsimg_ino_t ino, uint8_t *buf, size_t buflen);
FSIMG_HIDDEN int ext4_inode_from_disk(struct fsimg_inode *out, const struct fsimg_fs *fs,
				      fsimg_ino_t ino, const uint8_t *raw, size_t len);
FSIMG_HIDDEN bool ext4_inode_csum_ok(const struct fsimg_fs *fs, fsimg_ino_t ino,
				     const uint8_t *raw, size_t len);
/* Sets the record's checksum (metadata_csum; nothing otherwise). */
FSIMG_HIDDEN void ext4_inode_csum_set(const struct fsimg_fs *fs, fsimg_ino_t ino, uint8_t *raw, size_t len);
/* The per-inode checksum seed: crc32c(crc32c(fs seed, ino), generation). */
FSIMG_HIDDEN uint32_t ext4_inode_csum_seed(const struct fsimg_fs *fs, fsimg_ino_t ino, uint32_t gen);

/* xattr.c: a value in the inode body ("system.data" for inline data). */
FSIMG_HIDDEN int ext4_xattr_ibody_get(const struct fsimg_fs *fs, const uint8_t *raw, size_t len,
				      unsigned name_index, const char *name,
				      const uint8_t **value, size_t *value_len);
/*
 * xattr.c: the same found as libext2fs (e2fsck) finds it: the entry's name
 * compared as a C string, so NUL padding within e_name_len still matches.
 */
FSIMG_HIDDEN int ext4_xattr_ibody_get_e2fs(const uint8_t *raw, size_t len, unsigned name_index,
					   const char *name, const uint8_t **value, size_t *value_len);
/* xattr.c: a value in an xattr block of len bytes (FSIMG_ECORRUPT: no valid block). */
FSIMG_HIDDEN int ext4_xattr_block_get(const uint8_t *blk, size_t len, unsigned name_index,
				      const char *name, const uint8_t **value, size_t *value_len);

/* extent.c: checks one extent tree node (a block or i_block) the kernel's way. */
struct ext4_node_info {
	uint16_t entries, max, depth;
	bool depth_mismatch; /* below the root: eh_depth is not the level (depth is the level) */
};
FSIMG_HIDDEN int ext4_ext_node_check(struct fsimg_fs *fs, const uint8_t *node, size_t len,
				     int want_depth, struct ext4_node_info *info, const char **why);
/*
 * e2fsprogs' rule the kernel does not have: eh_max at most two entries short
 * of what a node of len bytes holds. False when it holds; the walk reads such
 * a node either way.
 */
FSIMG_HIDDEN bool ext4_ext_max_short(size_t len, unsigned max);

/*
 * Producers behind the mapping iterator (map.c is their only caller). Each
 * yields MAPPED/UNWRITTEN data runs in logical order, and (want_meta) the
 * tree's own blocks as META runs just before the first data run they cover;
 * flags are left 0 for map.c to fill. next: 1 and a run, 0 at the end, <0.
 */
struct ext4_ext_walk;
FSIMG_HIDDEN int ext4_ext_walk_open(struct ext4_ext_walk **out, struct fsimg_fs *fs,
				    const struct fsimg_inode *inode);
FSIMG_HIDDEN int ext4_ext_walk_next(struct ext4_ext_walk *w, struct fsimg_run *run);
FSIMG_HIDDEN void ext4_ext_walk_close(struct ext4_ext_walk *w);
/* Frees a walker for good (close keeps one spare in its handle). */
FSIMG_HIDDEN void ext4_ext_walk_free(struct ext4_ext_walk *w);

struct ext4_bmap_walk;
FSIMG_HIDDEN int ext4_bmap_walk_open(struct ext4_bmap_walk **out, struct fsimg_fs *fs,
				     const struct fsimg_inode *inode);
FSIMG_HIDDEN int ext4_bmap_walk_next(struct ext4_bmap_walk *w, struct fsimg_run *run);
FSIMG_HIDDEN void ext4_bmap_walk_close(struct ext4_bmap_walk *w);

/* map.c: a fast symlink keeps its target in i_block (the kernel's rule). */
FSIMG_HIDDEN bool ext4_is_fast_symlink(const struct fsimg_fs *fs, const struct fsimg_inode *inode);

/* inline.c: size of the inline data (i_block part + system.data) and a copy of it. */
FSIMG_HIDDEN int ext4_inline_get(struct fsimg_fs *fs, fsimg_ino_t ino, uint8_t **data, size_t *len);

/* dir.c: one directory entry as parsed, host order; name points into the buffer. */
struct ext4_dirent {
	uint32_t inode;
	uint32_t rec_len;            /* decoded (64 KiB blocks) */
	uint16_t name_len;           /* 16 bits without the filetype feature */
	uint8_t file_type;           /* 0 without the filetype feature */
	const uint8_t *name;
};
/*
 * Checks the entry at off of a directory block (or inline region) of len
 * bytes by the kernel's ext4_check_dir_entry rules and fills *de: 0, or
 * FSIMG_ECORRUPT with the rule broken in why.
 */
FSIMG_HIDDEN int ext4_dirent_parse(const struct fsimg_fs *fs, const uint8_t *buf, size_t len,
				   size_t off, struct ext4_dirent *de, char *why, size_t whylen);
/* Does a block of bs bytes end with the 12-byte dirent tail? */
FSIMG_HIDDEN bool ext4_dirent_tail_present(const uint8_t *blk, size_t bs);
/* The leaf checksum against the tail: 1 good, 0 bad, -1 no tail. */
FSIMG_HIDDEN int ext4_dirblock_csum_verify(const struct fsimg_fs *fs, uint32_t seed,
					   const uint8_t *blk, size_t bs);
/*
 * A leaf block of dir: where its entries end (before the tail under
 * metadata_csum); a bad or missing tail checksum is noticed, and false.
 */
FSIMG_HIDDEN bool ext4_dirblock_leaf_end(struct fsimg_fs *fs, const struct fsimg_inode *dir,
					 fsimg_lblk_t lblk, const uint8_t *blk, size_t *end);
/* fsimg_dir_open for an inode already read. */
FSIMG_HIDDEN int ext4_dir_open_inode(struct fsimg_dir **out, struct fsimg_fs *fs,
				     const struct fsimg_inode *inode);

/*
 * htree.c: is dir casefolded (EXT4_CASEFOLD_FL with the casefold feature)?
 * Its names are hashed, and looked up, by their utf8 casefold.
 */
FSIMG_HIDDEN bool ext4_dir_casefolded(const struct fsimg_fs *fs, const struct fsimg_inode *dir);
/*
 * utf8.c: the utf8-12.1 casefold (NFD, ignorables removed, full case folding,
 * canonical order) of name into out: its length, or -1 when name is not valid
 * UTF-8 or the fold does not fit in cap bytes.
 */
FSIMG_HIDDEN int ext4_utf8_casefold(const uint8_t *name, size_t len, uint8_t *out, size_t cap);
/* utf8.c: one code point at s[0..len): its length, 0 when not valid UTF-8 (overlong, surrogate, > U+10FFFF). */
FSIMG_HIDDEN size_t ext4_utf8_decode(const uint8_t *s, size_t len, uint32_t *cp);
/* Room for the casefold of any name (the kernel's and e2fsprogs' PATH_MAX). */
#define EXT4_CASEFOLD_MAX 4096u

/* htree.c: the dx root's info and a dx node's count/limit, as parsed. */
struct ext4_dx_info {
	uint8_t hash_version;        /* as stored: 0..2, 6 */
	uint8_t indirect_levels;
};
struct ext4_dx_node {
	uint32_t count_offset;       /* 32 in the root, 8 in a node */
	uint16_t limit, count;
};
/* Parse a dx root / dx node block: 0, or FSIMG_ECORRUPT with the reason in why. */
FSIMG_HIDDEN int ext4_dx_root_parse(const struct fsimg_fs *fs, const uint8_t *blk, size_t bs,
				    struct ext4_dx_info *info, struct ext4_dx_node *node,
				    char *why, size_t whylen);
FSIMG_HIDDEN int ext4_dx_node_parse(const struct fsimg_fs *fs, const uint8_t *blk, size_t bs,
				    struct ext4_dx_node *node, char *why, size_t whylen);
/* Entry i (0 .. count-1) of a parsed dx block; entry 0 has no hash (0). */
FSIMG_HIDDEN void ext4_dx_entry(const uint8_t *blk, size_t bs, const struct ext4_dx_node *node,
				unsigned i, uint32_t *hash, uint32_t *block);
/* The dx tail checksum (ext4_dx_csum): 1 good, 0 bad, -1 no room for the tail. */
FSIMG_HIDDEN int ext4_dx_csum_verify(const struct fsimg_fs *fs, uint32_t seed, const uint8_t *blk,
				     size_t bs, const struct ext4_dx_node *node);

#endif /* FSIMG_EXT4_EXT4_H */
