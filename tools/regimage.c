// SPDX-License-Identifier: GPL-2.0-only
/*
 * regimage: number parsing and text register images (see regimage.h).
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "regimage.h"

/* Parse the leading number of @s; *@end points after it. */
static int parse_number(const char *s, uint64_t *val, char **end)
{
	unsigned long long v;
	int base = 10;

	/* strtoull() would also take a sign, white space and octal. */
	if (!isdigit((unsigned char)s[0])) {
		errno = EINVAL;
		return -1;
	}
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		if (!isxdigit((unsigned char)s[2])) {
			errno = EINVAL;
			return -1;
		}
		base = 16;
	}

	errno = 0;
	v = strtoull(s, end, base);
	if (errno)
		return -1;
	*val = v;
	return 0;
}

int parse_u64(const char *s, uint64_t *val)
{
	char *end;

	if (parse_number(s, val, &end))
		return -1;
	if (*end) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

int parse_size(const char *s, uint64_t *val)
{
	unsigned int shift = 0;
	uint64_t v;
	char *end;

	if (parse_number(s, &v, &end))
		return -1;

	switch (*end) {
	case '\0':
		break;
	case 'k':
	case 'K':
		shift = 10;
		break;
	case 'm':
	case 'M':
		shift = 20;
		break;
	case 'g':
	case 'G':
		shift = 30;
		break;
	default:
		errno = EINVAL;
		return -1;
	}
	if (shift && end[1]) {
		errno = EINVAL;
		return -1;
	}
	if (v > (UINT64_MAX >> shift)) {
		errno = ERANGE;
		return -1;
	}
	*val = v << shift;
	return 0;
}

bool regimage_is_text(const void *buf, size_t len)
{
	const unsigned char *p = buf;
	size_t i;

	for (i = 0; i < len; i++) {
		if (p[i] >= 0x20 && p[i] < 0x7f)
			continue;
		if (p[i] == '\t' || p[i] == '\n' || p[i] == '\v' || p[i] == '\f' || p[i] == '\r')
			continue;
		return false;
	}
	return true;
}

void regimage_free(struct regimage *img)
{
	free(img->regs);
	memset(img, 0, sizeof(*img));
}

static int regimage_add(struct regimage *img, uint64_t offset, uint32_t value, unsigned int line)
{
	struct regimage_reg *r;

	if (img->nr == img->cap) {
		size_t cap = img->cap ? 2 * img->cap : 1024;

		r = reallocarray(img->regs, cap, sizeof(*r));
		if (!r)
			return -1;
		img->regs = r;
		img->cap = cap;
	}

	r = &img->regs[img->nr++];
	r->offset = offset;
	r->value = value;
	r->line = line;
	if (offset + 4 > img->end)
		img->end = offset + 4;
	return 0;
}

/* Parse one line (comment already cut off); blank lines are fine. */
static int parse_line(char *s, struct regimage *img, const char *name, unsigned int line,
		      char *what, size_t whatlen)
{
	static const char ws[] = " \t\n\v\f\r";
	char *save, *off_s, *val_s, *extra;
	uint64_t offset, value;

	off_s = strtok_r(s, ws, &save);
	if (!off_s)
		return 0;
	val_s = strtok_r(NULL, ws, &save);
	if (!val_s) {
		snprintf(what, whatlen, "%s:%u: missing value after '%s'", name, line, off_s);
		errno = EINVAL;
		return -1;
	}
	extra = strtok_r(NULL, ws, &save);
	if (extra) {
		snprintf(what, whatlen, "%s:%u: unexpected '%s' after the value", name, line,
			 extra);
		errno = EINVAL;
		return -1;
	}

	if (parse_u64(off_s, &offset)) {
		snprintf(what, whatlen, "%s:%u: bad offset '%s'", name, line, off_s);
		return -1;
	}
	if (offset % 4) {
		snprintf(what, whatlen, "%s:%u: offset %s is not a multiple of 4", name, line,
			 off_s);
		errno = EINVAL;
		return -1;
	}
	if (offset > UINT64_MAX - 4) {
		snprintf(what, whatlen, "%s:%u: offset %s too large", name, line, off_s);
		errno = ERANGE;
		return -1;
	}
	if (parse_u64(val_s, &value)) {
		snprintf(what, whatlen, "%s:%u: bad value '%s'", name, line, val_s);
		return -1;
	}
	if (value > UINT32_MAX) {
		snprintf(what, whatlen, "%s:%u: value %s does not fit in 32 bits", name, line,
			 val_s);
		errno = ERANGE;
		return -1;
	}

	if (regimage_add(img, offset, (uint32_t)value, line)) {
		snprintf(what, whatlen, "%s:%u", name, line);
		return -1;
	}
	return 0;
}

int regimage_parse(FILE *f, const char *name, struct regimage *img,
		   char *what, size_t whatlen)
{
	unsigned int line = 0;
	char *buf = NULL;
	size_t bufsize = 0;
	char *hash;
	int ret = 0;

	errno = 0;
	while (getline(&buf, &bufsize, f) >= 0) {
		line++;
		hash = strchr(buf, '#');
		if (hash)
			*hash = '\0';
		ret = parse_line(buf, img, name, line, what, whatlen);
		if (ret)
			break;
	}
	if (!ret && (ferror(f) || errno == ENOMEM)) {
		snprintf(what, whatlen, "%s: read", name);
		if (!errno)
			errno = EIO;
		ret = -1;
	}

	free(buf);
	if (ret) {
		int err = errno;

		regimage_free(img);
		errno = err;
	}
	return ret;
}

int regimage_load(const char *path, struct regimage *img, char *what, size_t whatlen)
{
	FILE *f;
	int ret, err;

	f = fopen(path, "r");
	if (!f) {
		snprintf(what, whatlen, "%s", path);
		return -1;
	}
	ret = regimage_parse(f, path, img, what, whatlen);
	err = errno;
	fclose(f);
	errno = err;
	return ret;
}
