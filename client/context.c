/* Contexts on the client side. Creation forms that take parameter
 * structures: the execution affinity and CIG parameters have no meaning
 * across the wire yet, so the calls that ask for them answer
 * CUDA_ERROR_NOT_SUPPORTED and the rest are carried by cuCtxCreate_v2.
 * Destruction: when a context ends (cuCtxDestroy, a primary context's reset
 * or last release), the context-local storage cudart keeps in it runs its
 * destructors here, on the client, where that storage lives, and the
 * cached function attributes go (funcattr.c).
 * The calling thread's current context is cached here (cf__ctx_current), so
 * that context-local storage can resolve the NULL context cudart passes on
 * every runtime call without a round trip; session.c forgets the cache
 * after each call that can change it. */
#include <pthread.h>
#include <unistd.h>

#include "cf_client_rpc.h"
#include "cf_log.h"
#include "internal.h"

CF_EXPORT CUresult CUDAAPI cuCtxCreate_v3(CUcontext *pctx, CUexecAffinityParam *paramsArray,
                                          int numParams, unsigned int flags, CUdevice dev)
{
  (void)paramsArray;
  if (numParams < 0)
    return CUDA_ERROR_INVALID_VALUE;
  if (numParams > 0) {
    cf_warn("cuCtxCreate_v3 with execution affinity is not supported yet");
    return CUDA_ERROR_NOT_SUPPORTED;
  }
  return cf__rpc_cuCtxCreate_v2(pctx, flags, dev);
}

CF_EXPORT CUresult CUDAAPI cuCtxCreate_v4(CUcontext *pctx, CUctxCreateParams *params,
                                          unsigned int flags, CUdevice dev)
{
  if (params && (params->execAffinityParams || params->numExecAffinityParams ||
                 params->cigParams)) {
    cf_warn("cuCtxCreate_v4 with execution affinity or CIG parameters is not supported yet");
    return CUDA_ERROR_NOT_SUPPORTED;
  }
  return cf__rpc_cuCtxCreate_v2(pctx, flags, dev);
}

/* Per thread, as CUDA's current context is; pid marks the process that
 * learnt it, so a forked child (a new session) asks again. */
static __thread struct {
  pid_t pid;
  int known;
  CUcontext ctx;
} current;

void cf__ctx_current_forget(void)
{
  current.known = 0;
}

int cf__ctx_current_cached(CUcontext *out)
{
  if (!current.known || current.pid != cf__pid())
    return 0;
  *out = current.ctx;
  return 1;
}

CUresult cf__ctx_current(CUcontext *out)
{
  pid_t pid = cf__pid();
  *out = NULL;
  if (!current.known || current.pid != pid) {
    CUcontext ctx = NULL;
    CUresult r = cf__rpc_cuCtxGetCurrent(&ctx);
    if (r != CUDA_SUCCESS)
      return r;
    current.ctx = ctx;
    current.pid = pid;
    current.known = 1;
  }
  *out = current.ctx;
  return CUDA_SUCCESS;
}

CF_EXPORT CUresult CUDAAPI cuCtxDestroy_v2(CUcontext ctx)
{
  CUresult r = cf__rpc_cuCtxDestroy_v2(ctx);
  if (r == CUDA_SUCCESS)
    cf__cls_context_destroyed(ctx);
  return r;
}

/* Each device's primary context, as the server named it; primary context
 * handles stay the same for the life of the session. */
#define MAX_PRIMARY 64
static CUcontext primary[MAX_PRIMARY];
static pthread_mutex_t primary_lock = PTHREAD_MUTEX_INITIALIZER;

CF_EXPORT CUresult CUDAAPI cuDevicePrimaryCtxRetain(CUcontext *pctx, CUdevice dev)
{
  CUresult r = cf__rpc_cuDevicePrimaryCtxRetain(pctx, dev);
  if (r == CUDA_SUCCESS && dev >= 0 && dev < MAX_PRIMARY) {
    pthread_mutex_lock(&primary_lock);
    primary[dev] = *pctx;
    pthread_mutex_unlock(&primary_lock);
  }
  return r;
}

static void primary_gone(CUdevice dev)
{
  CUcontext ctx = NULL;
  if (dev >= 0 && dev < MAX_PRIMARY) {
    pthread_mutex_lock(&primary_lock);
    ctx = primary[dev];
    pthread_mutex_unlock(&primary_lock);
  }
  if (ctx)
    cf__cls_context_destroyed(ctx);
}

CF_EXPORT CUresult CUDAAPI cuDevicePrimaryCtxRelease_v2(CUdevice dev)
{
  unsigned flags;
  int active = 1;
  CUresult r = cf__rpc_cuDevicePrimaryCtxRelease_v2(dev);
  if (r == CUDA_SUCCESS &&
      cf__rpc_cuDevicePrimaryCtxGetState(dev, &flags, &active) == CUDA_SUCCESS && !active) {
    cf__funcattr_forget_all();
    cf__kernel_table_forget_modules();
    primary_gone(dev);
  }
  return r;
}

CF_EXPORT CUresult CUDAAPI cuDevicePrimaryCtxReset_v2(CUdevice dev)
{
  CUresult r = cf__rpc_cuDevicePrimaryCtxReset_v2(dev);
  if (r == CUDA_SUCCESS) {
    cf__funcattr_forget_all();
    cf__kernel_table_forget_modules();
    primary_gone(dev);
  }
  return r;
}
