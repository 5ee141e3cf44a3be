/* Runs nvcc -O3 output of tex.cu (texture objects and surface objects,
 * compiled to PTX at build time) on the interpreter with the fake
 * resolver of tex_testlib.h, and checks every kernel against the texels:
 * tex1Dfetch of float, float4 and int; tex1D with linear filtering (the
 * 9-bit weights); tex2D of float2, uchar4 and short2 (element type) and
 * half (normalised float, linear); tex3D; tex1DLayered, tex2DLayered;
 * tex2DLod and tex2DGrad over mip levels; tex2Dgather of float and int;
 * surf1D/2D/3D/2DLayered reads and writes, with the zero and clamp
 * boundary modes. Usage: test_ptx_tex_nvcc tex.ptx; without an argument
 * (no nvcc at build time) it exits 77, which meson reports as skipped. */
#include <math.h>
#include <stdio.h>

#include "tex_testlib.h"

static struct cf_ptx_module *MOD;

static void go(const char *name, const void *const *args, unsigned nargs,
               unsigned bx, unsigned by, unsigned bz) {
  const struct cf_ptx_kernel *k = kernel(MOD, name);
  ASSERT_EQ(cf_ptx_kernel_param_count(k), nargs);
  uint8_t buf[64];
  for (unsigned i = 0; i < nargs; i++) {
    size_t off, size;
    ASSERT_EQ(cf_ptx_kernel_param(k, i, &off, &size), 0);
    memcpy(buf + off, args[i], size);
  }
  unsigned g[3] = {1, 1, 1}, b[3] = {bx, by, bz};
  char err[320];
  int rc = launch3(k, &M, g, b, buf, cf_ptx_kernel_param_bytes(k), 0, err,
                   sizeof err);
  if (rc != 0)
    fprintf(stderr, "%s: %d %s\n", name, rc, err);
  ASSERT_EQ(rc, 0);
}

static uint64_t upload(const void *p, size_t n) {
  uint64_t a = tmem_alloc(&M, n);
  memcpy(tmem_host(&M, a), p, n);
  return a;
}

static float q8(float a) { return floorf(a * 256.0f + 0.5f) / 256.0f; }
static int clampi(int i, int n) { return i < 0 ? 0 : i >= n ? n - 1 : i; }

static void test_fetch(void) {
  float T[8], T4[32];
  int32_t I[8];
  for (int i = 0; i < 32; i++)
    T4[i] = (float)i * 0.5f;
  for (int i = 0; i < 8; i++) {
    T[i] = (float)(i * i);
    I[i] = -3 * i;
  }
  uint64_t h = H(tobj_new(0, 1, CU_AD_FORMAT_FLOAT, 1, 8, 1, 1, 0, 1, T));
  uint64_t out = tmem_alloc(&M, 256);
  int n = 8;
  const void *a[] = {&h, &out, &n};
  go("k_fetch", a, 3, 8, 1, 1);
  ASSERT_MEM_EQ(tmem_host(&M, out), T, sizeof T);
  h = H(tobj_new(0, 1, CU_AD_FORMAT_FLOAT, 4, 8, 1, 1, 0, 1, T4));
  go("k_fetch4", a, 3, 8, 1, 1);
  ASSERT_MEM_EQ(tmem_host(&M, out), T4, sizeof T4);
  h = H(tobj_new(0, 1, CU_AD_FORMAT_SIGNED_INT32, 1, 8, 1, 1, 0, 1, I));
  go("k_fetchi", a, 3, 8, 1, 1);
  ASSERT_MEM_EQ(tmem_host(&M, out), I, sizeof I);
}

static void test_1d_2d(void) {
  float T[5] = {0, 1, 4, 9, 16}, x[8] = {0.3f, 0.5f, 1.7f, 2.5f, 2.501f,
                                         4.9f, -1.0f, 1.0f / 3.0f};
  unsigned k = tobj_new(0, 1, CU_AD_FORMAT_FLOAT, 1, 5, 1, 1, 0, 1, T);
  TOBJ[k].filter_mode = CU_TR_FILTER_MODE_LINEAR;
  uint64_t h = H(k), dx = upload(x, sizeof x), out = tmem_alloc(&M, 256);
  int n = 8;
  const void *a[] = {&h, &dx, &out, &n};
  go("k_1d", a, 4, 8, 1, 1);
  const float *r = tmem_host(&M, out);
  for (int i = 0; i < 8; i++) {
    float xb = x[i] - 0.5f, al = q8(xb - floorf(xb));
    int j = (int)floorf(xb);
    ASSERT_DBL_EQ(r[i], (1.0f - al) * T[clampi(j, 5)] + al * T[clampi(j + 1, 5)]);
  }
  /* float2 4 x 2, point; coordinates at and between texel centres */
  float T2[16];
  for (int i = 0; i < 16; i++)
    T2[i] = (float)(i * 3 + 1);
  float c[8][2] = {{0.5f, 0.5f}, {3.5f, 1.5f}, {2.9f, 0.1f}, {-5, 7},
                   {1.0f, 1.0f}, {3.99f, 1.99f}, {0, 0}, {2.5f, 1.5f}};
  k = tobj_new(0, 2, CU_AD_FORMAT_FLOAT, 2, 4, 2, 1, 0, 1, T2);
  h = H(k);
  dx = upload(c, sizeof c);
  go("k_2d", a, 4, 8, 1, 1);
  for (int i = 0; i < 8; i++) {
    int tx = clampi((int)floorf(c[i][0]), 4), ty = clampi((int)floorf(c[i][1]), 2);
    ASSERT_DBL_EQ(r[2 * i], T2[2 * (ty * 4 + tx)]);
    ASSERT_DBL_EQ(r[2 * i + 1], T2[2 * (ty * 4 + tx) + 1]);
  }
  /* uchar4 and short2, element type (read as integer) */
  uint8_t U[32];
  for (int i = 0; i < 32; i++)
    U[i] = (uint8_t)(i * 7 + 200);
  k = tobj_new(0, 2, CU_AD_FORMAT_UNSIGNED_INT8, 4, 4, 2, 1, 0, 1, U);
  TOBJ[k].flags = CU_TRSF_READ_AS_INTEGER;
  h = H(k);
  go("k_2d_uc4", a, 4, 8, 1, 1);
  const uint8_t *ru = tmem_host(&M, out);
  for (int i = 0; i < 8; i++) {
    int tx = clampi((int)floorf(c[i][0]), 4), ty = clampi((int)floorf(c[i][1]), 2);
    ASSERT_MEM_EQ(ru + 4 * i, U + 4 * (ty * 4 + tx), 4);
  }
  int16_t S[16];
  for (int i = 0; i < 16; i++)
    S[i] = (int16_t)(i * 1000 - 9000);
  k = tobj_new(0, 2, CU_AD_FORMAT_SIGNED_INT16, 2, 4, 2, 1, 0, 1, S);
  TOBJ[k].flags = CU_TRSF_READ_AS_INTEGER;
  h = H(k);
  go("k_2d_s2", a, 4, 8, 1, 1);
  const int16_t *rs = tmem_host(&M, out);
  for (int i = 0; i < 8; i++) {
    int tx = clampi((int)floorf(c[i][0]), 4), ty = clampi((int)floorf(c[i][1]), 2);
    ASSERT_EQ(rs[2 * i], S[2 * (ty * 4 + tx)]);
    ASSERT_EQ(rs[2 * i + 1], S[2 * (ty * 4 + tx) + 1]);
  }
  /* half, 2 x 1, linear: 1 and 3 */
  uint16_t hv[2] = {0x3c00, 0x4200};
  k = tobj_new(0, 2, CU_AD_FORMAT_HALF, 1, 2, 1, 1, 0, 1, hv);
  TOBJ[k].filter_mode = CU_TR_FILTER_MODE_LINEAR;
  h = H(k);
  float hc[2][2] = {{1.0f, 0.5f}, {1.25f, 0.7f}};
  dx = upload(hc, sizeof hc);
  n = 2;
  go("k_texh", a, 4, 2, 1, 1);
  ASSERT_DBL_EQ(r[0], 2.0f);
  ASSERT_DBL_EQ(r[1], 0.25f * 1.0f + 0.75f * 3.0f);
}

static void test_3d_layered(void) {
  float V[3 * 2 * 2];
  for (int i = 0; i < 12; i++)
    V[i] = (float)(i + 1);
  unsigned k = tobj_new(0, 3, CU_AD_FORMAT_FLOAT, 1, 3, 2, 2, 0, 1, V);
  uint64_t h = H(k), out = tmem_alloc(&M, 256);
  float c[3][4] = {{2.5f, 0.5f, 1.5f}, {0.2f, 1.9f, 0.3f}, {9, 9, 9}};
  uint64_t dx = upload(c, sizeof c);
  int n = 3;
  const void *a[] = {&h, &dx, &out, &n};
  go("k_3d", a, 4, 3, 1, 1);
  const float *r = tmem_host(&M, out);
  ASSERT_DBL_EQ(r[0], V[6 + 2]);
  ASSERT_DBL_EQ(r[1], V[3]);
  ASSERT_DBL_EQ(r[2], V[11]);
  /* 1D layered: 3 layers of 4 */
  float L[12];
  for (int i = 0; i < 12; i++)
    L[i] = (float)(100 * (i / 4) + i % 4);
  k = tobj_new(0, 1, CU_AD_FORMAT_FLOAT, 1, 4, 1, 1, 3, 1, L);
  h = H(k);
  float l1[3][2] = {{1.5f, 0}, {3.5f, 2}, {0.5f, 1}};
  dx = upload(l1, sizeof l1);
  go("k_1dl", a, 4, 3, 1, 1);
  ASSERT_DBL_EQ(r[0], 1.0f);
  ASSERT_DBL_EQ(r[1], 203.0f);
  ASSERT_DBL_EQ(r[2], 100.0f);
  /* 2D layered float4: 2 layers of 2 x 2 */
  float L4[2 * 4 * 4];
  for (int i = 0; i < 32; i++)
    L4[i] = (float)i;
  k = tobj_new(0, 2, CU_AD_FORMAT_FLOAT, 4, 2, 2, 1, 2, 1, L4);
  h = H(k);
  float l2[2][4] = {{1.5f, 0.5f, 1}, {0.5f, 1.5f, 0}};
  dx = upload(l2, sizeof l2);
  n = 2;
  go("k_2dl", a, 4, 2, 1, 1);
  ASSERT_MEM_EQ(r, L4 + 16 + 4, 16);
  ASSERT_MEM_EQ(r + 4, L4 + 8, 16);
}

static void test_mip_gather(void) {
  float D[64 + 16 + 4];                      /* level l holds l + 1 */
  for (int t = 0; t < 84; t++)
    D[t] = t < 64 ? 1.0f : t < 80 ? 2.0f : 3.0f;
  unsigned k = tobj_new(0, 2, CU_AD_FORMAT_FLOAT, 1, 8, 8, 1, 0, 3, D);
  TOBJ[k].flags = CU_TRSF_NORMALIZED_COORDINATES;
  TOBJ[k].mipmap_filter_mode = CU_TR_FILTER_MODE_LINEAR;
  uint64_t h = H(k), out = tmem_alloc(&M, 256);
  float c[4][4] = {{0.5f, 0.5f, 0.5f}, {0.3f, 0.7f, 1.0f}, {0.5f, 0.5f, 9},
                   {0.5f, 0.5f, 0.25f}};
  uint64_t dx = upload(c, sizeof c);
  int n = 4;
  const void *a[] = {&h, &dx, &out, &n};
  go("k_2dlod", a, 4, 4, 1, 1);
  const float *r = tmem_host(&M, out);
  ASSERT_DBL_EQ(r[0], 1.5f);
  ASSERT_DBL_EQ(r[1], 2.0f);
  ASSERT_DBL_EQ(r[2], 3.0f);
  ASSERT_DBL_EQ(r[3], 1.25f);
  float g[3][4] = {{0.5f, 0.5f, 2.0f / 8, 0.0f}, {0.5f, 0.5f, 0.0f, 4.0f / 8},
                   {0.5f, 0.5f, 1.0f / 8, 1.0f / 8}};
  dx = upload(g, sizeof g);
  n = 3;
  go("k_2dgrad", a, 4, 3, 1, 1);
  ASSERT_DBL_EQ(r[0], 2.0f);
  ASSERT_DBL_EQ(r[1], 3.0f);
  ASSERT_DBL_EQ(r[2], 1.0f);
  /* gather: 3 x 3 float2 (.y = 100 + i); int 2 x 2 */
  float T[18];
  for (int i = 0; i < 9; i++) {
    T[2 * i] = (float)i;
    T[2 * i + 1] = (float)(100 + i);
  }
  h = H(tobj_new(0, 2, CU_AD_FORMAT_FLOAT, 2, 3, 3, 1, 0, 1, T));
  float gc[2][2] = {{1.0f, 1.0f}, {2.0f, 2.0f}};
  dx = upload(gc, sizeof gc);
  n = 2;
  go("k_gather", a, 4, 2, 1, 1);
  static const float want[8] = {103, 104, 101, 100, 107, 108, 105, 104};
  for (int i = 0; i < 8; i++)
    ASSERT_DBL_EQ(r[i], want[i]);
  int32_t I[4] = {10, 20, 30, 40};
  h = H(tobj_new(0, 2, CU_AD_FORMAT_SIGNED_INT32, 1, 2, 2, 1, 0, 1, I));
  n = 1;
  go("k_gatheri", a, 4, 1, 1, 1);
  const int32_t *ri = tmem_host(&M, out);
  ASSERT_EQ(ri[0], 30);
  ASSERT_EQ(ri[1], 40);
  ASSERT_EQ(ri[2], 20);
  ASSERT_EQ(ri[3], 10);
}

static void test_surfaces(void) {
  float F1[8];
  for (int i = 0; i < 8; i++)
    F1[i] = (float)i + 0.25f;
  unsigned k = tobj_new(1, 1, CU_AD_FORMAT_FLOAT, 1, 8, 1, 1, 0, 1, F1);
  uint64_t h = H(k);
  int n = 8;
  const void *a1[] = {&h, &n};
  go("k_s1", a1, 2, 8, 1, 1);
  const float *f = tobj_host(k);
  for (int i = 0; i < 8; i++)
    ASSERT_DBL_EQ(f[i], 2.0f * F1[i]);
  uint8_t U[4 * 3 * 4];
  for (int i = 0; i < 48; i++)
    U[i] = (uint8_t)(i * 5);
  k = tobj_new(1, 2, CU_AD_FORMAT_UNSIGNED_INT8, 4, 4, 3, 1, 0, 1, U);
  h = H(k);
  int w = 4, hh = 3;
  const void *a2[] = {&h, &w, &hh};
  go("k_s2", a2, 3, 4, 3, 1);
  const uint8_t *u = tobj_host(k);
  for (int i = 0; i < 12; i++) {
    ASSERT_EQ(u[4 * i], (uint8_t)(U[4 * i] + 1));
    ASSERT_EQ(u[4 * i + 1], U[4 * i + 1]);
    ASSERT_EQ(u[4 * i + 3], 7);
  }
  /* zero reads and clamped writes: int 4 x 2, thread x reads x - 2 */
  int32_t I[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  k = tobj_new(1, 2, CU_AD_FORMAT_SIGNED_INT32, 1, 4, 2, 1, 0, 1, I);
  h = H(k);
  uint64_t out = tmem_alloc(&M, 64);
  const void *az[] = {&h, &out};
  go("k_s2z", az, 2, 8, 1, 1);
  const int32_t *ro = tmem_host(&M, out), *s = tobj_host(k);
  static const int32_t rz[8] = {0, 0, 1, 2, 3, 4, 0, 0};
  ASSERT_MEM_EQ(ro, rz, sizeof rz);
  /* row 1: x - 2 clamped to [0, 3]; threads 0-2 race for column 0 and
   * threads 5-7 for column 3 */
  ASSERT(s[4] >= 0 && s[4] <= 2);
  ASSERT_EQ(s[5], 3);
  ASSERT_EQ(s[6], 4);
  ASSERT(s[7] >= 5 && s[7] <= 7);
  /* short2 3D 2 x 2 x 2: .y = .x * 3 */
  int16_t S[16];
  for (int i = 0; i < 16; i++)
    S[i] = (int16_t)(i - 4);
  k = tobj_new(1, 3, CU_AD_FORMAT_SIGNED_INT16, 2, 2, 2, 2, 0, 1, S);
  h = H(k);
  w = 2;
  const void *a3[] = {&h, &w};
  go("k_s3", a3, 2, 2, 2, 2);
  const int16_t *ss = tobj_host(k);
  for (int i = 0; i < 8; i++) {
    ASSERT_EQ(ss[2 * i], S[2 * i]);
    ASSERT_EQ(ss[2 * i + 1], (int16_t)(S[2 * i] * 3));
  }
  /* float2 2D layered, 2 layers of 2 x 2: layer 1 */
  float L[16];
  for (int i = 0; i < 16; i++)
    L[i] = (float)i;
  k = tobj_new(1, 2, CU_AD_FORMAT_FLOAT, 2, 2, 2, 1, 2, 1, L);
  h = H(k);
  int layer = 1;
  const void *al[] = {&h, &layer};
  go("k_s2l", al, 2, 2, 2, 1);
  const float *lf = tobj_host(k);
  for (int i = 0; i < 8; i++) {
    ASSERT_DBL_EQ(lf[2 * i], L[2 * i]);
    ASSERT_DBL_EQ(lf[2 * i + 1], i < 4 ? L[2 * i + 1] : L[2 * i] + L[2 * i + 1]);
  }
  /* half bits 1D: doubled; float4 1D: .w = .x + .y */
  uint16_t hv[4] = {0x3c00, 0xc000, 0x3800, 0x0000};
  k = tobj_new(1, 1, CU_AD_FORMAT_HALF, 1, 4, 1, 1, 0, 1, hv);
  h = H(k);
  const void *ah[] = {&h};
  go("k_sh", ah, 1, 4, 1, 1);
  static const uint16_t h2[4] = {0x4000, 0xc400, 0x3c00, 0x0000};
  ASSERT_MEM_EQ(tobj_host(k), h2, sizeof h2);
  float F4[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  k = tobj_new(1, 1, CU_AD_FORMAT_FLOAT, 4, 2, 1, 1, 0, 1, F4);
  h = H(k);
  go("k_s4", ah, 1, 2, 1, 1);
  const float *f4 = tobj_host(k);
  ASSERT_DBL_EQ(f4[3], 3.0f);
  ASSERT_DBL_EQ(f4[7], 11.0f);
  ASSERT_DBL_EQ(f4[6], 7.0f);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    printf("ptx tex nvcc: skipped (no nvcc at build time)\n");
    return 77;
  }
  FILE *fp = fopen(argv[1], "rb");
  ASSERT_NOT_NULL(fp);
  static char text[1 << 20];
  size_t len = fread(text, 1, sizeof text - 1, fp);
  fclose(fp);
  text[len] = '\0';
  tex_init();
  MOD = load_ok(text);
  test_fetch();
  test_1d_2d();
  test_3d_layered();
  test_mip_gather();
  test_surfaces();
  cf_ptx_module_free(MOD);
  tmem_free(&M);
  printf("ptx tex nvcc %s: ok\n", argv[1]);
  return 0;
}
