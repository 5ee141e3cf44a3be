/* The module loading mode a CUDA program asked for with
 * CUDA_MODULE_LOADING, as NVIDIA's driver reads it: EAGER or LAZY, and lazy
 * when unset or anything else (the default since CUDA 12.2). The client
 * stub answers cuModuleGetLoadingMode with it, since the program's
 * environment is on the client, and so does the emulator. cudart loads its
 * libraries at start-up when eager and at first use when lazy. */
#ifndef CF_MODULE_LOADING_H
#define CF_MODULE_LOADING_H

#include <stdlib.h>
#include <string.h>

#include <cuda.h>

static inline CUmoduleLoadingMode cf_module_loading_mode(void)
{
  const char *env = getenv("CUDA_MODULE_LOADING");
  return env && strcmp(env, "EAGER") == 0 ? CU_MODULE_EAGER_LOADING : CU_MODULE_LAZY_LOADING;
}

#endif
