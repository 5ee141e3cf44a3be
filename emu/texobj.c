/* Texture and surface objects: cuTexObjectCreate/Destroy and their
 * descriptors, cuSurfObjectCreate/Destroy/GetResourceDesc, and the
 * resolver launches use (cf__emu_texobj_resolve) to turn a kernel's handle
 * into what the interpreter reads (struct cf_ptx_texture, emu/ptx/ptx.h).
 *
 * Resources: an array or mipmapped array of the current context (array.c),
 * LINEAR and PITCH2D device memory inside one allocation of it, checked as
 * cuda.h documents (base aligned to CU_DEVICE_ATTRIBUTE_TEXTURE_ALIGNMENT,
 * pitch to TEXTURE_PITCH_ALIGNMENT, the linear width, height and pitch
 * limits, zero flags); surfaces only over arrays made with
 * CUDA_ARRAY3D_SURFACE_LDST. Resource views (arrays only) may keep the
 * resource's format or reinterpret it as another of the same element size,
 * and select a range of levels and of layers (of whole cubes for a layered
 * cube map); block-compressed view formats and partial cube maps answer
 * CUDA_ERROR_NOT_SUPPORTED. Every other mistake is
 * CUDA_ERROR_INVALID_VALUE, the only error cuda.h lists for these calls.
 * For LINEAR resources, whose address and filter modes cuda.h says are
 * ignored, the interpreter is given point sampling with a zero border, as
 * tex1Dfetch behaves. Without CU_TRSF_NORMALIZED_COORDINATES only CLAMP and
 * BORDER address modes exist, so WRAP and MIRROR are given to it as CLAMP
 * (the descriptor reads back as created).
 *
 * Handles are minted here: slot index + 1 in the low 32 bits and the
 * slot's generation (bumped when an object leaves it) in the high ones, so
 * a destroyed or forged handle is never taken for a live object and no
 * host address is revealed. An object belongs to its context, dies with it,
 * and is "dead" once the array under it is destroyed (cf__emu_texobj_orphan):
 * the resolver then refuses it, so a kernel never reaches storage freed and
 * perhaps reused. Destroying an object waits for its context's queued work,
 * which may still name it.
 *
 * Locking: API calls hold the global lock; changes to the table also take
 * obj_lock for writing. The resolver runs on stream executors without the
 * global lock and takes obj_lock for reading only. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#include "cf_array.h"

/* Cap on live objects (CUDA's own is about a million). */
#define MAX_OBJECTS (1u << 20)

struct texobj {
  CUcontext ctx;
  uint64_t handle;
  int surface;
  int dead;                     /* its array was destroyed */
  int has_view;
  const void *resource;         /* the CUarray or CUmipmappedArray, or NULL */
  CUDA_RESOURCE_DESC res;       /* as created (unused union bytes zero) */
  CUDA_TEXTURE_DESC tex;
  CUDA_RESOURCE_VIEW_DESC view;
  struct cf_ptx_texture t;      /* what the resolver hands out */
};

struct slot {
  struct texobj *obj;           /* NULL: free */
  uint32_t gen;
};

static pthread_rwlock_t obj_lock = PTHREAD_RWLOCK_INITIALIZER;
static struct slot *slots;
static size_t nslots;
static size_t first_free;       /* no free slot below this index */

/* The live object h of ctx, of that kind, or NULL. Global lock held. */
static struct texobj *find(CUcontext ctx, uint64_t h, int surface)
{
  size_t i = (size_t)(uint32_t)h - 1;
  struct texobj *o;

  if ((uint32_t)h == 0 || i >= nslots || slots[i].gen != (uint32_t)(h >> 32))
    return NULL;
  o = slots[i].obj;
  return o && o->ctx == ctx && o->surface == surface ? o : NULL;
}

int cf__emu_texobj_resolve(void *user, uint64_t handle, int surface,
                           struct cf_ptx_texture *out)
{
  int rc = 1;

  pthread_rwlock_rdlock(&obj_lock);
  struct texobj *o = find(user, handle, surface);
  if (o && !o->dead) {
    *out = o->t;
    rc = 0;
  }
  pthread_rwlock_unlock(&obj_lock);
  return rc;
}

/* Give o a slot and a handle. CUDA_SUCCESS or OUT_OF_MEMORY. Lock held. */
static CUresult insert(struct texobj *o)
{
  size_t i;

  for (i = first_free; i < nslots && slots[i].obj; i++)
    ;
  if (i == nslots) {
    size_t cap = nslots ? nslots * 2 : 64;
    struct slot *n;
    if (nslots >= MAX_OBJECTS)
      return CUDA_ERROR_OUT_OF_MEMORY;
    pthread_rwlock_wrlock(&obj_lock);
    n = realloc(slots, cap * sizeof *n);
    if (n) {
      memset(n + nslots, 0, (cap - nslots) * sizeof *n);
      slots = n;
      nslots = cap;
    }
    pthread_rwlock_unlock(&obj_lock);
    if (!n)
      return CUDA_ERROR_OUT_OF_MEMORY;
  }
  pthread_rwlock_wrlock(&obj_lock);
  if (slots[i].gen == 0)        /* first use, or the count wrapped */
    slots[i].gen = 1;
  o->handle = (uint64_t)slots[i].gen << 32 | (uint64_t)(i + 1);
  slots[i].obj = o;
  pthread_rwlock_unlock(&obj_lock);
  first_free = i + 1;
  return CUDA_SUCCESS;
}

/* Take o out of the table (its handle never comes back) and free it. Lock
 * held. */
static void remove_obj(struct texobj *o)
{
  size_t i = (size_t)(uint32_t)o->handle - 1;

  pthread_rwlock_wrlock(&obj_lock);
  slots[i].obj = NULL;
  slots[i].gen++;
  pthread_rwlock_unlock(&obj_lock);
  if (i < first_free)
    first_free = i;
  free(o);
}

void cf__emu_texobj_orphan(const void *resource)
{
  pthread_rwlock_wrlock(&obj_lock);
  for (size_t i = 0; i < nslots; i++)
    if (slots[i].obj && slots[i].obj->resource == resource)
      slots[i].obj->dead = 1;
  pthread_rwlock_unlock(&obj_lock);
}

void cf__emu_texobj_free_all(CUcontext ctx)
{
  for (size_t i = 0; i < nslots; i++)
    if (slots[i].obj && slots[i].obj->ctx == ctx)
      remove_obj(slots[i].obj);
}

/* ---- Resources ---------------------------------------------------------- */

/* A view format's element: *f and *ch, or 0 for NONE; NOT_SUPPORTED for
 * the block-compressed ones, INVALID_VALUE beyond the enum. */
static CUresult view_format(CUresourceViewFormat v, CUarray_format *f,
                            unsigned *ch)
{
  static const CUarray_format base[] = {
    CU_AD_FORMAT_UNSIGNED_INT8, CU_AD_FORMAT_SIGNED_INT8,
    CU_AD_FORMAT_UNSIGNED_INT16, CU_AD_FORMAT_SIGNED_INT16,
    CU_AD_FORMAT_UNSIGNED_INT32, CU_AD_FORMAT_SIGNED_INT32,
    CU_AD_FORMAT_HALF, CU_AD_FORMAT_FLOAT,
  };
  unsigned k = (unsigned)v;

  if (k >= CU_RES_VIEW_FORMAT_UNSIGNED_BC1 && k <= CU_RES_VIEW_FORMAT_UNSIGNED_BC7)
    return CUDA_ERROR_NOT_SUPPORTED;
  if (k > CU_RES_VIEW_FORMAT_FLOAT_4X32)
    return CUDA_ERROR_INVALID_VALUE;
  if (k == CU_RES_VIEW_FORMAT_NONE) {
    *ch = 0;
    return CUDA_SUCCESS;
  }
  /* UINT_1X8 .. FLOAT_4X32: eight base formats, 1, 2 and 4 channels each. */
  *f = base[(k - 1) / 3];
  *ch = 1u << ((k - 1) % 3);
  return CUDA_SUCCESS;
}

/* Apply view v to an array resource described by info (its geometry in
 * t). Global lock held. */
static CUresult apply_view(const CUDA_RESOURCE_VIEW_DESC *v,
                           const struct cf_emu_array_info *info, int mipmapped,
                           struct cf_ptx_texture *t)
{
  const CUDA_ARRAY3D_DESCRIPTOR *d = &info->desc;
  int layered = (d->Flags & (CUDA_ARRAY3D_LAYERED | CUDA_ARRAY3D_CUBEMAP)) != 0;
  size_t layers = layered ? d->Depth : 1;
  CUarray_format f = CU_AD_FORMAT_UNSIGNED_INT8;
  unsigned ch;
  CUresult r = view_format(v->format, &f, &ch);

  if (r != CUDA_SUCCESS)
    return r;
  if (ch && cf_array_elem_bytes(f, ch) !=
                cf_array_elem_bytes(d->Format, d->NumChannels))
    return CUDA_ERROR_INVALID_VALUE;
  if (v->width != d->Width || v->height != d->Height || v->depth != d->Depth ||
      v->firstMipmapLevel > v->lastMipmapLevel ||
      v->lastMipmapLevel >= (mipmapped ? t->num_levels : 1) ||
      v->firstLayer > v->lastLayer || v->lastLayer >= layers)
    return CUDA_ERROR_INVALID_VALUE;
  if ((d->Flags & CUDA_ARRAY3D_CUBEMAP) &&
      (v->firstLayer % 6 != 0 || (v->lastLayer + 1) % 6 != 0))
    return CUDA_ERROR_NOT_SUPPORTED;  /* part of a cube */
  if (ch) {
    t->format = (uint32_t)f;
    t->channels = ch;
  }
  t->num_levels = v->lastMipmapLevel - v->firstMipmapLevel + 1;
  memmove(&t->level[0], &t->level[v->firstMipmapLevel],
          t->num_levels * sizeof t->level[0]);
  for (unsigned i = 0; i < t->num_levels; i++)
    t->level[i].base += (uint64_t)v->firstLayer * t->level[i].layer_stride;
  if (d->Flags & CUDA_ARRAY3D_LAYERED)
    t->layers = v->lastLayer - v->firstLayer + 1;
  return CUDA_SUCCESS;
}

/* Check device memory [p, p + span) for a LINEAR or PITCH2D resource. */
static CUresult check_memory(CUcontext ctx, CUdeviceptr p, uint64_t span)
{
  unsigned align = (unsigned)cf__emu_device_attr(
      CU_DEVICE_ATTRIBUTE_TEXTURE_ALIGNMENT);
  if (p % align != 0 || !cf__emu_mem_map(ctx, p, span))
    return CUDA_ERROR_INVALID_VALUE;
  return CUDA_SUCCESS;
}

static CUresult linear_resource(CUcontext ctx, const CUDA_RESOURCE_DESC *in,
                                struct texobj *o)
{
  size_t elem, n;
  CUresult r = cf__emu_array_format_check(in->res.linear.format,
                                          in->res.linear.numChannels);
  if (r != CUDA_SUCCESS)
    return r;
  elem = cf_array_elem_bytes(in->res.linear.format, in->res.linear.numChannels);
  n = in->res.linear.sizeInBytes / elem;
  if (n == 0 || n > (size_t)cf__emu_device_attr(
                        CU_DEVICE_ATTRIBUTE_MAXIMUM_TEXTURE1D_LINEAR_WIDTH))
    return CUDA_ERROR_INVALID_VALUE;
  if ((r = check_memory(ctx, in->res.linear.devPtr,
                        in->res.linear.sizeInBytes)) != CUDA_SUCCESS)
    return r;
  o->res.res.linear = in->res.linear;
  o->t.dims = 1;
  o->t.format = (uint32_t)in->res.linear.format;
  o->t.channels = in->res.linear.numChannels;
  o->t.num_levels = 1;
  o->t.level[0] = (struct cf_ptx_tex_level){
    .base = in->res.linear.devPtr, .pitch = n * elem, .slice = n * elem,
    .width = (uint32_t)n, .height = 1, .depth = 1,
  };
  return CUDA_SUCCESS;
}

static CUresult pitch2d_resource(CUcontext ctx, const CUDA_RESOURCE_DESC *in,
                                 struct texobj *o)
{
#define p (&in->res.pitch2D) /* its struct type has no name */
  size_t elem;
  CUresult r = cf__emu_array_format_check(p->format, p->numChannels);

  if (r != CUDA_SUCCESS)
    return r;
  elem = cf_array_elem_bytes(p->format, p->numChannels);
  if (p->width == 0 || p->height == 0 ||
      p->width > (size_t)cf__emu_device_attr(
                     CU_DEVICE_ATTRIBUTE_MAXIMUM_TEXTURE2D_LINEAR_WIDTH) ||
      p->height > (size_t)cf__emu_device_attr(
                      CU_DEVICE_ATTRIBUTE_MAXIMUM_TEXTURE2D_LINEAR_HEIGHT) ||
      p->pitchInBytes % (size_t)cf__emu_device_attr(
                            CU_DEVICE_ATTRIBUTE_TEXTURE_PITCH_ALIGNMENT) != 0 ||
      p->pitchInBytes < p->width * elem ||
      p->pitchInBytes > (size_t)cf__emu_device_attr(
                            CU_DEVICE_ATTRIBUTE_MAXIMUM_TEXTURE2D_LINEAR_PITCH))
    return CUDA_ERROR_INVALID_VALUE;
  /* No overflow: each factor is bounded by the limits just checked. */
  if ((r = check_memory(ctx, p->devPtr,
                        (uint64_t)(p->height - 1) * p->pitchInBytes +
                            p->width * elem)) != CUDA_SUCCESS)
    return r;
  o->res.res.pitch2D = *p;
  o->t.dims = 2;
  o->t.format = (uint32_t)p->format;
  o->t.channels = p->numChannels;
  o->t.num_levels = 1;
  o->t.level[0] = (struct cf_ptx_tex_level){
    .base = p->devPtr, .pitch = p->pitchInBytes,
    .slice = (uint64_t)p->pitchInBytes * p->height,
    .width = (uint32_t)p->width, .height = (uint32_t)p->height, .depth = 1,
  };
  return CUDA_SUCCESS;
#undef p
}

/* Check resource in (and view v, NULL when none) in ctx and fill o's
 * resource fields and geometry. *cube is set for a cube map. */
static CUresult resource(CUcontext ctx, const CUDA_RESOURCE_DESC *in,
                         const CUDA_RESOURCE_VIEW_DESC *v, struct texobj *o,
                         int *cube)
{
  struct cf_emu_array_info info;
  int mipmapped = 0;

  *cube = 0;
  if (!in || in->flags != 0)
    return CUDA_ERROR_INVALID_VALUE;
  o->res.resType = in->resType;
  switch (in->resType) {
  case CU_RESOURCE_TYPE_ARRAY:
    if (cf__emu_array_info(in->res.array.hArray, &info) != CUDA_SUCCESS)
      return CUDA_ERROR_INVALID_VALUE;
    o->res.res.array = in->res.array;
    o->resource = in->res.array.hArray;
    break;
  case CU_RESOURCE_TYPE_MIPMAPPED_ARRAY:
    if (cf__emu_mipmap_info(in->res.mipmap.hMipmappedArray, &info) !=
        CUDA_SUCCESS)
      return CUDA_ERROR_INVALID_VALUE;
    o->res.res.mipmap = in->res.mipmap;
    o->resource = in->res.mipmap.hMipmappedArray;
    mipmapped = 1;
    break;
  case CU_RESOURCE_TYPE_LINEAR:
    return v ? CUDA_ERROR_INVALID_VALUE : linear_resource(ctx, in, o);
  case CU_RESOURCE_TYPE_PITCH2D:
    return v ? CUDA_ERROR_INVALID_VALUE : pitch2d_resource(ctx, in, o);
  default:
    return CUDA_ERROR_INVALID_VALUE;
  }
  if (info.ctx != ctx)
    return CUDA_ERROR_INVALID_VALUE;
  *cube = (info.desc.Flags & CUDA_ARRAY3D_CUBEMAP) != 0;
  o->t = info.geom;
  return v ? apply_view(v, &info, mipmapped, &o->t) : CUDA_SUCCESS;
}

/* ---- Entry points ------------------------------------------------------- */

#define TRSF_KNOWN                                                             \
  (CU_TRSF_READ_AS_INTEGER | CU_TRSF_NORMALIZED_COORDINATES | CU_TRSF_SRGB |   \
   CU_TRSF_DISABLE_TRILINEAR_OPTIMIZATION | CU_TRSF_SEAMLESS_CUBEMAP)

/* Check texture descriptor td for o (resource already filled) and set the
 * sampling fields of o->t. */
static CUresult sampling(const CUDA_TEXTURE_DESC *td, struct texobj *o,
                         int cube)
{
  int linear = o->res.resType == CU_RESOURCE_TYPE_LINEAR;
  unsigned flags;

  if (!td || (td->flags & ~(unsigned)TRSF_KNOWN) ||
      (unsigned)td->mipmapFilterMode > CU_TR_FILTER_MODE_LINEAR ||
      ((td->flags & CU_TRSF_SEAMLESS_CUBEMAP) && !cube))
    return CUDA_ERROR_INVALID_VALUE;
  /* cuda.h: mipmapped arrays need normalized coordinates. */
  if (o->res.resType == CU_RESOURCE_TYPE_MIPMAPPED_ARRAY &&
      !(td->flags & CU_TRSF_NORMALIZED_COORDINATES))
    return CUDA_ERROR_INVALID_VALUE;
  flags = td->flags;
  if (linear) {
    flags &= ~(unsigned)(CU_TRSF_NORMALIZED_COORDINATES | CU_TRSF_SEAMLESS_CUBEMAP);
    for (int i = 0; i < 3; i++)
      o->t.address_mode[i] = CU_TR_ADDRESS_MODE_BORDER;
    o->t.filter_mode = CU_TR_FILTER_MODE_POINT;
  } else {
    if ((unsigned)td->filterMode > CU_TR_FILTER_MODE_LINEAR)
      return CUDA_ERROR_INVALID_VALUE;
    for (int i = 0; i < 3; i++) {
      unsigned m = (unsigned)td->addressMode[i];
      if (m > CU_TR_ADDRESS_MODE_BORDER)
        return CUDA_ERROR_INVALID_VALUE;
      if (!(flags & CU_TRSF_NORMALIZED_COORDINATES) &&
          (m == CU_TR_ADDRESS_MODE_WRAP || m == CU_TR_ADDRESS_MODE_MIRROR))
        m = CU_TR_ADDRESS_MODE_CLAMP;
      o->t.address_mode[i] = m;
    }
    o->t.filter_mode = (uint32_t)td->filterMode;
    memcpy(o->t.border_color, td->borderColor, sizeof o->t.border_color);
  }
  o->t.mipmap_filter_mode = (uint32_t)td->mipmapFilterMode;
  o->t.flags = flags;
  o->t.mipmap_level_bias = td->mipmapLevelBias;
  o->t.min_mipmap_level_clamp = td->minMipmapLevelClamp;
  o->t.max_mipmap_level_clamp = td->maxMipmapLevelClamp;
  o->tex = *td;
  return CUDA_SUCCESS;
}

/* Create a texture (surface 0: td and v as given) or surface object. */
static CUresult create(unsigned long long *out, int surface,
                       const CUDA_RESOURCE_DESC *rd,
                       const CUDA_TEXTURE_DESC *td,
                       const CUDA_RESOURCE_VIEW_DESC *v)
{
  struct texobj *o = NULL;
  CUcontext ctx;
  int cube;
  CUresult r;

  if (out)
    *out = 0;
  if ((r = cf__emu_lock_ctx(&ctx)) != CUDA_SUCCESS)
    return r;
  if (!out) {
    r = CUDA_ERROR_INVALID_VALUE;
    goto out;
  }
  if (!(o = calloc(1, sizeof *o))) {
    r = CUDA_ERROR_OUT_OF_MEMORY;
    goto out;
  }
  o->ctx = ctx;
  o->surface = surface;
  if ((r = resource(ctx, rd, v, o, &cube)) != CUDA_SUCCESS)
    goto out;
  if (surface) {
    struct cf_emu_array_info info;
    if (rd->resType != CU_RESOURCE_TYPE_ARRAY ||
        cf__emu_array_info(rd->res.array.hArray, &info) != CUDA_SUCCESS ||
        !(info.desc.Flags & CUDA_ARRAY3D_SURFACE_LDST)) {
      r = CUDA_ERROR_INVALID_VALUE;
      goto out;
    }
  } else if ((r = sampling(td, o, cube)) != CUDA_SUCCESS) {
    goto out;
  }
  if (v) {
    o->view = *v;
    o->has_view = 1;
  }
  if ((r = insert(o)) != CUDA_SUCCESS)
    goto out;
  *out = o->handle;
  o = NULL;
out:
  free(o);
  cf__emu_unlock();
  return r;
}

CF_EMU_EXPORT CUresult CUDAAPI cuTexObjectCreate(
    CUtexObject *pTexObject, const CUDA_RESOURCE_DESC *pResDesc,
    const CUDA_TEXTURE_DESC *pTexDesc,
    const CUDA_RESOURCE_VIEW_DESC *pResViewDesc)
{
  return create(pTexObject, 0, pResDesc, pTexDesc, pResViewDesc);
}

CF_EMU_EXPORT CUresult CUDAAPI cuSurfObjectCreate(
    CUsurfObject *pSurfObject, const CUDA_RESOURCE_DESC *pResDesc)
{
  return create(pSurfObject, 1, pResDesc, NULL, NULL);
}

static CUresult destroy(uint64_t h, int surface)
{
  struct texobj *o;
  CUcontext ctx;
  CUresult r = cf__emu_lock_ctx(&ctx);
  if (r != CUDA_SUCCESS)
    return r;
  if (!find(ctx, h, surface)) {
    r = CUDA_ERROR_INVALID_VALUE;
    goto out;
  }
  /* Queued kernels may still name it; waiting drops the lock, so look it
   * up again afterwards. */
  if ((r = cf__emu_ctx_wait(ctx)) != CUDA_SUCCESS)
    goto out;
  if (!(o = find(ctx, h, surface)))
    r = CUDA_ERROR_INVALID_VALUE;
  else
    remove_obj(o);
out:
  cf__emu_unlock();
  return r;
}

CF_EMU_EXPORT CUresult CUDAAPI cuTexObjectDestroy(CUtexObject texObject)
{
  return destroy(texObject, 0);
}

CF_EMU_EXPORT CUresult CUDAAPI cuSurfObjectDestroy(CUsurfObject surfObject)
{
  return destroy(surfObject, 1);
}

enum what { RESOURCE, TEXTURE, VIEW };

/* Copy one of object h's descriptors into out. */
static CUresult get_desc(void *out, uint64_t h, int surface, enum what w)
{
  CUcontext ctx;
  struct texobj *o;
  CUresult r = cf__emu_lock_ctx(&ctx);
  if (r != CUDA_SUCCESS)
    return r;
  if (!out || !(o = find(ctx, h, surface)) || (w == VIEW && !o->has_view))
    r = CUDA_ERROR_INVALID_VALUE;
  else if (w == RESOURCE)
    memcpy(out, &o->res, sizeof o->res);
  else if (w == TEXTURE)
    memcpy(out, &o->tex, sizeof o->tex);
  else
    memcpy(out, &o->view, sizeof o->view);
  cf__emu_unlock();
  return r;
}

CF_EMU_EXPORT CUresult CUDAAPI cuTexObjectGetResourceDesc(
    CUDA_RESOURCE_DESC *pResDesc, CUtexObject texObject)
{
  return get_desc(pResDesc, texObject, 0, RESOURCE);
}

CF_EMU_EXPORT CUresult CUDAAPI cuTexObjectGetTextureDesc(
    CUDA_TEXTURE_DESC *pTexDesc, CUtexObject texObject)
{
  return get_desc(pTexDesc, texObject, 0, TEXTURE);
}

CF_EMU_EXPORT CUresult CUDAAPI cuTexObjectGetResourceViewDesc(
    CUDA_RESOURCE_VIEW_DESC *pResViewDesc, CUtexObject texObject)
{
  return get_desc(pResViewDesc, texObject, 0, VIEW);
}

CF_EMU_EXPORT CUresult CUDAAPI cuSurfObjectGetResourceDesc(
    CUDA_RESOURCE_DESC *pResDesc, CUsurfObject surfObject)
{
  return get_desc(pResDesc, surfObject, 1, RESOURCE);
}
