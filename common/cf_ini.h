/* INI configuration files, read with inih (Debian's libinih), for
 * cuferryd's config file and the client's client.conf.
 *
 * The syntax is inih's as Debian builds it: "[section]" lines, "key = value"
 * (or "key: value") lines, whole-line comments starting with ';' or '#',
 * inline comments starting with " ;". On top of inih this adds what both
 * sides want from a config file: "FILE:LINE: what is wrong" messages, keys
 * given twice refused, indented lines (which inih would glue to the
 * previous value) and lines too long for inih's buffer refused instead of
 * misread, and every section reported, so that an empty unknown one is
 * caught too. Not thread-safe only in that fn runs on the caller's thread;
 * nothing is global. */
#ifndef CF_INI_H
#define CF_INI_H

#include <stddef.h>

/* Called for each "[section]" (key and value NULL) and each key, in file
 * order; section is "" for keys before the first section. The strings live
 * for the call only. Return 0 to go on, or a CF_E* code with a message in
 * err (without the "FILE:LINE: " prefix, which the caller adds). */
typedef int (*cf_ini_fn)(void *arg, const char *section, const char *key,
                         const char *value, char *err, size_t errlen);

/* Read the INI file at path, calling fn. Stops at the first error. Returns
 * 0; CF_ENOTFOUND ("PATH: cannot open: reason") when the file does not
 * exist, CF_EIO when it cannot be read; CF_EINVAL ("PATH:LINE: ...") for a
 * syntax error, a key given twice, or an error fn returned (its code is
 * returned); CF_ENOMEM. */
int cf_ini_parse(const char *path, cf_ini_fn fn, void *arg, char *err,
                 size_t errlen);

/* value as a path: absolute as is, relative to the directory of the config
 * file at ini_path otherwise (a program's working directory is anyone's
 * guess; the file's is not). Writes out (len bytes, NUL-terminated).
 * Returns 0, or CF_ETOOBIG when it does not fit. */
int cf_ini_path(const char *ini_path, const char *value, char *out,
                size_t len);

#endif
