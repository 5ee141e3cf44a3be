/* How the descriptors of texture and surface objects travel (wire rows
 * 359-369): the members of a CUDA_RESOURCE_DESC, CUDA_TEXTURE_DESC and
 * CUDA_RESOURCE_VIEW_DESC as one bulk of fixed-width fields in host byte
 * order. The array or mipmapped array a resource names is not in it: it
 * travels as a handle beside it, so the server translates it like any
 * other. Reserved members are not carried (the server passes zeros).
 * Shared by the stub, which flattens and rebuilds the caller's structs, and
 * the server, which rebuilds them for its driver and checks nothing more
 * than their size here: the driver checks the values. Header only. */
#ifndef CF_TEX_WIRE_H
#define CF_TEX_WIRE_H

#include <stdint.h>
#include <string.h>

#include <cuda.h>

struct cf_tex_wire {
  /* resource: linear uses dev_ptr and width (its size in bytes), pitch2D
   * dev_ptr, width, height and pitch */
  uint64_t dev_ptr, width, height, pitch;
  /* resource view */
  uint64_t view_width, view_height, view_depth;
  uint32_t res_type, res_flags, format, channels;
  /* texture */
  uint32_t address_mode[3], filter_mode, tex_flags, max_anisotropy, mipmap_filter_mode;
  float mipmap_level_bias, min_mipmap_level_clamp, max_mipmap_level_clamp, border_color[4];
  /* resource view (continued) */
  uint32_t view_format, first_level, last_level, first_layer, last_layer;
  uint32_t has_view; /* 0: no view was given */
};
_Static_assert(sizeof(struct cf_tex_wire) == 152, "cf_tex_wire has padding");

static inline void cf_tex_wire_put_res(struct cf_tex_wire *w, const CUDA_RESOURCE_DESC *r)
{
  w->res_type = (uint32_t)r->resType;
  w->res_flags = r->flags;
  if (r->resType == CU_RESOURCE_TYPE_LINEAR) {
    w->dev_ptr = r->res.linear.devPtr;
    w->format = (uint32_t)r->res.linear.format;
    w->channels = r->res.linear.numChannels;
    w->width = r->res.linear.sizeInBytes;
  } else if (r->resType == CU_RESOURCE_TYPE_PITCH2D) {
    w->dev_ptr = r->res.pitch2D.devPtr;
    w->format = (uint32_t)r->res.pitch2D.format;
    w->channels = r->res.pitch2D.numChannels;
    w->width = r->res.pitch2D.width;
    w->height = r->res.pitch2D.height;
    w->pitch = r->res.pitch2D.pitchInBytes;
  }
}

/* The resource, with a and m as its array or mipmapped array. */
static inline void cf_tex_wire_get_res(const struct cf_tex_wire *w, CUarray a,
                                       CUmipmappedArray m, CUDA_RESOURCE_DESC *r)
{
  memset(r, 0, sizeof *r);
  r->resType = (CUresourcetype)w->res_type;
  r->flags = w->res_flags;
  switch (r->resType) {
  case CU_RESOURCE_TYPE_ARRAY:
    r->res.array.hArray = a;
    break;
  case CU_RESOURCE_TYPE_MIPMAPPED_ARRAY:
    r->res.mipmap.hMipmappedArray = m;
    break;
  case CU_RESOURCE_TYPE_LINEAR:
    r->res.linear.devPtr = (CUdeviceptr)w->dev_ptr;
    r->res.linear.format = (CUarray_format)w->format;
    r->res.linear.numChannels = w->channels;
    r->res.linear.sizeInBytes = (size_t)w->width;
    break;
  case CU_RESOURCE_TYPE_PITCH2D:
    r->res.pitch2D.devPtr = (CUdeviceptr)w->dev_ptr;
    r->res.pitch2D.format = (CUarray_format)w->format;
    r->res.pitch2D.numChannels = w->channels;
    r->res.pitch2D.width = (size_t)w->width;
    r->res.pitch2D.height = (size_t)w->height;
    r->res.pitch2D.pitchInBytes = (size_t)w->pitch;
    break;
  }
}

static inline void cf_tex_wire_put_tex(struct cf_tex_wire *w, const CUDA_TEXTURE_DESC *t)
{
  for (int i = 0; i < 3; i++)
    w->address_mode[i] = (uint32_t)t->addressMode[i];
  w->filter_mode = (uint32_t)t->filterMode;
  w->tex_flags = t->flags;
  w->max_anisotropy = t->maxAnisotropy;
  w->mipmap_filter_mode = (uint32_t)t->mipmapFilterMode;
  w->mipmap_level_bias = t->mipmapLevelBias;
  w->min_mipmap_level_clamp = t->minMipmapLevelClamp;
  w->max_mipmap_level_clamp = t->maxMipmapLevelClamp;
  memcpy(w->border_color, t->borderColor, sizeof w->border_color);
}

static inline void cf_tex_wire_get_tex(const struct cf_tex_wire *w, CUDA_TEXTURE_DESC *t)
{
  memset(t, 0, sizeof *t);
  for (int i = 0; i < 3; i++)
    t->addressMode[i] = (CUaddress_mode)w->address_mode[i];
  t->filterMode = (CUfilter_mode)w->filter_mode;
  t->flags = w->tex_flags;
  t->maxAnisotropy = w->max_anisotropy;
  t->mipmapFilterMode = (CUfilter_mode)w->mipmap_filter_mode;
  t->mipmapLevelBias = w->mipmap_level_bias;
  t->minMipmapLevelClamp = w->min_mipmap_level_clamp;
  t->maxMipmapLevelClamp = w->max_mipmap_level_clamp;
  memcpy(t->borderColor, w->border_color, sizeof t->borderColor);
}

static inline void cf_tex_wire_put_view(struct cf_tex_wire *w, const CUDA_RESOURCE_VIEW_DESC *v)
{
  w->has_view = 1;
  w->view_format = (uint32_t)v->format;
  w->view_width = v->width;
  w->view_height = v->height;
  w->view_depth = v->depth;
  w->first_level = v->firstMipmapLevel;
  w->last_level = v->lastMipmapLevel;
  w->first_layer = v->firstLayer;
  w->last_layer = v->lastLayer;
}

static inline void cf_tex_wire_get_view(const struct cf_tex_wire *w, CUDA_RESOURCE_VIEW_DESC *v)
{
  memset(v, 0, sizeof *v);
  v->format = (CUresourceViewFormat)w->view_format;
  v->width = (size_t)w->view_width;
  v->height = (size_t)w->view_height;
  v->depth = (size_t)w->view_depth;
  v->firstMipmapLevel = w->first_level;
  v->lastMipmapLevel = w->last_level;
  v->firstLayer = w->first_layer;
  v->lastLayer = w->last_layer;
}

#endif
