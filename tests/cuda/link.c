/* JIT linking as NVRTC/Numba-style programs do it: two PTX files compiled
 * separately with -rdc=true, one calling device functions the other
 * defines, linked with cuLinkCreate / cuLinkAddFile / cuLinkAddData /
 * cuLinkComplete, the image loaded with cuModuleLoadDataEx and run. Also
 * the error path: linking the kernel alone leaves its externs unresolved.
 * usage: link MAIN.ptx LIB.ptx */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host.h"

#define N 1000

static char *slurp(const char *path, size_t *n)
{
  FILE *f = fopen(path, "rb");
  char *b = NULL;
  long len;
  if (f && !fseek(f, 0, SEEK_END) && (len = ftell(f)) > 0 && !fseek(f, 0, SEEK_SET) &&
      (b = calloc(1, (size_t)len + 1)) && fread(b, 1, (size_t)len, f) == (size_t)len)
    *n = (size_t)len + 1;
  if (f)
    fclose(f);
  return b;
}

int main(int argc, char **argv)
{
  struct cf_host h;
  CUlinkState link;
  CUmodule mod;
  CUfunction f;
  CUdeviceptr din, dout, dsums;
  void *image;
  size_t image_size, lib_len = 0;
  static float in[N], out[N];
  static int sums[N];
  float s = 3.0f;
  int n = N, bad = 0;
  char *lib;

  cf_host_usage(argc, argv, 2, "MAIN.ptx LIB.ptx");
  cf_host_open(&h, "link", NULL);
  if (!(lib = slurp(argv[2], &lib_len))) {
    printf("FAIL link: cannot read %s\n", argv[2]);
    return 1;
  }

  /* the kernel alone: unresolved externs */
  CF_CHECK(&h, cuLinkCreate(0, NULL, NULL, &link));
  CF_CHECK(&h, cuLinkAddFile(link, CU_JIT_INPUT_PTX, argv[1], 0, NULL, NULL));
  {
    CUresult r = cuLinkComplete(link, &image, &image_size);
    cf_host_result(&h, r != CUDA_SUCCESS, "unresolved externs refuse to link", "%s",
                   cf_host_err_name(r));
  }
  CF_CHECK(&h, cuLinkDestroy(link));

  /* both halves: one from a file, one from memory */
  CF_CHECK(&h, cuLinkCreate(0, NULL, NULL, &link));
  CF_CHECK(&h, cuLinkAddFile(link, CU_JIT_INPUT_PTX, argv[1], 0, NULL, NULL));
  CF_CHECK(&h, cuLinkAddData(link, CU_JIT_INPUT_PTX, lib, lib_len, "link_lib", 0, NULL, NULL));
  CF_CHECK(&h, cuLinkComplete(link, &image, &image_size));
  cf_host_result(&h, image && image_size > 0, "cuLinkComplete returns an image", "%zu bytes",
                 image_size);
  CF_CHECK(&h, cuModuleLoadDataEx(&mod, image, 0, NULL, NULL));
  CF_CHECK(&h, cuLinkDestroy(link));
  CF_CHECK(&h, cuModuleGetFunction(&f, mod, "linked"));

  for (int i = 0; i < N; i++)
    in[i] = (float)i * 0.5f;
  CF_CHECK(&h, cuMemAlloc(&din, sizeof in));
  CF_CHECK(&h, cuMemAlloc(&dout, sizeof out));
  CF_CHECK(&h, cuMemAlloc(&dsums, sizeof sums));
  CF_CHECK(&h, cuMemcpyHtoD(din, in, sizeof in));
  void *args[] = { &din, &dout, &dsums, &n, &s };
  CF_CHECK(&h, cuLaunchKernel(f, (N + 127) / 128, 1, 1, 128, 1, 1, 0, NULL, args, NULL));
  CF_CHECK(&h, cuMemcpyDtoH(out, dout, sizeof out));
  CF_CHECK(&h, cuMemcpyDtoH(sums, dsums, sizeof sums));
  for (int i = 0; i < N; i++) {
    int k = i % 20;
    bad += out[i] != in[i] * s + 1.0f || sums[i] != k * (k + 1) / 2;
  }
  cf_host_result(&h, bad == 0, "linked kernel computes", "%d wrong", bad);
  cf_host_digest("linked", out, sizeof out);
  cf_host_digest("sums", sums, sizeof sums);
  CF_CHECK(&h, cuModuleUnload(mod));
  free(lib);
  printf("%s link\n", h.failures ? "FAIL" : "PASS");
  return h.failures ? 1 : 0;
}
