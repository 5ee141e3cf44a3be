/* cuinit_probe: calls cuInit(0) and reports what happened, for the
 * integration tests of a missing or unreachable server. Prints
 * "cuInit <code> <name>", then, when cuInit failed, what cuDeviceGetCount
 * answers afterwards (must be an error, not a crash). Exits with the
 * cuInit code itself (0 on success), so a test can check it exactly. */
#include <stdio.h>

#include "host.h"

int main(void)
{
  CUresult r = cuInit(0);
  printf("cuInit %d %s\n", (int)r, cf_host_err_name(r));
  if (r != CUDA_SUCCESS) {
    int count = -1;
    CUresult r2 = cuDeviceGetCount(&count);
    printf("cuDeviceGetCount %d %s\n", (int)r2, cf_host_err_name(r2));
  }
  fflush(stdout);
  return (int)r;
}
