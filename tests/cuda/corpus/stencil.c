/* Corpus group "stencil" (stencil.cu): 1D and 2D stencils with shared-memory
 * halos, a clamped 3x3 f64 blur and a 1D convolution with __constant__
 * weights, against CPU loops in the same operation order where it matters
 * (tolerances cover fma contraction).
 *
 * usage: corpus_stencil MODULE */
#include "corpus.h"

#define N1 3001
#define W 70
#define H 45

static const float conv_w[9] = {0.05f, 0.1f, -0.2f, 0.3f, 0.5f,
                                0.3f, -0.2f, 0.1f, 0.05f};

int main(int argc, char **argv)
{
  struct cf_host h;
  static float in1[N1], out1[N1], want1[N1];
  static float in2[W * H], out2[W * H], want2[W * H];
  static double din2[W * H], dout2[W * H], dwant2[W * H];
  uint32_t seed = 61;
  int n = N1, w = W, hh = H;

  cf_host_usage(argc, argv, 1, "MODULE");
  cf_host_open(&h, "corpus_stencil", argv[1]);
  for (int i = 0; i < N1; i++)
    in1[i] = cf_rand_f32(&seed);
  for (int i = 0; i < W * H; i++) {
    in2[i] = cf_rand_f32(&seed);
    din2[i] = (double)cf_rand_f32(&seed) * 10.0;
  }
  CUdeviceptr d1 = cx_upload(&h, in1, sizeof in1);
  CUdeviceptr do1 = cx_alloc(&h, sizeof out1);
  CUdeviceptr d2 = cx_upload(&h, in2, sizeof in2);
  CUdeviceptr do2 = cx_alloc(&h, sizeof out2);
  CUdeviceptr dd2 = cx_upload(&h, din2, sizeof din2);
  CUdeviceptr ddo2 = cx_alloc(&h, sizeof dout2);

  {
    void *p[] = {&d1, &do1, &n};
    cx_launch(&h, "stencil1d", (N1 + 127) / 128, 1, 128, 1, 0, p);
    cx_download(&h, out1, do1, sizeof out1);
    for (int i = 0; i < N1; i++) {
      double acc = 0;
      for (int k = -3; k <= 3; k++)
        if (i + k >= 0 && i + k < N1)
          acc += in1[i + k] * (double)(4 - (k < 0 ? -k : k));
      want1[i] = (float)acc;
    }
    cf_host_cmp_f32(&h, "stencil1d", out1, want1, N1, 1e-5f, 1e-5f);
    cf_host_digest("stencil1d", out1, sizeof out1);
  }
  {
    void *p[] = {&d2, &do2, &w, &hh};
    cx_launch(&h, "stencil2d_5pt", (W + 15) / 16, (H + 15) / 16, 16, 16, 0, p);
    cx_download(&h, out2, do2, sizeof out2);
    for (int y = 0; y < H; y++)
      for (int x = 0; x < W; x++) {
#define AT(xx, yy)                                                          \
  ((xx) >= 0 && (xx) < W && (yy) >= 0 && (yy) < H ? in2[(yy) * W + (xx)]    \
                                                  : 0.0f)
        want2[y * W + x] = 4.0f * AT(x, y) - AT(x, y - 1) - AT(x, y + 1) -
                           AT(x - 1, y) - AT(x + 1, y);
#undef AT
      }
    cf_host_cmp_f32(&h, "stencil2d_5pt", out2, want2, W * H, 1e-5f, 1e-5f);
    cf_host_digest("stencil2d_5pt", out2, sizeof out2);
  }
  {
    void *p[] = {&dd2, &ddo2, &w, &hh};
    cx_launch(&h, "blur3x3_f64", (W + 7) / 8, (H + 7) / 8, 8, 8, 0, p);
    cx_download(&h, dout2, ddo2, sizeof dout2);
    for (int y = 0; y < H; y++)
      for (int x = 0; x < W; x++) {
        double acc = 0;
        for (int dy = -1; dy <= 1; dy++)
          for (int dx = -1; dx <= 1; dx++) {
            int cx = x + dx < 0 ? 0 : x + dx >= W ? W - 1 : x + dx;
            int cy = y + dy < 0 ? 0 : y + dy >= H ? H - 1 : y + dy;
            acc += din2[cy * W + cx] * ((dx == 0 ? 2.0 : 1.0) *
                                        (dy == 0 ? 2.0 : 1.0));
          }
        dwant2[y * W + x] = acc / 16.0;
      }
    cx_cmp_f64(&h, "blur3x3_f64", dout2, dwant2, W * H, 1e-13, 1e-13);
    cf_host_digest("blur3x3_f64", dout2, sizeof dout2);
  }
  {
    void *p[] = {&d1, &do1, &n};
    cx_launch(&h, "conv1d_const", (N1 + 255) / 256, 1, 256, 1, 0, p);
    cx_download(&h, out1, do1, sizeof out1);
    for (int i = 0; i < N1; i++) {
      double acc = 0;
      for (int k = 0; k < 9; k++)
        if (i + k - 4 >= 0 && i + k - 4 < N1)
          acc += (double)conv_w[k] * in1[i + k - 4];
      want1[i] = (float)acc;
    }
    cf_host_cmp_f32(&h, "conv1d_const", out1, want1, N1, 1e-6f, 1e-5f);
    cf_host_digest("conv1d_const", out1, sizeof out1);
  }
  cx_free(&h, d1);
  cx_free(&h, do1);
  cx_free(&h, d2);
  cx_free(&h, do2);
  cx_free(&h, dd2);
  cx_free(&h, ddo2);
  return cf_host_finish(&h);
}
