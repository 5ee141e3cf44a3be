/* Unit tests for emu/texobj.c: texture objects over arrays, mipmapped
 * arrays, linear and pitched memory, with resource views; surface objects;
 * the Get*Desc round trips; every error case; objects outliving their
 * array; handles of destroyed objects and of other contexts. With the
 * argument "launch": kernels reading a texture and writing a surface
 * (emu/ptx/ interprets tex and sust), and the faults of a destroyed
 * object, a destroyed array and another context's object. Run with
 * CUFERRY_EMU_MEMORY=256M. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu_test.h"

static CUarray make_array(size_t w, size_t h, size_t d, CUarray_format f,
                          unsigned ch, unsigned flags)
{
  CUDA_ARRAY3D_DESCRIPTOR x = { .Width = w, .Height = h, .Depth = d,
                                .Format = f, .NumChannels = ch, .Flags = flags };
  CUarray a;
  CU_OK(cuArray3DCreate(&a, &x));
  return a;
}

static CUDA_RESOURCE_DESC array_res(CUarray a)
{
  CUDA_RESOURCE_DESC rd;
  memset(&rd, 0, sizeof rd);
  rd.resType = CU_RESOURCE_TYPE_ARRAY;
  rd.res.array.hArray = a;
  return rd;
}

static CUDA_TEXTURE_DESC tex_desc(unsigned flags)
{
  CUDA_TEXTURE_DESC td;
  memset(&td, 0, sizeof td);
  td.addressMode[0] = td.addressMode[1] = td.addressMode[2] =
      CU_TR_ADDRESS_MODE_CLAMP;
  td.filterMode = CU_TR_FILTER_MODE_POINT;
  td.flags = flags;
  return td;
}

static void test_array_objects(void)
{
  CUarray a = make_array(32, 16, 0, CU_AD_FORMAT_FLOAT, 1, 0);
  CUDA_RESOURCE_DESC rd = array_res(a), got;
  CUDA_TEXTURE_DESC td = tex_desc(CU_TRSF_NORMALIZED_COORDINATES), tgot;
  CUDA_RESOURCE_VIEW_DESC vgot;
  CUtexObject t = 0, t2 = 0;

  td.addressMode[0] = CU_TR_ADDRESS_MODE_WRAP;
  td.filterMode = CU_TR_FILTER_MODE_LINEAR;
  td.borderColor[2] = 0.5f;
  td.maxAnisotropy = 4;
  CU_OK(cuTexObjectCreate(&t, &rd, &td, NULL));
  ASSERT_NE(t, 0);
  CU_OK(cuTexObjectCreate(&t2, &rd, &td, NULL));
  ASSERT_NE(t2, t);
  memset(&got, 0xcd, sizeof got);
  CU_OK(cuTexObjectGetResourceDesc(&got, t));
  ASSERT_MEM_EQ(&got, &rd, sizeof rd);
  memset(&tgot, 0xcd, sizeof tgot);
  CU_OK(cuTexObjectGetTextureDesc(&tgot, t));
  ASSERT_MEM_EQ(&tgot, &td, sizeof td);
  /* No view was given. */
  CU_EXPECT(cuTexObjectGetResourceViewDesc(&vgot, t), CUDA_ERROR_INVALID_VALUE);
  CU_EXPECT(cuTexObjectGetResourceDesc(NULL, t), CUDA_ERROR_INVALID_VALUE);
  CU_EXPECT(cuTexObjectGetTextureDesc(NULL, t), CUDA_ERROR_INVALID_VALUE);

  /* A texture is not a surface, and the other way round. */
  CU_EXPECT(cuSurfObjectGetResourceDesc(&got, t), CUDA_ERROR_INVALID_VALUE);
  CU_EXPECT(cuSurfObjectDestroy(t), CUDA_ERROR_INVALID_VALUE);

  CU_OK(cuTexObjectDestroy(t));
  CU_EXPECT(cuTexObjectDestroy(t), CUDA_ERROR_INVALID_VALUE);  /* twice */
  CU_EXPECT(cuTexObjectGetResourceDesc(&got, t), CUDA_ERROR_INVALID_VALUE);
  CU_EXPECT(cuTexObjectDestroy(0), CUDA_ERROR_INVALID_VALUE);
  CU_EXPECT(cuTexObjectDestroy(t + (1ull << 32)), CUDA_ERROR_INVALID_VALUE);
  CU_EXPECT(cuTexObjectDestroy((CUtexObject)(uintptr_t)&rd),
            CUDA_ERROR_INVALID_VALUE);
  /* A new object never reuses a destroyed handle. */
  CU_OK(cuTexObjectCreate(&t, &rd, &td, NULL));
  CUtexObject t3;
  CU_OK(cuTexObjectCreate(&t3, &rd, &td, NULL));
  ASSERT_NE(t3, t);
  CU_OK(cuTexObjectDestroy(t3));

  /* An object outlives its array (dead, but still described). */
  CU_OK(cuArrayDestroy(a));
  CU_OK(cuTexObjectGetResourceDesc(&got, t));
  CU_OK(cuTexObjectDestroy(t));
  CU_OK(cuTexObjectDestroy(t2));
  CU_EXPECT(cuTexObjectCreate(&t, &rd, &td, NULL), CUDA_ERROR_INVALID_VALUE);
  ASSERT_UEQ(t, 0);
}

static void test_views(void)
{
  CUarray a = make_array(8, 4, 0, CU_AD_FORMAT_FLOAT, 2, 0);
  CUarray lay = make_array(8, 4, 5, CU_AD_FORMAT_UNSIGNED_INT8, 4,
                           CUDA_ARRAY3D_LAYERED);
  CUarray cube = make_array(8, 8, 12, CU_AD_FORMAT_HALF, 1,
                            CUDA_ARRAY3D_CUBEMAP | CUDA_ARRAY3D_LAYERED);
  CUDA_ARRAY3D_DESCRIPTOR md = { .Width = 16, .Height = 16,
                                 .Format = CU_AD_FORMAT_FLOAT,
                                 .NumChannels = 1 };
  CUmipmappedArray m;
  CUDA_RESOURCE_DESC rd = array_res(a);
  CUDA_TEXTURE_DESC td = tex_desc(0);
  CUDA_RESOURCE_VIEW_DESC v, vgot;
  CUtexObject t;

  /* Same resource, then the same bytes as another format. */
  memset(&v, 0, sizeof v);
  v.format = CU_RES_VIEW_FORMAT_NONE;
  v.width = 8;
  v.height = 4;
  CU_OK(cuTexObjectCreate(&t, &rd, &td, &v));
  memset(&vgot, 0xcd, sizeof vgot);
  CU_OK(cuTexObjectGetResourceViewDesc(&vgot, t));
  ASSERT_MEM_EQ(&vgot, &v, sizeof v);
  CU_OK(cuTexObjectDestroy(t));
  v.format = CU_RES_VIEW_FORMAT_UINT_2X32;      /* 8 bytes like float2 */
  CU_OK(cuTexObjectCreate(&t, &rd, &td, &v));
  CU_OK(cuTexObjectDestroy(t));
  v.format = CU_RES_VIEW_FORMAT_FLOAT_4X16;     /* 8 bytes too */
  CU_OK(cuTexObjectCreate(&t, &rd, &td, &v));
  CU_OK(cuTexObjectDestroy(t));
  v.format = CU_RES_VIEW_FORMAT_FLOAT_4X32;     /* 16 bytes */
  CU_EXPECT(cuTexObjectCreate(&t, &rd, &td, &v), CUDA_ERROR_INVALID_VALUE);
  v.format = CU_RES_VIEW_FORMAT_UNSIGNED_BC1;
  CU_EXPECT(cuTexObjectCreate(&t, &rd, &td, &v), CUDA_ERROR_NOT_SUPPORTED);
  v.format = (CUresourceViewFormat)0x40;
  CU_EXPECT(cuTexObjectCreate(&t, &rd, &td, &v), CUDA_ERROR_INVALID_VALUE);
  v.format = CU_RES_VIEW_FORMAT_NONE;
  v.width = 9;
  CU_EXPECT(cuTexObjectCreate(&t, &rd, &td, &v), CUDA_ERROR_INVALID_VALUE);
  v.width = 8;
  v.lastLayer = 1;                              /* not layered */
  CU_EXPECT(cuTexObjectCreate(&t, &rd, &td, &v), CUDA_ERROR_INVALID_VALUE);
  v.lastLayer = 0;
  v.lastMipmapLevel = 1;                        /* not mipmapped */
  CU_EXPECT(cuTexObjectCreate(&t, &rd, &td, &v), CUDA_ERROR_INVALID_VALUE);
  v.lastMipmapLevel = 0;

  /* Layers 1..3 of five. */
  rd = array_res(lay);
  v.depth = 5;
  v.firstLayer = 1;
  v.lastLayer = 3;
  CU_OK(cuTexObjectCreate(&t, &rd, &td, &v));
  CU_OK(cuTexObjectDestroy(t));
  v.lastLayer = 5;
  CU_EXPECT(cuTexObjectCreate(&t, &rd, &td, &v), CUDA_ERROR_INVALID_VALUE);
  v.firstLayer = 3;
  v.lastLayer = 2;
  CU_EXPECT(cuTexObjectCreate(&t, &rd, &td, &v), CUDA_ERROR_INVALID_VALUE);

  /* Layered cube maps: whole cubes only. */
  rd = array_res(cube);
  v = (CUDA_RESOURCE_VIEW_DESC){ .width = 8, .height = 8, .depth = 12,
                                 .firstLayer = 6, .lastLayer = 11 };
  CU_OK(cuTexObjectCreate(&t, &rd, &td, &v));
  CU_OK(cuTexObjectDestroy(t));
  v.firstLayer = 2;
  CU_EXPECT(cuTexObjectCreate(&t, &rd, &td, &v), CUDA_ERROR_NOT_SUPPORTED);
  /* Seamless filtering only on cube maps. */
  td.flags = CU_TRSF_SEAMLESS_CUBEMAP;
  CU_OK(cuTexObjectCreate(&t, &rd, &td, NULL));
  CU_OK(cuTexObjectDestroy(t));
  rd = array_res(a);
  CU_EXPECT(cuTexObjectCreate(&t, &rd, &td, NULL), CUDA_ERROR_INVALID_VALUE);
  td.flags = 0;

  /* Mipmapped: normalized coordinates needed; a level range. */
  CU_OK(cuMipmappedArrayCreate(&m, &md, 5));
  memset(&rd, 0, sizeof rd);
  rd.resType = CU_RESOURCE_TYPE_MIPMAPPED_ARRAY;
  rd.res.mipmap.hMipmappedArray = m;
  CU_EXPECT(cuTexObjectCreate(&t, &rd, &td, NULL), CUDA_ERROR_INVALID_VALUE);
  td.flags = CU_TRSF_NORMALIZED_COORDINATES;
  td.mipmapFilterMode = CU_TR_FILTER_MODE_LINEAR;
  td.maxMipmapLevelClamp = 4.0f;
  CU_OK(cuTexObjectCreate(&t, &rd, &td, NULL));
  CUDA_RESOURCE_DESC got;
  CU_OK(cuTexObjectGetResourceDesc(&got, t));
  ASSERT_MEM_EQ(&got, &rd, sizeof rd);
  CU_OK(cuTexObjectDestroy(t));
  v = (CUDA_RESOURCE_VIEW_DESC){ .width = 16, .height = 16,
                                 .firstMipmapLevel = 1, .lastMipmapLevel = 4 };
  CU_OK(cuTexObjectCreate(&t, &rd, &td, &v));
  CU_OK(cuTexObjectGetResourceViewDesc(&vgot, t));
  ASSERT_MEM_EQ(&vgot, &v, sizeof v);
  v.lastMipmapLevel = 5;
  CUtexObject t2;
  CU_EXPECT(cuTexObjectCreate(&t2, &rd, &td, &v), CUDA_ERROR_INVALID_VALUE);
  /* A level is an array: a texture over it, dead with the mipmapped array. */
  CUarray lv;
  CUtexObject tl;
  CU_OK(cuMipmappedArrayGetLevel(&lv, m, 2));
  CUDA_RESOURCE_DESC lrd = array_res(lv);
  CU_OK(cuTexObjectCreate(&tl, &lrd, &td, NULL));
  CU_OK(cuMipmappedArrayDestroy(m));
  CU_OK(cuTexObjectGetResourceViewDesc(&vgot, t));
  CU_OK(cuTexObjectDestroy(t));
  CU_OK(cuTexObjectDestroy(tl));

  CU_OK(cuArrayDestroy(cube));
  CU_OK(cuArrayDestroy(lay));
  CU_OK(cuArrayDestroy(a));
}

static CUDA_RESOURCE_DESC linear_res(CUdeviceptr p, size_t bytes)
{
  CUDA_RESOURCE_DESC rd;
  memset(&rd, 0, sizeof rd);
  rd.resType = CU_RESOURCE_TYPE_LINEAR;
  rd.res.linear.devPtr = p;
  rd.res.linear.format = CU_AD_FORMAT_FLOAT;
  rd.res.linear.numChannels = 1;
  rd.res.linear.sizeInBytes = bytes;
  return rd;
}

static CUDA_RESOURCE_DESC pitch_res(CUdeviceptr p, size_t w, size_t h,
                                    size_t pitch)
{
  CUDA_RESOURCE_DESC rd;
  memset(&rd, 0, sizeof rd);
  rd.resType = CU_RESOURCE_TYPE_PITCH2D;
  rd.res.pitch2D.devPtr = p;
  rd.res.pitch2D.format = CU_AD_FORMAT_UNSIGNED_INT8;
  rd.res.pitch2D.numChannels = 4;
  rd.res.pitch2D.width = w;
  rd.res.pitch2D.height = h;
  rd.res.pitch2D.pitchInBytes = pitch;
  return rd;
}

static void test_memory_objects(void)
{
  CUDA_TEXTURE_DESC td = tex_desc(CU_TRSF_READ_AS_INTEGER), tgot;
  CUDA_RESOURCE_DESC rd, got;
  CUDA_RESOURCE_VIEW_DESC v = { .width = 1024 };
  CUdeviceptr d, pd;
  size_t pitch;
  CUtexObject t;
  int align;

  CU_OK(cuDeviceGetAttribute(&align, CU_DEVICE_ATTRIBUTE_TEXTURE_ALIGNMENT, 0));
  CU_OK(cuMemAlloc(&d, 4096));
  ASSERT_UEQ(d % (unsigned)align, 0);  /* every allocation is aligned */

  /* LINEAR: address and filter modes are ignored (not checked). */
  rd = linear_res(d, 4096);
  td.addressMode[1] = (CUaddress_mode)77;
  td.filterMode = (CUfilter_mode)9;
  CU_OK(cuTexObjectCreate(&t, &rd, &td, NULL));
  CU_OK(cuTexObjectGetResourceDesc(&got, t));
  ASSERT_MEM_EQ(&got, &rd, sizeof rd);
  CU_OK(cuTexObjectGetTextureDesc(&tgot, t));
  ASSERT_MEM_EQ(&tgot, &td, sizeof td);
  CU_OK(cuTexObjectDestroy(t));
  td = tex_desc(0);
  rd = linear_res(d + 4, 64);                      /* misaligned */
  CU_EXPECT(cuTexObjectCreate(&t, &rd, &td, NULL), CUDA_ERROR_INVALID_VALUE);
  rd = linear_res(d, 4097);                        /* past the allocation */
  CU_EXPECT(cuTexObjectCreate(&t, &rd, &td, NULL), CUDA_ERROR_INVALID_VALUE);
  rd = linear_res(d, 3);                           /* no whole element */
  CU_EXPECT(cuTexObjectCreate(&t, &rd, &td, NULL), CUDA_ERROR_INVALID_VALUE);
  rd = linear_res(d, ((size_t)1 << 28) * 4 + 4);   /* over the linear width */
  CU_EXPECT(cuTexObjectCreate(&t, &rd, &td, NULL), CUDA_ERROR_INVALID_VALUE);
  rd = linear_res(d, 4096);
  rd.res.linear.numChannels = 3;
  CU_EXPECT(cuTexObjectCreate(&t, &rd, &td, NULL), CUDA_ERROR_INVALID_VALUE);
  rd.res.linear.numChannels = 1;
  rd.res.linear.format = CU_AD_FORMAT_NV12;
  CU_EXPECT(cuTexObjectCreate(&t, &rd, &td, NULL), CUDA_ERROR_NOT_SUPPORTED);
  rd = linear_res(d, 4096);
  CU_EXPECT(cuTexObjectCreate(&t, &rd, &td, &v), CUDA_ERROR_INVALID_VALUE);
  rd = linear_res(0x1000, 4096);                   /* not device memory */
  CU_EXPECT(cuTexObjectCreate(&t, &rd, &td, NULL), CUDA_ERROR_INVALID_VALUE);

  /* PITCH2D over cuMemAllocPitch memory. */
  CU_OK(cuMemAllocPitch(&pd, &pitch, 40 * 4, 30, 4));
  rd = pitch_res(pd, 40, 30, pitch);
  CU_OK(cuTexObjectCreate(&t, &rd, &td, NULL));
  CU_OK(cuTexObjectGetResourceDesc(&got, t));
  ASSERT_MEM_EQ(&got, &rd, sizeof rd);
  CU_OK(cuTexObjectDestroy(t));
  rd = pitch_res(pd, 40, 30, 160);                 /* tight but aligned */
  CU_OK(cuTexObjectCreate(&t, &rd, &td, NULL));
  CU_OK(cuTexObjectDestroy(t));
  rd = pitch_res(pd, 40, 30, 164);                 /* pitch not aligned */
  CU_EXPECT(cuTexObjectCreate(&t, &rd, &td, NULL), CUDA_ERROR_INVALID_VALUE);
  rd = pitch_res(pd, 40, 30, 128);                 /* pitch < row */
  CU_EXPECT(cuTexObjectCreate(&t, &rd, &td, NULL), CUDA_ERROR_INVALID_VALUE);
  rd = pitch_res(pd, 0, 30, pitch);
  CU_EXPECT(cuTexObjectCreate(&t, &rd, &td, NULL), CUDA_ERROR_INVALID_VALUE);
  rd = pitch_res(pd, 40, 0, pitch);
  CU_EXPECT(cuTexObjectCreate(&t, &rd, &td, NULL), CUDA_ERROR_INVALID_VALUE);
  rd = pitch_res(pd, 40, 31, pitch);               /* past the allocation */
  CU_EXPECT(cuTexObjectCreate(&t, &rd, &td, NULL), CUDA_ERROR_INVALID_VALUE);
  rd = pitch_res(pd, 40, 65001, pitch);            /* over the height limit */
  CU_EXPECT(cuTexObjectCreate(&t, &rd, &td, NULL), CUDA_ERROR_INVALID_VALUE);
  rd = pitch_res(pd, 40, 2, 2097120 + 32);         /* over the pitch limit */
  CU_EXPECT(cuTexObjectCreate(&t, &rd, &td, NULL), CUDA_ERROR_INVALID_VALUE);
  rd = pitch_res(pd + 32, 4, 2, pitch);            /* misaligned base */
  CU_EXPECT(cuTexObjectCreate(&t, &rd, &td, NULL), CUDA_ERROR_INVALID_VALUE);

  CU_OK(cuMemFree(pd));
  CU_OK(cuMemFree(d));
}

static void test_errors(void)
{
  CUarray a = make_array(8, 8, 0, CU_AD_FORMAT_FLOAT, 1, 0);
  CUDA_RESOURCE_DESC rd = array_res(a);
  CUDA_TEXTURE_DESC td = tex_desc(0);
  CUtexObject t = 1;

  CU_EXPECT(cuTexObjectCreate(NULL, &rd, &td, NULL), CUDA_ERROR_INVALID_VALUE);
  CU_EXPECT(cuTexObjectCreate(&t, NULL, &td, NULL), CUDA_ERROR_INVALID_VALUE);
  ASSERT_UEQ(t, 0);
  CU_EXPECT(cuTexObjectCreate(&t, &rd, NULL, NULL), CUDA_ERROR_INVALID_VALUE);
  rd.flags = 1;
  CU_EXPECT(cuTexObjectCreate(&t, &rd, &td, NULL), CUDA_ERROR_INVALID_VALUE);
  rd.flags = 0;
  rd.resType = (CUresourcetype)7;
  CU_EXPECT(cuTexObjectCreate(&t, &rd, &td, NULL), CUDA_ERROR_INVALID_VALUE);
  rd = array_res((CUarray)&td);                    /* not an array */
  CU_EXPECT(cuTexObjectCreate(&t, &rd, &td, NULL), CUDA_ERROR_INVALID_VALUE);
  rd.resType = CU_RESOURCE_TYPE_MIPMAPPED_ARRAY;
  CU_EXPECT(cuTexObjectCreate(&t, &rd, &td, NULL), CUDA_ERROR_INVALID_VALUE);
  rd = array_res(a);
  td.addressMode[2] = (CUaddress_mode)4;
  CU_EXPECT(cuTexObjectCreate(&t, &rd, &td, NULL), CUDA_ERROR_INVALID_VALUE);
  td = tex_desc(0);
  td.filterMode = (CUfilter_mode)2;
  CU_EXPECT(cuTexObjectCreate(&t, &rd, &td, NULL), CUDA_ERROR_INVALID_VALUE);
  td = tex_desc(0);
  td.mipmapFilterMode = (CUfilter_mode)2;
  CU_EXPECT(cuTexObjectCreate(&t, &rd, &td, NULL), CUDA_ERROR_INVALID_VALUE);
  td = tex_desc(0x100);                             /* unknown flag */
  CU_EXPECT(cuTexObjectCreate(&t, &rd, &td, NULL), CUDA_ERROR_INVALID_VALUE);
  /* Every documented flag together (no cube: no seamless). */
  td = tex_desc(CU_TRSF_READ_AS_INTEGER | CU_TRSF_NORMALIZED_COORDINATES |
                CU_TRSF_SRGB | CU_TRSF_DISABLE_TRILINEAR_OPTIMIZATION);
  td.addressMode[0] = CU_TR_ADDRESS_MODE_MIRROR;
  td.addressMode[1] = CU_TR_ADDRESS_MODE_BORDER;
  CU_OK(cuTexObjectCreate(&t, &rd, &td, NULL));
  CU_OK(cuTexObjectDestroy(t));
  CU_OK(cuArrayDestroy(a));
}

static void test_surfaces(void)
{
  CUarray s2 = make_array(16, 16, 0, CU_AD_FORMAT_SIGNED_INT32, 2,
                          CUDA_ARRAY3D_SURFACE_LDST);
  CUarray s3 = make_array(4, 4, 4, CU_AD_FORMAT_UNSIGNED_INT8, 1,
                          CUDA_ARRAY3D_SURFACE_LDST);
  CUarray plain = make_array(16, 16, 0, CU_AD_FORMAT_FLOAT, 1, 0);
  CUDA_RESOURCE_DESC rd = array_res(s2), got;
  CUDA_TEXTURE_DESC td = tex_desc(0);
  CUsurfObject s = 0, s_3d;
  CUtexObject t;
  CUdeviceptr d;

  CU_OK(cuSurfObjectCreate(&s, &rd));
  ASSERT_NE(s, 0);
  memset(&got, 0xcd, sizeof got);
  CU_OK(cuSurfObjectGetResourceDesc(&got, s));
  ASSERT_MEM_EQ(&got, &rd, sizeof rd);
  CU_EXPECT(cuSurfObjectGetResourceDesc(NULL, s), CUDA_ERROR_INVALID_VALUE);
  CU_EXPECT(cuTexObjectGetResourceDesc(&got, s), CUDA_ERROR_INVALID_VALUE);
  CU_EXPECT(cuTexObjectDestroy(s), CUDA_ERROR_INVALID_VALUE);
  /* A texture over the same array. */
  CU_OK(cuTexObjectCreate(&t, &rd, &td, NULL));
  rd = array_res(s3);
  CU_OK(cuSurfObjectCreate(&s_3d, &rd));

  CU_EXPECT(cuSurfObjectCreate(NULL, &rd), CUDA_ERROR_INVALID_VALUE);
  CU_EXPECT(cuSurfObjectCreate(&s, NULL), CUDA_ERROR_INVALID_VALUE);
  ASSERT_UEQ(s, 0);
  rd.flags = 2;
  CU_EXPECT(cuSurfObjectCreate(&s, &rd), CUDA_ERROR_INVALID_VALUE);
  rd = array_res(plain);                            /* no SURFACE_LDST */
  CU_EXPECT(cuSurfObjectCreate(&s, &rd), CUDA_ERROR_INVALID_VALUE);
  CU_OK(cuMemAlloc(&d, 1024));
  rd = linear_res(d, 1024);                         /* arrays only */
  CU_EXPECT(cuSurfObjectCreate(&s, &rd), CUDA_ERROR_INVALID_VALUE);
  CU_OK(cuMemFree(d));

  rd = array_res(s2);
  CU_OK(cuSurfObjectCreate(&s, &rd));
  CU_OK(cuSurfObjectDestroy(s));
  CU_EXPECT(cuSurfObjectDestroy(s), CUDA_ERROR_INVALID_VALUE);
  CU_EXPECT(cuSurfObjectGetResourceDesc(&got, s), CUDA_ERROR_INVALID_VALUE);
  CU_OK(cuArrayDestroy(s2));      /* with a texture over it: it goes dead */
  CU_OK(cuTexObjectDestroy(t));
  CU_OK(cuSurfObjectDestroy(s_3d));
  CU_OK(cuArrayDestroy(s3));
  CU_OK(cuArrayDestroy(plain));
}

/* Objects belong to their context. */
static void test_other_context(void)
{
  CUcontext a, b;
  CUarray arr = make_array(4, 4, 0, CU_AD_FORMAT_FLOAT, 1,
                           CUDA_ARRAY3D_SURFACE_LDST);
  CUDA_RESOURCE_DESC rd = array_res(arr), got;
  CUDA_TEXTURE_DESC td = tex_desc(0);
  CUtexObject t, tb;
  CUsurfObject s;

  CU_OK(cuCtxGetCurrent(&a));
  CU_OK(cuTexObjectCreate(&t, &rd, &td, NULL));
  CU_OK(cuSurfObjectCreate(&s, &rd));
  CU_OK(cuCtxCreate(&b, NULL, 0, 0));
  CU_EXPECT(cuTexObjectGetResourceDesc(&got, t), CUDA_ERROR_INVALID_VALUE);
  CU_EXPECT(cuTexObjectDestroy(t), CUDA_ERROR_INVALID_VALUE);
  CU_EXPECT(cuSurfObjectDestroy(s), CUDA_ERROR_INVALID_VALUE);
  /* Nor may another context's array back an object. */
  CU_EXPECT(cuTexObjectCreate(&tb, &rd, &td, NULL), CUDA_ERROR_INVALID_VALUE);
  CU_EXPECT(cuSurfObjectCreate(&s, &rd), CUDA_ERROR_INVALID_VALUE);
  CU_OK(cuCtxDestroy(b));
  CU_OK(cuCtxSetCurrent(a));
  CU_OK(cuTexObjectDestroy(t));
  CU_OK(cuArrayDestroy(arr));
}

/* ---- Launches: the resolver behind tex, suld and sust ------------------- */

/* copy: out[y][x] = tex2D(tex, x + .5, y + .5).x (raw uint32 texels), and
 * the same value plus 1 stored through surface surf at (x, y). */
static const char tex_ptx[] =
  ".version 7.0\n"
  ".target sm_80\n"
  ".address_size 64\n"
  ".visible .entry copy(.param .u64 tex, .param .u64 surf, .param .u64 out)\n"
  "{\n"
  "  .reg .b32 %r<20>;\n"
  "  .reg .b64 %rd<8>;\n"
  "  .reg .f32 %f<4>;\n"
  "  ld.param.u64 %rd1, [tex];\n"
  "  ld.param.u64 %rd2, [surf];\n"
  "  ld.param.u64 %rd3, [out];\n"
  "  mov.u32 %r1, %tid.x;\n"
  "  mov.u32 %r2, %tid.y;\n"
  "  mov.u32 %r3, %ntid.x;\n"
  "  cvt.rn.f32.u32 %f1, %r1;\n"
  "  cvt.rn.f32.u32 %f2, %r2;\n"
  "  add.f32 %f1, %f1, 0f3F000000;\n"
  "  add.f32 %f2, %f2, 0f3F000000;\n"
  "  tex.2d.v4.u32.f32 {%r10,%r11,%r12,%r13}, [%rd1, {%f1,%f2}];\n"
  "  mad.lo.u32 %r4, %r2, %r3, %r1;\n"
  "  mul.wide.u32 %rd4, %r4, 4;\n"
  "  add.u64 %rd5, %rd3, %rd4;\n"
  "  st.global.u32 [%rd5], %r10;\n"
  "  add.u32 %r14, %r10, 1;\n"
  "  shl.b32 %r5, %r1, 2;\n"
  "  sust.b.2d.b32.trap [%rd2, {%r5,%r2}], {%r14};\n"
  "  ret;\n"
  "}\n";

enum { LW = 8, LH = 4 };

static CUresult run_copy(CUfunction f, CUtexObject t, CUsurfObject s,
                         CUdeviceptr out)
{
  void *args[] = { &t, &s, &out };
  CUresult r = cuLaunchKernel(f, 1, 1, 1, LW, LH, 1, 0, NULL, args, NULL);
  return r != CUDA_SUCCESS ? r : cuCtxSynchronize();
}

static void test_launch(void)
{
  uint32_t img[LH][LW], got[LH][LW];
  CUarray a = make_array(LW, LH, 0, CU_AD_FORMAT_UNSIGNED_INT32, 1,
                         CUDA_ARRAY3D_SURFACE_LDST);
  CUarray b = make_array(LW, LH, 0, CU_AD_FORMAT_UNSIGNED_INT32, 1,
                         CUDA_ARRAY3D_SURFACE_LDST);
  CUDA_RESOURCE_DESC ra = array_res(a), rb = array_res(b);
  CUDA_TEXTURE_DESC td = tex_desc(CU_TRSF_READ_AS_INTEGER);
  CUDA_MEMCPY2D c;
  CUtexObject t;
  CUsurfObject s;
  CUdeviceptr out;
  CUmodule mod;
  CUfunction f;
  CUcontext main_ctx, other;

  for (unsigned y = 0; y < LH; y++)
    for (unsigned x = 0; x < LW; x++)
      img[y][x] = 1000 * y + x;
  c = (CUDA_MEMCPY2D){
    .srcMemoryType = CU_MEMORYTYPE_HOST, .srcHost = img,
    .srcPitch = sizeof img[0], .dstMemoryType = CU_MEMORYTYPE_ARRAY,
    .dstArray = a, .WidthInBytes = sizeof img[0], .Height = LH,
  };
  CU_OK(cuMemcpy2D(&c));
  CU_OK(cuMemAlloc(&out, sizeof got));
  CU_OK(cuModuleLoadData(&mod, tex_ptx));
  CU_OK(cuModuleGetFunction(&f, mod, "copy"));
  CU_OK(cuTexObjectCreate(&t, &ra, &td, NULL));
  CU_OK(cuSurfObjectCreate(&s, &rb));

  CU_OK(run_copy(f, t, s, out));
  CU_OK(cuMemcpyDtoH(got, out, sizeof got));
  ASSERT_MEM_EQ(got, img, sizeof img);
  c = (CUDA_MEMCPY2D){
    .srcMemoryType = CU_MEMORYTYPE_ARRAY, .srcArray = b,
    .dstMemoryType = CU_MEMORYTYPE_HOST, .dstHost = got,
    .dstPitch = sizeof got[0], .WidthInBytes = sizeof got[0], .Height = LH,
  };
  CU_OK(cuMemcpy2D(&c));
  for (unsigned y = 0; y < LH; y++)
    for (unsigned x = 0; x < LW; x++)
      ASSERT_UEQ(got[y][x], img[y][x] + 1);

  /* Launches resolve handles on the stream's thread while this one makes
   * and destroys other objects (the table grows meanwhile). */
  CUstream st;
  CUtexObject extra[100];
  void *args[] = { &t, &s, &out };
  CU_OK(cuStreamCreate(&st, CU_STREAM_NON_BLOCKING));
  for (int i = 0; i < 20; i++)
    CU_OK(cuLaunchKernel(f, 1, 1, 1, LW, LH, 1, 0, st, args, NULL));
  for (int i = 0; i < 100; i++)
    CU_OK(cuTexObjectCreate(&extra[i], &ra, &td, NULL));
  CU_OK(cuStreamSynchronize(st));
  for (int i = 0; i < 100; i++)
    CU_OK(cuTexObjectDestroy(extra[i]));
  CU_OK(cuStreamDestroy(st));
  CU_OK(cuMemcpyDtoH(got, out, sizeof got));
  ASSERT_MEM_EQ(got, img, sizeof img);

  /* The texture's array destroyed: the next launch naming it faults (the
   * context is then unusable, so this runs in a context of its own). */
  fprintf(stderr, "(three 'no texture object' faults are expected next)\n");
  CU_OK(cuCtxGetCurrent(&main_ctx));
  CU_OK(cuCtxCreate(&other, NULL, 0, 0));
  CUarray oa = make_array(LW, LH, 0, CU_AD_FORMAT_UNSIGNED_INT32, 1,
                          CUDA_ARRAY3D_SURFACE_LDST);
  CUDA_RESOURCE_DESC ro = array_res(oa);
  CUtexObject ot;
  CUsurfObject os;
  CUmodule omod;
  CUfunction of;
  CUdeviceptr oout;
  CU_OK(cuMemAlloc(&oout, sizeof got));
  CU_OK(cuModuleLoadData(&omod, tex_ptx));
  CU_OK(cuModuleGetFunction(&of, omod, "copy"));
  CU_OK(cuTexObjectCreate(&ot, &ro, &td, NULL));
  CU_OK(cuSurfObjectCreate(&os, &ro));
  CU_OK(run_copy(of, ot, os, oout));
  /* Another context's objects are not this one's. */
  CU_EXPECT(run_copy(of, t, os, oout), CUDA_ERROR_ILLEGAL_ADDRESS);
  CU_OK(cuCtxDestroy(other));
  CU_OK(cuCtxSetCurrent(main_ctx));

  CU_OK(cuCtxCreate(&other, NULL, 0, 0));
  oa = make_array(LW, LH, 0, CU_AD_FORMAT_UNSIGNED_INT32, 1,
                  CUDA_ARRAY3D_SURFACE_LDST);
  ro = array_res(oa);
  CU_OK(cuMemAlloc(&oout, sizeof got));
  CU_OK(cuModuleLoadData(&omod, tex_ptx));
  CU_OK(cuModuleGetFunction(&of, omod, "copy"));
  CU_OK(cuTexObjectCreate(&ot, &ro, &td, NULL));
  CU_OK(cuSurfObjectCreate(&os, &ro));
  CU_OK(cuArrayDestroy(oa));
  CU_EXPECT(run_copy(of, ot, os, oout), CUDA_ERROR_ILLEGAL_ADDRESS);
  CU_OK(cuCtxDestroy(other));
  CU_OK(cuCtxSetCurrent(main_ctx));

  /* A destroyed texture object, in the main context last. */
  CU_OK(cuTexObjectDestroy(t));
  CU_EXPECT(run_copy(f, t, s, out), CUDA_ERROR_ILLEGAL_ADDRESS);
}

int main(int argc, char **argv)
{
  CUtexObject t;
  CUDA_RESOURCE_DESC rd;
  CUDA_TEXTURE_DESC td = tex_desc(0);

  memset(&rd, 0, sizeof rd);
  CU_EXPECT(cuTexObjectCreate(&t, &rd, &td, NULL), CUDA_ERROR_NOT_INITIALIZED);
  CU_OK(cuInit(0));
  CU_EXPECT(cuTexObjectCreate(&t, &rd, &td, NULL), CUDA_ERROR_INVALID_CONTEXT);
  emu_test_context();
  if (argc > 1 && strcmp(argv[1], "launch") == 0) {
    test_launch();
    return 0;
  }
  test_array_objects();
  test_views();
  test_memory_objects();
  test_errors();
  test_surfaces();
  test_other_context();
  return 0;
}
