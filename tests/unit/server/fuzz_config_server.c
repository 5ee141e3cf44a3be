/* The server half of the config fuzz target: cuferryd --config FILE, that
 * is cf__srv_options_parse, which reads the file with cf__srv_config_load
 * (server/config_file.c, through common/cf_ini.c) and then checks the
 * options as a whole. */
#include <string.h>

#include "cf_error.h"
#include "fuzz_config.h"
#include "internal.h"

void fuzz_config_server(const char *path)
{
  char *const argv[] = { "cuferryd", "--config", (char *)path, NULL };
  struct cf_srv_options o;
  char err[512];

  memset(err, 'x', sizeof err);
  int r = cf__srv_options_parse(3, argv, &o, err, sizeof err);
  if (r != 0 && (!memchr(err, '\0', sizeof err) || !*err))
    fuzz_config_fail("a server config error has a message");
  if (r != 0 && r != CF_EINVAL && r != CF_ENOTFOUND && r != CF_ENOMEM)
    fuzz_config_fail("a server config error is EINVAL, ENOTFOUND or ENOMEM");
  if (r == 0)
    cf__srv_options_free(&o);
}
