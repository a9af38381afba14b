/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The test suite's hooks into the command. testhooks.c is built twice:
 * plainly into src/fsimg, where every hook does nothing and reads no
 * environment, and with FSIMG_TEST_HOOKS into src/fsimg-hooks, a binary
 * that `make check` builds and runs and that is never installed
 * (src/local.am). The variables, read only by src/fsimg-hooks:
 *
 *   FSIMG_TEST_FAIL_AFTER_WRITES=N  block writes after the first N fail (EIO)
 *   FSIMG_TEST_SLOW_WRITES=MS       a sleep of MS ms before each block write
 *   FSIMG_TEST_IMAGE_OFFSET=BYTES   IMAGE is read from BYTES into the file,
 *                                   through a wrapping I/O source that keeps
 *                                   the file's descriptor (a partition as a
 *                                   naive backend would give it)
 *   FSIMG_TEST_JSON_MAX=N           replay --json lists at most N records of
 *                                   each list (the bound, made small)
 */
#ifndef FSIMG_TESTHOOKS_H
#define FSIMG_TESTHOOKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fsimg/fsimg.h"

/* Before a block write; writes_done so far. 0 to go on, or -EIO to fail it. */
int hook_before_write(uint64_t writes_done);
/* Whether block writes must go one block per call (the write hooks count blocks). */
bool hook_writes_one_by_one(void);
/*
 * The image source as the commands read it: *io itself, or a wrapper
 * owning it. 0, or a negative FSIMG_E* code (*io then closed).
 */
int hook_wrap_image(fsimg_io **io);
/* replay --json's bound on each list of records: dflt, or the test's. */
size_t hook_json_max(size_t dflt);

#endif /* FSIMG_TESTHOOKS_H */
