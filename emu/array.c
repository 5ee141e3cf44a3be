/* CUDA arrays: descriptor checks, storage layout, cuArrayCreate,
 * cuArray3DCreate, their descriptors, cuArrayDestroy, and what copies
 * (cf_copy.h's array sides) and texture objects (texobj.c) need to know of
 * an array. Mipmapped arrays, whose levels are arrays too, are
 * array_mipmap.c's.
 *
 * Layout. An array is one ARRAY allocation of device memory (devmem.c, so
 * cuMemGetInfo counts it, cuMemFree refuses it, and kernels reach it only
 * through map() in its context), stored row-major without padding:
 * element bytes elem = NumChannels * the format's size; a row is Width
 * elements (pitch = Width * elem bytes); a slice is Height rows (1 for a
 * 1D array); the array is Depth slices (1 when Depth is 0), a slice being
 * a z plane of a 3D array, a layer of a layered one or a cube face, faces
 * in CUarray_cubemap_face order. Element (x, y, slice s) is at
 *   addr + (s * rows + y) * pitch + x * elem.
 *
 * Descriptors are checked as cuda.h documents cuArray3DCreate: formats of
 * cf_array_format_bytes, 1, 2 or 4 channels, the extents of each kind of
 * array (1D, 2D, 3D, 1D and 2D layered, cube map, layered cube map) within
 * the limits the emulated device reports (device.c; SURFACE_LDST adds the
 * surface limits, TEXTURE_GATHER is for 2D arrays and has its own). The
 * formats cuda.h knows but the emulator does not store (block-compressed,
 * planar and packed video, normalized packed formats) and the flags for
 * features it lacks (SPARSE, DEFERRED_MAPPING, DEPTH_TEXTURE,
 * COLOR_ATTACHMENT, VIDEO_ENCODE_DECODE) answer CUDA_ERROR_NOT_SUPPORTED:
 * cuda.h names no error for them, and the device reports sparse arrays and
 * deferred mapping as absent. Values cuda.h does not define answer
 * CUDA_ERROR_INVALID_VALUE.
 *
 * Ownership: an array belongs to the context current at its creation and
 * is freed with it; other contexts get CUDA_ERROR_INVALID_HANDLE. Destroying
 * an array first waits for its context's queued work (as cuMemFree does),
 * then makes the texture and surface objects over it dead, so a later
 * launch naming them faults instead of reading memory reused since. A
 * mipmap level may not be destroyed on its own (INVALID_HANDLE: cuda.h
 * lists no INVALID_VALUE for cuArrayDestroy). Every entry point holds the
 * global lock for its whole body. */
#include "internal.h"

#include <stdlib.h>

#include "cf_array.h"
#include "cf_copy.h"

/* Flags cuda.h defines, and those the emulator implements. */
#define KNOWN_FLAGS                                                            \
  (CUDA_ARRAY3D_LAYERED | CUDA_ARRAY3D_SURFACE_LDST | CUDA_ARRAY3D_CUBEMAP |  \
   CUDA_ARRAY3D_TEXTURE_GATHER | CUDA_ARRAY3D_DEPTH_TEXTURE |                 \
   CUDA_ARRAY3D_COLOR_ATTACHMENT | CUDA_ARRAY3D_SPARSE |                      \
   CUDA_ARRAY3D_DEFERRED_MAPPING | CUDA_ARRAY3D_VIDEO_ENCODE_DECODE)
#define STORED_FLAGS                                                           \
  (CUDA_ARRAY3D_LAYERED | CUDA_ARRAY3D_SURFACE_LDST | CUDA_ARRAY3D_CUBEMAP |  \
   CUDA_ARRAY3D_TEXTURE_GATHER)

/* 1 for a CUarray_format that cuda.h defines but cf_array_format_bytes
 * does not store. */
static int format_unstored(CUarray_format f)
{
  unsigned v = (unsigned)f;
  return v == 0x50 || (v >= 0x91 && v <= 0x9f) || (v >= 0xa1 && v <= 0xa9) ||
         (v >= 0xb0 && v <= 0xb5) || (v >= 0xc0 && v <= 0xcb);
}

CUresult cf__emu_array_format_check(CUarray_format f, unsigned channels)
{
  if (cf_array_format_bytes(f) == 0)
    return format_unstored(f) ? CUDA_ERROR_NOT_SUPPORTED
                              : CUDA_ERROR_INVALID_VALUE;
  return cf_array_elem_bytes(f, channels) ? CUDA_SUCCESS
                                          : CUDA_ERROR_INVALID_VALUE;
}

enum shape { S_1D, S_2D, S_3D, S_1D_LAYERED, S_2D_LAYERED, S_CUBE,
             S_CUBE_LAYERED };

/* The kind of array d describes, or -1 when no kind fits its extents. */
static int shape_of(const CUDA_ARRAY3D_DESCRIPTOR *d)
{
  int layered = (d->Flags & CUDA_ARRAY3D_LAYERED) != 0;

  if (d->Width == 0)
    return -1;
  if (d->Flags & CUDA_ARRAY3D_CUBEMAP) {
    if (d->Height != d->Width || d->Depth == 0 ||
        (layered ? d->Depth % 6 != 0 : d->Depth != 6))
      return -1;
    return layered ? S_CUBE_LAYERED : S_CUBE;
  }
  if (layered) {
    if (d->Depth == 0)
      return -1;
    return d->Height ? S_2D_LAYERED : S_1D_LAYERED;
  }
  if (d->Height == 0)
    return d->Depth ? -1 : S_1D;
  return d->Depth ? S_3D : S_2D;
}

/* 1 when w, h and d are within the limits of the three attributes (0: that
 * extent is not limited by this rule). */
static int fits(const CUDA_ARRAY3D_DESCRIPTOR *x, CUdevice_attribute aw,
                CUdevice_attribute ah, CUdevice_attribute ad)
{
  return (!aw || x->Width <= (size_t)cf__emu_device_attr(aw)) &&
         (!ah || x->Height <= (size_t)cf__emu_device_attr(ah)) &&
         (!ad || x->Depth <= (size_t)cf__emu_device_attr(ad));
}

#define A(n) CU_DEVICE_ATTRIBUTE_MAXIMUM_##n

/* The texture limits of cuda.h's table ("must always be met"). */
static int texture_limits_ok(const CUDA_ARRAY3D_DESCRIPTOR *d, int shape,
                             int mipmapped)
{
  switch (shape) {
  case S_1D:
    return mipmapped ? fits(d, A(TEXTURE1D_MIPMAPPED_WIDTH), 0, 0)
                     : fits(d, A(TEXTURE1D_WIDTH), 0, 0);
  case S_2D:
    if (d->Flags & CUDA_ARRAY3D_TEXTURE_GATHER)
      return fits(d, A(TEXTURE2D_GATHER_WIDTH), A(TEXTURE2D_GATHER_HEIGHT), 0);
    return mipmapped ? fits(d, A(TEXTURE2D_MIPMAPPED_WIDTH),
                            A(TEXTURE2D_MIPMAPPED_HEIGHT), 0)
                     : fits(d, A(TEXTURE2D_WIDTH), A(TEXTURE2D_HEIGHT), 0);
  case S_3D:
    return fits(d, A(TEXTURE3D_WIDTH), A(TEXTURE3D_HEIGHT), A(TEXTURE3D_DEPTH)) ||
           fits(d, A(TEXTURE3D_WIDTH_ALTERNATE), A(TEXTURE3D_HEIGHT_ALTERNATE),
                A(TEXTURE3D_DEPTH_ALTERNATE));
  case S_1D_LAYERED:
    return fits(d, A(TEXTURE1D_LAYERED_WIDTH), 0, A(TEXTURE1D_LAYERED_LAYERS));
  case S_2D_LAYERED:
    return fits(d, A(TEXTURE2D_LAYERED_WIDTH), A(TEXTURE2D_LAYERED_HEIGHT),
                A(TEXTURE2D_LAYERED_LAYERS));
  case S_CUBE:
    return fits(d, A(TEXTURECUBEMAP_WIDTH), 0, 0);
  default:
    return fits(d, A(TEXTURECUBEMAP_LAYERED_WIDTH), 0,
                A(TEXTURECUBEMAP_LAYERED_LAYERS));
  }
}

/* The surface limits, which SURFACE_LDST adds. */
static int surface_limits_ok(const CUDA_ARRAY3D_DESCRIPTOR *d, int shape)
{
  switch (shape) {
  case S_1D: return fits(d, A(SURFACE1D_WIDTH), 0, 0);
  case S_2D: return fits(d, A(SURFACE2D_WIDTH), A(SURFACE2D_HEIGHT), 0);
  case S_3D:
    return fits(d, A(SURFACE3D_WIDTH), A(SURFACE3D_HEIGHT), A(SURFACE3D_DEPTH));
  case S_1D_LAYERED:
    return fits(d, A(SURFACE1D_LAYERED_WIDTH), 0, A(SURFACE1D_LAYERED_LAYERS));
  case S_2D_LAYERED:
    return fits(d, A(SURFACE2D_LAYERED_WIDTH), A(SURFACE2D_LAYERED_HEIGHT),
                A(SURFACE2D_LAYERED_LAYERS));
  case S_CUBE: return fits(d, A(SURFACECUBEMAP_WIDTH), 0, 0);
  default:
    return fits(d, A(SURFACECUBEMAP_LAYERED_WIDTH), 0,
                A(SURFACECUBEMAP_LAYERED_LAYERS));
  }
}

#undef A

CUresult cf__emu_array_check_desc(const CUDA_ARRAY3D_DESCRIPTOR *d,
                                  int mipmapped)
{
  int shape;

  if (!d || (d->Flags & ~(unsigned)KNOWN_FLAGS))
    return CUDA_ERROR_INVALID_VALUE;
  /* Unsupported features first: a planar format's channel count is not
   * the question. */
  if (cf_array_format_bytes(d->Format) == 0 && format_unstored(d->Format))
    return CUDA_ERROR_NOT_SUPPORTED;
  if (d->Flags & ~(unsigned)STORED_FLAGS)
    return CUDA_ERROR_NOT_SUPPORTED;
  if (cf__emu_array_format_check(d->Format, d->NumChannels) != CUDA_SUCCESS ||
      (shape = shape_of(d)) < 0)
    return CUDA_ERROR_INVALID_VALUE;
  if ((d->Flags & CUDA_ARRAY3D_TEXTURE_GATHER) && shape != S_2D)
    return CUDA_ERROR_INVALID_VALUE;
  if (!texture_limits_ok(d, shape, mipmapped) ||
      ((d->Flags & CUDA_ARRAY3D_SURFACE_LDST) && !surface_limits_ok(d, shape)))
    return CUDA_ERROR_INVALID_VALUE;
  return CUDA_SUCCESS;
}

void cf__emu_array_layout(struct CUarray_st *a)
{
  a->elem = cf_array_elem_bytes(a->desc.Format, a->desc.NumChannels);
  a->pitch = a->desc.Width * a->elem;
  a->rows = a->desc.Height ? a->desc.Height : 1;
  a->slices = a->desc.Depth ? a->desc.Depth : 1;
  /* No overflow: the limits keep every array under 2^47 bytes. */
  a->bytes = (uint64_t)a->pitch * a->rows * a->slices;
}

void cf__emu_array_geom(const struct CUarray_st *a, struct cf_ptx_texture *t)
{
  const CUDA_ARRAY3D_DESCRIPTOR *d = &a->desc;
  int shape = shape_of(d);
  int sliced = shape == S_3D;
  int layered = (d->Flags & CUDA_ARRAY3D_LAYERED) != 0;
  uint64_t slice = (uint64_t)a->pitch * a->rows;

  t->dims = shape == S_3D ? 3 : (shape == S_1D || shape == S_1D_LAYERED) ? 1 : 2;
  t->layers = layered ? (uint32_t)d->Depth : 0;
  t->cubemap = (d->Flags & CUDA_ARRAY3D_CUBEMAP) != 0;
  t->format = (uint32_t)d->Format;
  t->channels = d->NumChannels;
  t->level[0] = (struct cf_ptx_tex_level){
    .base = a->addr,
    .pitch = a->pitch,
    .slice = slice,
    .layer_stride = sliced ? 0 : slice,
    .width = (uint32_t)d->Width,
    .height = (uint32_t)a->rows,
    .depth = sliced ? (uint32_t)d->Depth : 1,
  };
}

/* ---- Entry points ------------------------------------------------------- */

/* Lock with a usable current context *ctx and check that a is a live
 * array of it. Lock held on success. */
static CUresult lock_array(CUarray a, CUcontext *ctx)
{
  CUresult r = cf__emu_lock_ctx(ctx);
  if (r != CUDA_SUCCESS)
    return r;
  if (!cf__emu_handle_live(a, CF_EMU_KIND_ARRAY) || a->ctx != *ctx) {
    cf__emu_unlock();
    return CUDA_ERROR_INVALID_HANDLE;
  }
  return CUDA_SUCCESS;
}

static CUresult array_create(CUarray *pHandle, const CUDA_ARRAY3D_DESCRIPTOR *d)
{
  struct CUarray_st *a = NULL;
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
  if ((r = cf__emu_array_check_desc(d, 0)) != CUDA_SUCCESS)
    goto out;
  if (!(a = calloc(1, sizeof *a))) {
    r = CUDA_ERROR_OUT_OF_MEMORY;
    goto out;
  }
  a->ctx = ctx;
  a->desc = *d;
  cf__emu_array_layout(a);
  if ((r = cf__emu_mem_alloc(ctx, a->bytes, CF_EMU_ALLOC_ALIGN,
                             CF_EMU_ALLOC_ARRAY, a, &a->addr)) != CUDA_SUCCESS)
    goto out;
  if (cf__emu_handle_add(a, CF_EMU_KIND_ARRAY) != 0) {
    cf__emu_mem_release(a->addr);
    r = CUDA_ERROR_OUT_OF_MEMORY;
    goto out;
  }
  cf__emu_list_add(&ctx->arrays, &a->link);
  *pHandle = a;
  a = NULL;
out:
  free(a);
  cf__emu_unlock();
  return r;
}

CF_EMU_EXPORT CUresult CUDAAPI cuArray3DCreate_v2(
    CUarray *pHandle, const CUDA_ARRAY3D_DESCRIPTOR *pAllocateArray)
{
  return array_create(pHandle, pAllocateArray);
}

/* A 1D (Height 0) or 2D array, with no flags. */
CF_EMU_EXPORT CUresult CUDAAPI cuArrayCreate_v2(
    CUarray *pHandle, const CUDA_ARRAY_DESCRIPTOR *pAllocateArray)
{
  CUDA_ARRAY3D_DESCRIPTOR d;

  if (!pAllocateArray)
    return array_create(pHandle, NULL);  /* its lock errors come first */
  d = (CUDA_ARRAY3D_DESCRIPTOR){
    .Width = pAllocateArray->Width,
    .Height = pAllocateArray->Height,
    .Format = pAllocateArray->Format,
    .NumChannels = pAllocateArray->NumChannels,
  };
  return array_create(pHandle, &d);
}

/* The 2D descriptor cannot describe a depth: 3D, layered and cube map
 * arrays answer INVALID_VALUE. */
CF_EMU_EXPORT CUresult CUDAAPI cuArrayGetDescriptor_v2(
    CUDA_ARRAY_DESCRIPTOR *pArrayDescriptor, CUarray hArray)
{
  CUcontext ctx;
  CUresult r = lock_array(hArray, &ctx);
  if (r != CUDA_SUCCESS)
    return r;
  if (!pArrayDescriptor || hArray->desc.Depth != 0)
    r = CUDA_ERROR_INVALID_VALUE;
  else
    *pArrayDescriptor = (CUDA_ARRAY_DESCRIPTOR){
      .Width = hArray->desc.Width,
      .Height = hArray->desc.Height,
      .Format = hArray->desc.Format,
      .NumChannels = hArray->desc.NumChannels,
    };
  cf__emu_unlock();
  return r;
}

CF_EMU_EXPORT CUresult CUDAAPI cuArray3DGetDescriptor_v2(
    CUDA_ARRAY3D_DESCRIPTOR *pArrayDescriptor, CUarray hArray)
{
  CUcontext ctx;
  CUresult r = lock_array(hArray, &ctx);
  if (r != CUDA_SUCCESS)
    return r;
  if (!pArrayDescriptor)
    r = CUDA_ERROR_INVALID_VALUE;
  else
    *pArrayDescriptor = hArray->desc;
  cf__emu_unlock();
  return r;
}

/* Free array a (not a level) and its storage. Lock held. */
static void array_free(struct CUarray_st *a)
{
  cf__emu_texobj_orphan(a);
  cf__emu_list_del(&a->link);
  cf__emu_mem_release(a->addr);
  cf__emu_handle_del(a);
  free(a);
}

CF_EMU_EXPORT CUresult CUDAAPI cuArrayDestroy(CUarray hArray)
{
  CUcontext ctx;
  CUresult r = lock_array(hArray, &ctx);
  if (r != CUDA_SUCCESS)
    return r;
  if (hArray->parent) {
    r = CUDA_ERROR_INVALID_HANDLE;  /* a level dies with its mipmapped array */
    goto out;
  }
  /* Queued copies and kernels may still use it; waiting drops the lock, so
   * check the handle again afterwards. */
  if ((r = cf__emu_ctx_wait(ctx)) != CUDA_SUCCESS)
    goto out;
  if (!cf__emu_handle_live(hArray, CF_EMU_KIND_ARRAY) || hArray->ctx != ctx)
    r = CUDA_ERROR_INVALID_HANDLE;
  else
    array_free(hArray);
out:
  cf__emu_unlock();
  return r;
}

/* No array is planar (those formats are refused at creation). */
CF_EMU_EXPORT CUresult CUDAAPI cuArrayGetPlane(CUarray *pPlaneArray,
                                               CUarray hArray,
                                               unsigned int planeIdx)
{
  CUcontext ctx;
  CUresult r;

  (void)planeIdx;
  if (pPlaneArray)
    *pPlaneArray = NULL;
  if ((r = lock_array(hArray, &ctx)) != CUDA_SUCCESS)
    return r;
  cf__emu_unlock();
  return CUDA_ERROR_INVALID_VALUE;
}

/* ---- For copies and texture objects ------------------------------------ */

CUresult cf__emu_array_info(CUarray a, struct cf_emu_array_info *out)
{
  if (!cf__emu_handle_live(a, CF_EMU_KIND_ARRAY))
    return CUDA_ERROR_INVALID_HANDLE;
  *out = (struct cf_emu_array_info){ .ctx = a->ctx, .desc = a->desc };
  cf__emu_array_geom(a, &out->geom);
  out->geom.num_levels = 1;
  return CUDA_SUCCESS;
}

CUresult cf__emu_array_extent(CUarray a, size_t *row_bytes, size_t *rows,
                              size_t *slices, size_t *elem_bytes)
{
  CUresult r = cf__emu_lock_init();
  if (r != CUDA_SUCCESS)
    return r;
  if (!cf__emu_handle_live(a, CF_EMU_KIND_ARRAY)) {
    r = CUDA_ERROR_INVALID_HANDLE;
  } else {
    *row_bytes = a->pitch;
    *rows = a->rows;
    *slices = a->slices;
    *elem_bytes = a->elem;
  }
  cf__emu_unlock();
  return r;
}

CUresult cf__emu_array_side(CUcontext ctx, struct cf_copy_side *s, size_t width,
                            size_t height, size_t depth)
{
  const struct CUarray_st *a = s->array;

  if (!cf__emu_handle_live(a, CF_EMU_KIND_ARRAY) ||
      a->ctx != (s->ctx ? s->ctx : ctx))
    return CUDA_ERROR_INVALID_HANDLE;
  /* cuda.h: XInBytes must be a whole number of elements. */
  if (s->ax % a->elem != 0 || s->ax > a->pitch || width > a->pitch - s->ax ||
      s->ay > a->rows || height > a->rows - s->ay || s->az > a->slices ||
      depth > a->slices - s->az)
    return CUDA_ERROR_INVALID_VALUE;
  s->at = a->addr + ((uint64_t)s->az * a->rows + s->ay) * a->pitch + s->ax;
  s->pitch = a->pitch;
  s->height = a->rows;
  s->ctx = a->ctx;
  s->is_dev = 1;
  s->array = NULL;
  s->ax = s->ay = s->az = 0;
  return CUDA_SUCCESS;
}

void cf__emu_array_free_all(CUcontext ctx)
{
  while (ctx->mipmaps.next != &ctx->mipmaps)
    cf__emu_mipmap_free(CF_EMU_CONTAINER(ctx->mipmaps.next,
                                         struct CUmipmappedArray_st, link));
  while (ctx->arrays.next != &ctx->arrays)
    array_free(CF_EMU_CONTAINER(ctx->arrays.next, struct CUarray_st, link));
}
