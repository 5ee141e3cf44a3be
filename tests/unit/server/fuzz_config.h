/* The halves of the config fuzz target (fuzz_config.c), one per parser,
 * each in a file of its own because the server's and the client's
 * internal.h cannot be included together. Each reads the config file at
 * path, checks what it can of the result, and aborts on a broken
 * invariant. */
#ifndef FUZZ_CONFIG_H
#define FUZZ_CONFIG_H

void fuzz_config_server(const char *path);  /* fuzz_config_server.c */
void fuzz_config_client(const char *path);  /* fuzz_config_client.c */
void fuzz_config_fail(const char *what);    /* fuzz_config.c: report, abort */

#endif
