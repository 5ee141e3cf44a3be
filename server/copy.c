/* The strided copy ops (wire ids 290-292, and 362-364 with CUDA array
 * sides). The client's 2D, 3D and 3D peer
 * copies arrive in pieces whose host side is packed (the request's bulk
 * for host-to-device, the reply's for device-to-host; pitch == width,
 * height == the piece's) and whose device sides are a first byte, a pitch
 * and a height. Everything from the network is checked here before the
 * driver sees it: extents of at least 1, pitches and heights that hold the
 * extent, device spans and packed sizes computed without overflow, and a
 * packed size equal to the bulk's, so the driver touches no host byte
 * outside the bulk. An array side is a handle and an offset, which the
 * driver checks against the array; a device side must lie inside one
 * allocation of the session (span.c). The driver then runs its own
 * cuMemcpy3D(Async)_v2, or cuMemcpy3DPeer(Async) when the piece names a
 * context. Worker thread only; the bulks belong to the call (dispatch.h). */
#include "internal.h"

#include <string.h>

int cf__srv_copy_side_ok(uint64_t at, uint64_t pitch, uint64_t side_height, uint64_t width,
                         uint64_t height, uint64_t depth)
{
  uint64_t rows;

  if (!width || !height || !depth || pitch < width || side_height < height)
    return 0;
  /* rows = (depth-1)*side_height + height-1; last = rows*pitch + width-1 */
  if (side_height > (UINT64_MAX - (height - 1)) / (depth == 1 ? 1 : depth - 1))
    return 0;
  rows = (depth - 1) * side_height + (height - 1);
  if (rows && pitch > (UINT64_MAX - (width - 1)) / rows)
    return 0;
  return rows * pitch + (width - 1) <= UINT64_MAX - at;
}

int cf__srv_copy_packed_ok(uint64_t width, uint64_t height, uint64_t depth, uint64_t len)
{
  if (!width || !height || !depth || height > UINT64_MAX / width ||
      depth > UINT64_MAX / (width * height))
    return 0;
  return width * height * depth == len;
}

/* One side of a piece: device memory (dev, pitch, height, ctx from the
 * request), an array at an offset, or the packed host buffer. */
struct side {
  const void *host; /* NULL: a device or array side */
  CUarray array;    /* non-NULL: an array side */
  CUdeviceptr dev;
  size_t pitch, height, x, y, z;
  CUcontext ctx;
};

static CUmemorytype side_type(const struct side *s)
{
  return s->host ? CU_MEMORYTYPE_HOST : s->array ? CU_MEMORYTYPE_ARRAY : CU_MEMORYTYPE_DEVICE;
}

/* The members CUDA_MEMCPY3D and CUDA_MEMCPY3D_PEER share, from two sides. */
#define FILL_COPY(m, s, d, w, h, k)                                          \
  do {                                                                       \
    (m).srcMemoryType = side_type(s);                                        \
    (m).srcHost = (s)->host;                                                 \
    (m).srcDevice = (s)->dev;                                                \
    (m).srcArray = (s)->array;                                               \
    (m).srcPitch = (s)->pitch;                                               \
    (m).srcHeight = (s)->height;                                             \
    (m).srcXInBytes = (s)->x;                                                \
    (m).srcY = (s)->y;                                                       \
    (m).srcZ = (s)->z;                                                       \
    (m).dstMemoryType = side_type(d);                                        \
    (m).dstHost = (void *)(d)->host;                                         \
    (m).dstDevice = (d)->dev;                                                \
    (m).dstArray = (d)->array;                                               \
    (m).dstPitch = (d)->pitch;                                               \
    (m).dstHeight = (d)->height;                                             \
    (m).dstXInBytes = (d)->x;                                                \
    (m).dstY = (d)->y;                                                       \
    (m).dstZ = (d)->z;                                                       \
    (m).WidthInBytes = (w);                                                  \
    (m).Height = (h);                                                        \
    (m).Depth = (k);                                                         \
  } while (0)

/* Check a device side from the request, look its context up, fill *s. */
static CUresult device_side(struct cf_call *c, uint64_t at, uint64_t pitch, uint64_t height,
                            uint64_t ctx_id, const uint64_t e[static 3], struct side *s)
{
  void *ctx = NULL;
  CUresult r;

  if (!cf__srv_copy_side_ok(at, pitch, height, e[0], e[1], e[2]))
    return CUDA_ERROR_INVALID_VALUE;
  if ((r = cf__handle_lookup(c, ctx_id, CF_HK_CONTEXT, &ctx)) != CUDA_SUCCESS)
    return r;
  /* rows (depth-1)*height + height of the extent, pitch apart (span.c) */
  if ((r = cf__srv_span_check(c, ctx, at, pitch, e[0], (e[2] - 1) * height + e[1], 1)) !=
      CUDA_SUCCESS)
    return r;
  memset(s, 0, sizeof *s);
  s->dev = (CUdeviceptr)at;
  s->pitch = (size_t)pitch;
  s->height = (size_t)height;
  s->ctx = ctx;
  return CUDA_SUCCESS;
}

/* Check an array side from the request (an offset that stays inside size_t
 * with the extent; the driver checks it against the array), fill *s. */
static CUresult array_side(struct cf_call *c, uint64_t array_id, uint64_t x, uint64_t y,
                           uint64_t z, uint64_t ctx_id, const uint64_t e[static 3],
                           struct side *s)
{
  void *a = NULL, *ctx = NULL;
  CUresult r;

  if (!e[0] || !e[1] || !e[2] || x > SIZE_MAX - e[0] || y > SIZE_MAX - e[1] ||
      z > SIZE_MAX - e[2])
    return CUDA_ERROR_INVALID_VALUE;
  if ((r = cf__handle_lookup(c, array_id, CF_HK_ARRAY, &a)) != CUDA_SUCCESS ||
      (r = cf__handle_lookup(c, ctx_id, CF_HK_CONTEXT, &ctx)) != CUDA_SUCCESS)
    return r;
  memset(s, 0, sizeof *s);
  s->array = (CUarray)a;
  s->x = (size_t)x, s->y = (size_t)y, s->z = (size_t)z;
  s->ctx = ctx;
  return CUDA_SUCCESS;
}

/* The packed host side at p of a piece of extent e (width, height, depth). */
static void packed_side(const void *p, const uint64_t e[static 3], struct side *s)
{
  memset(s, 0, sizeof *s);
  s->host = p;
  s->pitch = (size_t)e[0];
  s->height = (size_t)e[1];
}

/* Run the piece on the driver: the peer form when a side names a context
 * (the host side, which has none, takes the other's). */
static CUresult run(struct cf_call *c, const struct side *src, const struct side *dst,
                    const uint64_t e[static 3], uint64_t stream_id, int32_t async)
{
  const struct cf_driver *d = c->drv;
  void *stream = NULL;
  CUresult r;

  if (async && (r = cf__handle_lookup(c, stream_id, CF_HK_STREAM, &stream)) != CUDA_SUCCESS)
    return r;
  if (src->ctx || dst->ctx) {
    CUDA_MEMCPY3D_PEER p;
    memset(&p, 0, sizeof p);
    FILL_COPY(p, src, dst, (size_t)e[0], (size_t)e[1], (size_t)e[2]);
    p.srcContext = src->ctx ? src->ctx : dst->ctx;
    p.dstContext = dst->ctx ? dst->ctx : src->ctx;
    if (async)
      return d->cuMemcpy3DPeerAsync ? d->cuMemcpy3DPeerAsync(&p, (CUstream)stream)
                                    : CUDA_ERROR_NOT_SUPPORTED;
    return d->cuMemcpy3DPeer ? d->cuMemcpy3DPeer(&p) : CUDA_ERROR_NOT_SUPPORTED;
  }
  CUDA_MEMCPY3D m;
  memset(&m, 0, sizeof m);
  FILL_COPY(m, src, dst, (size_t)e[0], (size_t)e[1], (size_t)e[2]);
  if (async)
    return d->cuMemcpy3DAsync_v2 ? d->cuMemcpy3DAsync_v2(&m, (CUstream)stream)
                                 : CUDA_ERROR_NOT_SUPPORTED;
  return d->cuMemcpy3D_v2 ? d->cuMemcpy3D_v2(&m) : CUDA_ERROR_NOT_SUPPORTED;
}

/* A piece from the request's packed bulk of bytes to the checked side dst. */
static CUresult from_host(struct cf_call *c, const uint64_t e[static 3], uint64_t bytes,
                          const struct side *dst, uint64_t stream_id, int32_t async)
{
  struct side src;

  if (!cf__srv_copy_packed_ok(e[0], e[1], e[2], bytes) || c->bulk_in_len != bytes)
    return CUDA_ERROR_INVALID_VALUE;
  packed_side(c->bulk_in, e, &src);
  return run(c, &src, dst, e, stream_id, async);
}

/* A piece from the checked side src to the reply's packed bulk of bytes. */
static CUresult to_host(struct cf_call *c, const uint64_t e[static 3], uint64_t bytes,
                        const struct side *src, uint64_t stream_id, int32_t async)
{
  struct side dst;
  void *out;
  CUresult r;

  if (!cf__srv_copy_packed_ok(e[0], e[1], e[2], bytes))
    return CUDA_ERROR_INVALID_VALUE;
  if (!(out = cf__call_bulk_out(c, bytes)))
    return bytes > c->w->lim.max_bulk ? CUDA_ERROR_INVALID_VALUE : CUDA_ERROR_OUT_OF_MEMORY;
  packed_side(out, e, &dst);
  if ((r = run(c, src, &dst, e, stream_id, async)) != CUDA_SUCCESS)
    c->bulk_out_len = 0; /* the bulk goes back only with a result */
  return r;
}

CUresult cf__srv_cfMemcpy3DHtoD(struct cf_call *c, const CfMemcpy3DHtoDReq *req,
                                CfMemcpy3DHtoDRep *rep)
{
  const uint64_t e[3] = { req->widthinbytes, req->height, req->depth };
  struct side dst;
  CUresult r;

  (void)rep;
  if ((r = device_side(c, req->dst, req->dstpitch, req->dstheight, req->dstcontext, e,
                       &dst)) != CUDA_SUCCESS)
    return r;
  return from_host(c, e, req->srcbytes, &dst, req->hstream, req->async);
}

CUresult cf__srv_cfMemcpy3DDtoH(struct cf_call *c, const CfMemcpy3DDtoHReq *req,
                                CfMemcpy3DDtoHRep *rep)
{
  const uint64_t e[3] = { req->widthinbytes, req->height, req->depth };
  struct side src;
  CUresult r;

  (void)rep;
  if ((r = device_side(c, req->src, req->srcpitch, req->srcheight, req->srccontext, e,
                       &src)) != CUDA_SUCCESS)
    return r;
  return to_host(c, e, req->dstbytes, &src, req->hstream, req->async);
}

CUresult cf__srv_cfMemcpy3DDtoD(struct cf_call *c, const CfMemcpy3DDtoDReq *req,
                                CfMemcpy3DDtoDRep *rep)
{
  const uint64_t e[3] = { req->widthinbytes, req->height, req->depth };
  struct side src, dst;
  CUresult r;

  (void)rep;
  if ((r = device_side(c, req->src, req->srcpitch, req->srcheight, req->srccontext, e,
                       &src)) != CUDA_SUCCESS ||
      (r = device_side(c, req->dst, req->dstpitch, req->dstheight, req->dstcontext, e,
                       &dst)) != CUDA_SUCCESS)
    return r;
  return run(c, &src, &dst, e, req->hstream, req->async);
}

CUresult cf__srv_cfMemcpy3DHtoA(struct cf_call *c, const CfMemcpy3DHtoAReq *req,
                                CfMemcpy3DHtoARep *rep)
{
  const uint64_t e[3] = { req->widthinbytes, req->height, req->depth };
  struct side dst;
  CUresult r;

  (void)rep;
  if ((r = array_side(c, req->dst, req->dstx, req->dsty, req->dstz, req->dstcontext, e,
                      &dst)) != CUDA_SUCCESS)
    return r;
  return from_host(c, e, req->srcbytes, &dst, req->hstream, req->async);
}

CUresult cf__srv_cfMemcpy3DAtoH(struct cf_call *c, const CfMemcpy3DAtoHReq *req,
                                CfMemcpy3DAtoHRep *rep)
{
  const uint64_t e[3] = { req->widthinbytes, req->height, req->depth };
  struct side src;
  CUresult r;

  (void)rep;
  if ((r = array_side(c, req->src, req->srcx, req->srcy, req->srcz, req->srccontext, e,
                      &src)) != CUDA_SUCCESS)
    return r;
  return to_host(c, e, req->dstbytes, &src, req->hstream, req->async);
}

/* A device-or-array side of op 364: an array (then its offset) or device
 * memory (then offset 0). */
static CUresult either_side(struct cf_call *c, uint64_t array_id, uint64_t at, uint64_t pitch,
                            uint64_t height, uint64_t x, uint64_t y, uint64_t z,
                            uint64_t ctx_id, const uint64_t e[static 3], struct side *s)
{
  if (array_id)
    return array_side(c, array_id, x, y, z, ctx_id, e, s);
  if (x || y || z)
    return CUDA_ERROR_INVALID_VALUE;
  return device_side(c, at, pitch, height, ctx_id, e, s);
}

CUresult cf__srv_cfMemcpy3DArray(struct cf_call *c, const CfMemcpy3DArrayReq *req,
                                 CfMemcpy3DArrayRep *rep)
{
  const uint64_t e[3] = { req->widthinbytes, req->height, req->depth };
  struct side src, dst;
  CUresult r;

  (void)rep;
  if ((r = either_side(c, req->srcarray, req->src, req->srcpitch, req->srcheight, req->srcx,
                       req->srcy, req->srcz, req->srccontext, e, &src)) != CUDA_SUCCESS ||
      (r = either_side(c, req->dstarray, req->dst, req->dstpitch, req->dstheight, req->dstx,
                       req->dsty, req->dstz, req->dstcontext, e, &dst)) != CUDA_SUCCESS)
    return r;
  if (!src.array && !dst.array)
    return CUDA_ERROR_INVALID_VALUE; /* op 292's business */
  return run(c, &src, &dst, e, req->hstream, req->async);
}
