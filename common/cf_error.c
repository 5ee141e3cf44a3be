/* Names and messages for the CF_E* codes, expanded from CF_ERRNO_MAP. */
#include "cf_error.h"

#include <stdarg.h>
#include <stdio.h>

const char *cf_strerror(int err)
{
  switch (err) {
  case CF_OK: return "success";
#define CF_ERR_MSG_(name, msg) case CF_##name: return msg;
  CF_ERRNO_MAP(CF_ERR_MSG_)
#undef CF_ERR_MSG_
  default: return "unknown error";
  }
}

const char *cf_errname(int err)
{
  switch (err) {
  case CF_OK: return "CF_OK";
#define CF_ERR_NAME_(name, msg) case CF_##name: return "CF_" #name;
  CF_ERRNO_MAP(CF_ERR_NAME_)
#undef CF_ERR_NAME_
  default: return "CF_E?";
  }
}

int cf_fail(char *err, size_t errlen, int code, const char *fmt, ...)
{
  va_list ap;

  if (err && errlen) {
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
  }
  return code;
}
