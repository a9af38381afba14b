/*
 * The crash harness's guest program: what its files share.  workload.c
 * holds main, the seeded random numbers, the records, the power cut, the
 * namespace the workload keeps and the op dispatcher; each family of ops is
 * a file of its own: wl_data.c (writes, fallocate, truncate, fsync),
 * wl_meta.c (create, rename, link, unlink, pause), wl_xfs.c (fragmented
 * files, clones, syncfs, unlinked-while-open, O_TMPFILE, the intent storm),
 * wl_quota.c (owners, project ids, limits, enforcement), wl_age.c (an aged
 * filesystem: filled, thinned out, churned), wl_share.c (striped shares,
 * the storm of clones that split refcount and bmbt leaves),
 * wl_tree.c (the tree and names workloads), summary.c (the kernel's view after
 * recovery).  A new family: add its kinds at the end of enum kind (with
 * weight 0 in the older workloads, so that a seed gives the same ops as
 * before), a FAMILY_op in a file of its own, and its case in one_op.
 */
#ifndef FSIMG_CRASH_WORKLOAD_H
#define FSIMG_CRASH_WORKLOAD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifndef FALLOC_FL_KEEP_SIZE
#define FALLOC_FL_KEEP_SIZE 0x01
#endif
#ifndef FALLOC_FL_PUNCH_HOLE
#define FALLOC_FL_PUNCH_HOLE 0x02
#endif
#ifndef FALLOC_FL_ZERO_RANGE
#define FALLOC_FL_ZERO_RANGE 0x10
#endif

#define NDIRS 4
#define MAXFILES 48
#define MAXFILESIZE (768u * 1024u)
#define BIG 4096
#define MAXDIRS 40

/* the kinds after K_PAUSE only have weight in the XFS workloads (intent,
 * unlinked, quota): the older workloads draw the same numbers for a seed as before */
enum kind { K_APPEND, K_OVERWRITE, K_FALLOC, K_KEEPSIZE, K_PUNCH, K_ZERO, K_DIRECT,
	    K_CREATE, K_RENAME, K_LINK, K_UNLINK, K_TRUNCATE, K_FSYNC, K_PAUSE,
	    K_FRAG, K_CLONE, K_SYNCFS, K_HOLDUNLINK, K_TMPFILE,
	    K_CHOWN, K_PROJID, K_QLIMIT, K_QENFORCE, K_CHURN, K_INTERLEAVE, K_HOLDSPECIAL, K_NKINDS };
extern const char *kind_name[K_NKINDS];

/* the seeded generator (xorshift64*): the same sequence for a seed everywhere */
uint64_t rnd(void);
uint32_t below(uint32_t n);
void rnd_reseed(uint64_t w);

/* crc32 (zlib's) of the first LEN bytes of FD (LEN < 0: all of it); -1 on error */
int crc_fd(int fd, long long len, uint32_t *crc, long long *got);

/* one "@@ ..." record line; drain: wait until the serial port sent them */
void record(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void drain(void);
/* sysrq b inside the crash guest (elsewhere: exit 0); never returns */
void power_cut(void) __attribute__((noreturn));

/* the namespace: ROOT, files[] (relative paths, "" = a free slot), dirs[] (tree) */
extern const char *root;
extern char files[MAXFILES][200];
extern int nfiles;
extern char dirs[MAXDIRS][160];
extern int ndirs;
int pick_file(void);
int free_slot(void);
void new_name(char *out, size_t n);
void abs_path(char *out, size_t n, const char *rel);
off_t cur_size(const char *rel);

/* records that op OP may change REL; HOLD keeps FD (unlinked) open to the cut */
void touch(int op, const char *rel);
void hold(int op, int fd, const char *rel);
/* set in the intent storm: every op's records leave before it starts */
extern int drain_each;

/* the write buffer (16 * BIG * 8 bytes, 4 KiB aligned) and its seeded contents */
extern unsigned char *buf;
void fill(size_t len);
/* fsync FD and record what it made durable (size, crc32); -1 when it failed */
int do_fsync(int op, const char *rel, int fd);

extern unsigned blksz;
enum kind pick_kind(const unsigned *w);

/* op N of kind K on files[SLOT] (REL, SIZE bytes; -1 / NULL when none):
 * returns the fd of the file written, or -1; *RC -1 when it failed;
 * *RELP the path written (for the fsync after) */
int one_op(int op, enum kind k, int *rc, const char **relp);
int data_op(int op, enum kind k, int slot, const char *rel, off_t size, int *rc,
	    const char **relp);
int meta_op(int op, enum kind k, int slot, const char *rel, off_t size, int *rc,
	    const char **relp);
int xfs_op(int op, enum kind k, int slot, const char *rel, off_t size, int *rc,
	   const char **relp);
int quota_op(int op, enum kind k, int slot, const char *rel, off_t size, int *rc,
	     const char **relp);
/* the intent workload after its cut op; never returns */
/* the storm's op weights: the intent workload's, or convert's (storm_convert) */
extern int storm_convert;
extern unsigned interleave_min; /* wl_xfs.c: K_INTERLEAVE's least blocks */
void storm(int op) __attribute__((noreturn));
/* the storm's cutter: records the storm, forks a child that syncfs's in a loop and cuts the
 * power 50-1500 ms later; returns the child's pid (<= 0: none) with drain_each set */
pid_t storm_cutter(int op);
pid_t storm_cutter_ms(int op, unsigned ms);
/* the age workload (wl_age.c): fill and thin out before the start record;
 * K_CHURN's op among the aged files */
void age_fill(int agemany);
int age_op(int op, int *rc);
/* the tree and names workloads (wl_tree.c) */
int run_tree(int ops, int cut);
int run_names(int ops, int cut);
int run_names8(int ops, int cut);
int run_dirs(int ops, int cut);
int run_bigdir(int ops, int cut);
/* wl_xfs.c: files created (xattrs: half with a small xattr), then those outside d0's
 * inode chunk unlinked and held open */
int run_ichunk(int ops, int cut, int xattrs);
int run_ichunk_held(int ops, int cut, int xattrs, int maxheld);
/* wl_ifin.c: empty files created (MORE 2: a block of data each), then one from each inode chunk
 * unlinked and held open (MORE 1: others unlinked for good first) */
int run_ifinobt(int ops, int cut, int more);
/* wl_idrop.c: empty files created, then chunks dropped whole: 63 files of each unlinked for good,
 * the keeper unlinked and held open (SOME: two in three chunks) */
int run_ichunkdrop(int ops, int cut, int some);
/* wl_idrop.c: chunks dropped but their first inode, sparse files held open, then the keepers */
int run_ichunkhold(int ops, int cut);
/* wl_hold.c: OPS directories emptied and rmdir'd, O_TMPFILE pairs, sparse files, held open */
int run_holdmix(int ops, int cut, int many);
/* wl_hold.c: one-block files, every other unlinked, up to 60 of the rest held open */
int run_fragdrop(int ops, int cut);
/* wl_attr.c: files with attribute forks that have blocks, unlinked and held open */
int run_attr(int ops, int cut);
/* wl_cow.c: files cloned and half overwritten (CoW staging extents at the cut); storm_last: cowcut */
int run_cow(int ops, int cut, int storm_last);
/* wl_cow.c: cloned files' unwritten ranges written O_DIRECT in a storm (RUIs CONVERT_SHARED) */
int run_convshare(int ops, int cut);
/* wl_share.c: striped shares, sparse files, then a storm of clones that split refcount and bmbt
 * leaves and turn extents forks into btrees (OPS: the refcount records made); merge: sharemerge
 * (gap blocks cloned into the mirrors: center merges in all three trees); grow: sharegrow (the
 * storm's clones into many 21-extent files: forks made btrees) */
int run_share(int ops, int cut, char variant); /* the letter after share: 0, m(erge), g(row), u(nmap), i(root) */
/* wl_xv4.c: a special file, short symlink or empty directory held open and unlinked;
 * the efitrunc workload's storm (never returns) */
int special_op(int op, int *rc);
/* unlinkedsym: special_op makes symlinks only, most with targets too long for the inode
 * (remote symlinks: xfs_inactive_symlink_rmt frees their blocks) */
extern int long_symlinks;
void efitrunc_storm(int op) __attribute__((noreturn));
/* syncfs through dfd (closed after; -1: rc is the open's failure), the result, the cut */
int syncfs_cut(int op, int dfd, int rc);
/* after op N: its record, maybe an fsync, the cut (and storm) when N is CUT */
void op_done(int op, int cut, int fd, const char *rel, int rc);

/* one JSON line per path under PATH (shown as REL), recursing to depth 64 */
int summarise(const char *path, const char *rel, int depth);

/* wl_quota.c: qunlinked's soft limits, set before its start record */
void quota_soft_limits(void);

#endif
/* wl_user.c: editor-style saves, trees unpacked and removed, large sequential writes */
int run_editor(int ops, int cut);
int run_untar(int ops, int cut);
int run_seq(int ops, int cut);
