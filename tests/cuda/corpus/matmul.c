/* Corpus group "matmul" (matmul.cu): tiled f32 and f64 matrix multiply
 * (64x64 times 64x64, and a ragged 50x37 times 37x45), a naive f32 multiply,
 * and f32/f64 transposes (exact). Products are checked against a double
 * CPU reference with tolerances covering summation order and fma.
 *
 * usage: corpus_matmul MODULE */
#include "corpus.h"

#define MAXD 64

static void ref(const double *a, const double *b, double *c, int m, int n,
                int k)
{
  for (int i = 0; i < m; i++)
    for (int j = 0; j < n; j++) {
      double s = 0;
      for (int q = 0; q < k; q++)
        s += a[i * k + q] * b[q * n + j];
      c[i * n + j] = s;
    }
}

int main(int argc, char **argv)
{
  struct cf_host h;
  static float fa[MAXD * MAXD], fb[MAXD * MAXD], fc[MAXD * MAXD],
      fw[MAXD * MAXD];
  static double da[MAXD * MAXD], db[MAXD * MAXD], dc[MAXD * MAXD],
      dw[MAXD * MAXD];
  static const int shapes[2][3] = {{64, 64, 64}, {50, 45, 37}};
  uint32_t seed = 71;

  cf_host_usage(argc, argv, 1, "MODULE");
  cf_host_open(&h, "corpus_matmul", argv[1]);
  for (int i = 0; i < MAXD * MAXD; i++) {
    fa[i] = cf_rand_f32(&seed);
    fb[i] = cf_rand_f32(&seed);
  }
  CUdeviceptr dfa = cx_upload(&h, fa, sizeof fa);
  CUdeviceptr dfb = cx_upload(&h, fb, sizeof fb);
  CUdeviceptr dfc = cx_alloc(&h, sizeof fc);
  CUdeviceptr dda = cx_alloc(&h, sizeof da);
  CUdeviceptr ddb = cx_alloc(&h, sizeof db);
  CUdeviceptr ddc = cx_alloc(&h, sizeof dc);

  for (int s = 0; s < 2; s++) {
    int m = shapes[s][0], n = shapes[s][1], k = shapes[s][2];
    char label[64];
    unsigned gx = (n + 15) / 16, gy = (m + 15) / 16;
    for (int i = 0; i < m * k; i++)
      da[i] = fa[i];
    for (int i = 0; i < k * n; i++)
      db[i] = fb[i];
    ref(da, db, dw, m, n, k);
    for (int i = 0; i < m * n; i++)
      fw[i] = (float)dw[i];

    void *p[] = {&dfa, &dfb, &dfc, &m, &n, &k};
    cx_launch(&h, "matmul_f32_tiled", gx, gy, 16, 16, 0, p);
    cx_download(&h, fc, dfc, m * n * sizeof(float));
    snprintf(label, sizeof label, "matmul_f32_tiled %dx%dx%d", m, n, k);
    cf_host_cmp_f32(&h, label, fc, fw, m * n, 1e-5f, 1e-5f);
    cf_host_digest(label, fc, m * n * sizeof(float));

    cx_launch(&h, "matmul_f32_naive", gx, gy, 16, 16, 0, p);
    cx_download(&h, fc, dfc, m * n * sizeof(float));
    snprintf(label, sizeof label, "matmul_f32_naive %dx%dx%d", m, n, k);
    cf_host_cmp_f32(&h, label, fc, fw, m * n, 1e-5f, 1e-5f);
    cf_host_digest(label, fc, m * n * sizeof(float));

    /* f64 with inputs that are not exactly floats. */
    for (int i = 0; i < m * k; i++)
      da[i] = fa[i] / 3.0;
    for (int i = 0; i < k * n; i++)
      db[i] = fb[i] * 1.1;
    ref(da, db, dw, m, n, k);
    CF_CHECK(&h, cuMemcpyHtoD(dda, da, m * k * sizeof(double)));
    CF_CHECK(&h, cuMemcpyHtoD(ddb, db, k * n * sizeof(double)));
    void *q[] = {&dda, &ddb, &ddc, &m, &n, &k};
    cx_launch(&h, "matmul_f64_tiled", gx, gy, 16, 16, 0, q);
    cx_download(&h, dc, ddc, m * n * sizeof(double));
    snprintf(label, sizeof label, "matmul_f64_tiled %dx%dx%d", m, n, k);
    cx_cmp_f64(&h, label, dc, dw, m * n, 1e-13, 1e-13);
    cf_host_digest(label, dc, m * n * sizeof(double));
  }

  /* transpose_naive: 50 x 64 floats -> 64 x 50. */
  {
    int rows = 50, cols = 64;
    void *p[] = {&dfa, &dfc, &rows, &cols};
    cx_launch(&h, "transpose_naive", 4, 4, 16, 16, 0, p);
    cx_download(&h, fc, dfc, rows * cols * sizeof(float));
    for (int y = 0; y < rows; y++)
      for (int x = 0; x < cols; x++)
        fw[x * rows + y] = fa[y * cols + x];
    cf_host_cmp_u32(&h, "transpose_naive", fc, fw, rows * cols);
    cf_host_digest("transpose_naive", fc, rows * cols * sizeof(float));
  }
  /* transpose_shared_f64: 64 x 45 doubles -> 45 x 64. */
  {
    int rows = 64, cols = 45;
    for (int i = 0; i < rows * cols; i++)
      da[i] = fa[i] / 7.0;
    CF_CHECK(&h, cuMemcpyHtoD(dda, da, rows * cols * sizeof(double)));
    void *p[] = {&dda, &ddc, &rows, &cols};
    cx_launch(&h, "transpose_shared_f64", 2, 2, 32, 8, 0, p);
    cx_download(&h, dc, ddc, rows * cols * sizeof(double));
    for (int y = 0; y < rows; y++)
      for (int x = 0; x < cols; x++)
        dw[x * rows + y] = da[y * cols + x];
    cx_cmp_u64(&h, "transpose_shared_f64", dc, dw, rows * cols);
    cf_host_digest("transpose_shared_f64", dc, rows * cols * sizeof(double));
  }
  cx_free(&h, dfa);
  cx_free(&h, dfb);
  cx_free(&h, dfc);
  cx_free(&h, dda);
  cx_free(&h, ddb);
  cx_free(&h, ddc);
  return cf_host_finish(&h);
}
