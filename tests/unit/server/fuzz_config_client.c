/* The client half of the config fuzz target: cf__client_config_load
 * (client/config.c, through common/cf_ini.c) with CUFERRY_CONFIG naming the
 * file and no other CUFERRY_* variable set (fuzz_config.c clears them). */
#include <string.h>

#include "cf_error.h"
#include "fuzz_config.h"
/* By path: the server's internal.h is first on this program's include path. */
#include "../../../client/internal.h"

void fuzz_config_client(const char *path)
{
  static struct cf_client_config c; /* 17 KiB: not on the stack */
  char err[512];

  (void)path; /* read through CUFERRY_CONFIG */
  memset(err, 'x', sizeof err);
  int r = cf__client_config_load(&c, err, sizeof err);
  if (r != 0 && (!memchr(err, '\0', sizeof err) || !*err))
    fuzz_config_fail("a client config error has a message");
  if (r != 0 && r != CF_EINVAL)
    fuzz_config_fail("a client config error is CF_EINVAL");
  if (r != 0 && (c.server[0] || c.token[0] || c.ca_file[0]))
    fuzz_config_fail("a failed client config load leaves nothing but the source");
  if (r == 0 && (!memchr(c.server, '\0', sizeof c.server) ||
                 !memchr(c.token, '\0', sizeof c.token) ||
                 !memchr(c.compression, '\0', sizeof c.compression)))
    fuzz_config_fail("client config strings are NUL-terminated");
  if (r == 0 && !c.cert_file[0] != !c.key_file[0])
    fuzz_config_fail("a client certificate comes with its key");
}
