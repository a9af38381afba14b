/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Loading the libraries only some images need: see core/dl.h. */
#include "config.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "core/dl.h"
#include "core/io.h"

/* dlopen and the table's state: once per process, whoever asks first. */
static pthread_mutex_t dl_lock = PTHREAD_MUTEX_INITIALIZER;

static int dl_open_locked(struct dl_lib *lib)
{
	void *h;
	const char *why;

	/* RTLD_LOCAL: the symbols serve us only; RTLD_NOW: a missing one fails here. */
	dlerror();
	h = dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		why = dlerror();
		snprintf(lib->err, sizeof(lib->err), "%s need %s, which cannot be loaded (%s)", lib->what,
			 lib->soname, why ? why : "not found");
		return FSIMG_EUNSUPP;
	}
	for (size_t i = 0; i < lib->nsyms; i++) {
		void *fn = dlsym(h, lib->syms[i].name);

		if (!fn) {
			snprintf(lib->err, sizeof(lib->err), "%s need %s, which lacks %s", lib->what,
				 lib->soname, lib->syms[i].name);
			dlclose(h);
			return FSIMG_EUNSUPP;
		}
		/* dlsym gives a data pointer; POSIX says it converts to the function's. */
		memcpy(lib->syms[i].slot, &fn, sizeof(fn));
	}
	/* Never closed: the function pointers live as long as the process. */
	return 1;
}

int dl_load(struct dl_lib *lib, char *errbuf, size_t errlen)
{
	int state;

	pthread_mutex_lock(&dl_lock);
	if (lib->state == 0)
		lib->state = dl_open_locked(lib);
	state = lib->state;
	pthread_mutex_unlock(&dl_lock);
	if (state == 1)
		return 0;
	return errbuf_fail(errbuf, errlen, state, "%s", lib->err);
}
