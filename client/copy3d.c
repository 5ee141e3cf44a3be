/* Strided copies on the stub: the one strided copy every 2D, 3D, 3D peer
 * and 3D batch copy becomes (common/cf_copy.c checks and folds the
 * descriptor first), and the 3D, peer-3D and batch entry points.
 *
 * A copy with a host side travels in pieces of at most the server's bulk
 * limit: as many whole slices as fit, else as many rows of one slice, else
 * part of one row. Each piece is one round trip (wire ops 290-291): the
 * host side is the bulk, packed (pitch == width) through one buffer of at
 * most the bulk limit unless its rows are already contiguous; the device side
 * is its first byte, pitch and height. A device-to-device copy is one
 * round trip whatever its size (op 292). So a 1000-row cuMemcpy2D costs
 * one round trip instead of a thousand. A CUDA array side has no address:
 * it travels as the array and the offset of the piece in it (ops 362-364).
 *
 * Asynchronous forms: the host bytes are sent at the call (the caller may
 * reuse its buffer at once) and a device-to-host piece is back when the
 * call returns, which CUDA's ordering allows. Any thread; the session
 * serialises the calls. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cf_client_rpc.h"
#include "cf_copy.h"
#include "internal.h"

/* A box of the copy: w bytes of h rows of k slices at (x, y, z). */
struct piece {
  size_t x, y, z, w, h, k;
};

/* The piece at the cursor p (x, y, z; w, h, k are filled) no bigger than
 * max bytes, and the cursor moved past it. 0 when the copy is done. */
static int next_piece(const struct cf_copy_shape *c, size_t max, struct piece *p)
{
  size_t slab = c->width * c->height;

  if (p->z >= c->depth)
    return 0;
  if (slab <= max) { /* whole slices */
    p->w = c->width, p->h = c->height;
    p->k = c->depth - p->z < max / slab ? c->depth - p->z : max / slab;
    return 1;
  }
  p->k = 1;
  if (c->width <= max) { /* rows of one slice */
    p->w = c->width;
    p->h = c->height - p->y < max / c->width ? c->height - p->y : max / c->width;
  } else { /* part of one row */
    p->h = 1;
    p->w = c->width - p->x < max ? c->width - p->x : max;
  }
  return 1;
}

static void advance(const struct cf_copy_shape *c, struct piece *p)
{
  p->x += p->w;
  if (p->x < c->width)
    return;
  p->x = 0;
  p->y += p->h;
  if (p->y < c->height && p->k == 1)
    return;
  p->y = 0;
  p->z += p->k;
}

/* Where piece p starts on side s. */
static CUdeviceptr side_at(const struct cf_copy_side *s, const struct piece *p)
{
  return s->at + (p->z * s->height + p->y) * s->pitch + p->x;
}

/* 1 when the piece's bytes on side s are already packed. */
static int contiguous(const struct cf_copy_side *s, const struct piece *p)
{
  return (p->h == 1 || s->pitch == p->w) && (p->k == 1 || s->pitch * s->height == p->w * p->h);
}

/* Copy piece p between host side s (at strided) and packed. */
static void repack(uint8_t *packed, uint8_t *strided, const struct cf_copy_side *s,
                   const struct piece *p, int to_packed)
{
  for (size_t z = 0; z < p->k; z++)
    for (size_t y = 0; y < p->h; y++) {
      uint8_t *row = strided + (z * s->height + y) * s->pitch;
      uint8_t *pk = packed + (z * p->h + y) * p->w;
      memcpy(to_packed ? pk : row, to_packed ? row : pk, p->w);
    }
}

/* One piece between packed host bytes h and device side dev. */
static CUresult host_piece(const struct cf_copy_side *dev, const struct piece *p, int to_dev,
                           uint8_t *h, CUstream s, int async)
{
  size_t n = p->w * p->h * p->k;

  if (dev->array) {
    size_t x = dev->ax + p->x, y = dev->ay + p->y, z = dev->az + p->z;
    return to_dev ? cf__rpc_cfMemcpy3DHtoA(dev->array, x, y, z, dev->ctx, p->w, p->h, p->k, s,
                                           async, h, n)
                  : cf__rpc_cfMemcpy3DAtoH(h, n, dev->array, x, y, z, dev->ctx, p->w, p->h,
                                           p->k, s, async);
  }
  CUdeviceptr d = side_at(dev, p);
  size_t dh = p->k > 1 ? dev->height : p->h;
  return to_dev ? cf__rpc_cfMemcpy3DHtoD(d, dev->pitch, dh, dev->ctx, p->w, p->h, p->k, s,
                                         async, h, n)
                : cf__rpc_cfMemcpy3DDtoH(h, n, d, dev->pitch, dh, dev->ctx, p->w, p->h, p->k,
                                         s, async);
}

/* Host to device or device to host, piece by piece. */
static CUresult host_device(const struct cf_copy_shape *c, CUstream s, int async)
{
  const int to_dev = c->dst.is_dev;
  const struct cf_copy_side *host = to_dev ? &c->src : &c->dst;
  const struct cf_copy_side *dev = to_dev ? &c->dst : &c->src;
  size_t max = cf__session_max_bulk() ? cf__session_max_bulk() : (size_t)1 << 20;
  size_t total = c->width * c->height * c->depth; /* no overflow: cf_copy.h */
  struct piece p = { 0 };
  uint8_t *buf = NULL;
  CUresult r = CUDA_SUCCESS;

  while (r == CUDA_SUCCESS && next_piece(c, max, &p)) {
    uint8_t *h = (uint8_t *)(uintptr_t)side_at(host, &p);
    int direct = contiguous(host, &p);

    if (!direct && !buf && !(buf = calloc(1, total < max ? total : max)))
      return CUDA_ERROR_OUT_OF_MEMORY;
    if (to_dev && !direct)
      repack(buf, h, host, &p, 1);
    r = host_piece(dev, &p, to_dev, direct ? h : buf, s, async);
    if (r == CUDA_SUCCESS && !to_dev && !direct)
      repack(buf, h, host, &p, 0);
    advance(c, &p);
  }
  free(buf);
  return r;
}

CUresult cf__client_copy_strided(const struct cf_copy_shape *c, CUstream s, int async)
{
  if (c->src.is_dev && c->dst.is_dev && (c->src.array || c->dst.array))
    return cf__rpc_cfMemcpy3DArray(c->dst.array, c->dst.at, c->dst.pitch, c->dst.height,
                                   c->dst.ax, c->dst.ay, c->dst.az, c->dst.ctx, c->src.array,
                                   c->src.at, c->src.pitch, c->src.height, c->src.ax,
                                   c->src.ay, c->src.az, c->src.ctx, c->width, c->height,
                                   c->depth, s, async);
  if (c->src.is_dev && c->dst.is_dev)
    return cf__rpc_cfMemcpy3DDtoD(c->dst.at, c->dst.pitch, c->dst.height, c->dst.ctx,
                                  c->src.at, c->src.pitch, c->src.height, c->src.ctx,
                                  c->width, c->height, c->depth, s, async);
  return host_device(c, s, async);
}

CF_EXPORT CUresult CUDAAPI cuMemcpy3D_v2(const CUDA_MEMCPY3D *pCopy)
{
  return cf_copy_3d(&cf__copy_ops, pCopy, NULL, 0);
}

CF_EXPORT CUresult CUDAAPI cuMemcpy3DAsync_v2(const CUDA_MEMCPY3D *pCopy, CUstream hStream)
{
  return cf_copy_3d(&cf__copy_ops, pCopy, hStream, 1);
}

CF_EXPORT CUresult CUDAAPI cuMemcpy3DPeer(const CUDA_MEMCPY3D_PEER *pCopy)
{
  return cf_copy_3d_peer(&cf__copy_ops, pCopy, NULL, 0);
}

CF_EXPORT CUresult CUDAAPI cuMemcpy3DPeerAsync(const CUDA_MEMCPY3D_PEER *pCopy,
                                               CUstream hStream)
{
  return cf_copy_3d_peer(&cf__copy_ops, pCopy, hStream, 1);
}

CF_EXPORT CUresult CUDAAPI cuMemcpyBatchAsync_v2(CUdeviceptr *dsts, CUdeviceptr *srcs,
                                                 size_t *sizes, size_t count,
                                                 CUmemcpyAttributes *attrs, size_t *attrsIdxs,
                                                 size_t numAttrs, CUstream hStream)
{
  return cf_copy_batch(&cf__copy_ops, dsts, srcs, sizes, count, attrs, attrsIdxs, numAttrs,
                       NULL, hStream);
}

CF_EXPORT CUresult CUDAAPI cuMemcpy3DBatchAsync_v2(size_t numOps,
                                                   CUDA_MEMCPY3D_BATCH_OP *opList,
                                                   unsigned long long flags,
                                                   CUstream hStream)
{
  return cf_copy_batch_3d(&cf__copy_ops, numOps, opList, NULL, flags, hStream);
}

/* The CUDA 12.8 forms take a failIdx before the flags or the stream; cuda.h
 * maps their names to the _v2 forms and declares them only for its own
 * use, so they are `export` rows of cuda_api.def, defined after undoing
 * those macros. The _ptsz forms give the NULL stream its per-thread
 * meaning, as the generated ones do. */
#undef cuMemcpyBatchAsync
#undef cuMemcpy3DBatchAsync
#define CF_BATCH_PARAMS_                                                                       \
  (CUdeviceptr *dsts, CUdeviceptr *srcs, size_t *sizes, size_t count,                          \
   CUmemcpyAttributes *attrs, size_t *attrsIdxs, size_t numAttrs, size_t *failIdx,             \
   CUstream hStream)
#define CF_BATCH_3D_PARAMS_                                                                    \
  (size_t numOps, CUDA_MEMCPY3D_BATCH_OP *opList, size_t *failIdx, unsigned long long flags,   \
   CUstream hStream)
CF_EXPORT CUresult CUDAAPI cuMemcpyBatchAsync CF_BATCH_PARAMS_;
CF_EXPORT CUresult CUDAAPI cuMemcpyBatchAsync_ptsz CF_BATCH_PARAMS_;
CF_EXPORT CUresult CUDAAPI cuMemcpy3DBatchAsync CF_BATCH_3D_PARAMS_;
CF_EXPORT CUresult CUDAAPI cuMemcpy3DBatchAsync_ptsz CF_BATCH_3D_PARAMS_;

CF_EXPORT CUresult CUDAAPI cuMemcpyBatchAsync CF_BATCH_PARAMS_
{
  return cf_copy_batch(&cf__copy_ops, dsts, srcs, sizes, count, attrs, attrsIdxs, numAttrs,
                       failIdx, hStream);
}

CF_EXPORT CUresult CUDAAPI cuMemcpyBatchAsync_ptsz CF_BATCH_PARAMS_
{
  return cf_copy_batch(&cf__copy_ops, dsts, srcs, sizes, count, attrs, attrsIdxs, numAttrs,
                       failIdx, hStream ? hStream : CU_STREAM_PER_THREAD);
}

CF_EXPORT CUresult CUDAAPI cuMemcpy3DBatchAsync CF_BATCH_3D_PARAMS_
{
  return cf_copy_batch_3d(&cf__copy_ops, numOps, opList, failIdx, flags, hStream);
}

CF_EXPORT CUresult CUDAAPI cuMemcpy3DBatchAsync_ptsz CF_BATCH_3D_PARAMS_
{
  return cf_copy_batch_3d(&cf__copy_ops, numOps, opList, failIdx, flags,
                          hStream ? hStream : CU_STREAM_PER_THREAD);
}
