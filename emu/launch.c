/* Kernel launch: validate the configuration against the device limits,
 * pack the arguments by the kernel's parameter layout, and queue the grid
 * on the stream; the stream's executor thread (queue.c) runs it in the
 * interpreter while the caller goes on.
 *
 * Everything a caller can get wrong is checked here, so cuLaunchKernel
 * reports it; the operation owns a copy of the packed parameters. The
 * interpreter reaches device memory only through map_global(), which
 * answers from devmem.c without the global lock and only for allocations of
 * the launching context, and names textures and surfaces only through
 * cf__emu_texobj_resolve (texobj.c), which answers, under the objects' own
 * lock, for live objects of that context. The module (and so the kernel)
 * outlives the
 * operation because unloading it, and destroying its context, wait for the
 * context's queued work. A fault in the kernel becomes the context's sticky
 * error, as on a GPU: the next synchronising call returns it and so does
 * every later call in that context.
 *
 * f may also be a CUkernel cast to CUfunction, as cudart passes it: it then
 * runs in hStream's context, or the current one for a default stream, as
 * that context's function of the kernel (library.c makes it on first use). */
#include "internal.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "cf_curesult.h"
#include "cf_error.h"
#include "cf_log.h"

#define MAX_EXTRA_ENTRIES 16

static void *map_global(void *user, uint64_t addr, uint64_t len)
{
  return cf__emu_mem_map(user, addr, len);
}

static CUresult check_dims(unsigned gx, unsigned gy, unsigned gz, unsigned bx,
                           unsigned by, unsigned bz,
                           const struct cf_ptx_kernel_info *info)
{
  uint32_t maxt = info->max_threads_per_block &&
                          info->max_threads_per_block < CF_EMU_MAX_THREADS
                      ? info->max_threads_per_block : CF_EMU_MAX_THREADS;
  if (!gx || !gy || !gz || !bx || !by || !bz)
    return CF_CUDA_ERROR_INVALID_CONFIGURATION;
  if (gx > CF_EMU_MAX_GRID_X || gy > CF_EMU_MAX_GRID_YZ ||
      gz > CF_EMU_MAX_GRID_YZ)
    return CF_CUDA_ERROR_INVALID_CONFIGURATION;
  if (bx > CF_EMU_MAX_BLOCK_X || by > CF_EMU_MAX_BLOCK_Y ||
      bz > CF_EMU_MAX_BLOCK_Z)
    return CF_CUDA_ERROR_INVALID_CONFIGURATION;
  if ((uint64_t)bx * by * bz > maxt)
    return CF_CUDA_ERROR_INVALID_CONFIGURATION;
  return CUDA_SUCCESS;
}

/* Pack kernelParams or the extra buffer into buf (nbytes, already sized by
 * the kernel's layout). */
static CUresult pack_params(const struct cf_ptx_kernel *k, void **kernelParams,
                            void **extra, uint8_t *buf, size_t nbytes)
{
  unsigned n = cf_ptx_kernel_param_count(k);

  if (kernelParams && extra)
    return CUDA_ERROR_INVALID_VALUE;
  if (kernelParams) {
    for (unsigned i = 0; i < n; i++) {
      size_t off, size;
      if (cf_ptx_kernel_param(k, i, &off, &size) != 0 || !kernelParams[i] ||
          off > nbytes || size > nbytes - off)
        return CUDA_ERROR_INVALID_VALUE;
      memcpy(buf + off, kernelParams[i], size);
    }
    return CUDA_SUCCESS;
  }
  if (extra) {
    const void *p = NULL;
    const size_t *psize = NULL;
    unsigned i;
    for (i = 0; i < MAX_EXTRA_ENTRIES * 2 && extra[i] != CU_LAUNCH_PARAM_END;
         i += 2) {
      if (extra[i] == CU_LAUNCH_PARAM_BUFFER_POINTER)
        p = extra[i + 1];
      else if (extra[i] == CU_LAUNCH_PARAM_BUFFER_SIZE)
        psize = extra[i + 1];
      else
        return CUDA_ERROR_INVALID_VALUE;
    }
    if (i >= MAX_EXTRA_ENTRIES * 2)
      return CUDA_ERROR_INVALID_VALUE;
    if (nbytes == 0)
      return CUDA_SUCCESS;
    if (!p || !psize || *psize < nbytes)
      return CUDA_ERROR_INVALID_VALUE;
    memcpy(buf, p, nbytes);
    return CUDA_SUCCESS;
  }
  return n == 0 ? CUDA_SUCCESS : CUDA_ERROR_INVALID_VALUE;
}

struct launch_op {
  struct cf_emu_op op;
  const struct cf_ptx_kernel *k;
  const char *name;             /* the function's, valid with the module */
  CUcontext ctx;
  struct cf_ptx_memory mem;
  struct cf_ptx_launch l;
  uint8_t *params;
};

static void free_launch(struct cf_emu_op *op)
{
  struct launch_op *lo = (struct launch_op *)op;
  free(lo->params);
  free(lo);
}

/* Thread-instructions executed by every launch of this process, for
 * cuferry-bench's emu suite. */
static _Atomic uint64_t thread_instructions;

CF_EMU_EXPORT uint64_t cuferry_emu_thread_instructions(void);
uint64_t cuferry_emu_thread_instructions(void)
{
  return atomic_load(&thread_instructions);
}

static CUresult run_launch(struct cf_emu_op *op, CUresult status)
{
  struct launch_op *lo = (struct launch_op *)op;
  uint64_t executed = 0;
  char err[512];

  if (status != CUDA_SUCCESS)
    return status;  /* a faulted context runs no more kernels */
  err[0] = '\0';
  lo->l.executed_out = &executed;
  int rc = cf_ptx_launch(lo->k, &lo->l, err, sizeof err);
  atomic_fetch_add(&thread_instructions, executed);
  /* The interpreter's message names the kernel, block, thread and line. */
  if (rc != CUDA_SUCCESS)
    cf_error("%s", err[0] ? err : "launch failed");
  return (CUresult)rc;
}

/* Lock, find the launch's context, and turn *f into a live function of
 * it. A CUfunction runs in the current context, to which it must belong. A
 * CUkernel runs in the context of hStream when that is a created stream,
 * else in the current one (cuda.h). On CUDA_SUCCESS the lock is held. */
static CUresult launch_target(CUfunction *f, CUstream hStream, CUcontext *out)
{
  CUkernel k = (CUkernel)(void *)*f;
  CUcontext ctx = NULL;
  int is_kernel;
  CUresult r;

  *out = NULL;
  if ((r = cf__emu_lock_init()) != CUDA_SUCCESS)
    return r;
  is_kernel = cf__emu_handle_live(k, CF_EMU_KIND_KERNEL);
  if (is_kernel && hStream && hStream != CU_STREAM_LEGACY &&
      hStream != CU_STREAM_PER_THREAD) {
    if (!cf__emu_handle_live(hStream, CF_EMU_KIND_STREAM)) {
      r = CUDA_ERROR_INVALID_HANDLE;
      goto fail;
    }
    ctx = hStream->ctx;
  } else {
    ctx = cf__emu_current();
  }
  /* As cf__emu_lock_ctx, for whichever context that is. */
  if (!ctx || !cf__emu_ctx_usable(ctx))
    r = CUDA_ERROR_INVALID_CONTEXT;
  else if (ctx->sticky != CUDA_SUCCESS)
    r = ctx->sticky;
  else if (is_kernel)
    r = cf__emu_kernel_function(ctx, k, f);
  else if (!cf__emu_handle_live(*f, CF_EMU_KIND_FUNC) || (*f)->mod->ctx != ctx)
    r = CUDA_ERROR_INVALID_HANDLE;
  if (r != CUDA_SUCCESS)
    goto fail;
  *out = ctx;
  return CUDA_SUCCESS;
fail:
  cf__emu_unlock();
  return r;
}

CF_EMU_EXPORT CUresult CUDAAPI cuLaunchKernel(CUfunction f,
                                              unsigned int gridDimX,
                                              unsigned int gridDimY,
                                              unsigned int gridDimZ,
                                              unsigned int blockDimX,
                                              unsigned int blockDimY,
                                              unsigned int blockDimZ,
                                              unsigned int sharedMemBytes,
                                              CUstream hStream,
                                              void **kernelParams,
                                              void **extra)
{
  struct cf_ptx_kernel_info info;
  struct launch_op *lo = NULL;
  struct cf_emu_queue *q;
  const struct cf_ptx_kernel *k;
  CUcontext ctx;
  size_t nbytes;
  CUresult r = launch_target(&f, hStream, &ctx);

  if (r != CUDA_SUCCESS)
    return r;
  if ((r = cf__emu_queue_of(ctx, hStream, &q)) != CUDA_SUCCESS)
    goto out;
  k = f->k;
  cf_ptx_kernel_get_info(k, &info);
  if ((r = check_dims(gridDimX, gridDimY, gridDimZ, blockDimX, blockDimY,
                      blockDimZ, &info)) != CUDA_SUCCESS)
    goto out;
  if (sharedMemBytes > (unsigned)f->max_dynamic_shared ||
      (uint64_t)sharedMemBytes + info.static_shared_bytes >
          CF_EMU_SHARED_OPTIN) {
    r = CUDA_ERROR_INVALID_VALUE;
    goto out;
  }
  nbytes = cf_ptx_kernel_param_bytes(k);
  if (!(lo = calloc(1, sizeof *lo)) ||
      (nbytes && !(lo->params = calloc(1, nbytes)))) {
    r = CUDA_ERROR_OUT_OF_MEMORY;
    goto out;
  }
  if ((r = pack_params(k, kernelParams, extra, lo->params, nbytes)) !=
      CUDA_SUCCESS)
    goto out;

  lo->op.run = run_launch;
  lo->op.free = free_launch;
  lo->k = k;
  lo->name = f->name;
  lo->ctx = ctx;
  lo->mem = (struct cf_ptx_memory){ .user = ctx, .map = map_global,
                                    .texture = cf__emu_texobj_resolve };
  lo->l = (struct cf_ptx_launch){
    .grid = { gridDimX, gridDimY, gridDimZ },
    .block = { blockDimX, blockDimY, blockDimZ },
    .dynamic_shared_bytes = sharedMemBytes,
    .params = lo->params,
    .params_len = nbytes,
    .mem = &lo->mem,
  };
  r = cf__emu_queue_submit(q, &lo->op);  /* takes lo */
  lo = NULL;
out:
  cf__emu_unlock();
  if (lo) {
    free(lo->params);
    free(lo);
  }
  return r;
}
