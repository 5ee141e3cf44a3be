/* Module images loaded again and again, as tests/integration/test_images.py
 * needs them to see that each image crossed the wire once (server/
 * image_cache.c): image A three times as a module, once as a library and
 * once as a module of a second context; image B, of the same size as A but
 * other bytes (its kernel subtracts where A's adds), twice. Every module's
 * kernel runs, and its result tells which image the driver really loaded.
 *
 * usage: images [PAD]
 *
 * PAD: bytes of PTX comment added to both images, to make them as large as
 * an application's (the stub names large images before sending them to a
 * server that shares images between sessions).
 *
 * Digests cover every result, so a stub run and an emulator run agree. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host.h"

#define N 64

static const char ptx_base[] =
  CF_HOST_PTX_HEADER
  CF_HOST_PTX_FILL("k");

/* Run f and check that it wrote p[i] = 1000 + i (add) or 1000 - i. */
static void run(struct cf_host *h, CUfunction f, int add, const char *what)
{
  unsigned out[N], want[N], v = 1000;
  CUdeviceptr d;
  void *args[] = { &d, &v };

  CF_CHECK(h, cuMemAlloc(&d, sizeof out));
  CF_CHECK(h, cuLaunchKernel(f, 1, 1, 1, N, 1, 1, 0, NULL, args, NULL));
  CF_CHECK(h, cuMemcpyDtoH(out, d, sizeof out));
  CF_CHECK(h, cuMemFree(d));
  for (unsigned i = 0; i < N; i++)
    want[i] = add ? v + i : v - i;
  cf_host_cmp_u32(h, what, out, want, N);
  cf_host_digest(what, out, sizeof out);
}

static void load_module(struct cf_host *h, const char *image, int add, const char *what)
{
  CUmodule m;
  CUfunction f;

  CF_CHECK(h, cuModuleLoadData(&m, image));
  CF_CHECK(h, cuModuleGetFunction(&f, m, "k"));
  run(h, f, add, what);
  CF_CHECK(h, cuModuleUnload(m));
}

/* base with a comment line of pad bytes at its end (malloc'd). */
static char *padded(struct cf_host *h, const char *base, size_t pad)
{
  size_t n = strlen(base);
  char *s = malloc(n + pad + 4);

  CF_CHECK(h, s ? CUDA_SUCCESS : CUDA_ERROR_OUT_OF_MEMORY);
  memcpy(s, base, n);
  memcpy(s + n, "//", 2);
  memset(s + n + 2, 'x', pad);
  memcpy(s + n + 2 + pad, "\n", 2);
  return s;
}

int main(int argc, char **argv)
{
  size_t pad = argc > 1 ? strtoul(argv[1], NULL, 0) : 0;
  char *ptx_a, *ptx_b;
  struct cf_host h;
  CUcontext second;
  CUlibrary lib;
  CUkernel k;
  CUfunction f;
  char *op;

  cf_host_open(&h, "images", NULL);
  ptx_a = padded(&h, ptx_base, pad);
  ptx_b = padded(&h, ptx_base, pad);
  op = strstr(ptx_b, "add.u32");
  CF_CHECK(&h, op ? CUDA_SUCCESS : CUDA_ERROR_UNKNOWN);
  memcpy(op, "sub", 3); /* same size, other bytes */

  load_module(&h, ptx_a, 1, "image A, first load");
  load_module(&h, ptx_a, 1, "image A, second load");
  load_module(&h, ptx_b, 0, "image B, same size");
  load_module(&h, ptx_a, 1, "image A, third load");

  CF_CHECK(&h, cuLibraryLoadData(&lib, ptx_a, NULL, NULL, 0, NULL, NULL, 0));
  CF_CHECK(&h, cuLibraryGetKernel(&k, lib, "k"));
  CF_CHECK(&h, cuKernelGetFunction(&f, k));
  run(&h, f, 1, "image A as a library");
  CF_CHECK(&h, cuLibraryUnload(lib));

  CF_CHECK(&h, cuCtxCreate(&second, NULL, 0, h.dev));
  load_module(&h, ptx_a, 1, "image A in a second context");
  load_module(&h, ptx_b, 0, "image B in a second context");
  CF_CHECK(&h, cuCtxDestroy(second));
  CF_CHECK(&h, cuCtxSetCurrent(h.ctx));
  free(ptx_a);
  free(ptx_b);
  return cf_host_finish(&h);
}
