/* Occupancy, computed on the client: cuOccupancyMaxActiveBlocksPerMultiprocessor
 * (+WithFlags), cuOccupancyMaxPotentialBlockSize (+WithFlags, whose
 * block-size-to-dynamic-shared-memory callback is a client function and so
 * can only run here) and cuOccupancyAvailableDynamicSMemPerBlock.
 *
 * The inputs are the device attributes from the handshake (cached, no round
 * trip) and the function's attributes (forwarded, a few round trips per
 * query). The rules are CUDA's (cuda_occupancy.h): a block holds whole
 * warps; registers are allocated per warp in units of 256 and split evenly
 * over the SM's sub-partitions; shared memory is allocated per block in the
 * architecture's granularity, plus the block's reserved shared memory; the
 * result is the smallest of the warp, block, register and shared-memory
 * limits. The L1/shared carveout is taken at its maximum, which is what the
 * driver's default preference picks when it maximises occupancy.
 *
 * No state; safe from any thread. */
#include <limits.h>

#include "cf_client_rpc.h"
#include "internal.h"

#define REG_UNIT 256          /* registers are allocated per warp in these */
#define MAX_REGS_PER_THREAD 255

struct occ_dev {
  int warp, threads_sm, threads_block, blocks_sm, regs_sm, regs_block, smem_sm,
      smem_block_optin, smem_reserved, sms, cc_major, cc_minor;
};

struct occ_func {
  int regs, smem_static, max_threads, max_dyn_smem;
};

static int div_up(int a, int b) { return (a + b - 1) / b; }
static int round_up(int a, int b) { return div_up(a, b) * b; }

static CUresult dev_attrs(CUdevice d, struct occ_dev *o)
{
  static const struct { int attr; size_t off; } want[] = {
#define A(attr, field) { CU_DEVICE_ATTRIBUTE_##attr, offsetof(struct occ_dev, field) }
    A(WARP_SIZE, warp),
    A(MAX_THREADS_PER_MULTIPROCESSOR, threads_sm),
    A(MAX_THREADS_PER_BLOCK, threads_block),
    A(MAX_BLOCKS_PER_MULTIPROCESSOR, blocks_sm),
    A(MAX_REGISTERS_PER_MULTIPROCESSOR, regs_sm),
    A(MAX_REGISTERS_PER_BLOCK, regs_block),
    A(MAX_SHARED_MEMORY_PER_MULTIPROCESSOR, smem_sm),
    A(MAX_SHARED_MEMORY_PER_BLOCK_OPTIN, smem_block_optin),
    A(RESERVED_SHARED_MEMORY_PER_BLOCK, smem_reserved),
    A(MULTIPROCESSOR_COUNT, sms),
    A(COMPUTE_CAPABILITY_MAJOR, cc_major),
    A(COMPUTE_CAPABILITY_MINOR, cc_minor),
#undef A
  };
  CUresult r;
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
    int *field = (int *)((char *)o + want[i].off);
    if ((r = cf__device_attribute(d, want[i].attr, field)) != CUDA_SUCCESS)
      return r;
  }
  if (o->smem_block_optin <= 0) {
    int v;
    if ((r = cf__device_attribute(d, CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK, &v)) !=
        CUDA_SUCCESS)
      return r;
    o->smem_block_optin = v;
  }
  if (o->warp <= 0 || o->threads_sm <= 0 || o->blocks_sm <= 0)
    return CUDA_ERROR_INVALID_DEVICE;
  return CUDA_SUCCESS;
}

/* One function attribute. cudart passes a CUkernel where a CUfunction is
 * expected; the server refuses a kernel id for cuFuncGetAttribute, so the
 * kind is decoded from the id here: ids are (serial << 4) | kind, with the
 * kinds of server/dispatch.h (CF_HK_KERNEL = 8, CF_HK_FUNCTION = 3). This
 * reaches into the server's id layout on purpose: the alternative is a
 * failed round trip for every query on a kernel. */
#define ID_KIND_MASK 0xfu
#define ID_KIND_KERNEL 8u

static CUresult func_attr(CUfunction f, CUdevice d, CUfunction_attribute a, int *v)
{
  if (((uintptr_t)f & ID_KIND_MASK) == ID_KIND_KERNEL)
    return cf__rpc_cuKernelGetAttribute(v, a, (CUkernel)f, d);
  return cuFuncGetAttribute(v, a, f); /* cached (funcattr.c) */
}

/* The device of the current context and both attribute sets. */
static CUresult gather(CUfunction f, struct occ_dev *od, struct occ_func *of)
{
  CUdevice d;
  CUresult r;
  if (!cf__session_welcome())
    return CUDA_ERROR_NOT_INITIALIZED;
  if (!f)
    return CUDA_ERROR_INVALID_HANDLE;
  if ((r = cuCtxGetDevice(&d)) != CUDA_SUCCESS || (r = dev_attrs(d, od)) != CUDA_SUCCESS ||
      (r = func_attr(f, d, CU_FUNC_ATTRIBUTE_NUM_REGS, &of->regs)) != CUDA_SUCCESS ||
      (r = func_attr(f, d, CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES, &of->smem_static)) !=
        CUDA_SUCCESS ||
      (r = func_attr(f, d, CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK, &of->max_threads)) !=
        CUDA_SUCCESS)
    return r;
  if (func_attr(f, d, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, &of->max_dyn_smem) !=
      CUDA_SUCCESS)
    of->max_dyn_smem = od->smem_block_optin - of->smem_static;
  return CUDA_SUCCESS;
}

static int smem_granularity(const struct occ_dev *d)
{
  return d->cc_major >= 8 ? 128 : 256;
}

static int sub_partitions(const struct occ_dev *d)
{
  return d->cc_major == 6 && d->cc_minor == 0 ? 2 : 4;
}

/* Blocks of block_size threads with dyn bytes of dynamic shared memory that
 * fit on one SM: CUDA's rules (see the file comment). 0 when none fits. */
static int active_blocks(const struct occ_dev *d, const struct occ_func *f, int block_size,
                         size_t dyn)
{
  int warps_block, limit, regs_limit = INT_MAX, smem_limit = INT_MAX;
  size_t smem;

  if (block_size <= 0 || block_size > f->max_threads || block_size > d->threads_block)
    return 0;
  warps_block = div_up(block_size, d->warp);
  limit = d->threads_sm / d->warp / warps_block;
  if (d->blocks_sm < limit)
    limit = d->blocks_sm;

  if (f->regs > MAX_REGS_PER_THREAD)
    return 0;
  if (f->regs > 0) {
    int regs_warp = round_up(f->regs * d->warp, REG_UNIT);
    int parts = sub_partitions(d);
    int warps_sm = (d->regs_sm / parts / regs_warp) * parts;
    if (d->regs_block > 0 && (long)regs_warp * warps_block > d->regs_block)
      return 0;
    regs_limit = warps_sm / warps_block;
  }
  if (regs_limit < limit)
    limit = regs_limit;

  if (dyn > (size_t)INT_MAX || (f->max_dyn_smem >= 0 && dyn > (size_t)f->max_dyn_smem))
    return 0;
  smem = (size_t)f->smem_static + dyn;
  if (smem > (size_t)d->smem_block_optin)
    return 0;
  smem += (size_t)d->smem_reserved;
  if (smem > 0) {
    size_t g = (size_t)smem_granularity(d);
    smem = (smem + g - 1) / g * g;
    smem_limit = (int)((size_t)d->smem_sm / smem);
  }
  if (smem_limit < limit)
    limit = smem_limit;
  return limit;
}

CF_EXPORT CUresult CUDAAPI cuOccupancyMaxActiveBlocksPerMultiprocessorWithFlags(
  int *numBlocks, CUfunction func, int blockSize, size_t dynamicSMemSize, unsigned int flags)
{
  struct occ_dev d;
  struct occ_func f;
  CUresult r;

  if (!numBlocks || blockSize <= 0 || (flags & ~(unsigned)CU_OCCUPANCY_DISABLE_CACHING_OVERRIDE))
    return CUDA_ERROR_INVALID_VALUE;
  if ((r = gather(func, &d, &f)) != CUDA_SUCCESS)
    return r;
  *numBlocks = active_blocks(&d, &f, blockSize, dynamicSMemSize);
  return CUDA_SUCCESS;
}

CF_EXPORT CUresult CUDAAPI cuOccupancyMaxActiveBlocksPerMultiprocessor(int *numBlocks,
                                                                       CUfunction func,
                                                                       int blockSize,
                                                                       size_t dynamicSMemSize)
{
  return cuOccupancyMaxActiveBlocksPerMultiprocessorWithFlags(numBlocks, func, blockSize,
                                                              dynamicSMemSize, 0);
}

/* The block size with the most resident threads per SM, trying every
 * multiple of the warp size from the largest down (the callback, if any,
 * gives each size's dynamic shared memory), as cuda_occupancy.h does. */
CF_EXPORT CUresult CUDAAPI cuOccupancyMaxPotentialBlockSizeWithFlags(
  int *minGridSize, int *blockSize, CUfunction func, CUoccupancyB2DSize blockSizeToDynamicSMemSize,
  size_t dynamicSMemSize, int blockSizeLimit, unsigned int flags)
{
  struct occ_dev d;
  struct occ_func f;
  int max_block, best = 0, best_blocks = 0, best_threads = 0;
  CUresult r;

  if (!minGridSize || !blockSize || blockSizeLimit < 0 ||
      (flags & ~(unsigned)CU_OCCUPANCY_DISABLE_CACHING_OVERRIDE))
    return CUDA_ERROR_INVALID_VALUE;
  if ((r = gather(func, &d, &f)) != CUDA_SUCCESS)
    return r;
  max_block = d.threads_block < f.max_threads ? d.threads_block : f.max_threads;
  if (blockSizeLimit > 0 && blockSizeLimit < max_block)
    max_block = blockSizeLimit;
  for (int aligned = round_up(max_block, d.warp); aligned > 0; aligned -= d.warp) {
    int size = aligned < max_block ? aligned : max_block;
    size_t dyn = blockSizeToDynamicSMemSize ? blockSizeToDynamicSMemSize(size) : dynamicSMemSize;
    int blocks = active_blocks(&d, &f, size, dyn);
    if (blocks * size > best_threads) {
      best = size;
      best_blocks = blocks;
      best_threads = blocks * size;
    }
    if (best_threads == d.threads_sm)
      break;
  }
  *minGridSize = best_blocks * d.sms;
  *blockSize = best;
  return CUDA_SUCCESS;
}

CF_EXPORT CUresult CUDAAPI cuOccupancyMaxPotentialBlockSize(int *minGridSize, int *blockSize,
                                                            CUfunction func,
                                                            CUoccupancyB2DSize blockSizeToDynamicSMemSize,
                                                            size_t dynamicSMemSize,
                                                            int blockSizeLimit)
{
  return cuOccupancyMaxPotentialBlockSizeWithFlags(minGridSize, blockSize, func,
                                                   blockSizeToDynamicSMemSize, dynamicSMemSize,
                                                   blockSizeLimit, 0);
}

/* The dynamic shared memory each of numBlocks blocks may use while all of
 * them stay resident on one SM. */
CF_EXPORT CUresult CUDAAPI cuOccupancyAvailableDynamicSMemPerBlock(size_t *dynamicSmemSize,
                                                                   CUfunction func, int numBlocks,
                                                                   int blockSize)
{
  struct occ_dev d;
  struct occ_func f;
  int g, per_block;
  CUresult r;

  if (!dynamicSmemSize || numBlocks <= 0 || blockSize <= 0)
    return CUDA_ERROR_INVALID_VALUE;
  *dynamicSmemSize = 0;
  if ((r = gather(func, &d, &f)) != CUDA_SUCCESS)
    return r;
  if (active_blocks(&d, &f, blockSize, 0) < numBlocks)
    return CUDA_SUCCESS; /* not even without dynamic shared memory */
  g = smem_granularity(&d);
  per_block = d.smem_sm / numBlocks / g * g - d.smem_reserved;
  if (per_block > d.smem_block_optin)
    per_block = d.smem_block_optin;
  per_block -= f.smem_static;
  if (f.max_dyn_smem >= 0 && per_block > f.max_dyn_smem)
    per_block = f.max_dyn_smem;
  *dynamicSmemSize = per_block > 0 ? (size_t)per_block : 0;
  return CUDA_SUCCESS;
}
