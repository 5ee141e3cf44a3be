/* CUDA arrays, mipmapped arrays, texture and surface objects through the
 * driver API: arrays of every shape and their descriptors, the creation
 * errors, cuMemcpy2D/3D between host, device and arrays in every direction
 * (offsets, layers, a copy bigger than the stub's bulk limit, the 3D batch
 * with array operands counted in elements), the copy errors (past the
 * edge, a row offset that is not whole elements, a destroyed array), the
 * levels of a mipmapped array, texture and surface objects over each kind
 * of resource with their descriptor queries and errors, kernels that read
 * a texture (point and linear filtering) and update a surface, and a
 * context whose destruction gives its arrays' memory back. Every answer is
 * checked, and every code goes into a digest that must agree between the
 * emulator and a run through the stub.
 *
 * usage: array PTX (array.cu compiled to PTX) */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host.h"

#define W 32
#define H 16

static CUarray make_array(struct cf_host *h, size_t w, size_t hh, size_t d, CUarray_format f,
                          unsigned ch, unsigned flags)
{
  CUDA_ARRAY3D_DESCRIPTOR desc = { .Width = w, .Height = hh, .Depth = d, .Format = f,
                                   .NumChannels = ch, .Flags = flags };
  CUarray a = NULL;
  CF_CHECK(h, cuArray3DCreate(&a, &desc));
  return a;
}

static void descriptors(struct cf_host *h)
{
  CUDA_ARRAY_DESCRIPTOR d2 = { .Width = W, .Height = H, .Format = CU_AD_FORMAT_FLOAT,
                               .NumChannels = 2 };
  CUDA_ARRAY3D_DESCRIPTOR d3;
  CUDA_ARRAY_DESCRIPTOR got2;
  CUarray a = NULL;

  CF_EXPECT_CODE(h, cuArrayCreate(&a, &d2), CUDA_SUCCESS);
  CF_EXPECT_CODE(h, cuArrayGetDescriptor(&got2, a), CUDA_SUCCESS);
  cf_host_result(h, got2.Width == W && got2.Height == H && got2.Format == CU_AD_FORMAT_FLOAT &&
                        got2.NumChannels == 2,
                 "array.descriptor_2d", "%zu x %zu", got2.Width, got2.Height);
  CF_EXPECT_CODE(h, cuArray3DGetDescriptor(&d3, a), CUDA_SUCCESS);
  cf_host_result(h, d3.Width == W && d3.Height == H && d3.Depth == 0 && d3.Flags == 0,
                 "array.descriptor_2d_as_3d", "%zu %zu %zu %u", d3.Width, d3.Height, d3.Depth,
                 d3.Flags);
  CF_EXPECT_CODE(h, cuArrayDestroy(a), CUDA_SUCCESS);

  /* 1D, 3D, layered, cube map and surface arrays */
  struct { size_t w, h, d; unsigned flags; } shapes[] = {
    { 100, 0, 0, 0 }, { 8, 4, 5, 0 }, { 8, 4, 3, CUDA_ARRAY3D_LAYERED },
    { 16, 16, 6, CUDA_ARRAY3D_CUBEMAP }, { W, H, 0, CUDA_ARRAY3D_SURFACE_LDST },
    { 64, 0, 4, CUDA_ARRAY3D_LAYERED },
  };
  for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
    CUDA_ARRAY3D_DESCRIPTOR want = { .Width = shapes[i].w, .Height = shapes[i].h,
                                     .Depth = shapes[i].d, .Format = CU_AD_FORMAT_UNSIGNED_INT16,
                                     .NumChannels = 4, .Flags = shapes[i].flags };
    CF_EXPECT_CODE(h, cuArray3DCreate(&a, &want), CUDA_SUCCESS);
    CF_EXPECT_CODE(h, cuArray3DGetDescriptor(&d3, a), CUDA_SUCCESS);
    cf_host_result(h, d3.Width == want.Width && d3.Height == want.Height &&
                          d3.Depth == want.Depth && d3.Format == want.Format &&
                          d3.NumChannels == want.NumChannels && d3.Flags == want.Flags,
                   "array.descriptor_3d",
                   "shape %zu: %zu %zu %zu flags %u", i, d3.Width, d3.Height, d3.Depth,
                   d3.Flags);
    CF_EXPECT_CODE(h, cuArrayDestroy(a), CUDA_SUCCESS);
  }

  /* creation errors */
  CF_EXPECT_CODE(h, cuArrayCreate(NULL, &d2), CUDA_ERROR_INVALID_VALUE);
  CF_EXPECT_CODE(h, cuArrayCreate(&a, NULL), CUDA_ERROR_INVALID_VALUE);
  d2.Width = 0;
  CF_EXPECT_CODE(h, cuArrayCreate(&a, &d2), CUDA_ERROR_INVALID_VALUE);
  d2.Width = W;
  d2.NumChannels = 3;
  CF_EXPECT_CODE(h, cuArrayCreate(&a, &d2), CUDA_ERROR_INVALID_VALUE);
  d2.NumChannels = 1;
  d2.Format = (CUarray_format)0x77;
  CF_EXPECT_CODE(h, cuArrayCreate(&a, &d2), CUDA_ERROR_INVALID_VALUE);
  CUDA_ARRAY3D_DESCRIPTOR bad = { .Width = 8, .Height = 0, .Depth = 4,
                                  .Format = CU_AD_FORMAT_FLOAT, .NumChannels = 1 };
  CF_EXPECT_CODE(h, cuArray3DCreate(&a, &bad), CUDA_ERROR_INVALID_VALUE); /* 3D without rows */
  bad.Height = 8;
  bad.Width = 16;
  bad.Depth = 6;
  bad.Flags = CUDA_ARRAY3D_CUBEMAP;
  CF_EXPECT_CODE(h, cuArray3DCreate(&a, &bad), CUDA_ERROR_INVALID_VALUE); /* not square */
  CF_EXPECT_CODE(h, cuArray3DCreate(&a, NULL), CUDA_ERROR_INVALID_VALUE);
  d2.Format = CU_AD_FORMAT_FLOAT;
  CF_EXPECT_CODE(h, cuArrayCreate(&a, &d2), CUDA_SUCCESS);
  CF_EXPECT_CODE(h, cuArrayGetDescriptor(NULL, a), CUDA_ERROR_INVALID_VALUE);
  CF_EXPECT_CODE(h, cuArrayDestroy(a), CUDA_SUCCESS);
}

/* A 2D copy descriptor between two sides given as (type, pointer-ish). */
static CUDA_MEMCPY2D copy2d(CUmemorytype st, const void *sh, CUdeviceptr sd, CUarray sa,
                            size_t spitch, CUmemorytype dt, void *dh, CUdeviceptr dd,
                            CUarray da, size_t dpitch, size_t wbytes, size_t rows)
{
  CUDA_MEMCPY2D c;
  memset(&c, 0, sizeof c);
  c.srcMemoryType = st, c.srcHost = sh, c.srcDevice = sd, c.srcArray = sa, c.srcPitch = spitch;
  c.dstMemoryType = dt, c.dstHost = dh, c.dstDevice = dd, c.dstArray = da, c.dstPitch = dpitch;
  c.WidthInBytes = wbytes;
  c.Height = rows;
  return c;
}

static void copies_2d(struct cf_host *h)
{
  static float img[H * W], got[H * W], want[H * W];
  uint32_t seed = 5;
  CUarray a = make_array(h, W, H, 0, CU_AD_FORMAT_FLOAT, 1, 0);
  CUarray b = make_array(h, W, H, 0, CU_AD_FORMAT_FLOAT, 1, 0);
  CUdeviceptr d;
  CUstream s;

  for (int i = 0; i < H * W; i++)
    img[i] = cf_rand_f32(&seed);
  CF_CHECK(h, cuMemAlloc(&d, sizeof img));
  CF_CHECK(h, cuStreamCreate(&s, CU_STREAM_NON_BLOCKING));

  /* host -> array, whole; array -> host, whole */
  CUDA_MEMCPY2D c = copy2d(CU_MEMORYTYPE_HOST, img, 0, NULL, W * 4, CU_MEMORYTYPE_ARRAY, NULL,
                           0, a, 0, W * 4, H);
  CF_EXPECT_CODE(h, cuMemcpy2D(&c), CUDA_SUCCESS);
  c = copy2d(CU_MEMORYTYPE_ARRAY, NULL, 0, a, 0, CU_MEMORYTYPE_HOST, got, 0, NULL, W * 4, W * 4,
             H);
  CF_EXPECT_CODE(h, cuMemcpy2D(&c), CUDA_SUCCESS);
  cf_host_cmp_u32(h, "array.host_roundtrip", got, img, H * W);

  /* array -> device, device -> array b at an offset (async), array b -> host */
  c = copy2d(CU_MEMORYTYPE_ARRAY, NULL, 0, a, 0, CU_MEMORYTYPE_DEVICE, NULL, d, NULL, W * 4,
             W * 4, H);
  CF_EXPECT_CODE(h, cuMemcpy2D(&c), CUDA_SUCCESS);
  memset(got, 0, sizeof got);
  c = copy2d(CU_MEMORYTYPE_HOST, got, 0, NULL, W * 4, CU_MEMORYTYPE_ARRAY, NULL, 0, b, 0,
             W * 4, H);
  CF_EXPECT_CODE(h, cuMemcpy2D(&c), CUDA_SUCCESS); /* b = zeros */
  c = copy2d(CU_MEMORYTYPE_DEVICE, NULL, d + 4 * W + 8, NULL, W * 4, CU_MEMORYTYPE_ARRAY, NULL,
             0, b, 0, 10 * 4, 5);
  c.dstXInBytes = 3 * 4;
  c.dstY = 7;
  CF_EXPECT_CODE(h, cuMemcpy2DAsync(&c, s), CUDA_SUCCESS);
  CF_CHECK(h, cuStreamSynchronize(s));
  memset(want, 0, sizeof want);
  for (int y = 0; y < 5; y++)
    for (int x = 0; x < 10; x++)
      want[(y + 7) * W + x + 3] = img[(y + 1) * W + x + 2];
  c = copy2d(CU_MEMORYTYPE_ARRAY, NULL, 0, b, 0, CU_MEMORYTYPE_HOST, got, 0, NULL, W * 4, W * 4,
             H);
  CF_EXPECT_CODE(h, cuMemcpy2D(&c), CUDA_SUCCESS);
  cf_host_cmp_u32(h, "array.device_to_array_offset", got, want, H * W);

  /* array -> array */
  c = copy2d(CU_MEMORYTYPE_ARRAY, NULL, 0, a, 0, CU_MEMORYTYPE_ARRAY, NULL, 0, b, 0, W * 4, H);
  CF_EXPECT_CODE(h, cuMemcpy2D(&c), CUDA_SUCCESS);
  c = copy2d(CU_MEMORYTYPE_ARRAY, NULL, 0, b, 0, CU_MEMORYTYPE_DEVICE, NULL, d, NULL, W * 4,
             W * 4, H);
  CF_EXPECT_CODE(h, cuMemcpy2D(&c), CUDA_SUCCESS);
  CF_CHECK(h, cuMemcpyDtoH(got, d, sizeof got));
  cf_host_cmp_u32(h, "array.array_to_array", got, img, H * W);

  /* errors: past the last row, a row offset that is not whole floats, a
   * nonzero LOD, a destroyed array */
  c = copy2d(CU_MEMORYTYPE_HOST, img, 0, NULL, W * 4, CU_MEMORYTYPE_ARRAY, NULL, 0, a, 0, W * 4,
             H);
  c.dstY = 1;
  CF_EXPECT_CODE(h, cuMemcpy2D(&c), CUDA_ERROR_INVALID_VALUE);
  c.dstY = 0;
  c.dstXInBytes = 2;
  c.WidthInBytes = 8;
  CF_EXPECT_CODE(h, cuMemcpy2D(&c), CUDA_ERROR_INVALID_VALUE);
  c.dstXInBytes = 4;
  c.WidthInBytes = W * 4; /* one float too wide at that offset */
  CF_EXPECT_CODE(h, cuMemcpy2D(&c), CUDA_ERROR_INVALID_VALUE);
  CUDA_MEMCPY3D c3;
  memset(&c3, 0, sizeof c3);
  c3.srcMemoryType = CU_MEMORYTYPE_ARRAY, c3.srcArray = a, c3.srcLOD = 1;
  c3.dstMemoryType = CU_MEMORYTYPE_HOST, c3.dstHost = got, c3.dstPitch = W * 4;
  c3.WidthInBytes = W * 4, c3.Height = 1, c3.Depth = 1;
  CF_EXPECT_CODE(h, cuMemcpy3D(&c3), CUDA_ERROR_INVALID_VALUE);
  CF_EXPECT_CODE(h, cuArrayDestroy(b), CUDA_SUCCESS);
  c = copy2d(CU_MEMORYTYPE_HOST, img, 0, NULL, W * 4, CU_MEMORYTYPE_ARRAY, NULL, 0, b, 0, W * 4,
             H);
  CF_EXPECT_CODE(h, cuMemcpy2D(&c), CUDA_ERROR_INVALID_HANDLE);
  CF_EXPECT_CODE(h, cuArrayDestroy(b), CUDA_ERROR_INVALID_HANDLE);

  CF_CHECK(h, cuStreamDestroy(s));
  CF_CHECK(h, cuMemFree(d));
  CF_CHECK(h, cuArrayDestroy(a));
}

static void copies_3d(struct cf_host *h)
{
  enum { X = 24, Y = 6, Z = 5, BIGW = 1024, BIGH = 300 };
  static uint16_t vol[Z][Y][X], got[Z][Y][X], want[Z][Y][X];
  CUarray a = make_array(h, X, Y, Z, CU_AD_FORMAT_UNSIGNED_INT16, 1, 0);
  CUarray l = make_array(h, X, Y, Z, CU_AD_FORMAT_UNSIGNED_INT16, 1, CUDA_ARRAY3D_LAYERED);

  for (int z = 0; z < Z; z++)
    for (int y = 0; y < Y; y++)
      for (int x = 0; x < X; x++)
        vol[z][y][x] = (uint16_t)(z * 10000 + y * 100 + x);
  CUDA_MEMCPY3D c;
  memset(&c, 0, sizeof c);
  c.srcMemoryType = CU_MEMORYTYPE_HOST, c.srcHost = vol, c.srcPitch = X * 2, c.srcHeight = Y;
  c.dstMemoryType = CU_MEMORYTYPE_ARRAY, c.dstArray = a;
  c.WidthInBytes = X * 2, c.Height = Y, c.Depth = Z;
  CF_EXPECT_CODE(h, cuMemcpy3D(&c), CUDA_SUCCESS);
  /* a box out of the middle: x 3..10, y 1..4, z 2..4 */
  memset(&c, 0, sizeof c);
  memset(got, 0, sizeof got);
  c.srcMemoryType = CU_MEMORYTYPE_ARRAY, c.srcArray = a;
  c.srcXInBytes = 3 * 2, c.srcY = 1, c.srcZ = 2;
  c.dstMemoryType = CU_MEMORYTYPE_HOST, c.dstHost = got, c.dstPitch = X * 2, c.dstHeight = Y;
  c.WidthInBytes = 8 * 2, c.Height = 4, c.Depth = 3;
  CF_EXPECT_CODE(h, cuMemcpy3D(&c), CUDA_SUCCESS);
  memset(want, 0, sizeof want);
  for (int z = 0; z < 3; z++)
    for (int y = 0; y < 4; y++)
      for (int x = 0; x < 8; x++)
        want[z][y][x] = vol[z + 2][y + 1][x + 3];
  cf_host_cmp_u32(h, "array.box_3d", got, want, sizeof got / 4);
  c.Depth = 4; /* z 2..5 is past the last slice */
  CF_EXPECT_CODE(h, cuMemcpy3D(&c), CUDA_ERROR_INVALID_VALUE);

  /* layers 1..2 of a layered array from the 3D array, then all back */
  memset(&c, 0, sizeof c);
  c.srcMemoryType = CU_MEMORYTYPE_ARRAY, c.srcArray = a, c.srcZ = 3;
  c.dstMemoryType = CU_MEMORYTYPE_ARRAY, c.dstArray = l, c.dstZ = 1;
  c.WidthInBytes = X * 2, c.Height = Y, c.Depth = 2;
  CF_EXPECT_CODE(h, cuMemcpy3D(&c), CUDA_SUCCESS);
  memset(&c, 0, sizeof c);
  memset(got, 0, sizeof got);
  c.srcMemoryType = CU_MEMORYTYPE_ARRAY, c.srcArray = l, c.srcZ = 1;
  c.dstMemoryType = CU_MEMORYTYPE_HOST, c.dstHost = got, c.dstPitch = X * 2, c.dstHeight = Y;
  c.WidthInBytes = X * 2, c.Height = Y, c.Depth = 2;
  CF_EXPECT_CODE(h, cuMemcpy3D(&c), CUDA_SUCCESS);
  memset(want, 0, sizeof want);
  memcpy(want, vol[3], sizeof vol[0] * 2);
  cf_host_cmp_u32(h, "array.layers", got, want, sizeof got / 4);

  /* the 3D batch: host -> layered array layer 4, widths in elements */
  CUstream s;
  CF_CHECK(h, cuStreamCreate(&s, CU_STREAM_NON_BLOCKING));
  CUDA_MEMCPY3D_BATCH_OP op;
  memset(&op, 0, sizeof op);
  op.src.type = CU_MEMCPY_OPERAND_TYPE_POINTER;
  op.src.op.ptr.ptr = (CUdeviceptr)(uintptr_t)vol[0];
  op.dst.type = CU_MEMCPY_OPERAND_TYPE_ARRAY;
  op.dst.op.array.array = l;
  op.dst.op.array.offset.z = 4;
  op.extent.width = X, op.extent.height = Y, op.extent.depth = 1;
  op.srcAccessOrder = CU_MEMCPY_SRC_ACCESS_ORDER_STREAM;
  CF_EXPECT_CODE(h, cuMemcpy3DBatchAsync(1, &op, 0, s), CUDA_SUCCESS);
  CF_CHECK(h, cuStreamSynchronize(s));
  memset(&c, 0, sizeof c);
  memset(got, 0, sizeof got);
  c.srcMemoryType = CU_MEMORYTYPE_ARRAY, c.srcArray = l, c.srcZ = 4;
  c.dstMemoryType = CU_MEMORYTYPE_HOST, c.dstHost = got, c.dstPitch = X * 2;
  c.WidthInBytes = X * 2, c.Height = Y, c.Depth = 1;
  CF_EXPECT_CODE(h, cuMemcpy3D(&c), CUDA_SUCCESS);
  cf_host_cmp_u32(h, "array.batch_to_layer", got, vol[0], sizeof vol[0] / 4);
  op.dst.op.array.offset.z = 5; /* past the last layer */
  CF_EXPECT_CODE(h, cuMemcpy3DBatchAsync(1, &op, 0, s), CUDA_ERROR_INVALID_VALUE);
  CF_CHECK(h, cuStreamDestroy(s));

  /* bigger than the stub's bulk limit: 1024 x 300 float4 (4.7 MiB) */
  size_t big = (size_t)BIGW * BIGH * 16;
  uint8_t *bh = malloc(big), *bg = malloc(big);
  for (size_t i = 0; i < big; i++)
    bh[i] = (uint8_t)(i * 7 + (i >> 12));
  CUarray bigarr = make_array(h, BIGW, BIGH, 0, CU_AD_FORMAT_FLOAT, 4, 0);
  CUDA_MEMCPY2D c2;
  memset(&c2, 0, sizeof c2);
  c2.srcMemoryType = CU_MEMORYTYPE_HOST, c2.srcHost = bh, c2.srcPitch = BIGW * 16;
  c2.dstMemoryType = CU_MEMORYTYPE_ARRAY, c2.dstArray = bigarr;
  c2.WidthInBytes = BIGW * 16, c2.Height = BIGH;
  CF_EXPECT_CODE(h, cuMemcpy2D(&c2), CUDA_SUCCESS);
  memset(&c2, 0, sizeof c2);
  c2.srcMemoryType = CU_MEMORYTYPE_ARRAY, c2.srcArray = bigarr;
  c2.dstMemoryType = CU_MEMORYTYPE_HOST, c2.dstHost = bg, c2.dstPitch = BIGW * 16;
  c2.WidthInBytes = BIGW * 16, c2.Height = BIGH;
  CF_EXPECT_CODE(h, cuMemcpy2D(&c2), CUDA_SUCCESS);
  cf_host_result(h, memcmp(bh, bg, big) == 0, "array.big_roundtrip", "bytes differ");
  free(bh);
  free(bg);
  CF_CHECK(h, cuArrayDestroy(bigarr));
  CF_CHECK(h, cuArrayDestroy(l));
  CF_CHECK(h, cuArrayDestroy(a));
}

static void mipmaps(struct cf_host *h)
{
  CUDA_ARRAY3D_DESCRIPTOR d = { .Width = 64, .Height = 32, .Format = CU_AD_FORMAT_FLOAT,
                                .NumChannels = 1 };
  CUmipmappedArray m = NULL;
  CUarray lv = NULL, again = NULL;

  CF_EXPECT_CODE(h, cuMipmappedArrayCreate(&m, &d, 4), CUDA_SUCCESS);
  for (unsigned l = 0; l < 4; l++) {
    CUDA_ARRAY3D_DESCRIPTOR got;
    CF_EXPECT_CODE(h, cuMipmappedArrayGetLevel(&lv, m, l), CUDA_SUCCESS);
    CF_EXPECT_CODE(h, cuArray3DGetDescriptor(&got, lv), CUDA_SUCCESS);
    cf_host_result(h, got.Width == (64u >> l) && got.Height == (32u >> l),
                   "array.mip_level_extent", "level %u: %zu x %zu", l, got.Width, got.Height);
  }
  CF_EXPECT_CODE(h, cuMipmappedArrayGetLevel(&again, m, 3), CUDA_SUCCESS);
  cf_host_result(h, again == lv, "array.mip_level_same_handle", "two handles for one level");
  CF_EXPECT_CODE(h, cuMipmappedArrayGetLevel(&lv, m, 4), CUDA_ERROR_INVALID_VALUE);
  CF_EXPECT_CODE(h, cuArrayDestroy(again), CUDA_ERROR_INVALID_HANDLE); /* a level */
  CUDA_ARRAY_SPARSE_PROPERTIES sp;
  CUDA_ARRAY_MEMORY_REQUIREMENTS mr;
  CF_EXPECT_CODE(h, cuArrayGetSparseProperties(&sp, again), CUDA_ERROR_INVALID_VALUE);
  CF_EXPECT_CODE(h, cuMipmappedArrayGetSparseProperties(&sp, m), CUDA_ERROR_INVALID_VALUE);
  CF_EXPECT_CODE(h, cuArrayGetMemoryRequirements(&mr, again, h->dev), CUDA_ERROR_INVALID_VALUE);
  CF_EXPECT_CODE(h, cuMipmappedArrayDestroy(m), CUDA_SUCCESS);
  CF_EXPECT_CODE(h, cuArray3DGetDescriptor(&d, again), CUDA_ERROR_INVALID_HANDLE);
}

static CUDA_RESOURCE_DESC array_resource(CUarray a)
{
  CUDA_RESOURCE_DESC r;
  memset(&r, 0, sizeof r);
  r.resType = CU_RESOURCE_TYPE_ARRAY;
  r.res.array.hArray = a;
  return r;
}

static CUDA_TEXTURE_DESC texture_desc(CUfilter_mode filter)
{
  CUDA_TEXTURE_DESC t;
  memset(&t, 0, sizeof t);
  t.addressMode[0] = t.addressMode[1] = t.addressMode[2] = CU_TR_ADDRESS_MODE_CLAMP;
  t.filterMode = filter;
  return t;
}

static void objects(struct cf_host *h)
{
  CUarray a = make_array(h, W, H, 0, CU_AD_FORMAT_FLOAT, 1, 0);
  CUDA_RESOURCE_DESC res = array_resource(a), got_res;
  CUDA_TEXTURE_DESC tex = texture_desc(CU_TR_FILTER_MODE_LINEAR), got_tex;
  CUDA_RESOURCE_VIEW_DESC got_view;
  CUtexObject t = 0;
  CUsurfObject s = 0;
  CUdeviceptr d;

  tex.flags = CU_TRSF_NORMALIZED_COORDINATES;
  tex.borderColor[2] = 0.5f;
  CF_EXPECT_CODE(h, cuTexObjectCreate(&t, &res, &tex, NULL), CUDA_SUCCESS);
  CF_EXPECT_CODE(h, cuTexObjectGetResourceDesc(&got_res, t), CUDA_SUCCESS);
  cf_host_result(h, got_res.resType == CU_RESOURCE_TYPE_ARRAY && got_res.res.array.hArray == a,
                 "array.tex_resource_desc", "type %d", (int)got_res.resType);
  CF_EXPECT_CODE(h, cuTexObjectGetTextureDesc(&got_tex, t), CUDA_SUCCESS);
  cf_host_result(h, got_tex.filterMode == CU_TR_FILTER_MODE_LINEAR &&
                        got_tex.addressMode[1] == CU_TR_ADDRESS_MODE_CLAMP &&
                        (got_tex.flags & CU_TRSF_NORMALIZED_COORDINATES) &&
                        got_tex.borderColor[2] == 0.5f,
                 "array.tex_texture_desc", "filter %d flags %u", (int)got_tex.filterMode,
                 got_tex.flags);
  cf_host_note(h, cuTexObjectGetResourceViewDesc(&got_view, t));
  CF_EXPECT_CODE(h, cuTexObjectDestroy(t), CUDA_SUCCESS);
  CF_EXPECT_CODE(h, cuTexObjectDestroy(t), CUDA_ERROR_INVALID_VALUE);
  CF_EXPECT_CODE(h, cuTexObjectGetTextureDesc(&got_tex, t), CUDA_ERROR_INVALID_VALUE);
  CF_EXPECT_CODE(h, cuTexObjectCreate(&t, NULL, &tex, NULL), CUDA_ERROR_INVALID_VALUE);
  CF_EXPECT_CODE(h, cuTexObjectCreate(&t, &res, NULL, NULL), CUDA_ERROR_INVALID_VALUE);
  CF_EXPECT_CODE(h, cuTexObjectCreate(NULL, &res, &tex, NULL), CUDA_ERROR_INVALID_VALUE);

  /* linear and pitched memory */
  CF_CHECK(h, cuMemAlloc(&d, 1 << 16));
  memset(&res, 0, sizeof res);
  res.resType = CU_RESOURCE_TYPE_LINEAR;
  res.res.linear.devPtr = d;
  res.res.linear.format = CU_AD_FORMAT_SIGNED_INT32;
  res.res.linear.numChannels = 1;
  res.res.linear.sizeInBytes = 1 << 16;
  tex = texture_desc(CU_TR_FILTER_MODE_POINT);
  tex.flags = CU_TRSF_READ_AS_INTEGER;
  CF_EXPECT_CODE(h, cuTexObjectCreate(&t, &res, &tex, NULL), CUDA_SUCCESS);
  CF_EXPECT_CODE(h, cuTexObjectGetResourceDesc(&got_res, t), CUDA_SUCCESS);
  cf_host_result(h, got_res.resType == CU_RESOURCE_TYPE_LINEAR &&
                        got_res.res.linear.devPtr == d &&
                        got_res.res.linear.sizeInBytes == (1 << 16) &&
                        got_res.res.linear.format == CU_AD_FORMAT_SIGNED_INT32,
                 "array.tex_linear_desc", "type %d", (int)got_res.resType);
  CF_EXPECT_CODE(h, cuTexObjectDestroy(t), CUDA_SUCCESS);
  res.res.linear.devPtr = d + 4; /* not aligned for textures */
  CF_EXPECT_CODE(h, cuTexObjectCreate(&t, &res, &tex, NULL), CUDA_ERROR_INVALID_VALUE);
  memset(&res, 0, sizeof res);
  res.resType = CU_RESOURCE_TYPE_PITCH2D;
  res.res.pitch2D.devPtr = d;
  res.res.pitch2D.format = CU_AD_FORMAT_FLOAT;
  res.res.pitch2D.numChannels = 1;
  res.res.pitch2D.width = 64;
  res.res.pitch2D.height = 32;
  res.res.pitch2D.pitchInBytes = 512;
  CF_EXPECT_CODE(h, cuTexObjectCreate(&t, &res, &tex, NULL), CUDA_SUCCESS);
  CF_EXPECT_CODE(h, cuTexObjectGetResourceDesc(&got_res, t), CUDA_SUCCESS);
  cf_host_result(h, got_res.res.pitch2D.pitchInBytes == 512 && got_res.res.pitch2D.height == 32,
                 "array.tex_pitch2d_desc", "pitch %zu", got_res.res.pitch2D.pitchInBytes);
  CF_EXPECT_CODE(h, cuTexObjectDestroy(t), CUDA_SUCCESS);

  /* surfaces need SURFACE_LDST */
  res = array_resource(a);
  CF_EXPECT_CODE(h, cuSurfObjectCreate(&s, &res), CUDA_ERROR_INVALID_VALUE);
  CUarray sa = make_array(h, W, H, 0, CU_AD_FORMAT_SIGNED_INT32, 1, CUDA_ARRAY3D_SURFACE_LDST);
  res = array_resource(sa);
  CF_EXPECT_CODE(h, cuSurfObjectCreate(&s, &res), CUDA_SUCCESS);
  CF_EXPECT_CODE(h, cuSurfObjectGetResourceDesc(&got_res, s), CUDA_SUCCESS);
  cf_host_result(h, got_res.res.array.hArray == sa, "array.surf_resource_desc", "other array");
  CF_EXPECT_CODE(h, cuSurfObjectDestroy(s), CUDA_SUCCESS);
  CF_EXPECT_CODE(h, cuSurfObjectDestroy(s), CUDA_ERROR_INVALID_VALUE);
  CF_CHECK(h, cuArrayDestroy(sa));
  CF_CHECK(h, cuMemFree(d));
  CF_CHECK(h, cuArrayDestroy(a));
}

/* The hardware's bilinear filter: 9-bit weights with 8 fractional bits. */
static float lerp_weight(float f)
{
  return floorf(f * 256.0f + 0.5f) / 256.0f;
}

static float texel(const float *img, int x, int y)
{
  x = x < 0 ? 0 : x >= W ? W - 1 : x;
  y = y < 0 ? 0 : y >= H ? H - 1 : y;
  return img[y * W + x];
}

static void kernels(struct cf_host *h)
{
  static float img[H * W], got[H * W], want[H * W];
  static int32_t sv[H * W], sgot[H * W], swant[H * W];
  uint32_t seed = 9;
  CUarray a = make_array(h, W, H, 0, CU_AD_FORMAT_FLOAT, 1, 0);
  CUarray sa = make_array(h, W, H, 0, CU_AD_FORMAT_SIGNED_INT32, 1, CUDA_ARRAY3D_SURFACE_LDST);
  CUfunction point = cf_host_function(h, "tex_point");
  CUfunction linear = cf_host_function(h, "tex_linear");
  CUfunction scale = cf_host_function(h, "surf_scale");
  CUdeviceptr out;
  CUtexObject t = 0;
  CUsurfObject s = 0;
  int w = W;

  for (int i = 0; i < H * W; i++) {
    img[i] = cf_rand_f32(&seed) * 100.0f;
    sv[i] = (int32_t)(cf_rand_u32(&seed) % 1000) - 500;
  }
  CUDA_MEMCPY2D c = copy2d(CU_MEMORYTYPE_HOST, img, 0, NULL, W * 4, CU_MEMORYTYPE_ARRAY, NULL,
                           0, a, 0, W * 4, H);
  CF_CHECK(h, cuMemcpy2D(&c));
  CF_CHECK(h, cuMemAlloc(&out, sizeof got));
  CUDA_RESOURCE_DESC res = array_resource(a);
  CUDA_TEXTURE_DESC tex = texture_desc(CU_TR_FILTER_MODE_POINT);
  CF_CHECK(h, cuTexObjectCreate(&t, &res, &tex, NULL));
  void *pp[] = { &t, &out, &w };
  CF_EXPECT_CODE(h, cuLaunchKernel(point, H, 1, 1, W, 1, 1, 0, NULL, pp, NULL), CUDA_SUCCESS);
  CF_CHECK(h, cuMemcpyDtoH(got, out, sizeof got));
  cf_host_cmp_u32(h, "array.kernel_tex_point", got, img, H * W);
  CF_CHECK(h, cuTexObjectDestroy(t));

  tex = texture_desc(CU_TR_FILTER_MODE_LINEAR);
  CF_CHECK(h, cuTexObjectCreate(&t, &res, &tex, NULL));
  float dx = 0.25f, dy = 0.9f;
  void *pl[] = { &t, &out, &w, &dx, &dy };
  CF_EXPECT_CODE(h, cuLaunchKernel(linear, H, 1, 1, W, 1, 1, 0, NULL, pl, NULL), CUDA_SUCCESS);
  CF_CHECK(h, cuMemcpyDtoH(got, out, sizeof got));
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++) {
      float xb = x + dx - 0.5f, yb = y + dy - 0.5f;
      int i = (int)floorf(xb), j = (int)floorf(yb);
      float al = lerp_weight(xb - i), be = lerp_weight(yb - j);
      want[y * W + x] = (1 - al) * (1 - be) * texel(img, i, j) +
                        al * (1 - be) * texel(img, i + 1, j) +
                        (1 - al) * be * texel(img, i, j + 1) + al * be * texel(img, i + 1, j + 1);
    }
  cf_host_cmp_f32(h, "array.kernel_tex_linear", got, want, H * W, 1e-4f, 1e-5f);
  cf_host_digest("kernel_tex_linear", got, sizeof got);
  CF_CHECK(h, cuTexObjectDestroy(t));

  c = copy2d(CU_MEMORYTYPE_HOST, sv, 0, NULL, W * 4, CU_MEMORYTYPE_ARRAY, NULL, 0, sa, 0, W * 4,
             H);
  CF_CHECK(h, cuMemcpy2D(&c));
  res = array_resource(sa);
  CF_CHECK(h, cuSurfObjectCreate(&s, &res));
  int k = 3;
  void *ps[] = { &s, &k };
  CF_EXPECT_CODE(h, cuLaunchKernel(scale, H, 1, 1, W, 1, 1, 0, NULL, ps, NULL), CUDA_SUCCESS);
  c = copy2d(CU_MEMORYTYPE_ARRAY, NULL, 0, sa, 0, CU_MEMORYTYPE_HOST, sgot, 0, NULL, W * 4,
             W * 4, H);
  CF_CHECK(h, cuMemcpy2D(&c));
  for (int i = 0; i < H * W; i++)
    swant[i] = sv[i] * 3 + i % W;
  cf_host_cmp_u32(h, "array.kernel_surface", sgot, swant, H * W);

  CF_CHECK(h, cuSurfObjectDestroy(s));
  CF_CHECK(h, cuMemFree(out));
  CF_CHECK(h, cuArrayDestroy(sa));
  CF_CHECK(h, cuArrayDestroy(a));
}

/* Arrays die with their context: its memory comes back. */
static void context_teardown(struct cf_host *h)
{
  size_t free0, free1, free2, total;
  CUcontext ctx;

  CF_CHECK(h, cuMemGetInfo(&free0, &total));
  CF_CHECK(h, cuCtxCreate(&ctx, NULL, 0, h->dev));
  make_array(h, 1024, 1024, 0, CU_AD_FORMAT_FLOAT, 4, 0); /* 16 MiB, never destroyed */
  CF_CHECK(h, cuMemGetInfo(&free1, &total));
  CF_CHECK(h, cuCtxDestroy(ctx));
  CF_CHECK(h, cuCtxSetCurrent(h->ctx));
  CF_CHECK(h, cuMemGetInfo(&free2, &total));
  cf_host_result(h, free1 + (16u << 20) <= free0 && free2 == free0, "array.context_teardown",
                 "free %zu -> %zu -> %zu", free0, free1, free2);
}

int main(int argc, char **argv)
{
  struct cf_host h;

  cf_host_usage(argc, argv, 1, "PTX");
  cf_host_open(&h, "array", argv[1]);
  descriptors(&h);
  copies_2d(&h);
  copies_3d(&h);
  mipmaps(&h);
  objects(&h);
  kernels(&h);
  context_teardown(&h);
  cf_host_codes_digest(&h);
  return cf_host_finish(&h);
}
