// SPDX-License-Identifier: GPL-2.0-only
/* taskcpu: CPU time of every thread of this process (see taskcpu.h). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "taskcpu.h"

int taskcpu_read(struct taskcpu *s)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	char path[96];
	FILE *f;

	s->nr = 0;
	if (!d)
		return -errno;
	while ((e = readdir(d)) && s->nr < TASKCPU_MAX) {
		unsigned long long ns;
		pid_t tid = atoi(e->d_name);

		if (tid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%d/schedstat", tid);
		f = fopen(path, "r");
		if (!f)
			continue;		/* it just ended */
		if (fscanf(f, "%llu", &ns) != 1)
			ns = 0;
		fclose(f);
		s->t[s->nr].tid = tid;
		s->t[s->nr].ns = ns;
		snprintf(path, sizeof(path), "/proc/self/task/%d/comm", tid);
		s->t[s->nr].comm[0] = '\0';
		f = fopen(path, "r");
		if (f) {
			if (fgets(s->t[s->nr].comm, sizeof(s->t[0].comm), f))
				s->t[s->nr].comm[strcspn(s->t[s->nr].comm, "\n")] = '\0';
			fclose(f);
		}
		s->nr++;
	}
	closedir(d);
	return 0;
}

void taskcpu_delta(const struct taskcpu *a, const struct taskcpu *b, pid_t self,
		   uint64_t *self_ns, uint64_t *io_ns, uint64_t *other_ns)
{
	unsigned int i, j;

	*self_ns = *io_ns = *other_ns = 0;
	for (i = 0; i < b->nr; i++) {
		uint64_t before = 0, d;

		for (j = 0; j < a->nr; j++)
			if (a->t[j].tid == b->t[i].tid)
				before = a->t[j].ns;
		d = b->t[i].ns > before ? b->t[i].ns - before : 0;
		if (b->t[i].tid == self)
			*self_ns += d;
		else if (!strncmp(b->t[i].comm, "iou-", 4))
			*io_ns += d;
		else
			*other_ns += d;
	}
}
