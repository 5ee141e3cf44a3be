/* Direction-by-ownership copies, and the descriptor checks and side
 * resolution of every strided copy (2D, 3D, 3D peer, batches); see
 * cf_copy.h. A descriptor becomes one struct cf_copy_shape whose
 * dimensions are folded (contiguous rows become one row, rows that run on
 * into the next slice more rows) and is handed to the layer's strided copy
 * whole, so the layer never sees a row at a time. Host-to-host copies are
 * done here. No state: everything goes through the caller's ops. */
#include "cf_copy.h"

#include <stdint.h>
#include <string.h>

/* One 1D copy of n bytes between two sides already resolved. */
static CUresult copy1d(const struct cf_copy_ops *o, int ddev, CUdeviceptr dst, int sdev,
                       CUdeviceptr src, size_t n, CUstream s, int async)
{
  if (n == 0)
    return CUDA_SUCCESS;
  if (ddev && sdev)
    return o->dtod(dst, src, n, s, async);
  if (ddev)
    return o->htod(dst, (const void *)(uintptr_t)src, n, s, async);
  if (sdev)
    return o->dtoh((void *)(uintptr_t)dst, src, n, s, async);
  /* Host to host: the stream's earlier work may still write src; wait. */
  if (async) {
    CUresult r = o->stream_sync(s);
    if (r != CUDA_SUCCESS)
      return r;
  }
  memmove((void *)(uintptr_t)dst, (const void *)(uintptr_t)src, n);
  return CUDA_SUCCESS;
}

CUresult cf_copy_linear(const struct cf_copy_ops *o, CUdeviceptr dst, CUdeviceptr src,
                        size_t n, CUstream s, int async)
{
  int ddev, sdev;
  CUresult r;

  if ((r = o->check()) != CUDA_SUCCESS)
    return r;
  if (n == 0)
    return CUDA_SUCCESS;
  if (!dst || !src)
    return CUDA_ERROR_INVALID_VALUE;
  if ((r = o->is_device(dst, &ddev)) != CUDA_SUCCESS ||
      (r = o->is_device(src, &sdev)) != CUDA_SUCCESS)
    return r;
  return copy1d(o, ddev, dst, sdev, src, n, s, async);
}

/* --- strided copies ------------------------------------------------------ */

/* One side as a descriptor gives it. */
struct desc_side {
  CUmemorytype type;
  const void *host;
  CUdeviceptr dev;
  size_t x, y, z, lod, pitch, height;
  CUcontext ctx;
  CUarray array;
};

/* a*b+c into *out; 0 on overflow. */
static int mul_add(uint64_t a, uint64_t b, uint64_t c, uint64_t *out)
{
  if (b && a > (UINT64_MAX - c) / b)
    return 0;
  *out = a * b + c;
  return 1;
}

/* 1 when [at, at + n) lies inside [0, limit). */
static int inside(size_t at, size_t n, size_t limit)
{
  return at <= limit && n <= limit - at;
}

/* An array side: the array must be live, the box must lie inside it, and
 * the row offset and width must be whole elements. */
static CUresult resolve_array(const struct cf_copy_ops *o, const struct desc_side *d,
                              size_t w, size_t h, size_t k, struct cf_copy_side *out)
{
  size_t row_bytes, rows, slices, elem;
  CUresult r;

  if (!o->array_extent)
    return CUDA_ERROR_NOT_SUPPORTED;
  if (!d->array || d->lod != 0)
    return CUDA_ERROR_INVALID_VALUE;
  if ((r = o->array_extent(d->array, &row_bytes, &rows, &slices, &elem)) != CUDA_SUCCESS)
    return r;
  if (!elem || d->x % elem || w % elem || !inside(d->x, w, row_bytes) ||
      !inside(d->y, h, rows) || !inside(d->z, k, slices))
    return CUDA_ERROR_INVALID_VALUE;
  out->is_dev = 1;
  out->array = d->array;
  out->ax = d->x, out->ay = d->y, out->az = d->z;
  out->ctx = d->ctx;
  return CUDA_SUCCESS;
}

/* Check side d of a w x h x k copy and resolve it into *out: its type, its
 * first byte and, for a nonempty copy, that every byte it spans has an
 * address. */
static CUresult resolve(const struct cf_copy_ops *o, const struct desc_side *d, size_t w,
                        size_t h, size_t k, struct cf_copy_side *out)
{
  uint64_t base, row, first, last;
  CUresult r;

  memset(out, 0, sizeof *out);
  switch (d->type) {
  case CU_MEMORYTYPE_HOST:
    base = (uint64_t)(uintptr_t)d->host;
    break;
  case CU_MEMORYTYPE_DEVICE:
    base = d->dev;
    out->is_dev = 1;
    break;
  case CU_MEMORYTYPE_UNIFIED:
    base = d->dev;
    if (base && (r = o->is_device(base, &out->is_dev)) != CUDA_SUCCESS)
      return r;
    break;
  case CU_MEMORYTYPE_ARRAY:
    return resolve_array(o, d, w, h, k, out);
  default:
    return CUDA_ERROR_INVALID_VALUE;
  }
  if (!base || d->lod != 0)
    return CUDA_ERROR_INVALID_VALUE;
  /* A pitch must hold the row from its offset on once there is more than
   * one row; a slice its rows once there is more than one slice. */
  if ((h > 1 || k > 1) && (d->pitch < w || d->x > d->pitch - w))
    return CUDA_ERROR_INVALID_VALUE;
  if (k > 1 && (d->height < h || d->y > d->height - h))
    return CUDA_ERROR_INVALID_VALUE;
  out->pitch = d->pitch;
  out->height = k > 1 ? d->height : h;
  out->ctx = d->ctx;
  if (w == 0 || h == 0 || k == 0)
    return CUDA_SUCCESS;
  /* first = base + (z*height + y)*pitch + x; last = first + the span. */
  if (!mul_add(d->z, out->height, d->y, &row) || !mul_add(row, d->pitch, d->x, &first) ||
      first > UINT64_MAX - base)
    return CUDA_ERROR_INVALID_VALUE;
  first += base;
  if (!mul_add((uint64_t)(k - 1), out->height, h - 1, &row) ||
      !mul_add(row, d->pitch, w, &last) || last > UINT64_MAX - first)
    return CUDA_ERROR_INVALID_VALUE;
  out->at = (CUdeviceptr)first;
  return CUDA_SUCCESS;
}

/* Fold dimensions without gaps on both sides: slices whose rows run on into
 * the next slice are more rows; rows that follow each other directly are
 * one longer row (and the slices then its rows). Then give single rows and
 * single slices the pitch and height cf_copy.h promises. The spans were
 * checked, so no product here overflows. */
static void fold(struct cf_copy_shape *c)
{
  if (c->src.array || c->dst.array) {
    /* An array's rows are not addresses: nothing folds, and only the
     * other side gets its promised pitch and height. */
    struct cf_copy_side *mem = c->src.array ? &c->dst : &c->src;
    if (!mem->array && c->height == 1)
      mem->pitch = c->width;
    if (!mem->array && c->depth == 1)
      mem->height = c->height;
    return;
  }
  if (c->depth > 1 && c->src.height == c->height && c->dst.height == c->height) {
    c->height *= c->depth;
    c->depth = 1;
  }
  if (c->height == 1 || (c->src.pitch == c->width && c->dst.pitch == c->width)) {
    c->width *= c->height;
    c->height = c->depth;
    c->depth = 1;
    if (c->height > 1) {
      c->src.pitch *= c->src.height;
      c->dst.pitch *= c->dst.height;
      if (c->src.pitch == c->width && c->dst.pitch == c->width) {
        c->width *= c->height;
        c->height = 1;
      }
    }
  }
  if (c->height == 1)
    c->src.pitch = c->dst.pitch = c->width;
  if (c->depth == 1)
    c->src.height = c->dst.height = c->height;
}

/* Host to host, row by row, after the stream's earlier work for async. */
static CUresult host_copy(const struct cf_copy_ops *o, const struct cf_copy_shape *c,
                          CUstream s, int async)
{
  CUresult r;

  if (async && (r = o->stream_sync(s)) != CUDA_SUCCESS)
    return r;
  for (size_t z = 0; z < c->depth; z++)
    for (size_t y = 0; y < c->height; y++)
      memmove((uint8_t *)(uintptr_t)c->dst.at + (z * c->dst.height + y) * c->dst.pitch,
              (const uint8_t *)(uintptr_t)c->src.at + (z * c->src.height + y) * c->src.pitch,
              c->width);
  return CUDA_SUCCESS;
}

static CUresult copy_desc(const struct cf_copy_ops *o, const struct desc_side *src,
                          const struct desc_side *dst, size_t w, size_t h, size_t k,
                          CUstream s, int async)
{
  struct cf_copy_shape c = { .width = w, .height = h, .depth = k };
  CUresult r;

  if ((r = resolve(o, src, w, h, k, &c.src)) != CUDA_SUCCESS ||
      (r = resolve(o, dst, w, h, k, &c.dst)) != CUDA_SUCCESS)
    return r;
  if (w == 0 || h == 0 || k == 0)
    return CUDA_SUCCESS;
  fold(&c);
  if (!c.src.is_dev && !c.dst.is_dev)
    return host_copy(o, &c, s, async);
  return o->strided(&c, s, async);
}

CUresult cf_copy_2d(const struct cf_copy_ops *o, const CUDA_MEMCPY2D *c, CUstream s,
                    int async)
{
  CUresult r;

  if ((r = o->check()) != CUDA_SUCCESS)
    return r;
  if (!c)
    return CUDA_ERROR_INVALID_VALUE;
  struct desc_side src = { c->srcMemoryType, c->srcHost, c->srcDevice, c->srcXInBytes,
                           c->srcY, 0, 0, c->srcPitch, c->Height, NULL, c->srcArray };
  struct desc_side dst = { c->dstMemoryType, c->dstHost, c->dstDevice, c->dstXInBytes,
                           c->dstY, 0, 0, c->dstPitch, c->Height, NULL, c->dstArray };
  return copy_desc(o, &src, &dst, c->WidthInBytes, c->Height, 1, s, async);
}

CUresult cf_copy_3d(const struct cf_copy_ops *o, const CUDA_MEMCPY3D *c, CUstream s,
                    int async)
{
  CUresult r;

  if ((r = o->check()) != CUDA_SUCCESS)
    return r;
  if (!c)
    return CUDA_ERROR_INVALID_VALUE;
  struct desc_side src = { c->srcMemoryType, c->srcHost, c->srcDevice, c->srcXInBytes,
                           c->srcY, c->srcZ, c->srcLOD, c->srcPitch, c->srcHeight, NULL,
                           c->srcArray };
  struct desc_side dst = { c->dstMemoryType, c->dstHost, c->dstDevice, c->dstXInBytes,
                           c->dstY, c->dstZ, c->dstLOD, c->dstPitch, c->dstHeight, NULL,
                           c->dstArray };
  return copy_desc(o, &src, &dst, c->WidthInBytes, c->Height, c->Depth, s, async);
}

CUresult cf_copy_3d_peer(const struct cf_copy_ops *o, const CUDA_MEMCPY3D_PEER *c,
                         CUstream s, int async)
{
  CUresult r;

  if ((r = o->check()) != CUDA_SUCCESS)
    return r;
  if (!c)
    return CUDA_ERROR_INVALID_VALUE;
  struct desc_side src = { c->srcMemoryType, c->srcHost, c->srcDevice, c->srcXInBytes,
                           c->srcY, c->srcZ, c->srcLOD, c->srcPitch, c->srcHeight,
                           c->srcContext, c->srcArray };
  struct desc_side dst = { c->dstMemoryType, c->dstHost, c->dstDevice, c->dstXInBytes,
                           c->dstY, c->dstZ, c->dstLOD, c->dstPitch, c->dstHeight,
                           c->dstContext, c->dstArray };
  return copy_desc(o, &src, &dst, c->WidthInBytes, c->Height, c->Depth, s, async);
}

/* --- batches ------------------------------------------------------------- */

static int order_ok(CUmemcpySrcAccessOrder a)
{
  return a == CU_MEMCPY_SRC_ACCESS_ORDER_STREAM ||
         a == CU_MEMCPY_SRC_ACCESS_ORDER_DURING_API_CALL ||
         a == CU_MEMCPY_SRC_ACCESS_ORDER_ANY;
}

/* A copy whose source order is DURING_API_CALL must be done reading its
 * source when the call returns; waiting for the stream at the end of the
 * batch promises that for every copy in it. */
static CUresult batch_end(const struct cf_copy_ops *o, int during_call, CUstream s)
{
  return during_call ? o->stream_sync(s) : CUDA_SUCCESS;
}

/* Copy i of a batch failed with r: say which, for the 12.8 forms. */
static CUresult batch_fail(size_t *fail_idx, size_t i, CUresult r)
{
  if (fail_idx)
    *fail_idx = i;
  return r;
}

CUresult cf_copy_batch(const struct cf_copy_ops *o, CUdeviceptr *dsts, CUdeviceptr *srcs,
                       size_t *sizes, size_t count, CUmemcpyAttributes *attrs,
                       size_t *attrsIdxs, size_t numAttrs, size_t *fail_idx, CUstream s)
{
  int during_call = 0;
  CUresult r;

  if (fail_idx)
    *fail_idx = SIZE_MAX;
  if ((r = o->check()) != CUDA_SUCCESS)
    return r;
  if (!dsts || !srcs || !sizes || !attrs || !attrsIdxs || count == 0 || numAttrs == 0 ||
      numAttrs > count || !s || s == CU_STREAM_LEGACY)
    return CUDA_ERROR_INVALID_VALUE;
  for (size_t k = 0; k < numAttrs; k++) {
    if (attrsIdxs[k] >= count || (k == 0 ? attrsIdxs[0] != 0 : attrsIdxs[k] <= attrsIdxs[k - 1]) ||
        !order_ok(attrs[k].srcAccessOrder))
      return CUDA_ERROR_INVALID_VALUE;
    during_call |= attrs[k].srcAccessOrder == CU_MEMCPY_SRC_ACCESS_ORDER_DURING_API_CALL;
  }
  for (size_t i = 0; i < count; i++)
    if ((r = cf_copy_linear(o, dsts[i], srcs[i], sizes[i], s, 1)) != CUDA_SUCCESS)
      return batch_fail(fail_idx, i, r);
  return batch_end(o, during_call, s);
}

/* The element size of a batch copy: 1 between pointers, else its
 * array's (both arrays': they must agree). */
static CUresult batch_elem(const struct cf_copy_ops *o, const CUDA_MEMCPY3D_BATCH_OP *op,
                           size_t *elem)
{
  const CUmemcpy3DOperand *ends[2] = { &op->src, &op->dst };
  size_t row_bytes, rows, slices, e;
  CUresult r;

  *elem = 0;
  for (int i = 0; i < 2; i++) {
    if (ends[i]->type != CU_MEMCPY_OPERAND_TYPE_ARRAY)
      continue;
    if (!o->array_extent)
      return CUDA_ERROR_NOT_SUPPORTED;
    if (!ends[i]->op.array.array)
      return CUDA_ERROR_INVALID_VALUE;
    if ((r = o->array_extent(ends[i]->op.array.array, &row_bytes, &rows, &slices, &e)) !=
        CUDA_SUCCESS)
      return r;
    if (*elem && *elem != e)
      return CUDA_ERROR_INVALID_VALUE;
    *elem = e;
  }
  if (!*elem)
    *elem = 1;
  return CUDA_SUCCESS;
}

/* A batch operand as a descriptor side, for a copy of e elements of elem
 * bytes: a pointer is UNIFIED memory whose rows are rowLength elements
 * apart (0: packed) and whose layers layerHeight rows apart (0: packed); an
 * array starts at its offset, counted in elements. */
static CUresult operand(const CUmemcpy3DOperand *op, const CUextent3D *e, size_t elem,
                        struct desc_side *d)
{
  size_t row = op->op.ptr.rowLength ? op->op.ptr.rowLength : e->width;

  memset(d, 0, sizeof *d);
  if (op->type == CU_MEMCPY_OPERAND_TYPE_ARRAY) {
    if (op->op.array.offset.x > SIZE_MAX / elem)
      return CUDA_ERROR_INVALID_VALUE;
    d->type = CU_MEMORYTYPE_ARRAY;
    d->array = op->op.array.array;
    d->x = op->op.array.offset.x * elem;
    d->y = op->op.array.offset.y;
    d->z = op->op.array.offset.z;
    return CUDA_SUCCESS;
  }
  if (op->type != CU_MEMCPY_OPERAND_TYPE_POINTER ||
      (op->op.ptr.rowLength && op->op.ptr.rowLength < e->width) ||
      (op->op.ptr.layerHeight && op->op.ptr.layerHeight < e->height) || row > SIZE_MAX / elem)
    return CUDA_ERROR_INVALID_VALUE;
  d->type = CU_MEMORYTYPE_UNIFIED;
  d->dev = op->op.ptr.ptr;
  d->pitch = row * elem;
  d->height = op->op.ptr.layerHeight ? op->op.ptr.layerHeight : e->height;
  return CUDA_SUCCESS;
}

/* Check batch copy op and describe it as two sides and a width in bytes. */
static CUresult batch_op(const struct cf_copy_ops *o, const CUDA_MEMCPY3D_BATCH_OP *op,
                         struct desc_side *src, struct desc_side *dst, size_t *width)
{
  size_t elem;
  CUresult r;

  if (!op->extent.width || !op->extent.height || !op->extent.depth ||
      !order_ok(op->srcAccessOrder))
    return CUDA_ERROR_INVALID_VALUE;
  if ((r = batch_elem(o, op, &elem)) != CUDA_SUCCESS)
    return r;
  if (op->extent.width > SIZE_MAX / elem)
    return CUDA_ERROR_INVALID_VALUE;
  *width = op->extent.width * elem;
  if ((r = operand(&op->src, &op->extent, elem, src)) != CUDA_SUCCESS)
    return r;
  return operand(&op->dst, &op->extent, elem, dst);
}

CUresult cf_copy_batch_3d(const struct cf_copy_ops *o, size_t numOps,
                          CUDA_MEMCPY3D_BATCH_OP *opList, size_t *fail_idx,
                          unsigned long long flags, CUstream s)
{
  struct desc_side src, dst;
  int during_call = 0;
  size_t width;
  CUresult r;

  if (fail_idx)
    *fail_idx = SIZE_MAX;
  if ((r = o->check()) != CUDA_SUCCESS)
    return r;
  if (!opList || numOps == 0 || flags != 0 || !s || s == CU_STREAM_LEGACY)
    return CUDA_ERROR_INVALID_VALUE;
  for (size_t i = 0; i < numOps; i++) {
    if ((r = batch_op(o, &opList[i], &src, &dst, &width)) != CUDA_SUCCESS)
      return batch_fail(fail_idx, i, r);
    during_call |= opList[i].srcAccessOrder == CU_MEMCPY_SRC_ACCESS_ORDER_DURING_API_CALL;
  }
  for (size_t i = 0; i < numOps; i++) {
    const CUDA_MEMCPY3D_BATCH_OP *op = &opList[i];
    if ((r = batch_op(o, op, &src, &dst, &width)) != CUDA_SUCCESS ||
        (r = copy_desc(o, &src, &dst, width, op->extent.height, op->extent.depth, s, 1)) !=
            CUDA_SUCCESS)
      return batch_fail(fail_idx, i, r);
  }
  return batch_end(o, during_call, s);
}
