/* Pitched memory, 2D memsets and copies, pointer attributes and unified
 * cuMemcpy, no kernel: cuMemAllocPitch (pitch rules and its errors),
 * cuMemsetD2D8/16/32 and Async forms over sub-rectangles, cuMemcpy2D
 * host->device, device->device and device->host with offsets, the Async
 * form with UNIFIED pointers into pinned memory, the Unaligned form, the
 * ARRAY and short-pitch errors, cuPointerGetAttribute(s) for device, pinned
 * and plain host pointers, and cuMemcpy/cuMemcpyAsync in every direction,
 * each checked against a host model. */
#include <stdio.h>
#include <string.h>

#include "host.h"

#define W 1000 /* bytes per row */
#define H 7    /* rows */

static unsigned char model[H][W], got[H][W], src[H + 2][W + 64];

int main(int argc, char **argv)
{
  struct cf_host h;
  CUdeviceptr d, d2, tmp;
  size_t pitch = 0, pitch2 = 0;
  (void)argc;
  (void)argv;
  cf_host_open(&h, "memory_ext", NULL);

  /* cuMemAllocPitch: rounded pitch, errors. */
  CF_CHECK(&h, cuMemAllocPitch(&d, &pitch, W, H, 4));
  cf_host_result(&h, pitch >= W && pitch % 256 == 0, "cuMemAllocPitch pitch",
                 "pitch %zu", pitch);
  CF_CHECK(&h, cuMemAllocPitch(&d2, &pitch2, W, H, 16));
  CF_EXPECT(&h, cuMemAllocPitch(&tmp, &pitch2, W, H, 3), CUDA_ERROR_INVALID_VALUE);
  CF_EXPECT(&h, cuMemAllocPitch(&tmp, &pitch2, 0, H, 4), CUDA_ERROR_INVALID_VALUE);
  CF_EXPECT(&h, cuMemAllocPitch(&tmp, &pitch2, W, 0, 4), CUDA_ERROR_INVALID_VALUE);

  CUDA_MEMCPY2D back;
  memset(&back, 0, sizeof back);
  back.srcMemoryType = CU_MEMORYTYPE_DEVICE;
  back.srcDevice = d;
  back.srcPitch = pitch;
  back.dstMemoryType = CU_MEMORYTYPE_HOST;
  back.dstHost = got;
  back.dstPitch = W;
  back.WidthInBytes = W;
  back.Height = H;

  /* 2D memsets: whole area in words, then sub-rectangles. */
  CF_CHECK(&h, cuMemsetD2D32(d, pitch, 0x11223344u, W / 4, H));
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x += 4) {
      uint32_t v = 0x11223344u;
      memcpy(&model[y][x], &v, 4);
    }
  CF_CHECK(&h, cuMemsetD2D8(d + pitch + 3, pitch, 0xab, 101, 4));
  for (int y = 1; y < 5; y++)
    memset(&model[y][3], 0xab, 101);
  CUstream s;
  CF_CHECK(&h, cuStreamCreate(&s, CU_STREAM_DEFAULT));
  CF_CHECK(&h, cuMemsetD2D16Async(d + 2 * pitch + 200, pitch, 0x5a5bu, 50, 3, s));
  CF_CHECK(&h, cuStreamSynchronize(s));
  for (int y = 2; y < 5; y++)
    for (int x = 200; x < 300; x += 2) {
      uint16_t v = 0x5a5bu;
      memcpy(&model[y][x], &v, 2);
    }
  CF_CHECK(&h, cuMemsetD2D8Async(d + 6 * pitch, pitch, 0x01, W, 1, s));
  CF_CHECK(&h, cuMemsetD2D32Async(d + 5 * pitch + 500, pitch, 7u, 10, 2, s));
  CF_CHECK(&h, cuStreamSynchronize(s));
  memset(model[6], 0x01, W);
  for (int y = 5; y < 7; y++)
    for (int x = 500; x < 540; x += 4) {
      uint32_t v = 7u;
      memcpy(&model[y][x], &v, 4);
    }
  CF_CHECK(&h, cuMemcpy2D(&back));
  cf_host_result(&h, memcmp(got, model, sizeof model) == 0, "cuMemsetD2D*",
                 "bytes differ");
  cf_host_digest("memory_ext.memset2d", got, sizeof got);
  CF_EXPECT(&h, cuMemsetD2D32(d, 2, 0, W / 4, H), CUDA_ERROR_INVALID_VALUE);
  CF_EXPECT(&h, cuMemsetD2D16(d + 1, pitch, 0, 4, 2), CUDA_ERROR_INVALID_VALUE);
  CF_EXPECT(&h, cuMemsetD2D8(d, pitch, 0, W, H + 1), CUDA_ERROR_INVALID_VALUE);

  /* cuMemcpy2D host->device from an offset window of a wider buffer. */
  for (int y = 0; y < H + 2; y++)
    for (int x = 0; x < W + 64; x++)
      src[y][x] = (unsigned char)(y * 31 + x * 7);
  CUDA_MEMCPY2D c;
  memset(&c, 0, sizeof c);
  c.srcMemoryType = CU_MEMORYTYPE_HOST;
  c.srcHost = src;
  c.srcPitch = W + 64;
  c.srcXInBytes = 5;
  c.srcY = 2;
  c.dstMemoryType = CU_MEMORYTYPE_DEVICE;
  c.dstDevice = d;
  c.dstPitch = pitch;
  c.WidthInBytes = W;
  c.Height = H;
  CF_CHECK(&h, cuMemcpy2D(&c));
  for (int y = 0; y < H; y++)
    memcpy(model[y], &src[y + 2][5], W);

  /* device->device into the second pitched buffer, then back. */
  memset(&c, 0, sizeof c);
  c.srcMemoryType = CU_MEMORYTYPE_DEVICE;
  c.srcDevice = d;
  c.srcPitch = pitch;
  c.dstMemoryType = CU_MEMORYTYPE_DEVICE;
  c.dstDevice = d2;
  c.dstPitch = pitch2;
  c.WidthInBytes = W;
  c.Height = H;
  CF_CHECK(&h, cuMemcpy2DUnaligned(&c));
  back.srcDevice = d2;
  back.srcPitch = pitch2;
  memset(got, 0, sizeof got);
  CF_CHECK(&h, cuMemcpy2D(&back));
  cf_host_result(&h, memcmp(got, model, sizeof model) == 0,
                 "cuMemcpy2D HtoD + DtoD + DtoH", "bytes differ");
  cf_host_digest("memory_ext.copy2d", got, sizeof got);

  /* Async with UNIFIED pointers: device -> pinned host. */
  unsigned char *pin;
  CF_CHECK(&h, cuMemAllocHost((void **)&pin, (size_t)W * H));
  memset(pin, 0, (size_t)W * H);
  memset(&c, 0, sizeof c);
  c.srcMemoryType = CU_MEMORYTYPE_UNIFIED;
  c.srcDevice = d2;
  c.srcPitch = pitch2;
  c.dstMemoryType = CU_MEMORYTYPE_UNIFIED;
  c.dstDevice = (CUdeviceptr)(uintptr_t)pin;
  c.dstPitch = W;
  c.WidthInBytes = W;
  c.Height = H;
  CF_CHECK(&h, cuMemcpy2DAsync(&c, s));
  CF_CHECK(&h, cuStreamSynchronize(s));
  cf_host_result(&h, memcmp(pin, model, sizeof model) == 0,
                 "cuMemcpy2DAsync UNIFIED", "bytes differ");

  /* Errors: an ARRAY side needs an array, pitches must cover the width. */
  c.srcMemoryType = CU_MEMORYTYPE_ARRAY;
  CF_EXPECT(&h, cuMemcpy2D(&c), CUDA_ERROR_INVALID_VALUE);
  c.srcMemoryType = CU_MEMORYTYPE_DEVICE;
  c.srcPitch = W - 1;
  CF_EXPECT(&h, cuMemcpy2D(&c), CUDA_ERROR_INVALID_VALUE);
  CF_EXPECT(&h, cuMemcpy2D(NULL), CUDA_ERROR_INVALID_VALUE);

  /* Pointer attributes of device memory. */
  CUcontext cur = NULL, pctx = NULL;
  unsigned int mtype = 0;
  CUdeviceptr start = 0, dptr = 0;
  size_t rsize = 0;
  int managed = -1, mapped = -1, ordinal = -1;
  CF_CHECK(&h, cuCtxGetCurrent(&cur));
  CF_CHECK(&h, cuPointerGetAttribute(&mtype, CU_POINTER_ATTRIBUTE_MEMORY_TYPE, d + 100));
  CF_CHECK(&h, cuPointerGetAttribute(&start, CU_POINTER_ATTRIBUTE_RANGE_START_ADDR, d + 100));
  CF_CHECK(&h, cuPointerGetAttribute(&rsize, CU_POINTER_ATTRIBUTE_RANGE_SIZE, d + 100));
  CF_CHECK(&h, cuPointerGetAttribute(&dptr, CU_POINTER_ATTRIBUTE_DEVICE_POINTER, d + 100));
  CF_CHECK(&h, cuPointerGetAttribute(&managed, CU_POINTER_ATTRIBUTE_IS_MANAGED, d));
  CF_CHECK(&h, cuPointerGetAttribute(&mapped, CU_POINTER_ATTRIBUTE_MAPPED, d));
  CF_CHECK(&h, cuPointerGetAttribute(&ordinal, CU_POINTER_ATTRIBUTE_DEVICE_ORDINAL, d));
  CF_CHECK(&h, cuPointerGetAttribute(&pctx, CU_POINTER_ATTRIBUTE_CONTEXT, d));
  cf_host_result(&h,
                 mtype == CU_MEMORYTYPE_DEVICE && start == d && rsize == pitch * H &&
                     dptr == d + 100 && managed == 0 && mapped == 1 && ordinal == 0 &&
                     pctx == cur,
                 "cuPointerGetAttribute device",
                 "type %u start ok %d size %zu managed %d mapped %d ordinal %d ctx ok %d",
                 mtype, start == d, rsize, managed, mapped, ordinal, pctx == cur);

  /* Pinned host memory; plain host memory is not the driver's. */
  CF_CHECK(&h, cuPointerGetAttribute(&mtype, CU_POINTER_ATTRIBUTE_MEMORY_TYPE,
                                     (CUdeviceptr)(uintptr_t)(pin + 10)));
  CF_CHECK(&h, cuPointerGetAttribute(&start, CU_POINTER_ATTRIBUTE_RANGE_START_ADDR,
                                     (CUdeviceptr)(uintptr_t)(pin + 10)));
  cf_host_result(&h, mtype == CU_MEMORYTYPE_HOST && start == (CUdeviceptr)(uintptr_t)pin,
                 "cuPointerGetAttribute pinned", "type %u", mtype);
  CF_EXPECT(&h, cuPointerGetAttribute(&mtype, CU_POINTER_ATTRIBUTE_MEMORY_TYPE,
                                      (CUdeviceptr)(uintptr_t)got),
            CUDA_ERROR_INVALID_VALUE);
  CF_EXPECT(&h, cuPointerGetAttribute(NULL, CU_POINTER_ATTRIBUTE_MEMORY_TYPE, d),
            CUDA_ERROR_INVALID_VALUE);

  CUpointer_attribute attrs[3] = {CU_POINTER_ATTRIBUTE_MEMORY_TYPE,
                                  CU_POINTER_ATTRIBUTE_DEVICE_ORDINAL,
                                  CU_POINTER_ATTRIBUTE_RANGE_SIZE};
  unsigned int t2 = 99;
  int o2 = 99;
  size_t s2 = 99;
  void *vals[3] = {&t2, &o2, &s2};
  CF_CHECK(&h, cuPointerGetAttributes(3, attrs, vals, d2));
  cf_host_result(&h, t2 == CU_MEMORYTYPE_DEVICE && o2 == 0 && s2 == pitch2 * H,
                 "cuPointerGetAttributes device", "type %u ordinal %d size %zu", t2, o2,
                 s2);
  CF_CHECK(&h, cuPointerGetAttributes(3, attrs, vals, (CUdeviceptr)(uintptr_t)got));
  cf_host_result(&h, t2 == 0 && o2 == -2 && s2 == 0, "cuPointerGetAttributes host",
                 "type %u ordinal %d size %zu", t2, o2, s2);

  /* cuMemcpy with unified addressing, every direction. */
  static unsigned char a[4096], b2[4096];
  for (int i = 0; i < 4096; i++)
    a[i] = (unsigned char)(i * 13 + 1);
  CF_CHECK(&h, cuMemcpy(d, (CUdeviceptr)(uintptr_t)a, sizeof a));            /* HtoD */
  CF_CHECK(&h, cuMemcpy(d2 + 8, d, sizeof a));                                 /* DtoD */
  CF_CHECK(&h, cuMemcpyAsync((CUdeviceptr)(uintptr_t)pin, d2 + 8, sizeof a, s)); /* DtoH */
  CF_CHECK(&h, cuStreamSynchronize(s));
  CF_CHECK(&h, cuMemcpy((CUdeviceptr)(uintptr_t)b2, (CUdeviceptr)(uintptr_t)pin,
                        sizeof b2)); /* HtoH */
  cf_host_result(&h, memcmp(a, b2, sizeof a) == 0, "cuMemcpy unified", "bytes differ");
  cf_host_digest("memory_ext.unified", b2, sizeof b2);

  CF_CHECK(&h, cuStreamDestroy(s));
  CF_CHECK(&h, cuMemFreeHost(pin));
  CF_CHECK(&h, cuMemFree(d));
  CF_CHECK(&h, cuMemFree(d2));
  return cf_host_finish(&h);
}
