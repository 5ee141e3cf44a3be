/* CUDA mipmapped arrays (cuMipmappedArrayCreate, GetLevel, Destroy) and the
 * array queries for features the emulator lacks: sparse properties and the
 * memory requirements of deferred mapping.
 *
 * A mipmapped array is one ARRAY allocation holding its levels one after
 * the other, each laid out as array.c describes and starting on a
 * CF_EMU_ALLOC_ALIGN boundary. Level L halves every extent of level L-1
 * (never below 1) except the layers of a layered or cube map array; the
 * number of levels asked for is clamped to [1, 1 + floor(log2(largest
 * extent))], as cuda.h documents. Each level is a CUarray made with the
 * mipmapped array (same context and flags), which cuMipmappedArrayGetLevel
 * returns every time, cuArrayDestroy refuses, and which dies with the
 * mipmapped array. Destroying a mipmapped array waits for its context's
 * queued work and makes every texture and surface object over it, or over
 * one of its levels, dead (texobj.c).
 *
 * No array is ever sparse or created for deferred mapping (those flags
 * answer NOT_SUPPORTED at creation), so their queries answer
 * CUDA_ERROR_INVALID_VALUE, the error cuda.h documents for an array made
 * without the flag. Every entry point holds the global lock. */
#include "internal.h"

#include <stdlib.h>

/* The number of levels a mipmapped array of d gets for n asked. */
static unsigned level_count(const CUDA_ARRAY3D_DESCRIPTOR *d, unsigned n)
{
  size_t big = d->Width;
  unsigned most = 1;
  int has_depth = d->Depth &&
                  !(d->Flags & (CUDA_ARRAY3D_LAYERED | CUDA_ARRAY3D_CUBEMAP));

  if (d->Height > big)
    big = d->Height;
  if (has_depth && d->Depth > big)
    big = d->Depth;
  while (big >>= 1)
    most++;
  if (most > CF_PTX_TEX_MAX_LEVELS)  /* the device limits keep it at 16 */
    most = CF_PTX_TEX_MAX_LEVELS;
  return n < 1 ? 1 : n > most ? most : n;
}

static size_t halve(size_t v, unsigned level)
{
  return v == 0 ? 0 : (v >> level) ? v >> level : 1;
}

void cf__emu_mipmap_free(struct CUmipmappedArray_st *m)
{
  cf__emu_texobj_orphan(m);
  for (unsigned i = 0; i < m->num_levels; i++) {
    cf__emu_texobj_orphan(m->level[i]);
    cf__emu_handle_del(m->level[i]);
    free(m->level[i]);
  }
  cf__emu_list_del(&m->link);
  if (m->addr)
    cf__emu_mem_release(m->addr);
  cf__emu_handle_del(m);
  free(m);
}

/* Make m's level structs and lay them out; m->addr still 0. */
static CUresult make_levels(struct CUmipmappedArray_st *m, unsigned n)
{
  int has_depth = !(m->desc.Flags &
                    (CUDA_ARRAY3D_LAYERED | CUDA_ARRAY3D_CUBEMAP));
  uint64_t off = 0;

  for (unsigned i = 0; i < n; i++) {
    struct CUarray_st *a = calloc(1, sizeof *a);
    if (!a)
      return CUDA_ERROR_OUT_OF_MEMORY;
    m->level[m->num_levels++] = a;
    a->ctx = m->ctx;
    a->parent = m;
    a->desc = m->desc;
    a->desc.Width = halve(m->desc.Width, i);
    a->desc.Height = halve(m->desc.Height, i);
    if (has_depth)
      a->desc.Depth = halve(m->desc.Depth, i);
    cf__emu_list_init(&a->link);
    cf__emu_array_layout(a);
    a->addr = off;  /* an offset until the storage exists */
    off += (a->bytes + CF_EMU_ALLOC_ALIGN - 1) &
           ~(uint64_t)(CF_EMU_ALLOC_ALIGN - 1);
  }
  m->bytes = off;
  return CUDA_SUCCESS;
}

CF_EMU_EXPORT CUresult CUDAAPI cuMipmappedArrayCreate(
    CUmipmappedArray *pHandle, const CUDA_ARRAY3D_DESCRIPTOR *pMipmappedArrayDesc,
    unsigned int numMipmapLevels)
{
  struct CUmipmappedArray_st *m;
  CUcontext ctx;
  CUresult r;

  if (pHandle)
    *pHandle = NULL;
  if ((r = cf__emu_lock_ctx(&ctx)) != CUDA_SUCCESS)
    return r;
  if (!pHandle) {
    r = CUDA_ERROR_INVALID_VALUE;
    goto out;
  }
  if ((r = cf__emu_array_check_desc(pMipmappedArrayDesc, 1)) != CUDA_SUCCESS)
    goto out;
  if (!(m = calloc(1, sizeof *m))) {
    r = CUDA_ERROR_OUT_OF_MEMORY;
    goto out;
  }
  m->ctx = ctx;
  m->desc = *pMipmappedArrayDesc;
  cf__emu_list_init(&m->link);
  /* Registered before anything can fail, so that one cleanup path
   * (cf__emu_mipmap_free) undoes every step. */
  if (cf__emu_handle_add(m, CF_EMU_KIND_MIPMAP) != 0) {
    free(m);
    r = CUDA_ERROR_OUT_OF_MEMORY;
    goto out;
  }
  if ((r = make_levels(m, level_count(&m->desc, numMipmapLevels))) !=
          CUDA_SUCCESS ||
      (r = cf__emu_mem_alloc(ctx, m->bytes, CF_EMU_ALLOC_ALIGN,
                             CF_EMU_ALLOC_ARRAY, m, &m->addr)) !=
          CUDA_SUCCESS) {
    cf__emu_mipmap_free(m);
    goto out;
  }
  for (unsigned i = 0; i < m->num_levels; i++) {
    m->level[i]->addr += m->addr;
    if (cf__emu_handle_add(m->level[i], CF_EMU_KIND_ARRAY) != 0) {
      cf__emu_mipmap_free(m);
      r = CUDA_ERROR_OUT_OF_MEMORY;
      goto out;
    }
  }
  cf__emu_list_add(&ctx->mipmaps, &m->link);
  *pHandle = m;
out:
  cf__emu_unlock();
  return r;
}

/* Lock with a usable current context *ctx and check that m is a live
 * mipmapped array of it. Lock held on success. */
static CUresult lock_mipmap(CUmipmappedArray m, CUcontext *ctx)
{
  CUresult r = cf__emu_lock_ctx(ctx);
  if (r != CUDA_SUCCESS)
    return r;
  if (!cf__emu_handle_live(m, CF_EMU_KIND_MIPMAP) || m->ctx != *ctx) {
    cf__emu_unlock();
    return CUDA_ERROR_INVALID_HANDLE;
  }
  return CUDA_SUCCESS;
}

CF_EMU_EXPORT CUresult CUDAAPI cuMipmappedArrayGetLevel(
    CUarray *pLevelArray, CUmipmappedArray hMipmappedArray, unsigned int level)
{
  CUcontext ctx;
  CUresult r;

  if (pLevelArray)
    *pLevelArray = NULL;
  if ((r = lock_mipmap(hMipmappedArray, &ctx)) != CUDA_SUCCESS)
    return r;
  if (!pLevelArray || level >= hMipmappedArray->num_levels)
    r = CUDA_ERROR_INVALID_VALUE;
  else
    *pLevelArray = hMipmappedArray->level[level];
  cf__emu_unlock();
  return r;
}

CF_EMU_EXPORT CUresult CUDAAPI cuMipmappedArrayDestroy(
    CUmipmappedArray hMipmappedArray)
{
  CUcontext ctx;
  CUresult r = lock_mipmap(hMipmappedArray, &ctx);
  if (r != CUDA_SUCCESS)
    return r;
  /* As cuArrayDestroy: queued work may use it; the wait drops the lock. */
  if ((r = cf__emu_ctx_wait(ctx)) != CUDA_SUCCESS)
    goto out;
  if (!cf__emu_handle_live(hMipmappedArray, CF_EMU_KIND_MIPMAP) ||
      hMipmappedArray->ctx != ctx)
    r = CUDA_ERROR_INVALID_HANDLE;
  else
    cf__emu_mipmap_free(hMipmappedArray);
out:
  cf__emu_unlock();
  return r;
}

CUresult cf__emu_mipmap_info(CUmipmappedArray m, struct cf_emu_array_info *out)
{
  struct cf_ptx_texture one;

  if (!cf__emu_handle_live(m, CF_EMU_KIND_MIPMAP))
    return CUDA_ERROR_INVALID_HANDLE;
  *out = (struct cf_emu_array_info){ .ctx = m->ctx, .desc = m->desc };
  cf__emu_array_geom(m->level[0], &out->geom);
  for (unsigned i = 1; i < m->num_levels; i++) {
    cf__emu_array_geom(m->level[i], &one);
    out->geom.level[i] = one.level[0];
  }
  out->geom.num_levels = m->num_levels;
  return CUDA_SUCCESS;
}

/* ---- Sparse arrays and deferred mapping: never made --------------------- */

/* The common answer: lock errors, then INVALID_VALUE (NULL out, any
 * handle: cuda.h documents nothing else), device first for the memory
 * requirements. */
static CUresult never(const void *out, CUdevice dev)
{
  CUcontext ctx;
  CUresult r = cf__emu_lock_ctx(&ctx);
  if (r != CUDA_SUCCESS)
    return r;
  cf__emu_unlock();
  if (out && dev != 0)
    return CUDA_ERROR_INVALID_DEVICE;
  return CUDA_ERROR_INVALID_VALUE;
}

CF_EMU_EXPORT CUresult CUDAAPI cuArrayGetSparseProperties(
    CUDA_ARRAY_SPARSE_PROPERTIES *sparseProperties, CUarray array)
{
  (void)array;
  return never(sparseProperties, 0);
}

CF_EMU_EXPORT CUresult CUDAAPI cuMipmappedArrayGetSparseProperties(
    CUDA_ARRAY_SPARSE_PROPERTIES *sparseProperties, CUmipmappedArray mipmap)
{
  (void)mipmap;
  return never(sparseProperties, 0);
}

CF_EMU_EXPORT CUresult CUDAAPI cuArrayGetMemoryRequirements(
    CUDA_ARRAY_MEMORY_REQUIREMENTS *memoryRequirements, CUarray array,
    CUdevice device)
{
  (void)array;
  return never(memoryRequirements, device);
}

CF_EMU_EXPORT CUresult CUDAAPI cuMipmappedArrayGetMemoryRequirements(
    CUDA_ARRAY_MEMORY_REQUIREMENTS *memoryRequirements, CUmipmappedArray mipmap,
    CUdevice device)
{
  (void)mipmap;
  return never(memoryRequirements, device);
}
