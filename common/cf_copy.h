/* Copies whose direction is found from the pointers (cuMemcpy, the
 * UNIFIED sides of cuMemcpy2D/3D) and the strided copies (2D, 3D, 3D peer
 * and the batch forms): descriptor checks and side resolution are done
 * here once, and each driver layer supplies how it tells device memory from
 * host memory, its 1D copies and one strided copy. The client stub and the
 * emulator share this. */
#ifndef CF_COPY_H
#define CF_COPY_H

#include <cuda.h>

/* One resolved side of a strided copy. */
struct cf_copy_side {
  CUdeviceptr at; /* its first byte (a host address when !is_dev) */
  size_t pitch;   /* bytes from one row to the next, >= the copy's width */
  size_t height;  /* rows from one slice to the next, >= the copy's height */
  CUcontext ctx;  /* a device side's context; NULL: the current one */
  int is_dev;     /* device memory (or an array), else host memory */
  /* An array side (is_dev is 1; at, pitch and height are 0): the copy
   * starts at byte ax of row ay of slice (3D) or layer az of array. */
  CUarray array;
  size_t ax, ay, az;
};

/* depth slices of height rows of width bytes, each at least 1. Checked by
 * the functions below before a layer sees it: pitches and heights as
 * documented above (a single row has pitch == width, a single slice
 * height == the copy's height), and every byte of either side,
 * at + ((depth-1)*side.height + height-1)*pitch + width, is addressable
 * without overflow. */
struct cf_copy_shape {
  struct cf_copy_side src, dst;
  size_t width, height, depth;
};

struct cf_copy_ops {
  /* A cheap precondition (initialised, a current context...); its error is
   * returned before anything else. */
  CUresult (*check)(void);
  /* *dev = 1 when p is device memory this driver knows, 0 for host memory. */
  CUresult (*is_device)(CUdeviceptr p, int *dev);
  /* The 1D copies; async selects the stream-ordered form on s. */
  CUresult (*htod)(CUdeviceptr dst, const void *src, size_t n, CUstream s, int async);
  CUresult (*dtoh)(void *dst, CUdeviceptr src, size_t n, CUstream s, int async);
  CUresult (*dtod)(CUdeviceptr dst, CUdeviceptr src, size_t n, CUstream s, int async);
  CUresult (*stream_sync)(CUstream s);
  /* The extent of array a: bytes per row, rows (1 for a 1D array),
   * slices (depth, layers or cube faces; 1 for a 2D array) and bytes per
   * element. An error (CUDA_ERROR_INVALID_HANDLE or _VALUE) when a is not
   * a live array. NULL when the layer has no arrays: array sides then
   * answer CUDA_ERROR_NOT_SUPPORTED. */
  CUresult (*array_extent)(CUarray a, size_t *row_bytes, size_t *rows, size_t *slices,
                           size_t *elem_bytes);
  /* A strided copy with at least one device side (host to host is done
   * here); c is checked as described above. An array side is never folded
   * with its neighbours: its rows are copied as rows. */
  CUresult (*strided)(const struct cf_copy_shape *c, CUstream s, int async);
};

/* cuMemcpy / cuMemcpyAsync semantics: n bytes from src to dst, direction by
 * ownership; a host-to-host async copy waits for the stream first. */
CUresult cf_copy_linear(const struct cf_copy_ops *o, CUdeviceptr dst, CUdeviceptr src,
                        size_t n, CUstream s, int async);

/* cuMemcpy2D(Async), cuMemcpy3D(Async) and cuMemcpy3DPeer(Async): checks
 * the descriptor (NULL, bad memory types, LODs, pitches or heights too
 * small, NULL pointers, NULL arrays, boxes outside their array or whose
 * row offset or width is not whole elements: CUDA_ERROR_INVALID_VALUE;
 * ARRAY sides on a layer without array_extent: CUDA_ERROR_NOT_SUPPORTED;
 * an array that is not live: array_extent's error), succeeds at once
 * for an empty extent, and otherwise makes one strided copy. */
CUresult cf_copy_2d(const struct cf_copy_ops *o, const CUDA_MEMCPY2D *c, CUstream s,
                    int async);
CUresult cf_copy_3d(const struct cf_copy_ops *o, const CUDA_MEMCPY3D *c, CUstream s,
                    int async);
CUresult cf_copy_3d_peer(const struct cf_copy_ops *o, const CUDA_MEMCPY3D_PEER *c,
                         CUstream s, int async);

/* cuMemcpyBatchAsync and cuMemcpy3DBatchAsync, both versions: the whole
 * batch is checked first (CUDA_ERROR_INVALID_VALUE for NULL arrays, a zero
 * count, attribute indices that do not start at 0 and rise below count, an
 * invalid source access order, the legacy NULL stream, zero extents, nonzero
 * flags; array operands as in cf_copy_3d, with widths, row lengths and
 * offsets in elements of the array's size), then each copy is
 * made in order on s; the first copy that fails stops the batch with its
 * error. fail_idx (the CUDA 12.8 forms' failIdx; NULL for the _v2 forms)
 * is set to SIZE_MAX on entry and, on an error that belongs to one copy (a
 * bad 3D operation or extent, or a copy that failed), to that copy's index:
 * errors of the arrays, the attributes, the stream or the flags keep
 * SIZE_MAX, as CUDA documents. */
CUresult cf_copy_batch(const struct cf_copy_ops *o, CUdeviceptr *dsts, CUdeviceptr *srcs,
                       size_t *sizes, size_t count, CUmemcpyAttributes *attrs,
                       size_t *attrsIdxs, size_t numAttrs, size_t *fail_idx, CUstream s);
CUresult cf_copy_batch_3d(const struct cf_copy_ops *o, size_t numOps,
                          CUDA_MEMCPY3D_BATCH_OP *opList, size_t *fail_idx,
                          unsigned long long flags, CUstream s);

#endif
