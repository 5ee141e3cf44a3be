/* The strided copy ops (wire ids 290-292). The client's 2D, 3D and 3D peer
 * copies arrive in pieces whose host side is packed (the request's bulk
 * for host-to-device, the reply's for device-to-host; pitch == width,
 * height == the piece's) and whose device sides are a first byte, a pitch
 * and a height. Everything from the network is checked here before the
 * driver sees it: extents of at least 1, pitches and heights that hold the
 * extent, device spans and packed sizes computed without overflow, and a
 * packed size equal to the bulk's, so the driver touches no host byte
 * outside the bulk. The driver then runs its own cuMemcpy3D(Async)_v2, or
 * cuMemcpy3DPeer(Async) when the piece names a context, and checks the
 * device addresses itself. Worker thread only; the bulks belong to the
 * call (dispatch.h). */
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
 * request) or the packed host buffer. */
struct side {
  const void *host; /* NULL: a device side */
  CUdeviceptr dev;
  size_t pitch, height;
  CUcontext ctx;
};

/* The members CUDA_MEMCPY3D and CUDA_MEMCPY3D_PEER share, from two sides. */
#define FILL_COPY(m, s, d, w, h, k)                                          \
  do {                                                                       \
    (m).srcMemoryType = (s)->host ? CU_MEMORYTYPE_HOST : CU_MEMORYTYPE_DEVICE; \
    (m).srcHost = (s)->host;                                                 \
    (m).srcDevice = (s)->dev;                                                \
    (m).srcPitch = (s)->pitch;                                               \
    (m).srcHeight = (s)->height;                                             \
    (m).dstMemoryType = (d)->host ? CU_MEMORYTYPE_HOST : CU_MEMORYTYPE_DEVICE; \
    (m).dstHost = (void *)(d)->host;                                         \
    (m).dstDevice = (d)->dev;                                                \
    (m).dstPitch = (d)->pitch;                                               \
    (m).dstHeight = (d)->height;                                             \
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
  memset(s, 0, sizeof *s);
  s->dev = (CUdeviceptr)at;
  s->pitch = (size_t)pitch;
  s->height = (size_t)height;
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

CUresult cf__srv_cfMemcpy3DHtoD(struct cf_call *c, const CfMemcpy3DHtoDReq *req,
                                CfMemcpy3DHtoDRep *rep)
{
  const uint64_t e[3] = { req->widthinbytes, req->height, req->depth };
  struct side src, dst;
  CUresult r;

  (void)rep;
  if (!cf__srv_copy_packed_ok(e[0], e[1], e[2], req->srcbytes) ||
      c->bulk_in_len != req->srcbytes)
    return CUDA_ERROR_INVALID_VALUE;
  if ((r = device_side(c, req->dst, req->dstpitch, req->dstheight, req->dstcontext, e,
                       &dst)) != CUDA_SUCCESS)
    return r;
  packed_side(c->bulk_in, e, &src);
  return run(c, &src, &dst, e, req->hstream, req->async);
}

CUresult cf__srv_cfMemcpy3DDtoH(struct cf_call *c, const CfMemcpy3DDtoHReq *req,
                                CfMemcpy3DDtoHRep *rep)
{
  const uint64_t e[3] = { req->widthinbytes, req->height, req->depth };
  struct side src, dst;
  void *out;
  CUresult r;

  (void)rep;
  if (!cf__srv_copy_packed_ok(e[0], e[1], e[2], req->dstbytes))
    return CUDA_ERROR_INVALID_VALUE;
  if ((r = device_side(c, req->src, req->srcpitch, req->srcheight, req->srccontext, e,
                       &src)) != CUDA_SUCCESS)
    return r;
  if (!(out = cf__call_bulk_out(c, req->dstbytes)))
    return req->dstbytes > c->w->lim.max_bulk ? CUDA_ERROR_INVALID_VALUE
                                              : CUDA_ERROR_OUT_OF_MEMORY;
  packed_side(out, e, &dst);
  if ((r = run(c, &src, &dst, e, req->hstream, req->async)) != CUDA_SUCCESS)
    c->bulk_out_len = 0; /* the bulk goes back only with a result */
  return r;
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
