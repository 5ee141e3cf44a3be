/* Memsets and device-to-device copies, no kernel: cuMemsetD8 over an odd byte
 * count and a misaligned sub-range, cuMemsetD32 over a buffer and a
 * sub-range, their Async forms on a stream, cuMemcpyDtoD(Async) between
 * buffers and within one, each checked byte for byte against a host model. */
#include <stdio.h>
#include <string.h>

#include "host.h"

#define NB 4099 /* bytes for the D8 checks: odd on purpose */
#define NW 1000 /* words for the D32 checks */

int main(int argc, char **argv)
{
  struct cf_host h;
  static unsigned char b[NB], wantb[NB];
  static uint32_t w[NW], wantw[NW];
  (void)argc;
  (void)argv;
  cf_host_open(&h, "memset", NULL);

  size_t free_b = 0, total_b = 0;
  CF_CHECK(&h, cuMemGetInfo(&free_b, &total_b));
  cf_host_result(&h, total_b > 0 && free_b <= total_b, "cuMemGetInfo",
                 "free %zu total %zu", free_b, total_b);

  CUdeviceptr d8, d8b, d32;
  CF_CHECK(&h, cuMemAlloc(&d8, NB));
  CF_CHECK(&h, cuMemAlloc(&d8b, NB));
  CF_CHECK(&h, cuMemAlloc(&d32, NW * sizeof(uint32_t)));

  /* D8: whole buffer, then a misaligned sub-range, then a zero count. */
  CF_CHECK(&h, cuMemsetD8(d8, 0xab, NB));
  CF_CHECK(&h, cuMemsetD8(d8 + 3, 0x11, 101));
  CF_CHECK(&h, cuMemsetD8(d8 + 7, 0x22, 0));
  memset(wantb, 0xab, NB);
  memset(wantb + 3, 0x11, 101);
  CF_CHECK(&h, cuMemcpyDtoH(b, d8, NB));
  cf_host_result(&h, memcmp(b, wantb, NB) == 0, "cuMemsetD8",
                 "bytes differ");
  cf_host_digest("memset.d8", b, NB);

  /* D32: whole buffer, then words 10..14. */
  CF_CHECK(&h, cuMemsetD32(d32, 0xdeadbeefu, NW));
  CF_CHECK(&h, cuMemsetD32(d32 + 10 * sizeof(uint32_t), 7, 5));
  for (int i = 0; i < NW; i++)
    wantw[i] = i >= 10 && i < 15 ? 7u : 0xdeadbeefu;
  CF_CHECK(&h, cuMemcpyDtoH(w, d32, sizeof w));
  cf_host_cmp_u32(&h, "cuMemsetD32", w, wantw, NW);
  cf_host_digest("memset.d32", w, sizeof w);

  /* Async forms on a stream, ordered with a DtoD copy on the same stream. */
  CUstream s;
  CF_CHECK(&h, cuStreamCreate(&s, CU_STREAM_DEFAULT));
  CF_CHECK(&h, cuMemsetD8Async(d8b, 0x5a, NB, s));
  CF_CHECK(&h, cuMemsetD32Async(d32, 0x01020304u, NW / 2, s));
  CF_CHECK(&h, cuMemcpyDtoDAsync(d8b + 1000, d8, 500, s));
  CF_CHECK(&h, cuStreamSynchronize(s));
  memset(wantb, 0x5a, NB);
  memcpy(wantb + 1000, b, 500);
  for (int i = 0; i < NW / 2; i++)
    wantw[i] = 0x01020304u;
  CF_CHECK(&h, cuMemcpyDtoH(b, d8b, NB));
  CF_CHECK(&h, cuMemcpyDtoH(w, d32, sizeof w));
  cf_host_result(&h, memcmp(b, wantb, NB) == 0,
                 "cuMemsetD8Async + cuMemcpyDtoDAsync", "bytes differ");
  cf_host_cmp_u32(&h, "cuMemsetD32Async", w, wantw, NW);
  cf_host_digest("memset.async8", b, NB);
  cf_host_digest("memset.async32", w, sizeof w);

  /* Synchronous DtoD, including an overlapping-free copy within a buffer. */
  CF_CHECK(&h, cuMemcpyDtoD(d8, d8b, NB));
  CF_CHECK(&h, cuMemcpyDtoD(d8 + 2000, d8 + 10, 64));
  memcpy(wantb + 2000, wantb + 10, 64);
  CF_CHECK(&h, cuMemcpyDtoH(b, d8, NB));
  cf_host_result(&h, memcmp(b, wantb, NB) == 0, "cuMemcpyDtoD",
                 "bytes differ");
  cf_host_digest("memset.dtod", b, NB);

  CF_CHECK(&h, cuStreamDestroy(s));
  CF_CHECK(&h, cuMemFree(d8));
  CF_CHECK(&h, cuMemFree(d8b));
  CF_CHECK(&h, cuMemFree(d32));
  return cf_host_finish(&h);
}
