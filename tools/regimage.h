/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * regimage: number parsing and text register images, shared by bigphysctl
 * and the examples.
 *
 * A text register image has one register a line:
 *
 *	# comment
 *	0x0000 0xed000000	# OFFSET VALUE, '#' starts a comment
 *	8 42
 *
 * OFFSET is a byte offset (a multiple of 4), VALUE a 32-bit value; both are
 * decimal or hex with a 0x prefix.  Blank lines and comments are ignored.  A
 * register may appear more than once; applied in file order, the last wins.
 */
#ifndef REGIMAGE_H
#define REGIMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/*
 * parse_u64 - parse a whole string as a decimal or 0x-prefixed hex number.
 * No sign, no white space, no octal.  Returns 0, or -1 with errno EINVAL
 * (not a number) or ERANGE (does not fit in 64 bits).
 */
int parse_u64(const char *s, uint64_t *val);

/*
 * parse_size - like parse_u64, plus an optional k/K, m/M or g/G suffix
 * (binary multiples: 1k = 1024).  "4k", "0x1000" and "4096" are equal.
 */
int parse_size(const char *s, uint64_t *val);

struct regimage_reg {
	uint64_t offset;	/* byte offset, a multiple of 4 */
	uint32_t value;
	unsigned int line;	/* line of the source, for messages */
};

struct regimage {
	struct regimage_reg *regs;	/* in file order */
	size_t nr;
	size_t cap;
	uint64_t end;			/* highest offset + 4; 0 when empty */
};

/*
 * regimage_is_text - true when every byte of @buf is printable ASCII or
 * white space.  Callers pass the first 4 KiB of a file to tell a text image
 * from a raw binary one.
 */
bool regimage_is_text(const void *buf, size_t len);

/*
 * regimage_parse - read a text register image from @f into @img (which must
 * be zero-initialised or previously freed).  @name names the source in
 * messages.  Returns 0, or -1 with errno set and a description such as
 * "regs.conf:12: bad value 'zz'" in @what (@whatlen bytes); errno is EINVAL
 * for syntax errors, ERANGE for a VALUE wider than 32 bits, ENOMEM or the
 * read error.  On error @img is freed.
 */
int regimage_parse(FILE *f, const char *name, struct regimage *img,
		   char *what, size_t whatlen);

/* regimage_load - regimage_parse() of the file at @path. */
int regimage_load(const char *path, struct regimage *img, char *what, size_t whatlen);

void regimage_free(struct regimage *img);

#endif /* REGIMAGE_H */
