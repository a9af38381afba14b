/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Pass 5, the entry rules that depend on the directory's kind (e2fsck pass
 * 2 check_dir_block, check_dot, check_dotdot): the byte after "." and "..";
 * in an encrypted directory, names are ciphertext (no '/'/NUL rule, at
 * least one 16-byte cipher block: PR_2_BAD_ENCRYPTED_NAME) and every
 * regular file, directory and symlink shares the directory's encryption
 * policy (PR_2_UNENCRYPTED_FILE, PR_2_INCONSISTENT_ENCRYPTION_POLICY); in a
 * casefolded one under strict encoding, names are valid UTF-8
 * (PR_2_BAD_ENCODED_NAME; checked
 * as UTF-8's structure: the unassigned code points e2fsck's utf8 tables
 * also refuse are not told apart).
 */
#include "config.h"

#include "check/ext4/e4check.h"
#include "check/ext4/pass_dirs.h"

#define EXT4_CRYPTO_BLOCK_SIZE 16u
#define EXT4_ENC_STRICT_MODE_FL 0x0001u
#define S_IFREG_ 0x8000u
#define S_IFLNK_ 0xA000u

void dirs_dot_rules(struct dirs_state *s, struct dwalk *d, uint64_t idx, const struct ext4_dirent *de)
{
	struct fsimg_problem_ctx p;

	/* name[1] and name[2] lie inside the entry: rec_len is at least 12 */
	if (idx == 0 && de->name_len == 1 && de->name[0] == '.' && de->name[1] != '\0') {
		p = pctx_inode(d->inode.ino);
		PCTX_SET(p, detail, FSIMG_PF_DETAIL, "'.'");
		check_report(s->c, PR_DIRENT_DOT_NOT_TERMINATED, &p);
	} else if (idx == 1 && de->name_len == 2 && de->name[0] == '.' && de->name[1] == '.' &&
		   de->name[2] != '\0') {
		p = pctx_inode(d->inode.ino);
		PCTX_SET(p, detail, FSIMG_PF_DETAIL, "'..'");
		check_report(s->c, PR_DIRENT_DOT_NOT_TERMINATED, &p);
	}
}

/* The directory's policy, when it is encrypted with a valid context (e2fsck's dir_encpolicy_id). */
static bool dir_policy(struct dirs_state *s, struct dwalk *d, uint64_t *policy)
{
	return (d->inode.flags & EXT4_ENCRYPT_FL) && check_enc_policy(s->c, d->inode.ino, policy) == 1;
}

bool dirs_name_rules(struct dirs_state *s, struct dwalk *d, const struct ext4_dirent *de,
		     const struct fsimg_problem_ctx *p)
{
	uint64_t policy;

	if (dir_policy(s, d, &policy) ||
	    ((d->inode.flags & EXT4_ENCRYPT_FL) && check_enc_policy(s->c, d->inode.ino, &policy) < 0)) {
		if (de->name_len < EXT4_CRYPTO_BLOCK_SIZE)
			check_report(s->c, PR_DIRENT_ENCRYPTED_NAME_SHORT, p);
		return true;
	}
	/* only under strict encoding: otherwise the kernel takes invalid names as bytes */
	if ((s->sb->encoding_flags & EXT4_ENC_STRICT_MODE_FL) && ext4_dir_casefolded(s->fs, &d->inode)) {
		uint32_t cp;

		/* e2fsck's utf8_validate stops at a NUL */
		for (unsigned i = 0, n; i < de->name_len && de->name[i]; i += n) {
			n = (unsigned)ext4_utf8_decode(de->name + i, de->name_len - i, &cp);
			if (n == 0) {
				check_report(s->c, PR_DIRENT_BAD_UTF8, p);
				break;
			}
		}
		return false; /* the '/' and NUL rule still holds */
	}
	return false;
}

void dirs_policy_rules(struct dirs_state *s, struct dwalk *d, const struct ext4_dirent *de,
		       const struct fsimg_problem_ctx *p)
{
	uint64_t dpol, fpol;
	struct fsimg_inode in;
	int r;

	if (!dir_policy(s, d, &dpol))
		return;
	r = check_enc_policy(s->c, de->inode, &fpol);
	if (r < 0)
		return;
	if (r == 1) {
		if (fpol != dpol)
			check_report(s->c, PR_DIRENT_POLICY_DIFFERS, p);
		return;
	}
	/* no policy: e2fsck's needs_encryption, then an encrypt flag whose context is not read */
	if (fsimg_inode_read(&in, s->fs, de->inode) < 0)
		return;
	if ((in.mode & S_IFMT_) != S_IFREG_ && (in.mode & S_IFMT_) != S_IFDIR_ &&
	    (in.mode & S_IFMT_) != S_IFLNK_)
		return;
	if ((in.flags & EXT4_ENCRYPT_FL) && in.file_acl)
		return;
	check_report(s->c, PR_DIRENT_UNENCRYPTED, p);
}

#define DX_ROOT_UNUSED_FLAGS 31u /* dx_root_info.unused_flags, after ".", ".." and 4 bytes */
#define EXT2_HASH_FLAG_INCOMPAT 0x1u

void dirs_dx_root_rules(struct dirs_state *s, struct dwalk *d, const uint8_t *root,
			const struct ext4_dx_info *info)
{
	struct fsimg_problem_ctx p = pctx_inode(d->inode.ino);
	/* encrypted and casefolded: the hash is stored in each entry, SipHash keyed per directory */
	bool in_dirent = (d->inode.flags & EXT4_ENCRYPT_FL) && (d->inode.flags & EXT4_CASEFOLD_FL);

	PCTX_SET(p, found, FSIMG_PF_FOUND, info->hash_version);
	if (in_dirent && info->hash_version != EXT4_HASH_SIPHASH)
		check_report(s->c, PR_DX_ROOT_NEEDS_SIPHASH, &p);
	else if (!in_dirent && info->hash_version == EXT4_HASH_SIPHASH)
		check_report(s->c, PR_DX_ROOT_CANNOT_SIPHASH, &p);
	else if (root[DX_ROOT_UNUSED_FLAGS] & EXT2_HASH_FLAG_INCOMPAT)
		check_report(s->c, PR_DX_ROOT_INCOMPAT_FLAG, &p);
}
