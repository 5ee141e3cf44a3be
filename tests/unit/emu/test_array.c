/* Unit tests for emu/array.c and emu/array_mipmap.c: creating, describing
 * and destroying 1D, 2D, 3D, layered, cube map, surface and gather arrays
 * and every descriptor error; mipmapped arrays and their levels; freeing
 * with the context. With the argument "copies": cuMemcpy2D/3D between host,
 * device and array memory, offsets, layers, range checks (these need
 * common/cf_copy.c's array sides). Run with CUFERRY_EMU_MEMORY=256M. */
#include <stdlib.h>
#include <string.h>

#include "emu_test.h"

static CUDA_ARRAY3D_DESCRIPTOR desc3(size_t w, size_t h, size_t d,
                                     CUarray_format f, unsigned ch,
                                     unsigned flags)
{
  return (CUDA_ARRAY3D_DESCRIPTOR){ .Width = w, .Height = h, .Depth = d,
                                    .Format = f, .NumChannels = ch,
                                    .Flags = flags };
}

/* Create a 3D-described array, expecting want. */
static CUarray make(size_t w, size_t h, size_t d, CUarray_format f,
                    unsigned ch, unsigned flags, CUresult want)
{
  CUDA_ARRAY3D_DESCRIPTOR x = desc3(w, h, d, f, ch, flags);
  CUarray a = (CUarray)(uintptr_t)1;
  CU_EXPECT(cuArray3DCreate(&a, &x), want);
  if (want != CUDA_SUCCESS)
    ASSERT_NULL(a);
  else
    ASSERT_NOT_NULL(a);
  return a;
}

static void check_desc3(CUarray a, size_t w, size_t h, size_t d,
                        CUarray_format f, unsigned ch, unsigned flags)
{
  CUDA_ARRAY3D_DESCRIPTOR x;
  memset(&x, 0xab, sizeof x);
  CU_OK(cuArray3DGetDescriptor(&x, a));
  ASSERT_UEQ(x.Width, w);
  ASSERT_UEQ(x.Height, h);
  ASSERT_UEQ(x.Depth, d);
  ASSERT_EQ(x.Format, f);
  ASSERT_UEQ(x.NumChannels, ch);
  ASSERT_UEQ(x.Flags, flags);
}

static void test_create_kinds(void)
{
  CUDA_ARRAY_DESCRIPTOR d2 = { .Width = 100, .Height = 20,
                               .Format = CU_AD_FORMAT_FLOAT,
                               .NumChannels = 4 }, got;
  size_t fr0, fr1, total;
  CUarray a;

  CU_OK(cuMemGetInfo(&fr0, &total));
  CU_OK(cuArrayCreate(&a, &d2));
  CU_OK(cuMemGetInfo(&fr1, &total));
  ASSERT_GE(fr0 - fr1, 100 * 20 * 16);   /* stored in device memory */
  memset(&got, 0, sizeof got);
  CU_OK(cuArrayGetDescriptor(&got, a));
  ASSERT_UEQ(got.Width, 100);
  ASSERT_UEQ(got.Height, 20);
  ASSERT_EQ(got.Format, CU_AD_FORMAT_FLOAT);
  ASSERT_UEQ(got.NumChannels, 4);
  check_desc3(a, 100, 20, 0, CU_AD_FORMAT_FLOAT, 4, 0);
  CU_OK(cuArrayDestroy(a));
  CU_OK(cuMemGetInfo(&fr1, &total));
  ASSERT_UEQ(fr1, fr0);
  CU_EXPECT(cuArrayDestroy(a), CUDA_ERROR_INVALID_HANDLE);  /* twice */
  CU_EXPECT(cuArrayGetDescriptor(&got, a), CUDA_ERROR_INVALID_HANDLE);

  d2.Height = 0;  /* 1D */
  CU_OK(cuArrayCreate(&a, &d2));
  check_desc3(a, 100, 0, 0, CU_AD_FORMAT_FLOAT, 4, 0);
  CU_OK(cuArrayDestroy(a));

  static const struct {
    size_t w, h, d;
    unsigned flags;
  } ok[] = {
    { 7, 0, 0, 0 },                                          /* 1D */
    { 7, 5, 0, CUDA_ARRAY3D_SURFACE_LDST },                  /* 2D */
    { 7, 5, 3, 0 },                                          /* 3D */
    { 7, 0, 3, CUDA_ARRAY3D_LAYERED },                       /* 1D layered */
    { 7, 5, 3, CUDA_ARRAY3D_LAYERED | CUDA_ARRAY3D_SURFACE_LDST },
    { 8, 8, 6, CUDA_ARRAY3D_CUBEMAP },
    { 8, 8, 12, CUDA_ARRAY3D_CUBEMAP | CUDA_ARRAY3D_LAYERED },
    { 64, 64, 0, CUDA_ARRAY3D_TEXTURE_GATHER },
    { 131072, 1, 0, 0 },                                     /* 2D limit */
    { 2, 2, 20000, 0 },                       /* 3D: the alternate limits */
  };
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
    a = make(ok[i].w, ok[i].h, ok[i].d, CU_AD_FORMAT_UNSIGNED_INT8, 1,
             ok[i].flags, CUDA_SUCCESS);
    check_desc3(a, ok[i].w, ok[i].h, ok[i].d, CU_AD_FORMAT_UNSIGNED_INT8, 1,
                ok[i].flags);
    /* Only 1D and 2D arrays fit the 2D descriptor. */
    CU_EXPECT(cuArrayGetDescriptor(&got, a),
              ok[i].d ? CUDA_ERROR_INVALID_VALUE : CUDA_SUCCESS);
    CU_OK(cuArrayDestroy(a));
  }

  /* Every stored format and channel count. */
  static const CUarray_format fmts[] = {
    CU_AD_FORMAT_UNSIGNED_INT8, CU_AD_FORMAT_UNSIGNED_INT16,
    CU_AD_FORMAT_UNSIGNED_INT32, CU_AD_FORMAT_SIGNED_INT8,
    CU_AD_FORMAT_SIGNED_INT16, CU_AD_FORMAT_SIGNED_INT32, CU_AD_FORMAT_HALF,
    CU_AD_FORMAT_FLOAT,
  };
  for (size_t i = 0; i < sizeof fmts / sizeof fmts[0]; i++)
    for (unsigned ch = 1; ch <= 4; ch *= 2)
      CU_OK(cuArrayDestroy(make(3, 2, 0, fmts[i], ch, 0, CUDA_SUCCESS)));
}

static void test_create_errors(void)
{
  const CUarray_format u8 = CU_AD_FORMAT_UNSIGNED_INT8;
  CUDA_ARRAY3D_DESCRIPTOR x = desc3(4, 4, 0, u8, 1, 0);
  CUDA_ARRAY_DESCRIPTOR d2 = { .Width = 4, .Height = 4, .Format = u8,
                               .NumChannels = 1 };
  CUarray a;

  CU_EXPECT(cuArray3DCreate(NULL, &x), CUDA_ERROR_INVALID_VALUE);
  CU_EXPECT(cuArray3DCreate(&a, NULL), CUDA_ERROR_INVALID_VALUE);
  CU_EXPECT(cuArrayCreate(NULL, &d2), CUDA_ERROR_INVALID_VALUE);
  CU_EXPECT(cuArrayCreate(&a, NULL), CUDA_ERROR_INVALID_VALUE);
  d2.NumChannels = 3;
  CU_EXPECT(cuArrayCreate(&a, &d2), CUDA_ERROR_INVALID_VALUE);

  make(4, 4, 0, (CUarray_format)0x77, 1, 0, CUDA_ERROR_INVALID_VALUE);
  make(4, 4, 0, (CUarray_format)0, 1, 0, CUDA_ERROR_INVALID_VALUE);
  make(4, 4, 0, CU_AD_FORMAT_NV12, 1, 0, CUDA_ERROR_NOT_SUPPORTED);
  make(4, 4, 0, CU_AD_FORMAT_BC1_UNORM, 4, 0, CUDA_ERROR_NOT_SUPPORTED);
  make(4, 4, 0, CU_AD_FORMAT_UNORM_INT8X4, 4, 0, CUDA_ERROR_NOT_SUPPORTED);
  make(4, 4, 0, u8, 0, 0, CUDA_ERROR_INVALID_VALUE);
  make(4, 4, 0, u8, 3, 0, CUDA_ERROR_INVALID_VALUE);
  make(4, 4, 0, u8, 8, 0, CUDA_ERROR_INVALID_VALUE);
  make(0, 4, 0, u8, 1, 0, CUDA_ERROR_INVALID_VALUE);        /* no width */
  make(0, 0, 0, u8, 1, 0, CUDA_ERROR_INVALID_VALUE);
  make(4, 0, 3, u8, 1, 0, CUDA_ERROR_INVALID_VALUE);        /* depth, no height */
  make(4, 4, 0, u8, 1, CUDA_ARRAY3D_LAYERED, CUDA_ERROR_INVALID_VALUE);
  make(8, 4, 6, u8, 1, CUDA_ARRAY3D_CUBEMAP, CUDA_ERROR_INVALID_VALUE);
  make(8, 8, 5, u8, 1, CUDA_ARRAY3D_CUBEMAP, CUDA_ERROR_INVALID_VALUE);
  make(8, 8, 12, u8, 1, CUDA_ARRAY3D_CUBEMAP, CUDA_ERROR_INVALID_VALUE);
  make(8, 8, 0, u8, 1, CUDA_ARRAY3D_CUBEMAP, CUDA_ERROR_INVALID_VALUE);
  make(8, 8, 9, u8, 1, CUDA_ARRAY3D_CUBEMAP | CUDA_ARRAY3D_LAYERED,
       CUDA_ERROR_INVALID_VALUE);
  make(8, 8, 2, u8, 1, CUDA_ARRAY3D_TEXTURE_GATHER, CUDA_ERROR_INVALID_VALUE);
  make(8, 0, 0, u8, 1, CUDA_ARRAY3D_TEXTURE_GATHER, CUDA_ERROR_INVALID_VALUE);
  make(8, 8, 2, u8, 1, CUDA_ARRAY3D_LAYERED | CUDA_ARRAY3D_TEXTURE_GATHER,
       CUDA_ERROR_INVALID_VALUE);
  make(4, 4, 0, u8, 1, 0x1000, CUDA_ERROR_INVALID_VALUE);   /* unknown flag */
  make(4, 4, 0, u8, 1, CUDA_ARRAY3D_SPARSE, CUDA_ERROR_NOT_SUPPORTED);
  make(4, 4, 0, u8, 1, CUDA_ARRAY3D_DEFERRED_MAPPING, CUDA_ERROR_NOT_SUPPORTED);
  make(4, 4, 0, u8, 1, CUDA_ARRAY3D_DEPTH_TEXTURE, CUDA_ERROR_NOT_SUPPORTED);

  /* Limits, as the device reports them. */
  int v;
  CU_OK(cuDeviceGetAttribute(&v, CU_DEVICE_ATTRIBUTE_MAXIMUM_TEXTURE1D_WIDTH, 0));
  make((size_t)v + 1, 0, 0, u8, 1, 0, CUDA_ERROR_INVALID_VALUE);
  CU_OK(cuDeviceGetAttribute(&v, CU_DEVICE_ATTRIBUTE_MAXIMUM_SURFACE1D_WIDTH, 0));
  make((size_t)v + 1, 0, 0, u8, 1, CUDA_ARRAY3D_SURFACE_LDST,
       CUDA_ERROR_INVALID_VALUE);
  CU_OK(cuArrayDestroy(make((size_t)v, 0, 0, u8, 1, CUDA_ARRAY3D_SURFACE_LDST,
                            CUDA_SUCCESS)));
  CU_OK(cuDeviceGetAttribute(&v, CU_DEVICE_ATTRIBUTE_MAXIMUM_TEXTURE2D_HEIGHT, 0));
  make(1, (size_t)v + 1, 0, u8, 1, 0, CUDA_ERROR_INVALID_VALUE);
  CU_OK(cuDeviceGetAttribute(&v, CU_DEVICE_ATTRIBUTE_MAXIMUM_TEXTURE2D_GATHER_WIDTH, 0));
  make((size_t)v + 1, 1, 0, u8, 1, CUDA_ARRAY3D_TEXTURE_GATHER,
       CUDA_ERROR_INVALID_VALUE);
  CU_OK(cuDeviceGetAttribute(&v, CU_DEVICE_ATTRIBUTE_MAXIMUM_TEXTURE3D_DEPTH_ALTERNATE, 0));
  make(1, 1, (size_t)v + 1, u8, 1, 0, CUDA_ERROR_INVALID_VALUE);
  CU_OK(cuDeviceGetAttribute(&v, CU_DEVICE_ATTRIBUTE_MAXIMUM_TEXTURE2D_LAYERED_LAYERS, 0));
  make(1, 1, (size_t)v + 1, u8, 1, CUDA_ARRAY3D_LAYERED, CUDA_ERROR_INVALID_VALUE);
  CU_OK(cuDeviceGetAttribute(&v, CU_DEVICE_ATTRIBUTE_MAXIMUM_TEXTURECUBEMAP_LAYERED_LAYERS, 0));
  ASSERT_EQ(v % 6, 0);
  make(1, 1, (size_t)v + 6, u8, 1, CUDA_ARRAY3D_CUBEMAP | CUDA_ARRAY3D_LAYERED,
       CUDA_ERROR_INVALID_VALUE);
  CU_OK(cuDeviceGetAttribute(&v, CU_DEVICE_ATTRIBUTE_CAN_TEX2D_GATHER, 0));
  ASSERT_EQ(v, 1);
  /* Within the limits but beyond the device memory. */
  make(16384, 16384, 16, CU_AD_FORMAT_FLOAT, 4, 0, CUDA_ERROR_OUT_OF_MEMORY);

  /* Queries for features no array has. */
  CUDA_ARRAY_SPARSE_PROPERTIES sp;
  CUDA_ARRAY_MEMORY_REQUIREMENTS mr;
  CUarray p = (CUarray)(uintptr_t)1;
  a = make(4, 4, 0, u8, 1, 0, CUDA_SUCCESS);
  CU_EXPECT(cuArrayGetSparseProperties(&sp, a), CUDA_ERROR_INVALID_VALUE);
  CU_EXPECT(cuArrayGetMemoryRequirements(&mr, a, 0), CUDA_ERROR_INVALID_VALUE);
  CU_EXPECT(cuArrayGetMemoryRequirements(&mr, a, 1), CUDA_ERROR_INVALID_DEVICE);
  CU_EXPECT(cuArrayGetPlane(&p, a, 0), CUDA_ERROR_INVALID_VALUE);
  ASSERT_NULL(p);
  CU_EXPECT(cuArrayGetPlane(&p, (CUarray)&sp, 0), CUDA_ERROR_INVALID_HANDLE);
  CU_EXPECT(cuArray3DGetDescriptor(NULL, a), CUDA_ERROR_INVALID_VALUE);
  CU_EXPECT(cuArray3DGetDescriptor(&x, (CUarray)&sp), CUDA_ERROR_INVALID_HANDLE);
  CU_EXPECT(cuArrayDestroy(NULL), CUDA_ERROR_INVALID_HANDLE);
  CU_OK(cuArrayDestroy(a));
}

static void test_wrong_context(void)
{
  CUcontext a, b;
  CUarray arr;
  CUDA_ARRAY3D_DESCRIPTOR x;

  CU_OK(cuCtxGetCurrent(&a));
  arr = make(4, 4, 0, CU_AD_FORMAT_FLOAT, 1, 0, CUDA_SUCCESS);
  CU_OK(cuCtxCreate(&b, NULL, 0, 0));
  CU_EXPECT(cuArray3DGetDescriptor(&x, arr), CUDA_ERROR_INVALID_HANDLE);
  CU_EXPECT(cuArrayDestroy(arr), CUDA_ERROR_INVALID_HANDLE);
  CU_OK(cuCtxDestroy(b));
  CU_OK(cuCtxSetCurrent(a));
  CU_OK(cuArrayDestroy(arr));
}

static void test_mipmapped(void)
{
  CUDA_ARRAY3D_DESCRIPTOR x = desc3(64, 32, 0, CU_AD_FORMAT_FLOAT, 2,
                                    CUDA_ARRAY3D_SURFACE_LDST);
  CUmipmappedArray m, m2;
  CUarray lv[8], l;
  size_t fr0, fr1, total;

  CU_OK(cuMemGetInfo(&fr0, &total));
  CU_EXPECT(cuMipmappedArrayCreate(NULL, &x, 3), CUDA_ERROR_INVALID_VALUE);
  CU_EXPECT(cuMipmappedArrayCreate(&m, NULL, 3), CUDA_ERROR_INVALID_VALUE);
  /* 20 levels asked: 1 + log2(64) = 7 made. */
  CU_OK(cuMipmappedArrayCreate(&m, &x, 20));
  for (unsigned i = 0; i < 7; i++) {
    CU_OK(cuMipmappedArrayGetLevel(&lv[i], m, i));
    check_desc3(lv[i], 64 >> i, (32 >> i) ? 32 >> i : 1, 0,
                CU_AD_FORMAT_FLOAT, 2, CUDA_ARRAY3D_SURFACE_LDST);
  }
  CU_OK(cuMipmappedArrayGetLevel(&l, m, 3));
  ASSERT(l == lv[3]);                         /* the same level each time */
  CU_EXPECT(cuMipmappedArrayGetLevel(&l, m, 7), CUDA_ERROR_INVALID_VALUE);
  ASSERT_NULL(l);
  CU_EXPECT(cuMipmappedArrayGetLevel(NULL, m, 0), CUDA_ERROR_INVALID_VALUE);
  CU_EXPECT(cuArrayDestroy(lv[2]), CUDA_ERROR_INVALID_HANDLE);  /* a level */
  CU_OK(cuMemGetInfo(&fr1, &total));
  ASSERT_GE(fr0 - fr1, (64 * 32 + 32 * 16 + 16 * 8) * 8);

  /* 3D: every extent halves; layered: the layers stay. */
  x = desc3(16, 8, 4, CU_AD_FORMAT_UNSIGNED_INT8, 1, 0);
  CU_OK(cuMipmappedArrayCreate(&m2, &x, 5));
  CU_OK(cuMipmappedArrayGetLevel(&l, m2, 2));
  check_desc3(l, 4, 2, 1, CU_AD_FORMAT_UNSIGNED_INT8, 1, 0);
  CU_OK(cuMipmappedArrayGetLevel(&l, m2, 4));
  check_desc3(l, 1, 1, 1, CU_AD_FORMAT_UNSIGNED_INT8, 1, 0);
  CU_EXPECT(cuMipmappedArrayGetLevel(&l, m2, 5), CUDA_ERROR_INVALID_VALUE);
  CU_OK(cuMipmappedArrayDestroy(m2));
  CU_EXPECT(cuMipmappedArrayDestroy(m2), CUDA_ERROR_INVALID_HANDLE);

  x = desc3(8, 8, 3, CU_AD_FORMAT_HALF, 4, CUDA_ARRAY3D_LAYERED);
  CU_OK(cuMipmappedArrayCreate(&m2, &x, 4));
  CU_OK(cuMipmappedArrayGetLevel(&l, m2, 3));
  check_desc3(l, 1, 1, 3, CU_AD_FORMAT_HALF, 4, CUDA_ARRAY3D_LAYERED);
  CU_EXPECT(cuMipmappedArrayGetLevel(&l, m2, 4), CUDA_ERROR_INVALID_VALUE);
  CU_OK(cuMipmappedArrayDestroy(m2));

  x = desc3(16, 16, 6, CU_AD_FORMAT_FLOAT, 1, CUDA_ARRAY3D_CUBEMAP);
  CU_OK(cuMipmappedArrayCreate(&m2, &x, 0));  /* 0 levels: clamped to 1 */
  CU_OK(cuMipmappedArrayGetLevel(&l, m2, 0));
  check_desc3(l, 16, 16, 6, CU_AD_FORMAT_FLOAT, 1, CUDA_ARRAY3D_CUBEMAP);
  CU_EXPECT(cuMipmappedArrayGetLevel(&l, m2, 1), CUDA_ERROR_INVALID_VALUE);
  CU_OK(cuMipmappedArrayDestroy(m2));

  /* Descriptor errors as for arrays; the mipmapped limits apply. */
  x = desc3(4, 4, 0, CU_AD_FORMAT_NV12, 1, 0);
  CU_EXPECT(cuMipmappedArrayCreate(&m2, &x, 1), CUDA_ERROR_NOT_SUPPORTED);
  x = desc3(4, 4, 0, CU_AD_FORMAT_FLOAT, 3, 0);
  CU_EXPECT(cuMipmappedArrayCreate(&m2, &x, 1), CUDA_ERROR_INVALID_VALUE);
  int v;
  CU_OK(cuDeviceGetAttribute(&v, CU_DEVICE_ATTRIBUTE_MAXIMUM_TEXTURE2D_MIPMAPPED_WIDTH, 0));
  x = desc3((size_t)v + 1, 1, 0, CU_AD_FORMAT_UNSIGNED_INT8, 1, 0);
  CU_EXPECT(cuMipmappedArrayCreate(&m2, &x, 1), CUDA_ERROR_INVALID_VALUE);
  x = desc3(4, 4, 0, CU_AD_FORMAT_FLOAT, 1, CUDA_ARRAY3D_SPARSE);
  CU_EXPECT(cuMipmappedArrayCreate(&m2, &x, 1), CUDA_ERROR_NOT_SUPPORTED);

  CUDA_ARRAY_SPARSE_PROPERTIES sp;
  CUDA_ARRAY_MEMORY_REQUIREMENTS mr;
  CU_EXPECT(cuMipmappedArrayGetSparseProperties(&sp, m), CUDA_ERROR_INVALID_VALUE);
  CU_EXPECT(cuMipmappedArrayGetMemoryRequirements(&mr, m, 0),
            CUDA_ERROR_INVALID_VALUE);
  CU_EXPECT(cuArrayGetSparseProperties(&sp, lv[1]), CUDA_ERROR_INVALID_VALUE);

  /* Levels die with their mipmapped array. */
  CU_OK(cuMipmappedArrayDestroy(m));
  CU_EXPECT(cuArray3DGetDescriptor(&x, lv[0]), CUDA_ERROR_INVALID_HANDLE);
  CU_EXPECT(cuMipmappedArrayGetLevel(&l, m, 0), CUDA_ERROR_INVALID_HANDLE);
  CU_OK(cuMemGetInfo(&fr1, &total));
  ASSERT_UEQ(fr1, fr0);
}

/* A context's arrays, mipmapped arrays and objects go with it. */
static void test_context_teardown(void)
{
  CUcontext a, b;
  CUmipmappedArray m;
  CUtexObject t;
  CUsurfObject s;
  CUarray arr;
  size_t fr0, fr1, total;
  CUDA_ARRAY3D_DESCRIPTOR x = desc3(256, 256, 0, CU_AD_FORMAT_FLOAT, 4,
                                    CUDA_ARRAY3D_SURFACE_LDST);

  CU_OK(cuCtxGetCurrent(&a));
  CU_OK(cuMemGetInfo(&fr0, &total));
  CU_OK(cuCtxCreate(&b, NULL, 0, 0));
  CU_OK(cuArray3DCreate(&arr, &x));
  CU_OK(cuMipmappedArrayCreate(&m, &x, 4));
  CUDA_RESOURCE_DESC rd = { .resType = CU_RESOURCE_TYPE_ARRAY };
  CUDA_TEXTURE_DESC td = { .flags = CU_TRSF_NORMALIZED_COORDINATES };
  rd.res.array.hArray = arr;
  CU_OK(cuTexObjectCreate(&t, &rd, &td, NULL));
  CU_OK(cuSurfObjectCreate(&s, &rd));
  rd.resType = CU_RESOURCE_TYPE_MIPMAPPED_ARRAY;
  rd.res.mipmap.hMipmappedArray = m;
  CU_OK(cuTexObjectCreate(&t, &rd, &td, NULL));
  CU_OK(cuMemGetInfo(&fr1, &total));
  ASSERT_LT(fr1, fr0);
  CU_OK(cuCtxDestroy(b));
  CU_OK(cuCtxSetCurrent(a));
  CU_OK(cuMemGetInfo(&fr1, &total));
  ASSERT_UEQ(fr1, fr0);
  CU_EXPECT(cuArrayDestroy(arr), CUDA_ERROR_INVALID_HANDLE);
  CU_EXPECT(cuMipmappedArrayDestroy(m), CUDA_ERROR_INVALID_HANDLE);
  CU_EXPECT(cuTexObjectDestroy(t), CUDA_ERROR_INVALID_VALUE);
  CU_EXPECT(cuSurfObjectDestroy(s), CUDA_ERROR_INVALID_VALUE);
}

/* ---- Copies ------------------------------------------------------------- */

#define W 16  /* elements of the 2D test array: uint32, 1 channel */
#define H 8

static CUDA_MEMCPY2D to_array(CUarray a, size_t x, size_t y, const void *src,
                              size_t pitch, size_t w, size_t h)
{
  return (CUDA_MEMCPY2D){
    .srcMemoryType = CU_MEMORYTYPE_HOST, .srcHost = src, .srcPitch = pitch,
    .dstMemoryType = CU_MEMORYTYPE_ARRAY, .dstArray = a,
    .dstXInBytes = x, .dstY = y, .WidthInBytes = w, .Height = h,
  };
}

static CUDA_MEMCPY2D from_array(CUarray a, void *dst, size_t pitch)
{
  return (CUDA_MEMCPY2D){
    .srcMemoryType = CU_MEMORYTYPE_ARRAY, .srcArray = a,
    .dstMemoryType = CU_MEMORYTYPE_HOST, .dstHost = dst, .dstPitch = pitch,
    .WidthInBytes = pitch, .Height = H,
  };
}

static void test_copy_2d(void)
{
  uint32_t img[H][W], out[H][W], patch[3][5];
  CUarray a, b;
  CUdeviceptr d;
  size_t dpitch;
  CUDA_MEMCPY2D c;

  for (unsigned y = 0; y < H; y++)
    for (unsigned x = 0; x < W; x++)
      img[y][x] = y * 100 + x;
  a = make(W, H, 0, CU_AD_FORMAT_UNSIGNED_INT32, 1, 0, CUDA_SUCCESS);
  b = make(W, H, 0, CU_AD_FORMAT_UNSIGNED_INT32, 1, 0, CUDA_SUCCESS);

  /* Host to array and back, whole. */
  c = to_array(a, 0, 0, img, sizeof img[0], sizeof img[0], H);
  CU_OK(cuMemcpy2D(&c));
  memset(out, 0, sizeof out);
  c = from_array(a, out, sizeof out[0]);
  CU_OK(cuMemcpy2D(&c));
  ASSERT_MEM_EQ(out, img, sizeof img);

  /* A 5x3 patch at (2, 1). */
  for (unsigned y = 0; y < 3; y++)
    for (unsigned x = 0; x < 5; x++)
      patch[y][x] = 9000 + y * 10 + x;
  c = to_array(a, 2 * 4, 1, patch, sizeof patch[0], sizeof patch[0], 3);
  CU_OK(cuMemcpy2D(&c));
  for (unsigned y = 0; y < 3; y++)
    memcpy(&img[1 + y][2], patch[y], sizeof patch[0]);
  c = from_array(a, out, sizeof out[0]);
  CU_OK(cuMemcpy2D(&c));
  ASSERT_MEM_EQ(out, img, sizeof img);

  /* Array to device (pitched) and device to array. */
  CU_OK(cuMemAllocPitch(&d, &dpitch, sizeof img[0], H, 4));
  c = (CUDA_MEMCPY2D){
    .srcMemoryType = CU_MEMORYTYPE_ARRAY, .srcArray = a,
    .dstMemoryType = CU_MEMORYTYPE_DEVICE, .dstDevice = d, .dstPitch = dpitch,
    .WidthInBytes = sizeof img[0], .Height = H,
  };
  CU_OK(cuMemcpy2D(&c));
  c = (CUDA_MEMCPY2D){
    .srcMemoryType = CU_MEMORYTYPE_DEVICE, .srcDevice = d, .srcPitch = dpitch,
    .dstMemoryType = CU_MEMORYTYPE_ARRAY, .dstArray = b,
    .WidthInBytes = sizeof img[0], .Height = H,
  };
  CU_OK(cuMemcpy2DAsync(&c, NULL));
  CU_OK(cuCtxSynchronize());
  memset(out, 0, sizeof out);
  c = from_array(b, out, sizeof out[0]);
  CU_OK(cuMemcpy2D(&c));
  ASSERT_MEM_EQ(out, img, sizeof img);

  /* Array to array with offsets on both sides: 4x2 from (1,5) to (10,0). */
  c = (CUDA_MEMCPY2D){
    .srcMemoryType = CU_MEMORYTYPE_ARRAY, .srcArray = a,
    .srcXInBytes = 1 * 4, .srcY = 5,
    .dstMemoryType = CU_MEMORYTYPE_ARRAY, .dstArray = b,
    .dstXInBytes = 10 * 4, .dstY = 0,
    .WidthInBytes = 4 * 4, .Height = 2,
  };
  CU_OK(cuMemcpy2D(&c));
  c = from_array(b, out, sizeof out[0]);
  CU_OK(cuMemcpy2D(&c));
  for (unsigned y = 0; y < 2; y++)
    for (unsigned x = 0; x < 4; x++)
      ASSERT_UEQ(out[y][10 + x], img[5 + y][1 + x]);
  ASSERT_UEQ(out[0][9], img[0][9]);
  ASSERT_UEQ(out[2][10], img[2][10]);

  /* Out of range: x past a row, rows past the height, part of an element. */
  c = to_array(a, 12 * 4, 0, patch, sizeof patch[0], sizeof patch[0], 1);
  CU_EXPECT(cuMemcpy2D(&c), CUDA_ERROR_INVALID_VALUE);
  c = to_array(a, 0, 6, patch, sizeof patch[0], sizeof patch[0], 3);
  CU_EXPECT(cuMemcpy2D(&c), CUDA_ERROR_INVALID_VALUE);
  c = to_array(a, 0, H, patch, sizeof patch[0], 4, 1);
  CU_EXPECT(cuMemcpy2D(&c), CUDA_ERROR_INVALID_VALUE);
  c = to_array(a, 2, 0, patch, sizeof patch[0], 4, 1);
  CU_EXPECT(cuMemcpy2D(&c), CUDA_ERROR_INVALID_VALUE);
  c = to_array(a, 0, 0, patch, sizeof patch[0], sizeof img[0] + 4, 1);
  CU_EXPECT(cuMemcpy2D(&c), CUDA_ERROR_INVALID_VALUE);
  /* A destroyed array. */
  CU_OK(cuArrayDestroy(b));
  c = to_array(b, 0, 0, patch, sizeof patch[0], 4, 1);
  ASSERT_NE(cuMemcpy2D(&c), CUDA_SUCCESS);

  CU_OK(cuMemFree(d));
  CU_OK(cuArrayDestroy(a));
}

static void test_copy_3d(void)
{
  enum { X = 6, Y = 4, Z = 5 };
  static uint16_t vol[Z][Y][X], out[Z][Y][X];
  CUarray a, l1, l2;
  CUDA_MEMCPY3D c;

  for (unsigned z = 0; z < Z; z++)
    for (unsigned y = 0; y < Y; y++)
      for (unsigned x = 0; x < X; x++)
        vol[z][y][x] = (uint16_t)(z * 1000 + y * 10 + x);

  /* A 3D array: whole volume in and out. */
  a = make(X, Y, Z, CU_AD_FORMAT_UNSIGNED_INT16, 1, 0, CUDA_SUCCESS);
  c = (CUDA_MEMCPY3D){
    .srcMemoryType = CU_MEMORYTYPE_HOST, .srcHost = vol,
    .srcPitch = X * 2, .srcHeight = Y,
    .dstMemoryType = CU_MEMORYTYPE_ARRAY, .dstArray = a,
    .WidthInBytes = X * 2, .Height = Y, .Depth = Z,
  };
  CU_OK(cuMemcpy3D(&c));
  c = (CUDA_MEMCPY3D){
    .srcMemoryType = CU_MEMORYTYPE_ARRAY, .srcArray = a,
    .dstMemoryType = CU_MEMORYTYPE_HOST, .dstHost = out,
    .dstPitch = X * 2, .dstHeight = Y,
    .WidthInBytes = X * 2, .Height = Y, .Depth = Z,
  };
  CU_OK(cuMemcpy3D(&c));
  ASSERT_MEM_EQ(out, vol, sizeof vol);

  /* A box of 2x2x2 from (3, 1, 2) to host. */
  memset(out, 0, sizeof out);
  c = (CUDA_MEMCPY3D){
    .srcMemoryType = CU_MEMORYTYPE_ARRAY, .srcArray = a,
    .srcXInBytes = 3 * 2, .srcY = 1, .srcZ = 2,
    .dstMemoryType = CU_MEMORYTYPE_HOST, .dstHost = out,
    .dstPitch = X * 2, .dstHeight = Y,
    .WidthInBytes = 2 * 2, .Height = 2, .Depth = 2,
  };
  CU_OK(cuMemcpy3DAsync(&c, NULL));
  CU_OK(cuCtxSynchronize());
  for (unsigned z = 0; z < 2; z++)
    for (unsigned y = 0; y < 2; y++)
      for (unsigned x = 0; x < 2; x++)
        ASSERT_UEQ(out[z][y][x], vol[2 + z][1 + y][3 + x]);
  c.srcZ = 4;  /* two slices from slice 4 of 5 */
  CU_EXPECT(cuMemcpy3D(&c), CUDA_ERROR_INVALID_VALUE);

  /* Layered: layers 1 and 2 of a 2D layered array, then array to array
   * between layers. */
  l1 = make(X, Y, 3, CU_AD_FORMAT_UNSIGNED_INT16, 1, CUDA_ARRAY3D_LAYERED,
            CUDA_SUCCESS);
  l2 = make(X, Y, 3, CU_AD_FORMAT_UNSIGNED_INT16, 1, CUDA_ARRAY3D_LAYERED,
            CUDA_SUCCESS);
  c = (CUDA_MEMCPY3D){
    .srcMemoryType = CU_MEMORYTYPE_HOST, .srcHost = vol,
    .srcPitch = X * 2, .srcHeight = Y,
    .dstMemoryType = CU_MEMORYTYPE_ARRAY, .dstArray = l1, .dstZ = 1,
    .WidthInBytes = X * 2, .Height = Y, .Depth = 2,
  };
  CU_OK(cuMemcpy3D(&c));
  c.dstZ = 2;
  CU_EXPECT(cuMemcpy3D(&c), CUDA_ERROR_INVALID_VALUE);  /* layers 2..3 of 3 */
  c = (CUDA_MEMCPY3D){
    .srcMemoryType = CU_MEMORYTYPE_ARRAY, .srcArray = l1, .srcZ = 2,
    .dstMemoryType = CU_MEMORYTYPE_ARRAY, .dstArray = l2, .dstZ = 0,
    .WidthInBytes = X * 2, .Height = Y, .Depth = 1,
  };
  CU_OK(cuMemcpy3D(&c));
  memset(out, 0, sizeof out);
  c = (CUDA_MEMCPY3D){
    .srcMemoryType = CU_MEMORYTYPE_ARRAY, .srcArray = l2,
    .dstMemoryType = CU_MEMORYTYPE_HOST, .dstHost = out,
    .dstPitch = X * 2, .dstHeight = Y,
    .WidthInBytes = X * 2, .Height = Y, .Depth = 1,
  };
  CU_OK(cuMemcpy3D(&c));
  ASSERT_MEM_EQ(out[0], vol[1], sizeof vol[1]);  /* layer 2 held vol[1] */

  /* A 1D array: one row. */
  CUarray r1 = make(X, 0, 0, CU_AD_FORMAT_UNSIGNED_INT16, 1, 0, CUDA_SUCCESS);
  CUDA_MEMCPY2D c2 = to_array(r1, 2, 0, vol[0][0], X * 2, (X - 1) * 2, 1);
  CU_OK(cuMemcpy2D(&c2));
  c2.Height = 2;
  CU_EXPECT(cuMemcpy2D(&c2), CUDA_ERROR_INVALID_VALUE);

  CU_OK(cuArrayDestroy(r1));
  CU_OK(cuArrayDestroy(l2));
  CU_OK(cuArrayDestroy(l1));
  CU_OK(cuArrayDestroy(a));
}

/* cuMemcpy3DBatchAsync with array operands (offsets in elements), and a
 * 3D peer copy naming the array's context. */
static void test_copy_batch_peer(void)
{
  uint32_t img[H][W], out[H][W];
  CUarray a = make(W, H, 0, CU_AD_FORMAT_UNSIGNED_INT32, 1, 0, CUDA_SUCCESS);
  CUcontext ctx;
  CUstream s;
  CUDA_MEMCPY3D_BATCH_OP op;
  CUDA_MEMCPY2D c;

  for (unsigned y = 0; y < H; y++)
    for (unsigned x = 0; x < W; x++)
      img[y][x] = 7 * y + x;
  c = to_array(a, 0, 0, img, sizeof img[0], sizeof img[0], H);
  CU_OK(cuMemcpy2D(&c));
  CU_OK(cuStreamCreate(&s, CU_STREAM_NON_BLOCKING));
  uint32_t patch[2][3] = { { 1, 2, 3 }, { 4, 5, 6 } };
  memset(&op, 0, sizeof op);
  op.src.type = CU_MEMCPY_OPERAND_TYPE_POINTER;
  op.src.op.ptr.ptr = (CUdeviceptr)(uintptr_t)patch;
  op.dst.type = CU_MEMCPY_OPERAND_TYPE_ARRAY;
  op.dst.op.array.array = a;
  op.dst.op.array.offset.x = 4;
  op.dst.op.array.offset.y = 6;
  op.extent.width = 3;
  op.extent.height = 2;
  op.extent.depth = 1;
  op.srcAccessOrder = CU_MEMCPY_SRC_ACCESS_ORDER_STREAM;
  CU_OK(cuMemcpy3DBatchAsync(1, &op, 0, s));
  CU_OK(cuStreamSynchronize(s));
  for (unsigned y = 0; y < 2; y++)
    for (unsigned x = 0; x < 3; x++)
      img[6 + y][4 + x] = patch[y][x];
  op.dst.op.array.offset.y = 7;                   /* rows 7..8 of 8 */
  ASSERT_NE(cuMemcpy3DBatchAsync(1, &op, 0, s), CUDA_SUCCESS);

  CU_OK(cuCtxGetCurrent(&ctx));
  CUDA_MEMCPY3D_PEER p = {
    .srcMemoryType = CU_MEMORYTYPE_ARRAY, .srcArray = a, .srcContext = ctx,
    .dstMemoryType = CU_MEMORYTYPE_HOST, .dstHost = out,
    .dstPitch = sizeof out[0], .dstHeight = H, .dstContext = ctx,
    .WidthInBytes = sizeof out[0], .Height = H, .Depth = 1,
  };
  memset(out, 0, sizeof out);
  CU_OK(cuMemcpy3DPeer(&p));
  ASSERT_MEM_EQ(out, img, sizeof img);

  CU_OK(cuStreamDestroy(s));
  CU_OK(cuArrayDestroy(a));
}

int main(int argc, char **argv)
{
  CUarray a;
  CUDA_ARRAY3D_DESCRIPTOR x = desc3(4, 4, 0, CU_AD_FORMAT_FLOAT, 1, 0);

  CU_EXPECT(cuArray3DCreate(&a, &x), CUDA_ERROR_NOT_INITIALIZED);
  CU_OK(cuInit(0));
  CU_EXPECT(cuArray3DCreate(&a, &x), CUDA_ERROR_INVALID_CONTEXT);
  emu_test_context();
  if (argc > 1 && strcmp(argv[1], "copies") == 0) {
    test_copy_2d();
    test_copy_3d();
    test_copy_batch_peer();
    return 0;
  }
  test_create_kinds();
  test_create_errors();
  test_wrong_context();
  test_mipmapped();
  test_context_teardown();
  return 0;
}
