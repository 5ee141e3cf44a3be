/* Logging to stderr, prefixed with the program tag and, for the _f forms,
 * the function name (OpenSSH log.h style). Thread-safe: one fprintf per line.
 * Library code logs only what the user must see (an unsupported call, an
 * unreachable server); everything else returns error codes. */
#ifndef CF_LOG_H
#define CF_LOG_H

#include <stdarg.h>

enum cf_log_level { CF_LOG_ERROR = 0, CF_LOG_WARN, CF_LOG_INFO, CF_LOG_DEBUG };

/* Set the tag printed before each line ("cuferry", "cuferryd[123]"); the
 * string must outlive all logging. Level from CUFERRY_LOG_LEVEL if set. */
void cf_log_init(const char *tag);
void cf_log_set_level(enum cf_log_level lvl);
int cf_log_enabled(enum cf_log_level lvl);

void cf_log_msg(enum cf_log_level lvl, const char *func, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A function that also receives every error and warning line, whatever the
 * level printed: line is the text printed (tag and function included, no
 * newline), valid only during the call. It runs on the logging thread and
 * must not block for long; lines it logs itself reach it again. NULL (the
 * default) removes it. The client stub and the emulator set
 * cf_logs_capture (cf_logs.h) here, so that common/ needs neither. */
typedef void (*cf_log_hook_fn)(enum cf_log_level lvl, const char *line);
void cf_log_set_hook(cf_log_hook_fn fn);

#define cf_error(...) cf_log_msg(CF_LOG_ERROR, NULL, __VA_ARGS__)
#define cf_warn(...)  cf_log_msg(CF_LOG_WARN, NULL, __VA_ARGS__)
#define cf_info(...)  cf_log_msg(CF_LOG_INFO, NULL, __VA_ARGS__)
#define cf_debug(...) cf_log_msg(CF_LOG_DEBUG, __func__, __VA_ARGS__)
#define cf_error_f(...) cf_log_msg(CF_LOG_ERROR, __func__, __VA_ARGS__)
#define cf_warn_f(...)  cf_log_msg(CF_LOG_WARN, __func__, __VA_ARGS__)

#endif
