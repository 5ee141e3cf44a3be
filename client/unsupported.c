/* The answer of every CUDA entry point cuferry does not implement yet:
 * CUDA_ERROR_NOT_SUPPORTED, and the function's name on stderr the first time
 * it is called (never a crash, never a pretended success). The stubs
 * themselves are generated (cf_client_unsupported.c). */
#include <stdatomic.h>

#include "cf_log.h"
#include "internal.h"
#include "procs.h"

#define MAX_NAMES 1024

static atomic_uchar logged[MAX_NAMES];

int cf__unsupported(unsigned index, const char *name)
{
  if (index >= MAX_NAMES || !atomic_exchange(&logged[index], 1))
    cf_warn("%s is not supported yet", name);
  return CUDA_ERROR_NOT_SUPPORTED;
}

static atomic_uchar logged_extra[MAX_NAMES];

int cf__unsupported_extra(unsigned index, const char *name)
{
  if (index >= MAX_NAMES || !atomic_exchange(&logged_extra[index], 1))
    cf_warn("%s is not supported", name);
  return CUDA_ERROR_NOT_SUPPORTED;
}
