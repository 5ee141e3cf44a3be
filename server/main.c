/* cuferryd's entry point: parse the command line, then become either the
 * supervisor (the default) or, with the internal --worker flag, the worker
 * of one session (spawned by the supervisor). Only this file and the two
 * top levels it calls print to the user. */
#include "internal.h"

#include <stdio.h>

#include "config.h"

int main(int argc, char **argv)
{
  struct cf_srv_options o;
  char err[512];

  if (cf__srv_options_parse(argc, argv, &o, err, sizeof err) != 0) {
    fprintf(stderr, "cuferryd: %s\nTry 'cuferryd --help'.\n", err);
    return 2;
  }
  if (o.help) {
    cf__srv_usage(stdout);
    return 0;
  }
  if (o.version) {
    printf("cuferryd %s (protocol %d)\n", CF_VERSION, CF_PROTOCOL_VERSION);
    return 0;
  }
  if (o.worker)
    return cf__worker_run(&o);
  return cf__srv_supervisor_run(&o);
}
