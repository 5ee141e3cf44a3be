/* Textures and surfaces in the PTX interpreter, from hand-written PTX: tex
 * (1d, 2d, 3d, a1d, a2d; integer coordinates; .level and .grad; the
 * {d}|p form), tld4, txq, suq, suld.b and sust.b, against a fake resolver
 * (tex_testlib.h). Results are checked exactly: point sampling against
 * the texels, linear filtering against a CPU model written here from the
 * programming guide's formulas (9-bit weights), normalised reads against
 * v/(2^n-1). Also the faults (bad handle, texel outside memory, surface
 * .trap, misaligned x) and operands refused at load. nvcc output is
 * tested by test_ptx_tex_nvcc.c. */
#include <math.h>
#include <stdio.h>

#include "tex_testlib.h"

/* ---- kernels: thread i reads 16 bytes of in (as %r1..%r4 and the same
 * bits as %f1..%f4) and stores %r10..%r13 to out ---- */

static const char *const BODIES[][2] = {
  {"t1d", "tex.1d.v4.f32.f32 {%r10,%r11,%r12,%r13}, [%rd1, {%f1}];"},
  {"t1di", "tex.1d.v4.f32.s32 {%r10,%r11,%r12,%r13}, [%rd1, %r1];"},
  {"t1dii", "tex.1d.v4.s32.s32 {%r10,%r11,%r12,%r13}, [%rd1, {%r1}];"},
  {"t2d", "tex.2d.v4.f32.f32 {%r10,%r11,%r12,%r13}, [%rd1, {%f1,%f2}];"},
  {"t2du", "tex.2d.v4.u32.f32 {%r10,%r11,%r12,%r13}, [%rd1, {%f1,%f2}];"},
  {"t3d", "tex.3d.v4.f32.f32 {%r10,%r11,%r12,%r13}, [%rd1, {%f1,%f2,%f3,%f4}];"},
  {"ta1d", "tex.a1d.v4.f32.f32 {%r10,%r11,%r12,%r13}, [%rd1, {%r1,%f2}];"},
  {"ta2d", "tex.a2d.v4.f32.f32 {%r10,%r11,%r12,%r13}, [%rd1, {%r1,%f2,%f3,%f4}];"},
  {"tlev", "tex.level.2d.v4.f32.f32 {%r10,%r11,%r12,%r13}, [%rd1, {%f1,%f2}], %f3;"},
  {"tgrad", "mov.f32 %f5, 0f00000000;\n"
            "tex.grad.2d.v4.f32.f32 {%r10,%r11,%r12,%r13}, [%rd1, {%f1,%f2}], "
            "{%f3,%f5}, {%f5,%f4};"},
  {"tpred", "tex.2d.v4.f32.f32 {%r10,%r11,%r12,%f9}|%p1, [%rd1, {%f1,%f2}];\n"
            "selp.u32 %r13, 7, 9, %p1;"},
  {"tld4r", "tld4.r.2d.v4.f32.f32 {%r10,%r11,%r12,%r13}, [%rd1, {%f1,%f2}];"},
  {"tld4g", "tld4.g.2d.v4.f32.f32 {%r10,%r11,%r12,%r13}, [%rd1, {%f1,%f2}];"},
  {"tld4i", "tld4.a.2d.v4.s32.f32 {%r10,%r11,%r12,%r13}, [%rd1, {%f1,%f2}];"},
  {"txq1", "txq.width.b32 %r10, [%rd1]; txq.height.b32 %r11, [%rd1];\n"
           "txq.depth.b32 %r12, [%rd1]; txq.num_mipmap_levels.b32 %r13, [%rd1];"},
  {"txq2", "txq.channel_data_type.b32 %r10, [%rd1];\n"
           "txq.channel_order.b32 %r11, [%rd1];\n"
           "txq.normalized_coords.b32 %r12, [%rd1];\n"
           "txq.filter_mode.b32 %r13, [%rd1];"},
  {"txq3", "txq.addr_mode_0.b32 %r10, [%rd1]; txq.addr_mode_1.b32 %r11, [%rd1];\n"
           "txq.addr_mode_2.b32 %r12, [%rd1]; txq.array_size.b32 %r13, [%rd1];"},
  {"txql", "txq.level.width.b32 %r10, [%rd1], %r1;\n"
           "txq.level.height.b32 %r11, [%rd1], %r1;\n"
           "txq.level.depth.b32 %r12, [%rd1], %r1; mov.u32 %r13, 0;"},
  {"suq1", "suq.width.b32 %r10, [%rd1]; suq.height.b32 %r11, [%rd1];\n"
           "suq.depth.b32 %r12, [%rd1]; suq.channel_data_type.b32 %r13, [%rd1];"},
  {"suq2", "suq.channel_order.b32 %r10, [%rd1]; suq.array_size.b32 %r11, [%rd1];\n"
           "suq.memory_layout.b32 %r12, [%rd1]; mov.u32 %r13, 5;"},
  /* surfaces: coordinates %r1.. ; a store's value %r4 (or %r3 for 3d) */
  {"ld2t", "suld.b.2d.b32.trap {%r10}, [%rd1, {%r1,%r2}]; mov.u32 %r11, 0;"},
  {"ld2c", "suld.b.2d.b32.clamp {%r10}, [%rd1, {%r1,%r2}]; mov.u32 %r11, 0;"},
  {"ld2z", "suld.b.2d.b32.zero {%r10}, [%rd1, {%r1,%r2}]; mov.u32 %r11, 0;"},
  {"st2t", "sust.b.2d.b32.trap [%rd1, {%r1,%r2}], {%r4}; mov.u32 %r10, 0;"},
  {"st2c", "sust.b.2d.b32.clamp [%rd1, {%r1,%r2}], {%r4}; mov.u32 %r10, 0;"},
  {"st2z", "sust.b.2d.b32.zero [%rd1, {%r1,%r2}], {%r4}; mov.u32 %r10, 0;"},
  {"ld2v4b8", "suld.b.2d.v4.b8.trap {%rs1,%rs2,%rs3,%rs4}, [%rd1, {%r1,%r2}];\n"
              "cvt.u32.u16 %r10, %rs1; cvt.u32.u16 %r11, %rs2;\n"
              "cvt.u32.u16 %r12, %rs3; cvt.u32.u16 %r13, %rs4;"},
  {"st2v4b8", "cvt.u16.u32 %rs1, %r3; cvt.u16.u32 %rs2, %r4;\n"
              "sust.b.2d.v4.b8.trap [%rd1, {%r1,%r2}], {%rs1,%rs2,%rs1,%rs2};\n"
              "mov.u32 %r10, 0;"},
  {"ld1v2b16", "suld.b.1d.v2.b16.trap {%rs1,%rs2}, [%rd1, {%r1}];\n"
               "cvt.u32.u16 %r10, %rs1; cvt.u32.u16 %r11, %rs2;"},
  {"ld1b64", "suld.b.1d.b64.trap {%rd7}, [%rd1, {%r1}];\n"
             "mov.b64 {%r10,%r11}, %rd7;"},
  {"st1v4", "sust.b.1d.v4.b32.trap [%rd1, {%r1}], {%r2,%r3,%r4,%r2};\n"
            "mov.u32 %r10, 0;"},
  {"ld3", "suld.b.3d.b32.trap {%r10}, [%rd1, {%r1,%r2,%r3,%r3}];"},
  {"st3", "sust.b.3d.b32.trap [%rd1, {%r1,%r2,%r3,%r3}], {%r4}; mov.u32 %r10, 0;"},
  {"lda1", "suld.b.a1d.b32.trap {%r10}, [%rd1, {%r1,%r2}];"},
  {"lda2", "suld.b.a2d.v2.b32.clamp {%r10,%r11}, [%rd1, {%r1,%r2,%r3,%r3}];"},
  {"sta2", "sust.b.a2d.b32.trap [%rd1, {%r1,%r2,%r3,%r3}], {%r4}; mov.u32 %r10, 0;"},
};
#define NBODIES (sizeof BODIES / sizeof *BODIES)

static struct cf_ptx_module *load_kernels(void) {
  static char text[64 << 10];
  size_t n = (size_t)snprintf(text, sizeof text,
                              ".version 8.0\n.target sm_80\n.address_size 64\n");
  for (size_t k = 0; k < NBODIES; k++) {
    n += (size_t)snprintf(
        text + n, sizeof text - n,
        ".visible .entry %s(.param .u64 h, .param .u64 in, .param .u64 out)\n"
        "{\n .reg .b64 %%rd<10>; .reg .f32 %%f<20>; .reg .b32 %%r<20>;\n"
        " .reg .pred %%p<4>; .reg .b16 %%rs<8>;\n"
        " ld.param.u64 %%rd1, [h]; ld.param.u64 %%rd2, [in];\n"
        " ld.param.u64 %%rd3, [out]; mov.u32 %%r0, %%tid.x;\n"
        " mul.wide.u32 %%rd4, %%r0, 16; add.s64 %%rd5, %%rd2, %%rd4;\n"
        " add.s64 %%rd6, %%rd3, %%rd4;\n"
        " ld.global.v4.b32 {%%r1,%%r2,%%r3,%%r4}, [%%rd5];\n"
        " mov.b32 %%f1, %%r1; mov.b32 %%f2, %%r2; mov.b32 %%f3, %%r3;\n"
        " mov.b32 %%f4, %%r4; mov.u32 %%r10, 0; mov.u32 %%r11, 0;\n"
        " mov.u32 %%r12, 0; mov.u32 %%r13, 0;\n"
        " %s\n"
        " st.global.v4.b32 [%%rd6], {%%r10,%%r11,%%r12,%%r13};\n ret;\n}\n",
        BODIES[k][0], BODIES[k][1]);
    ASSERT(n < sizeof text);
  }
  return load_ok(text);
}

static struct cf_ptx_module *MOD;

/* Inputs: four 32-bit values per thread (floats or integers). */
union in4 {
  float f[4];
  int32_t i[4];
  uint32_t u[4];
};

static void runf(const char *name, unsigned k, const union in4 *in, unsigned n,
                 union in4 *out) {
  run_ok(MOD, name, H(k), in, n, out);
}

/* ---- the CPU model of linear filtering ---- */

static float q8(float a) { return floorf(a * 256.0f + 0.5f) / 256.0f; }
static int clampi(int i, int n) { return i < 0 ? 0 : i >= n ? n - 1 : i; }

/* 1 channel, clamp, unnormalised: the guide's 1D and 2D formulas. */
static float lin1(const float *T, int n, float x) {
  float xb = x - 0.5f, a = q8(xb - floorf(xb));
  int i = (int)floorf(xb);
  return (1.0f - a) * T[clampi(i, n)] + a * T[clampi(i + 1, n)];
}
static float lin2(const float *T, int w, int h, float x, float y,
                  float border, int use_border) {
  float xb = x - 0.5f, yb = y - 0.5f;
  float a = q8(xb - floorf(xb)), b = q8(yb - floorf(yb));
  int i = (int)floorf(xb), j = (int)floorf(yb);
#define AT(u, v)                                                             \
  (use_border && ((u) < 0 || (u) >= w || (v) < 0 || (v) >= h)                \
       ? border : T[clampi(v, h) * w + clampi(u, w)])
  return (1.0f - a) * (1.0f - b) * AT(i, j) + a * (1.0f - b) * AT(i + 1, j) +
         (1.0f - a) * b * AT(i, j + 1) + a * b * AT(i + 1, j + 1);
#undef AT
}

/* ---- tests ---- */

static void test_point_and_modes(void) {
  float T[12];                               /* 4 x 3, T = 10 y + x */
  for (int y = 0; y < 3; y++)
    for (int x = 0; x < 4; x++)
      T[y * 4 + x] = (float)(10 * y + x);
  unsigned k = tobj_new(0, 2, CU_AD_FORMAT_FLOAT, 1, 4, 3, 1, 0, 1, T);
  union in4 in[6] = {{{1.5f, 2.5f}}, {{-3.0f, 1.2f}}, {{9.0f, 9.0f}},
                     {{3.99f, 0.0f}}, {{0.0f, 2.999f}}, {{NAN, 1.0f}}};
  union in4 out[6];
  runf("t2d", k, in, 6, out);
  static const float want[6] = {21, 10, 23, 3, 20, 10};
  for (int t = 0; t < 6; t++) {
    ASSERT_DBL_EQ(out[t].f[0], want[t]);
    ASSERT_DBL_EQ(out[t].f[1], 0.0f);        /* missing channels: 0 0 1 */
    ASSERT_DBL_EQ(out[t].f[2], 0.0f);
    ASSERT_DBL_EQ(out[t].f[3], 1.0f);
  }
  /* border, unnormalised */
  TOBJ[k].address_mode[0] = TOBJ[k].address_mode[1] = CU_TR_ADDRESS_MODE_BORDER;
  TOBJ[k].border_color[0] = 7.5f;
  TOBJ[k].border_color[1] = 8.0f;
  union in4 bin[3] = {{{-0.5f, 1.5f}}, {{2.5f, 3.0f}}, {{3.5f, 2.5f}}};
  runf("t2d", k, bin, 3, out);
  ASSERT_DBL_EQ(out[0].f[0], 7.5f);
  ASSERT_DBL_EQ(out[0].f[1], 0.0f);          /* the format has no green */
  ASSERT_DBL_EQ(out[0].f[3], 1.0f);
  ASSERT_DBL_EQ(out[1].f[0], 7.5f);
  ASSERT_DBL_EQ(out[2].f[0], 23.0f);
  /* wrap and mirror need normalised coordinates: unnormalised is clamp */
  TOBJ[k].address_mode[0] = CU_TR_ADDRESS_MODE_WRAP;
  TOBJ[k].address_mode[1] = CU_TR_ADDRESS_MODE_MIRROR;
  union in4 win[1] = {{{5.5f, -1.0f}}};
  runf("t2d", k, win, 1, out);
  ASSERT_DBL_EQ(out[0].f[0], 3.0f);
  /* normalised: wrap x, mirror y */
  TOBJ[k].flags = CU_TRSF_NORMALIZED_COORDINATES;
  union in4 nin[5] = {{{0.3f, 0.5f}}, {{1.3f, 0.5f}}, {{-0.2f, 0.5f}},
                      {{0.1f, 1.2f}}, {{0.1f, -0.2f}}};
  runf("t2d", k, nin, 5, out);
  ASSERT_DBL_EQ(out[0].f[0], 11.0f);         /* x 1.2 -> 1, y 1.5 -> 1 */
  ASSERT_DBL_EQ(out[1].f[0], 11.0f);         /* wrap 1.3 -> 0.3 */
  ASSERT_DBL_EQ(out[2].f[0], 13.0f);         /* wrap -0.2 -> 0.8 -> 3 */
  ASSERT_DBL_EQ(out[3].f[0], 20.0f);         /* mirror 1.2 -> 0.8 -> 2 */
  ASSERT_DBL_EQ(out[4].f[0], 0.0f);          /* mirror -0.2 -> 0.2 -> 0 */
  /* clamp and border with normalised coordinates */
  TOBJ[k].address_mode[0] = CU_TR_ADDRESS_MODE_CLAMP;
  TOBJ[k].address_mode[1] = CU_TR_ADDRESS_MODE_BORDER;
  union in4 cin[2] = {{{1.7f, 0.5f}}, {{0.5f, 1.01f}}};
  runf("t2d", k, cin, 2, out);
  ASSERT_DBL_EQ(out[0].f[0], 13.0f);
  ASSERT_DBL_EQ(out[1].f[0], 7.5f);
}

static void test_linear(void) {
  float T1[5] = {0, 1, 4, 9, 16};
  unsigned k1 = tobj_new(0, 1, CU_AD_FORMAT_FLOAT, 1, 5, 1, 1, 0, 1, T1);
  TOBJ[k1].filter_mode = CU_TR_FILTER_MODE_LINEAR;
  enum { N = 13 };
  static const float xs[N] = {0.3f, 0.5f, 1.7f, 2.5f, 2.501f, 4.9f, -1.0f,
                              7.0f, 1.0f / 3.0f, 3.14159f, 0.0f, 5.0f, 2.998f};
  union in4 in[N], out[N];
  memset(in, 0, sizeof in);
  for (int t = 0; t < N; t++)
    in[t].f[0] = xs[t];
  runf("t1d", k1, in, N, out);
  for (int t = 0; t < N; t++) {
    ASSERT_DBL_EQ(out[t].f[0], lin1(T1, 5, xs[t]));
    ASSERT_DBL_EQ(out[t].f[3], 1.0f);
  }
  /* the 9-bit weight shows: 1/3 of the way is 85/256, not 1/3 */
  ASSERT_DBL_EQ(lin1(T1, 5, 1.5f + 1.0f / 3.0f), 1.0f + 3.0f * 85.0f / 256.0f);
  /* 2D, clamp and border */
  float T2[12];
  for (int t = 0; t < 12; t++)
    T2[t] = (float)((t * 37) % 11) * 0.25f;
  unsigned k2 = tobj_new(0, 2, CU_AD_FORMAT_FLOAT, 1, 4, 3, 1, 0, 1, T2);
  TOBJ[k2].filter_mode = CU_TR_FILTER_MODE_LINEAR;
  enum { M2 = 30 };
  union in4 in2[M2], out2[M2];
  memset(in2, 0, sizeof in2);
  for (int t = 0; t < M2; t++) {
    in2[t].f[0] = -1.0f + 0.19f * (float)t;
    in2[t].f[1] = 3.7f - 0.17f * (float)t;
  }
  runf("t2d", k2, in2, M2, out2);
  for (int t = 0; t < M2; t++)
    ASSERT_DBL_EQ(out2[t].f[0], lin2(T2, 4, 3, in2[t].f[0], in2[t].f[1], 0, 0));
  TOBJ[k2].address_mode[0] = TOBJ[k2].address_mode[1] = CU_TR_ADDRESS_MODE_BORDER;
  TOBJ[k2].border_color[0] = 2.0f;
  runf("t2d", k2, in2, M2, out2);
  for (int t = 0; t < M2; t++)
    ASSERT_DBL_EQ(out2[t].f[0],
                  lin2(T2, 4, 3, in2[t].f[0], in2[t].f[1], 2.0f, 1));
  /* normalised coordinates with wrap: index (i mod n) */
  TOBJ[k1].flags = CU_TRSF_NORMALIZED_COORDINATES;
  TOBJ[k1].address_mode[0] = CU_TR_ADDRESS_MODE_WRAP;
  union in4 w[2] = {{{0.05f}}, {{1.0f}}};
  runf("t1d", k1, w, 2, out);
  float xb = 0.05f * 5.0f - 0.5f, a = q8(xb - floorf(xb));
  ASSERT_DBL_EQ(out[0].f[0], (1.0f - a) * T1[4] + a * T1[0]);
  ASSERT_DBL_EQ(out[1].f[0], 0.5f * T1[4] + 0.5f * T1[0]);
}

static void test_formats(void) {
  /* uchar4, 2 texels: normalised floats, then integers */
  uint8_t u8[8] = {0, 128, 255, 64, 1, 2, 3, 254};
  unsigned k = tobj_new(0, 2, CU_AD_FORMAT_UNSIGNED_INT8, 4, 2, 1, 1, 0, 1, u8);
  union in4 in[2] = {{{0.5f, 0.5f}}, {{1.5f, 0.5f}}}, out[2];
  runf("t2d", k, in, 2, out);
  for (int t = 0; t < 2; t++)
    for (int c = 0; c < 4; c++)
      ASSERT_DBL_EQ(out[t].f[c], (float)u8[t * 4 + c] / 255.0f);
  TOBJ[k].flags = CU_TRSF_READ_AS_INTEGER;
  TOBJ[k].filter_mode = CU_TR_FILTER_MODE_LINEAR;   /* integers: point */
  runf("t2du", k, in, 2, out);
  for (int t = 0; t < 2; t++)
    for (int c = 0; c < 4; c++)
      ASSERT_EQ(out[t].u[c], u8[t * 4 + c]);
  /* signed char: max(v/127, -1) */
  int8_t s8[4] = {-128, -127, 127, 5};
  k = tobj_new(0, 1, CU_AD_FORMAT_SIGNED_INT8, 4, 1, 1, 1, 0, 1, s8);
  union in4 one[1] = {{{0.5f}}};
  runf("t1d", k, one, 1, out);
  ASSERT_DBL_EQ(out[0].f[0], -1.0f);
  ASSERT_DBL_EQ(out[0].f[1], -1.0f);
  ASSERT_DBL_EQ(out[0].f[2], 1.0f);
  ASSERT_DBL_EQ(out[0].f[3], 5.0f / 127.0f);
  TOBJ[k].flags = CU_TRSF_READ_AS_INTEGER;
  runf("t1d", k, one, 1, out);
  ASSERT_EQ(out[0].i[0], -128);              /* sign-extended */
  ASSERT_EQ(out[0].i[3], 5);
  /* short2: 2 channels, then (0, 1) */
  int16_t s16[2] = {-32768, 16384};
  k = tobj_new(0, 1, CU_AD_FORMAT_SIGNED_INT16, 2, 1, 1, 1, 0, 1, s16);
  runf("t1d", k, one, 1, out);
  ASSERT_DBL_EQ(out[0].f[0], -1.0f);
  ASSERT_DBL_EQ(out[0].f[1], 16384.0f / 32767.0f);
  ASSERT_DBL_EQ(out[0].f[2], 0.0f);
  ASSERT_DBL_EQ(out[0].f[3], 1.0f);
  TOBJ[k].flags = CU_TRSF_READ_AS_INTEGER;
  runf("t1d", k, one, 1, out);
  ASSERT_EQ(out[0].i[0], -32768);
  ASSERT_EQ(out[0].i[2], 0);
  ASSERT_EQ(out[0].i[3], 1);                 /* integer one */
  /* ushort */
  uint16_t u16[1] = {65535};
  k = tobj_new(0, 1, CU_AD_FORMAT_UNSIGNED_INT16, 1, 1, 1, 1, 0, 1, u16);
  runf("t1d", k, one, 1, out);
  ASSERT_DBL_EQ(out[0].f[0], 1.0f);
  /* 32-bit integers read as integers without the flag */
  int32_t s32[2] = {-7, 123456789};
  k = tobj_new(0, 1, CU_AD_FORMAT_SIGNED_INT32, 2, 1, 1, 1, 0, 1, s32);
  runf("t1d", k, one, 1, out);
  ASSERT_EQ(out[0].i[0], -7);
  ASSERT_EQ(out[0].i[1], 123456789);
  ASSERT_EQ(out[0].i[3], 1);
  /* half reads as float, even with the integer flag; linear filtered */
  uint16_t h[2] = {0x3c00, 0xc000};           /* 1.0, -2.0 */
  k = tobj_new(0, 1, CU_AD_FORMAT_HALF, 1, 2, 1, 1, 0, 1, h);
  TOBJ[k].flags = CU_TRSF_READ_AS_INTEGER;
  TOBJ[k].filter_mode = CU_TR_FILTER_MODE_LINEAR;
  union in4 hin[2] = {{{0.5f}}, {{1.0f}}};
  runf("t1d", k, hin, 2, out);
  ASSERT_DBL_EQ(out[0].f[0], 1.0f);
  ASSERT_DBL_EQ(out[1].f[0], -0.5f);
}

static void test_int_coords(void) {
  float T[6] = {1, 2, 3, 4, 5, 6};
  unsigned k = tobj_new(0, 1, CU_AD_FORMAT_FLOAT, 1, 6, 1, 1, 0, 1, T);
  TOBJ[k].filter_mode = CU_TR_FILTER_MODE_LINEAR;   /* no effect on fetch */
  TOBJ[k].flags = CU_TRSF_NORMALIZED_COORDINATES;   /* none either */
  union in4 in[4] = {{.i = {0}}, {.i = {5}}, {.i = {-1}}, {.i = {7}}}, out[4];
  runf("t1di", k, in, 4, out);
  ASSERT_DBL_EQ(out[0].f[0], 1.0f);
  ASSERT_DBL_EQ(out[1].f[0], 6.0f);
  ASSERT_DBL_EQ(out[2].f[0], 1.0f);
  ASSERT_DBL_EQ(out[3].f[0], 6.0f);
  TOBJ[k].address_mode[0] = CU_TR_ADDRESS_MODE_BORDER;
  runf("t1di", k, in, 4, out);
  ASSERT_DBL_EQ(out[1].f[0], 6.0f);
  ASSERT_DBL_EQ(out[2].f[0], 0.0f);
  ASSERT_DBL_EQ(out[3].f[0], 0.0f);
  ASSERT_DBL_EQ(out[3].f[3], 1.0f);
  int32_t I[3] = {-5, 0, 99};
  k = tobj_new(0, 1, CU_AD_FORMAT_SIGNED_INT32, 1, 3, 1, 1, 0, 1, I);
  runf("t1dii", k, in, 2, out);
  ASSERT_EQ(out[0].i[0], -5);
  ASSERT_EQ(out[1].i[0], 99);
}

static void test_layered_3d(void) {
  float L1[12];                             /* a1d: 3 layers of 4 */
  for (int t = 0; t < 12; t++)
    L1[t] = (float)(100 * (t / 4) + t % 4);
  unsigned k = tobj_new(0, 1, CU_AD_FORMAT_FLOAT, 1, 4, 1, 1, 3, 1, L1);
  union in4 in[3] = {{.u = {0, 0}}, {.u = {2, 0}}, {.u = {7, 0}}}, out[3];
  in[0].f[1] = 1.5f;
  in[1].f[1] = 3.2f;
  in[2].f[1] = 0.1f;
  runf("ta1d", k, in, 3, out);
  ASSERT_DBL_EQ(out[0].f[0], 1.0f);
  ASSERT_DBL_EQ(out[1].f[0], 203.0f);
  ASSERT_DBL_EQ(out[2].f[0], 200.0f);        /* layer clamped to 2 */
  float L2[2 * 3 * 2];                      /* a2d: 2 layers of 3 x 2 */
  for (int t = 0; t < 12; t++)
    L2[t] = (float)(100 * (t / 6) + 10 * ((t % 6) / 3) + t % 3);
  k = tobj_new(0, 2, CU_AD_FORMAT_FLOAT, 1, 3, 2, 1, 2, 1, L2);
  TOBJ[k].filter_mode = CU_TR_FILTER_MODE_LINEAR;
  union in4 in2[2] = {{.u = {1}}, {.u = {0}}};
  in2[0].f[1] = 2.5f;
  in2[0].f[2] = 1.5f;
  in2[1].f[1] = 1.0f;
  in2[1].f[2] = 1.0f;
  runf("ta2d", k, in2, 2, out);
  ASSERT_DBL_EQ(out[0].f[0], 112.0f);
  ASSERT_DBL_EQ(out[1].f[0], lin2(L2, 3, 2, 1.0f, 1.0f, 0, 0));
  /* 3D: 3 x 2 x 2, point and trilinear */
  float V[12];
  for (int t = 0; t < 12; t++)
    V[t] = (float)(t * t);
  k = tobj_new(0, 3, CU_AD_FORMAT_FLOAT, 1, 3, 2, 2, 0, 1, V);
  union in4 in3[2] = {{{2.5f, 0.5f, 1.5f}}, {{1.3f, 0.9f, 0.7f}}};
  runf("t3d", k, in3, 2, out);
  ASSERT_DBL_EQ(out[0].f[0], V[6 + 2]);
  TOBJ[k].filter_mode = CU_TR_FILTER_MODE_LINEAR;
  runf("t3d", k, in3, 2, out);
  float x = 1.3f - 0.5f, y = 0.9f - 0.5f, z = 0.7f - 0.5f;
  float a = q8(x - floorf(x)), b = q8(y - floorf(y)), c = q8(z - floorf(z));
  float want = 0.0f;
  for (int kk = 0; kk < 8; kk++) {
    int dx = kk & 1, dy = (kk >> 1) & 1, dz = kk >> 2;
    float w = (dx ? a : 1 - a) * (dy ? b : 1 - b) * (dz ? c : 1 - c);
    want += w * V[dz * 6 + dy * 3 + (0 + dx)];
  }
  ASSERT_DBL_EQ(out[1].f[0], want);
}

static void test_mipmaps(void) {
  /* 8x8, 4x4, 2x2: level l holds the value l + 1 everywhere */
  float D[64 + 16 + 4];
  for (int t = 0; t < 84; t++)
    D[t] = t < 64 ? 1.0f : t < 80 ? 2.0f : 3.0f;
  unsigned k = tobj_new(0, 2, CU_AD_FORMAT_FLOAT, 1, 8, 8, 1, 0, 3, D);
  TOBJ[k].flags = CU_TRSF_NORMALIZED_COORDINATES;
  union in4 in[6] = {{{0.5f, 0.5f, 0.4f}}, {{0.5f, 0.5f, 0.6f}},
                     {{0.5f, 0.5f, 1.7f}}, {{0.5f, 0.5f, 5.0f}},
                     {{0.5f, 0.5f, -2.0f}}, {{0.5f, 0.5f, 1.25f}}};
  union in4 out[6];
  runf("tlev", k, in, 6, out);
  static const float pt[6] = {1, 2, 3, 3, 1, 2};
  for (int t = 0; t < 6; t++)
    ASSERT_DBL_EQ(out[t].f[0], pt[t]);
  TOBJ[k].mipmap_filter_mode = CU_TR_FILTER_MODE_LINEAR;
  runf("tlev", k, in, 6, out);
  static const float li[6] = {1.3984375f, 1.6015625f, 2.69921875f, 3, 1, 2.25f};
  for (int t = 0; t < 6; t++)        /* frac in 1/256 steps: 0.4 -> 102/256 */
    ASSERT_DBL_EQ(out[t].f[0], li[t]);
  TOBJ[k].mipmap_level_bias = 1.0f;
  TOBJ[k].max_mipmap_level_clamp = 1.5f;
  runf("tlev", k, in, 6, out);
  ASSERT_DBL_EQ(out[0].f[0], 2.3984375f);
  ASSERT_DBL_EQ(out[2].f[0], 2.5f);          /* 2.7 clamped to 1.5 */
  TOBJ[k].mipmap_level_bias = 0.0f;
  TOBJ[k].max_mipmap_level_clamp = 2.0f;
  TOBJ[k].min_mipmap_level_clamp = 0.5f;
  runf("t2d", k, in, 1, out);                /* plain tex: LOD 0, clamped */
  ASSERT_DBL_EQ(out[0].f[0], 1.5f);
  TOBJ[k].min_mipmap_level_clamp = 0.0f;
  /* tex.grad: gradients of 2 and 4 level-0 texels: LOD 1 and 2 */
  union in4 g[3] = {{{0.5f, 0.5f, 2.0f / 8, 0.0f}},
                    {{0.5f, 0.5f, 1.0f / 8, 4.0f / 8}},
                    {{0.5f, 0.5f, 1.0f / 8, 1.0f / 8}}};
  runf("tgrad", k, g, 3, out);
  ASSERT_DBL_EQ(out[0].f[0], 2.0f);
  ASSERT_DBL_EQ(out[1].f[0], 3.0f);
  ASSERT_DBL_EQ(out[2].f[0], 1.0f);
  /* levels have their own sizes: the 2x2 level, linear, at x 0.25 */
  float E[16 + 4 + 1];
  for (int t = 0; t < 21; t++)
    E[t] = (float)t;
  k = tobj_new(0, 2, CU_AD_FORMAT_FLOAT, 1, 4, 4, 1, 0, 3, E);
  TOBJ[k].flags = CU_TRSF_NORMALIZED_COORDINATES;
  TOBJ[k].filter_mode = CU_TR_FILTER_MODE_LINEAR;
  union in4 lv[1] = {{{0.375f, 0.25f, 1.0f}}};
  runf("tlev", k, lv, 1, out);
  ASSERT_DBL_EQ(out[0].f[0], lin2(E + 16, 2, 2, 0.75f, 0.5f, 0, 0));
}

static void test_gather_pred(void) {
  float T[9 * 2];                            /* 3 x 3, 2 channels */
  for (int t = 0; t < 9; t++) {
    T[2 * t] = (float)t;
    T[2 * t + 1] = (float)(100 + t);
  }
  unsigned k = tobj_new(0, 2, CU_AD_FORMAT_FLOAT, 2, 3, 3, 1, 0, 1, T);
  union in4 in[2] = {{{1.0f, 1.0f}}, {{2.9f, 0.2f}}}, out[2];
  runf("tld4r", k, in, 2, out);
  /* T[i, j+1], T[i+1, j+1], T[i+1, j], T[i, j]; i = j = 0 */
  ASSERT_DBL_EQ(out[0].f[0], 3.0f);
  ASSERT_DBL_EQ(out[0].f[1], 4.0f);
  ASSERT_DBL_EQ(out[0].f[2], 1.0f);
  ASSERT_DBL_EQ(out[0].f[3], 0.0f);
  ASSERT_DBL_EQ(out[1].f[0], 2.0f);          /* i 2, j -1: clamped */
  ASSERT_DBL_EQ(out[1].f[1], 2.0f);
  ASSERT_DBL_EQ(out[1].f[2], 2.0f);
  ASSERT_DBL_EQ(out[1].f[3], 2.0f);
  runf("tld4g", k, in, 1, out);
  ASSERT_DBL_EQ(out[0].f[0], 103.0f);
  ASSERT_DBL_EQ(out[0].f[3], 100.0f);
  int32_t I[4] = {1, 2, 3, 4};               /* 2 x 2 ints: alpha is 1 */
  k = tobj_new(0, 2, CU_AD_FORMAT_SIGNED_INT32, 1, 2, 2, 1, 0, 1, I);
  runf("tld4i", k, in, 1, out);
  for (int c = 0; c < 4; c++)
    ASSERT_EQ(out[0].i[c], 1);
  runf("tpred", k, in, 1, out);
  ASSERT_EQ(out[0].i[0], 4);
  ASSERT_EQ(out[0].i[3], 7);                 /* resident */
}

static void test_queries(void) {
  unsigned k = tobj_new(0, 2, CU_AD_FORMAT_SIGNED_INT16, 2, 16, 8, 1, 5, 3,
                        NULL);
  TOBJ[k].flags = CU_TRSF_NORMALIZED_COORDINATES;
  TOBJ[k].filter_mode = CU_TR_FILTER_MODE_LINEAR;
  TOBJ[k].address_mode[0] = CU_TR_ADDRESS_MODE_WRAP;
  TOBJ[k].address_mode[2] = CU_TR_ADDRESS_MODE_BORDER;
  union in4 in[3] = {{.u = {0}}, {.u = {2}}, {.u = {3}}}, out[3];
  runf("txq1", k, in, 1, out);
  ASSERT_EQ(out[0].u[0], 16);
  ASSERT_EQ(out[0].u[1], 8);
  ASSERT_EQ(out[0].u[2], 1);
  ASSERT_EQ(out[0].u[3], 3);
  runf("txq2", k, in, 1, out);
  ASSERT_EQ(out[0].u[0], CU_AD_FORMAT_SIGNED_INT16);
  ASSERT_EQ(out[0].u[1], 2);
  ASSERT_EQ(out[0].u[2], 1);
  ASSERT_EQ(out[0].u[3], CU_TR_FILTER_MODE_LINEAR);
  runf("txq3", k, in, 1, out);
  ASSERT_EQ(out[0].u[0], CU_TR_ADDRESS_MODE_WRAP);
  ASSERT_EQ(out[0].u[1], CU_TR_ADDRESS_MODE_CLAMP);
  ASSERT_EQ(out[0].u[2], CU_TR_ADDRESS_MODE_BORDER);
  ASSERT_EQ(out[0].u[3], 5);
  runf("txql", k, in, 3, out);
  ASSERT_EQ(out[1].u[0], 4);
  ASSERT_EQ(out[1].u[1], 2);
  ASSERT_EQ(out[1].u[2], 1);
  ASSERT_EQ(out[2].u[0], 0);                 /* no such level */
  unsigned s = tobj_new(1, 3, CU_AD_FORMAT_UNSIGNED_INT8, 4, 7, 6, 5, 0, 1,
                        NULL);
  runf("suq1", s, in, 1, out);
  ASSERT_EQ(out[0].u[0], 7);
  ASSERT_EQ(out[0].u[1], 6);
  ASSERT_EQ(out[0].u[2], 5);
  ASSERT_EQ(out[0].u[3], CU_AD_FORMAT_UNSIGNED_INT8);
  runf("suq2", s, in, 1, out);
  ASSERT_EQ(out[0].u[0], 4);
  ASSERT_EQ(out[0].u[1], 0);
  ASSERT_EQ(out[0].u[2], 0);
  ASSERT_EQ(out[0].u[3], 5);
}

static void test_surfaces(void) {
  char err[320];
  /* 4 x 3 uchar4 surface: texel (x, y) holds 16 y + x in every byte */
  uint32_t S[12];
  for (int t = 0; t < 12; t++)
    S[t] = 0x01010101u * (uint32_t)(16 * (t / 4) + t % 4);
  unsigned k = tobj_new(1, 2, CU_AD_FORMAT_UNSIGNED_INT8, 4, 4, 3, 1, 0, 1, S);
  const uint32_t *host = tobj_host(k);
  union in4 in[4] = {{.i = {4, 1}}, {.i = {12, 2}}, {.i = {-4, 1}},
                     {.i = {16, 3}}}, out[4];
  runf("ld2t", k, in, 2, out);
  ASSERT_EQ(out[0].u[0], S[5]);
  ASSERT_EQ(out[1].u[0], S[11]);
  runf("ld2c", k, in, 4, out);
  ASSERT_EQ(out[2].u[0], S[4]);              /* x -4 -> 0 */
  ASSERT_EQ(out[3].u[0], S[11]);             /* (16, 3) -> (12, 2) */
  runf("ld2z", k, in, 4, out);
  ASSERT_EQ(out[0].u[0], S[5]);
  ASSERT_EQ(out[2].u[0], 0);
  ASSERT_EQ(out[3].u[0], 0);
  ASSERT_EQ(run_k(MOD, "ld2t", H(k), in + 2, 1, out, err, sizeof err), 700);
  ASSERT(strstr(err, "surface load out of range") != NULL);
  union in4 mis[1] = {{.i = {2, 0}}};
  ASSERT_EQ(run_k(MOD, "ld2z", H(k), mis, 1, out, err, sizeof err), 716);
  /* stores */
  union in4 st[3] = {{.i = {8, 0, 0, 0x11223344}}, {.i = {20, 1, 0, 0x55}},
                     {.i = {-8, 5, 0, 0x66}}};
  runf("st2z", k, st, 3, out);
  ASSERT_EQ(host[2], 0x11223344u);
  ASSERT_EQ(host[11], S[11]);                /* dropped */
  runf("st2c", k, st + 1, 2, out);
  ASSERT_EQ(host[7], 0x55u);                 /* (20, 1) -> (12, 1) */
  ASSERT_EQ(host[8], 0x66u);                 /* (-8, 5) -> (0, 2) */
  ASSERT_EQ(run_k(MOD, "st2t", H(k), st + 1, 1, out, err, sizeof err), 700);
  ASSERT(strstr(err, "surface store out of range") != NULL);
  union in4 b8[1] = {{.i = {4, 2, 0xab, 0xcd}}};
  runf("st2v4b8", k, b8, 1, out);
  ASSERT_EQ(host[9], 0xcdabcdabu);
  runf("ld2v4b8", k, b8, 1, out);
  ASSERT_EQ(out[0].u[0], 0xab);
  ASSERT_EQ(out[0].u[1], 0xcd);
  /* 1d: v2.b16, b64, v4.b32 on a float4 surface of 3 */
  float F4[12];
  for (int t = 0; t < 12; t++)
    F4[t] = (float)t;
  k = tobj_new(1, 1, CU_AD_FORMAT_FLOAT, 4, 3, 1, 1, 0, 1, F4);
  const uint32_t *fh = tobj_host(k);
  union in4 x1[2] = {{.i = {16}}, {.i = {40}}};
  runf("ld1v2b16", k, x1, 1, out);
  ASSERT_EQ(out[0].u[0], bits_f32(4.0f) & 0xffff);
  ASSERT_EQ(out[0].u[1], bits_f32(4.0f) >> 16);
  runf("ld1b64", k, x1, 2, out);
  ASSERT_EQ(out[0].u[0], bits_f32(4.0f));
  ASSERT_EQ(out[0].u[1], bits_f32(5.0f));
  ASSERT_EQ(out[1].u[1], bits_f32(11.0f));
  union in4 v4[1] = {{.i = {32, 7, 8, 9}}};
  runf("st1v4", k, v4, 1, out);
  ASSERT_EQ(fh[8], 7);
  ASSERT_EQ(fh[10], 9);
  ASSERT_EQ(fh[11], 7);
  union in4 v4bad[1] = {{.i = {40, 7, 8, 9}}};   /* 16 bytes past x 40 */
  ASSERT_EQ(run_k(MOD, "st1v4", H(k), v4bad, 1, out, err, sizeof err), 716);
  v4bad[0].i[0] = 48;
  ASSERT_EQ(run_k(MOD, "st1v4", H(k), v4bad, 1, out, err, sizeof err), 700);
  /* 3d: int surface 2 x 2 x 3 */
  int32_t V[16];
  for (int t = 0; t < 16; t++)
    V[t] = 1000 + t;
  k = tobj_new(1, 3, CU_AD_FORMAT_SIGNED_INT32, 1, 2, 2, 3, 0, 1, V);
  union in4 p3[2] = {{.i = {4, 1, 2, 77}}, {.i = {0, 0, 3}}};
  runf("ld3", k, p3, 1, out);
  ASSERT_EQ(out[0].i[0], 1011);
  runf("st3", k, p3, 1, out);
  ASSERT_EQ(((int32_t *)tobj_host(k))[11], 77);
  ASSERT_EQ(run_k(MOD, "ld3", H(k), p3 + 1, 1, out, err, sizeof err), 700);
  /* layered: a1d 3 layers of 2 ints; a2d 2 layers of 2 x 2 int2 */
  k = tobj_new(1, 1, CU_AD_FORMAT_SIGNED_INT32, 1, 2, 1, 1, 3, 1, V);
  union in4 la[2] = {{.i = {2, 4}}, {.i = {3, 0}}};
  runf("lda1", k, la, 1, out);
  ASSERT_EQ(out[0].i[0], 1005);
  ASSERT_EQ(run_k(MOD, "lda1", H(k), la + 1, 1, out, err, sizeof err), 700);
  k = tobj_new(1, 2, CU_AD_FORMAT_SIGNED_INT32, 2, 2, 2, 1, 2, 1, V);
  union in4 l2[2] = {{.i = {1, 8, 1}}, {.i = {9, 96, -3}}};
  runf("lda2", k, l2, 2, out);
  ASSERT_EQ(out[0].i[0], 1014);              /* layer 1, (1, 1) */
  ASSERT_EQ(out[0].i[1], 1015);
  ASSERT_EQ(out[1].i[0], 1010);              /* clamped: layer 1, (1, 0) */
  ASSERT_EQ(out[1].i[1], 1011);
  union in4 s2[1] = {{.i = {0, 0, 1, -9}}};
  runf("sta2", k, s2, 1, out);
  ASSERT_EQ(((int32_t *)tobj_host(k))[4], -9);
}

static void test_faults(void) {
  char err[320];
  float T[4] = {1, 2, 3, 4};
  unsigned k = tobj_new(0, 1, CU_AD_FORMAT_FLOAT, 1, 4, 1, 1, 0, 1, T);
  union in4 in[1] = {{{0.5f}}}, out[1];
  ASSERT_EQ(run_k(MOD, "t1d", H(k) + 1000, in, 1, out, err, sizeof err), 700);
  ASSERT(strstr(err, "no texture object") != NULL);
  ASSERT(strstr(err, "kernel 't1d'") != NULL);
  unsigned s = tobj_new(1, 1, CU_AD_FORMAT_FLOAT, 1, 4, 1, 1, 0, 1, T);
  ASSERT_EQ(run_k(MOD, "t1d", H(s), in, 1, out, err, sizeof err), 700);
  ASSERT_EQ(run_k(MOD, "ld2t", H(k), in, 1, out, err, sizeof err), 700);
  ASSERT(strstr(err, "no surface object") != NULL);
  TOBJ_LIVE[k] = 0;                          /* destroyed */
  ASSERT_EQ(run_k(MOD, "txq1", H(k), in, 1, out, err, sizeof err), 700);
  TOBJ_LIVE[k] = 1;
  M.mem.texture = NULL;
  ASSERT_EQ(run_k(MOD, "t1d", H(k), in, 1, out, err, sizeof err), 700);
  M.mem.texture = tobj_resolve;
  /* texels outside any allocation */
  TOBJ[k].level[0].base += 1ull << 40;
  ASSERT_EQ(run_k(MOD, "t1d", H(k), in, 1, out, err, sizeof err), 700);
  ASSERT(strstr(err, "texel (0,0,0)") != NULL);
  TOBJ[k].level[0].base -= 1ull << 40;
  TOBJ[k].level[0].width = 1u << 30;         /* lies about its size */
  in[0].f[0] = 1e9f;
  ASSERT_EQ(run_k(MOD, "t1d", H(k), in, 1, out, err, sizeof err), 700);
  TOBJ[k].format = 0x77;                     /* not a format */
  ASSERT_EQ(run_k(MOD, "t1d", H(k), in, 1, out, err, sizeof err), 719);
}

static void test_load_errors(void) {
  static const struct { const char *insn; int rc; } bad[] = {
    {"tex.2d.v4.f32.f32 {%f1,%f2,%f3,%f4}, [%rd1, {%f5}];", CF_EPROTO},
    {"tex.2d.v4.f32.f32 {%f1,%f2,%f3}, [%rd1, {%f5,%f6}];", CF_EPROTO},
    {"tex.2d.v4.f32.f32 {%f1,%f2,%f3,%f4}, [%r1, {%f5,%f6}];", CF_EPROTO},
    {"tex.2d.v4.f32.f32 {%f1,%f2,%f3,%f4}, [%f1, {%f5,%f6}];", CF_EPROTO},
    {"tex.2d.v4.f32.f32 {%f1,%f2,%f3,%f4}, [%rd1, {%rd5,%rd6}];", CF_EPROTO},
    {"tex.2d.v4.f32.f32 {%f1,%f2,%f3,%p1}, [%rd1, {%f5,%f6}];", CF_EPROTO},
    {"tex.2d.v4.f32.f32 {%f1,%f2,%f3,%f4}, [%rd1, {%p1,%f6}];", CF_EPROTO},
    {"tex.2d.v4.f32.f32 {%f1,%f2,%f3,%f4}, [%rd1+8, {%f5,%f6}];", CF_EPROTO},
    {"tex.2d.v4.f32.f32 {%f1,%f2,%f3,%f4}, [%rd1];", CF_EPROTO},
    {"tex.2d.v4.f32.f32 {%f1,%f2,%f3,%f4}|%r1, [%rd1, {%f5,%f6}];", CF_EPROTO},
    {"tex.a1d.v4.f32.f32 {%f1,%f2,%f3,%f4}, [%rd1, {%f5,%f6}];", CF_EPROTO},
    {"tex.level.2d.v4.f32.f32 {%f1,%f2,%f3,%f4}, [%rd1, {%f5,%f6}];", CF_EPROTO},
    {"tex.grad.2d.v4.f32.f32 {%f1,%f2,%f3,%f4}, [%rd1, {%f5,%f6}], {%f1}, {%f2};",
     CF_EPROTO},
    {"tex.3d.v4.f32.f32 {%f1,%f2,%f3,%f4}, [%rd1, {%f5,%f6,%f7}];", CF_EPROTO},
    {"tld4.r.2d.v4.f32.f32 {%f1,%f2,%f3,%f4}, [%rd1, {%f5}];", CF_EPROTO},
    {"txq.width.b32 %p1, [%rd1];", CF_EPROTO},
    {"txq.width.b32 %r1, [%rd1, {%r2}];", CF_EPROTO},
    {"suld.b.2d.v2.b32.trap {%r1}, [%rd1, {%r2,%r3}];", CF_EPROTO},
    {"suld.b.2d.b32.trap {%r1}, [%rd1, {%f2,%f3}];", CF_EPROTO},
    {"suld.b.2d.b32.trap {%r1}|%p1, [%rd1, {%r2,%r3}];", CF_EPROTO},
    {"sust.b.1d.b32.trap [%rd1, {%r2}], {%p1};", CF_EPROTO},
    {"ld.global.v2.b32 {%r1,%r2}|%p1, [%rd1];", CF_EPROTO},
    {"add.s32 %r1, [%rd1, {%r2}], %r3;", CF_EPROTO},
    {"tex.cube.v4.f32.f32 {%f1,%f2,%f3,%f4}, [%rd1, {%f5,%f6,%f7,%f8}];",
     CF_EUNSUP},
    {"tex.2d.v2.f16x2.f32 {%r1,%r2}, [%rd1, {%f5,%f6}];", CF_EUNSUP},
    {"tex.2d.v4.f32.f32 {%f1,%f2,%f3,%f4}, [%rd1, %rd2, {%f5,%f6}];", CF_EUNSUP},
    {"tex.level.2d.v4.f32.s32 {%f1,%f2,%f3,%f4}, [%rd1, {%r5,%r6}], %f1;",
     CF_EUNSUP},
    {"sust.p.2d.b32.trap [%rd1, {%r2,%r3}], {%r1};", CF_EUNSUP},
    {"suld.b.2d.v4.b64.trap {%rd1,%rd2,%rd3,%rd4}, [%rd1, {%r2,%r3}];",
     CF_EUNSUP},
    {"txq.level.channel_order.b32 %r1, [%rd1], %r2;", CF_EUNSUP},
    {"suq.filter_mode.b32 %r1, [%rd1];", CF_EUNSUP},
    {"tld4.r.3d.v4.f32.f32 {%f1,%f2,%f3,%f4}, [%rd1, {%f5,%f6,%f7,%f8}];",
     CF_EUNSUP},
  };
  for (size_t t = 0; t < sizeof bad / sizeof *bad; t++) {
    char text[1024], err[256];
    snprintf(text, sizeof text,
             ".version 8.0\n.target sm_80\n.address_size 64\n"
             ".visible .entry k(.param .u64 h)\n{\n"
             " .reg .b64 %%rd<8>; .reg .f32 %%f<20>; .reg .b32 %%r<20>;\n"
             " .reg .pred %%p<4>;\n ld.param.u64 %%rd1, [h];\n %s\n ret;\n}\n",
             bad[t].insn);
    int rc = load_err(text, err, sizeof err);
    if (rc != bad[t].rc)
      fprintf(stderr, "'%s': got %d (%s), want %d\n", bad[t].insn, rc, err,
              bad[t].rc);
    ASSERT_EQ(rc, bad[t].rc);
    if (strstr(err, "line 9") == NULL)
      fprintf(stderr, "%s: %s\n", bad[t].insn, err);
    ASSERT(strstr(err, "line 9") != NULL);
  }
}

int main(void) {
  tex_init();
  MOD = load_kernels();
  test_point_and_modes();
  test_linear();
  test_formats();
  test_int_coords();
  test_layered_3d();
  test_mipmaps();
  test_gather_pred();
  test_queries();
  test_surfaces();
  test_faults();
  test_load_errors();
  cf_ptx_module_free(MOD);
  tmem_free(&M);
  printf("ptx tex: ok\n");
  return 0;
}
