/* Page-locked host memory kept on the client: cuMemHostAlloc with its flags,
 * cuMemHostRegister/Unregister of the program's own memory, and
 * cuMemHostGetFlags, each with its error cases (overlapping registration,
 * device mapping, which a remote device cannot offer, unknown flags,
 * unregistering what is not registered, freeing registered memory with
 * cuMemFreeHost); asynchronous copies to and from registered memory on a
 * stream, checked after the stream synchronises.
 *
 * usage: hostmem
 *
 * The digest covers every code checked and the data copied, so a stub run
 * and an emulator run must agree on all of them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host.h"

#define EXPECT CF_EXPECT_CODE

#define N (1u << 18) /* words */

int main(void)
{
  struct cf_host h;
  unsigned flags = 0, *buf = NULL, *wc = NULL;
  CUdeviceptr d = 0, mapped = 0;
  CUstream s = NULL;
  size_t bytes = N * sizeof(unsigned);
  int ok = 1;

  cf_host_open(&h, "hostmem", NULL);
  CF_CHECK(&h, cuMemAlloc(&d, bytes));
  CF_CHECK(&h, cuStreamCreate(&s, CU_STREAM_NON_BLOCKING));

  /* cuMemHostAlloc and its flags. */
  EXPECT(&h, cuMemHostAlloc((void **)&wc, 4096, CU_MEMHOSTALLOC_PORTABLE |
                            CU_MEMHOSTALLOC_WRITECOMBINED), CUDA_SUCCESS);
  EXPECT(&h, cuMemHostGetFlags(&flags, wc + 10), CUDA_SUCCESS);
  cf_host_result(&h, flags == (CU_MEMHOSTALLOC_PORTABLE | CU_MEMHOSTALLOC_WRITECOMBINED),
                 "flags of an allocated block", "flags %#x", flags);
  EXPECT(&h, cuMemHostAlloc((void **)&buf, 4096, CU_MEMHOSTALLOC_DEVICEMAP),
         CUDA_ERROR_NOT_SUPPORTED);
  EXPECT(&h, cuMemHostAlloc((void **)&buf, 4096, 0x80), CUDA_ERROR_INVALID_VALUE);
  EXPECT(&h, cuMemHostGetFlags(NULL, wc), CUDA_ERROR_INVALID_VALUE);
  EXPECT(&h, cuMemHostGetDevicePointer(&mapped, wc, 0), CUDA_ERROR_NOT_SUPPORTED);

  /* Registering the program's own memory. */
  buf = aligned_alloc(4096, bytes + 4096);
  if (!buf)
    return 1;
  EXPECT(&h, cuMemHostRegister(buf, bytes, CU_MEMHOSTREGISTER_PORTABLE), CUDA_SUCCESS);
  EXPECT(&h, cuMemHostGetFlags(&flags, buf + N - 1), CUDA_SUCCESS);
  cf_host_result(&h, flags == CU_MEMHOSTREGISTER_PORTABLE, "flags of a registered range",
                 "flags %#x", flags);
  EXPECT(&h, cuMemHostGetFlags(&flags, buf + N), CUDA_ERROR_INVALID_VALUE);
  EXPECT(&h, cuMemHostRegister(buf + 1024, 4096, 0), CUDA_ERROR_HOST_MEMORY_ALREADY_REGISTERED);
  EXPECT(&h, cuMemHostRegister((char *)buf - 0, bytes + 4096, 0),
         CUDA_ERROR_HOST_MEMORY_ALREADY_REGISTERED);
  EXPECT(&h, cuMemHostRegister(buf + N, 4096, CU_MEMHOSTREGISTER_DEVICEMAP),
         CUDA_ERROR_NOT_SUPPORTED);
  EXPECT(&h, cuMemHostRegister(buf + N, 4096, 0x100), CUDA_ERROR_INVALID_VALUE);
  EXPECT(&h, cuMemHostRegister(NULL, 4096, 0), CUDA_ERROR_INVALID_VALUE);
  EXPECT(&h, cuMemHostRegister(buf + N, 0, 0), CUDA_ERROR_INVALID_VALUE);
  EXPECT(&h, cuMemFreeHost(buf), CUDA_ERROR_INVALID_VALUE);

  /* Asynchronous copies through the registered range. */
  for (unsigned i = 0; i < N; i++)
    buf[i] = i * 2654435761u;
  EXPECT(&h, cuMemcpyHtoDAsync(d, buf, bytes, s), CUDA_SUCCESS);
  EXPECT(&h, cuMemsetD32Async(d + 4 * 1000, 0xabcdef01u, 24, s), CUDA_SUCCESS);
  EXPECT(&h, cuStreamSynchronize(s), CUDA_SUCCESS);
  memset(buf, 0, bytes);
  EXPECT(&h, cuMemcpyDtoHAsync(buf, d, bytes, s), CUDA_SUCCESS);
  EXPECT(&h, cuStreamSynchronize(s), CUDA_SUCCESS);
  for (unsigned i = 0; i < N && ok; i++) {
    unsigned want = i >= 1000 && i < 1024 ? 0xabcdef01u : i * 2654435761u;
    ok = buf[i] == want;
    if (!ok)
      cf_host_result(&h, 0, "registered round trip", "[%u] = %#x, want %#x", i, buf[i], want);
  }
  if (ok)
    cf_host_result(&h, 1, "registered round trip", "%s", "");
  cf_host_digest("registered", buf, bytes);

  /* Unregistering. */
  EXPECT(&h, cuMemHostUnregister(buf + 1), CUDA_ERROR_HOST_MEMORY_NOT_REGISTERED);
  EXPECT(&h, cuMemHostUnregister(wc), CUDA_ERROR_HOST_MEMORY_NOT_REGISTERED);
  EXPECT(&h, cuMemHostUnregister(buf), CUDA_SUCCESS);
  EXPECT(&h, cuMemHostUnregister(buf), CUDA_ERROR_HOST_MEMORY_NOT_REGISTERED);
  EXPECT(&h, cuMemHostGetFlags(&flags, buf), CUDA_ERROR_INVALID_VALUE);
  EXPECT(&h, cuMemHostRegister(buf, bytes, 0), CUDA_SUCCESS); /* again, after */
  EXPECT(&h, cuMemHostUnregister(buf), CUDA_SUCCESS);

  EXPECT(&h, cuMemFreeHost(wc), CUDA_SUCCESS);
  CF_CHECK(&h, cuStreamDestroy(s));
  CF_CHECK(&h, cuMemFree(d));
  free(buf);
  cf_host_codes_digest(&h);
  printf("%s hostmem\n", h.failures ? "FAIL" : "PASS");
  return h.failures ? 1 : 0;
}
