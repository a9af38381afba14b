/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The checker's small key → value map (idmap.h): open addressing, linear probing. */
#include "config.h"

#include <stdlib.h>

#include "check/idmap.h"

static size_t slot_of(uint64_t key, size_t cap)
{
	uint64_t h = key * 0x9e3779b97f4a7c15u;

	return (size_t)(h ^ (h >> 29)) & (cap - 1);
}

struct idmap *idmap_new(size_t limit)
{
	struct idmap *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	if (pthread_mutex_init(&m->mu, NULL) != 0) {
		free(m);
		return NULL;
	}
	m->limit = limit;
	return m;
}

void idmap_free(struct idmap *m)
{
	if (!m)
		return;
	pthread_mutex_destroy(&m->mu);
	free(m->s);
	free(m);
}

static bool grow(struct idmap *m)
{
	size_t cap = m->cap ? m->cap * 2 : 256;
	struct idmap_slot *s = calloc(cap, sizeof(*s));

	if (!s)
		return false;
	for (size_t i = 0; i < m->cap; i++) {
		size_t j;

		if (!m->s[i].key)
			continue;
		for (j = slot_of(m->s[i].key, cap); s[j].key; j = (j + 1) & (cap - 1))
			;
		s[j] = m->s[i];
	}
	free(m->s);
	m->s = s;
	m->cap = cap;
	return true;
}

void idmap_put(struct idmap *m, uint64_t key, uint64_t val, bool set)
{
	size_t i;

	if (!m || key == 0)
		return;
	pthread_mutex_lock(&m->mu);
	if (!m->overflow && (m->n + 1) * 2 > m->cap && (m->n >= m->limit || !grow(m)))
		m->overflow = true;
	/* at most half full: a probe always ends on the key or an empty slot */
	if (m->cap) {
		for (i = slot_of(key, m->cap); m->s[i].key && m->s[i].key != key;
		     i = (i + 1) & (m->cap - 1))
			;
		if (m->s[i].key == key)
			m->s[i].val = set ? val : m->s[i].val + val;
		else if (!m->overflow) {
			m->s[i].key = key;
			m->s[i].val = val;
			m->n++;
		}
	}
	pthread_mutex_unlock(&m->mu);
}

int idmap_get(const struct idmap *m, uint64_t key, uint64_t *val)
{
	if (!m)
		return -1;
	if (m->cap)
		for (size_t i = slot_of(key, m->cap); m->s[i].key; i = (i + 1) & (m->cap - 1))
			if (m->s[i].key == key) {
				*val = m->s[i].val;
				return 1;
			}
	return m->overflow ? -1 : 0;
}
