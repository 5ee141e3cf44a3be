/* Copies whose direction is found from the pointers (cuMemcpy, the
 * UNIFIED sides of cuMemcpy2D) and 2D copies, decomposed into the 1D
 * host/device copies every driver layer has. The client stub and the
 * emulator share this; each supplies how it tells device memory from host
 * memory and its own 1D copies. */
#ifndef CF_COPY_H
#define CF_COPY_H

#include <cuda.h>

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
};

/* cuMemcpy / cuMemcpyAsync semantics: n bytes from src to dst, direction by
 * ownership; a host-to-host async copy waits for the stream first. */
CUresult cf_copy_linear(const struct cf_copy_ops *o, CUdeviceptr dst, CUdeviceptr src,
                        size_t n, CUstream s, int async);

/* cuMemcpy2D(Async) semantics: one 1D copy per row, or one copy when both
 * pitches equal the width. ARRAY sides answer CUDA_ERROR_NOT_SUPPORTED. */
CUresult cf_copy_2d(const struct cf_copy_ops *o, const CUDA_MEMCPY2D *c, CUstream s,
                    int async);

#endif
