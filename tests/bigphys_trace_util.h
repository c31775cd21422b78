/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Recording the bigphys tracepoints through tracefs, for the tests that
 * check what the module did where no other trace of it exists
 * (obs_test.c: job and region events; coherence_test.c: cache
 * maintenance).  Include after bigphys_test_util.h.
 */
#ifndef _BIGPHYS_TRACE_UTIL_H
#define _BIGPHYS_TRACE_UTIL_H

#include <stdio.h>
#include <stdlib.h>

#define MAX_EVENTS	256

static const char *tracing_dir(void)
{
	if (!access("/sys/kernel/tracing/trace", F_OK))
		return "/sys/kernel/tracing/";
	return "/sys/kernel/debug/tracing/";
}

/* Write @val to tracefs file @file, truncating it ("trace": clears it). */
static int trace_write(const char *file, const char *val)
{
	size_t len = strlen(val);
	char path[160];
	int fd, ret;

	snprintf(path, sizeof(path), "%s%s", tracing_dir(), file);
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ret = write(fd, val, len) == (ssize_t)len ? 0 : -1;
	close(fd);
	return ret;
}

/* The bigphys events of the "trace" file, in order. */
struct event {
	char name[32];		/* without "bigphys_" */
	char body[320];		/* " key=value ..." */
};

struct trace {
	struct event ev[MAX_EVENTS];
	int n;
};

/* Start recording the bigphys events; *@tracing tells the teardown. */
static void trace_begin(struct __test_metadata *_metadata, int *tracing)
{
	*tracing = 1;
	/*
	 * The global clock orders events of different CPUs: a job starts
	 * on the submitter's CPU and ends in the IRQ thread.
	 */
	ASSERT_EQ(0, trace_write("trace_clock", "global"))
		TH_LOG("tracefs at %s: %s", tracing_dir(), strerror(errno));
	ASSERT_EQ(0, trace_write("events/bigphys/enable", "1"))
		TH_LOG("events/bigphys/enable: %s", strerror(errno));
	ASSERT_EQ(0, trace_write("trace", ""));
	ASSERT_EQ(0, trace_write("tracing_on", "1"));
}

/* Switch recording off again (fixture teardown, whatever happened). */
static void trace_stop(void)
{
	trace_write("tracing_on", "0");
	trace_write("events/bigphys/enable", "0");
	trace_write("trace_clock", "local");
}

/*
 * Stop recording and read the events into @t; each event named @log (or
 * every event, @log NULL) goes to the test's log too.
 */
static void trace_end(struct __test_metadata *_metadata, struct trace *t,
		      const char *log)
{
	char path[160], line[512], *p, *colon;
	FILE *f;

	ASSERT_EQ(0, trace_write("tracing_on", "0"));
	ASSERT_EQ(0, trace_write("events/bigphys/enable", "0"));
	snprintf(path, sizeof(path), "%strace", tracing_dir());
	f = fopen(path, "re");
	ASSERT_NE(NULL, f);
	t->n = 0;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#')
			continue;
		p = strstr(line, ": bigphys_");
		if (!p)
			continue;
		p += strlen(": bigphys_");
		colon = strchr(p, ':');
		if (!colon || t->n == MAX_EVENTS)
			continue;
		*colon = '\0';
		snprintf(t->ev[t->n].name, sizeof(t->ev[t->n].name), "%s", p);
		snprintf(t->ev[t->n].body, sizeof(t->ev[t->n].body), "%s",
			 colon + 1);
		if (!log || !strcmp(log, t->ev[t->n].name))
			TH_LOG("trace: %s:%s", t->ev[t->n].name, t->ev[t->n].body);
		t->n++;
	}
	fclose(f);
	trace_write("trace_clock", "local");
}

/* Field @key of an event body as a number: 0, or -1 when missing. */
static int ev_num(const struct event *e, const char *key, long long *v)
{
	char pat[40], *end;
	const char *p;

	snprintf(pat, sizeof(pat), " %s=", key);
	p = strstr(e->body, pat);
	if (!p)
		return -1;
	p += strlen(pat);
	errno = 0;
	*v = strtoll(p, &end, 0);
	if (errno == ERANGE)	/* a bus address above 2^63 */
		*v = (long long)strtoull(p, &end, 0);
	return end == p || (*end && *end != ' ') ? -1 : 0;
}

/* Field @key as an unsigned number; ~0 when missing (fails any match). */
static unsigned long long ev_u(const struct event *e, const char *key)
{
	long long v;

	return ev_num(e, key, &v) ? ~0ULL : (unsigned long long)v;
}

#endif /* _BIGPHYS_TRACE_UTIL_H */
