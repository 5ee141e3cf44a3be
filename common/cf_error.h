/* cuferry's own error codes (not CUresult): every internal function returns
 * 0 on success or a negative CF_E* code. The list is kept once, here, and the
 * enum, names and messages are all expanded from it. */
#ifndef CF_ERROR_H
#define CF_ERROR_H

#include <stddef.h>

#define CF_ERRNO_MAP(X)                                                   \
  X(EINVAL,   "invalid argument")                                         \
  X(ENOMEM,   "out of memory")                                            \
  X(EIO,      "input/output error")                                       \
  X(ECLOSED,  "connection closed by peer")                                \
  X(ETIMEDOUT,"timed out")                                                \
  X(EPROTO,   "malformed message")                                        \
  X(EMAGIC,   "bad frame magic")                                          \
  X(EVERSION, "protocol version mismatch")                                \
  X(ETOOBIG,  "length over the configured limit")                         \
  X(ETRUNC,   "message truncated")                                        \
  X(ENOTFOUND,"not found")                                                \
  X(EREFUSED, "connection refused")                                       \
  X(EADDR,    "bad address")                                              \
  X(EUNSUP,   "not supported")                                            \
  X(EEXIST,   "already exists")                                           \
  X(ESTATE,   "wrong state")                                              \
  X(EPERM,    "not permitted")                                            \
  X(ETLS,     "TLS handshake failed")                                     \
  X(EAUTH,    "peer certificate not accepted")

enum cf_error {
  CF_OK = 0,
#define CF_ERR_ENUM_(name, msg) CF_##name,
  CF_ERR_FIRST_ = -1000,
  CF_ERRNO_MAP(CF_ERR_ENUM_)
#undef CF_ERR_ENUM_
  CF_ERR_LAST_
};

/* Name ("CF_EIO") and message of an error code; static strings, never NULL. */
const char *cf_strerror(int err);
const char *cf_errname(int err);

/* Format a one-line reason into err (when err and errlen are non-zero) and
 * return code: `return cf_fail(err, errlen, CF_EINVAL, "...", ...);`. */
int cf_fail(char *err, size_t errlen, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
