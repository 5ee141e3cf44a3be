/* stderr logger; see cf_log.h. The level and tag are process-wide and set
 * once at start-up, so they are read without locks; the hook may be set at
 * any time, so it is an atomic pointer. */
#include "cf_log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *log_tag = "cuferry";
static enum cf_log_level log_level = CF_LOG_INFO;
static _Atomic cf_log_hook_fn log_hook;

void cf_log_set_hook(cf_log_hook_fn fn) { log_hook = fn; }

void cf_log_init(const char *tag)
{
  const char *env = getenv("CUFERRY_LOG_LEVEL");
  if (tag)
    log_tag = tag;
  if (env) {
    if (!strcmp(env, "error")) log_level = CF_LOG_ERROR;
    else if (!strcmp(env, "warn")) log_level = CF_LOG_WARN;
    else if (!strcmp(env, "info")) log_level = CF_LOG_INFO;
    else if (!strcmp(env, "debug")) log_level = CF_LOG_DEBUG;
  }
}

void cf_log_set_level(enum cf_log_level lvl) { log_level = lvl; }

int cf_log_enabled(enum cf_log_level lvl) { return lvl <= log_level; }

void cf_log_msg(enum cf_log_level lvl, const char *func, const char *fmt, ...)
{
  cf_log_hook_fn hook = lvl <= CF_LOG_WARN ? log_hook : NULL;
  char line[1024];
  int n;
  va_list ap;

  if (!cf_log_enabled(lvl) && !hook)
    return;
  n = snprintf(line, sizeof line, "%s: %s%s", log_tag, func ? func : "",
               func ? ": " : "");
  if (n < 0 || (size_t)n >= sizeof line)
    n = 0;
  va_start(ap, fmt);
  vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
  va_end(ap);
  if (hook)
    hook(lvl, line);
  if (cf_log_enabled(lvl))
    fprintf(stderr, "%s\n", line);
}
