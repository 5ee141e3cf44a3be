/* A randomised differential test: one seeded random sequence of driver
 * calls (allocations and frees, synchronous and asynchronous memsets and
 * copies on two streams, 2D memsets, vector_add launches, events recorded
 * and waited for, synchronisations, and calls that must fail: ranges one
 * byte past a buffer, freed buffers), run once directly on the emulator and
 * once through cuferryd. Every result code and every byte read back is
 * folded into the digests, which the two runs must print identically; so
 * an asynchronous call that cuferry sent without a round trip must have
 * behaved exactly as the local driver's call did, error at the call
 * included. Host buffers are overwritten right after each async upload (the
 * bytes must have been taken at the call). The streams are blocking ones
 * (ordered with the synchronous reads) and take turns through an event, so
 * the bytes do not depend on timing.
 *
 * usage: differential VECTOR_ADD_PTX [STEPS] [SEED] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host.h"

#define MAX_BUFS 8
#define MAX_BYTES 65536
#define STREAMS 2

struct buf {
  CUdeviceptr p;
  size_t n;
};

static uint32_t rng;
static struct buf bufs[MAX_BUFS];
static int nbufs;
static uint64_t bytes_digest = CF_FNV_SEED;

static size_t pick(size_t n)
{
  return n ? cf_rand_u32(&rng) % n : 0;
}

/* A range in buffer b: usually inside, sometimes one byte past the end. */
static void range(const struct buf *b, size_t align, size_t *off, size_t *len)
{
  size_t units = b->n / align;

  *off = pick(units) * align;
  *len = (1 + pick(units - *off / align)) * align;
  if (pick(16) == 0)
    *len += align; /* one element too many: must fail at the call */
}

int main(int argc, char **argv)
{
  struct cf_host h;
  static unsigned char host[MAX_BYTES + 8];
  CUstream s[STREAMS];
  CUevent ev, chain;
  CUfunction add;
  int steps, ops_done = 0;

  cf_host_usage(argc, argv, 1, "VECTOR_ADD_PTX [STEPS] [SEED]");
  steps = argc > 2 ? atoi(argv[2]) : 3000;
  rng = argc > 3 ? (uint32_t)strtoul(argv[3], NULL, 0) : 20261205u;
  cf_host_open(&h, "differential", argv[1]);
  add = cf_host_function(&h, "vector_add");
  for (int i = 0; i < STREAMS; i++)
    CF_CHECK(&h, cuStreamCreate(&s[i], CU_STREAM_DEFAULT)); /* ordered with reads */
  CF_CHECK(&h, cuEventCreate(&ev, CU_EVENT_DISABLE_TIMING));
  CF_CHECK(&h, cuEventCreate(&chain, CU_EVENT_DISABLE_TIMING));

  for (int step = 0; step < steps; step++) {
    CUstream st = s[pick(STREAMS)];
    struct buf *b = nbufs ? &bufs[pick((size_t)nbufs)] : NULL;
    unsigned op = (unsigned)pick(13);
    size_t off, len;
    CUresult r = CUDA_SUCCESS;

    if (!b && op != 0)
      op = 0;
    switch (op) {
    case 0: /* allocate */
      if (nbufs == MAX_BUFS)
        continue;
      bufs[nbufs].n = 4 * (1 + pick(MAX_BYTES / 4));
      r = cuMemAlloc(&bufs[nbufs].p, bufs[nbufs].n);
      if (r == CUDA_SUCCESS)
        r = cuMemsetD8(bufs[nbufs].p, 0, bufs[nbufs].n), nbufs++;
      break;
    case 1: /* free (the last one freed stays in the table, freed) */
      r = cuMemFree(b->p);
      if (pick(2) == 0) { /* and use it once more: must fail */
        cf_host_note(&h, (uint64_t)r);
        r = cuMemsetD8Async(b->p, 1, 1, st);
      }
      *b = bufs[--nbufs];
      break;
    case 2:
      range(b, 1, &off, &len);
      r = cuMemsetD8Async(b->p + off, (unsigned char)pick(256), len, st);
      break;
    case 3:
      range(b, 4, &off, &len);
      r = cuMemsetD32Async(b->p + off, cf_rand_u32(&rng), len / 4, st);
      break;
    case 4: /* upload, then overwrite the source at once */
      range(b, 1, &off, &len);
      for (size_t i = 0; i < len; i++)
        host[i] = (unsigned char)pick(256);
      r = cuMemcpyHtoDAsync(b->p + off, host, len, st);
      memset(host, 0xee, len);
      break;
    case 5: { /* device to device, between two buffers */
      struct buf *c = &bufs[pick((size_t)nbufs)];
      size_t n = b->n < c->n ? b->n : c->n;
      len = 1 + pick(n);
      if (pick(16) == 0)
        len = n + 1;
      r = cuMemcpyDtoDAsync(c->p, b->p, len, st);
      break;
    }
    case 6: /* read back (synchronous) */
      range(b, 1, &off, &len);
      memset(host, 0, len);
      r = cuMemcpyDtoH(host, b->p + off, len);
      if (r == CUDA_SUCCESS)
        bytes_digest = cf_fnv1a(bytes_digest, host, len);
      break;
    case 7: { /* c = a + b over floats of one buffer */
      int n = (int)(b->n / 12);
      CUdeviceptr a = b->p, bb = b->p + 4 * (size_t)n, c = b->p + 8 * (size_t)n;
      void *args[] = { &a, &bb, &c, &n };
      if (n == 0)
        continue;
      r = cuLaunchKernel(add, (unsigned)(n + 127) / 128, 1, 1, 128, 1, 1, 0, st, args, NULL);
      break;
    }
    case 8: /* order one stream after the other */
      r = cuEventRecord(ev, st);
      if (r == CUDA_SUCCESS)
        r = cuStreamWaitEvent(s[0] == st ? s[1] : s[0], ev, 0);
      break;
    case 9:
      r = cuStreamSynchronize(st);
      break;
    case 10:
      r = cuCtxSynchronize();
      break;
    case 11: { /* rows of a 2D memset, sometimes one row too many */
      size_t pitch = 256, rows = b->n / pitch;
      if (rows == 0)
        continue;
      r = cuMemsetD2D8Async(b->p, pitch, (unsigned char)pick(256), 1 + pick(pitch),
                            1 + pick(rows) + (pick(16) == 0 ? rows : 0), st);
      break;
    }
    case 12:
      r = cuEventQuery(ev);
      if (r == CUDA_ERROR_NOT_READY) /* timing-dependent: not compared */
        r = CUDA_SUCCESS;
      break;
    }
    cf_host_note(&h, (uint64_t)op << 32 | (uint64_t)r);
    /* The other stream waits for this one, so the streams take turns and
     * the bytes do not depend on timing. */
    r = cuEventRecord(chain, st);
    if (r == CUDA_SUCCESS)
      r = cuStreamWaitEvent(s[0] == st ? s[1] : s[0], chain, 0);
    CF_CHECK(&h, r);
    ops_done++;
  }
  CF_CHECK(&h, cuCtxSynchronize());
  for (int i = 0; i < nbufs; i++) { /* what every buffer holds at the end */
    static unsigned char all[MAX_BYTES];
    CF_CHECK(&h, cuMemcpyDtoH(all, bufs[i].p, bufs[i].n));
    bytes_digest = cf_fnv1a(bytes_digest, all, bufs[i].n);
    CF_CHECK(&h, cuMemFree(bufs[i].p));
  }
  CF_CHECK(&h, cuEventDestroy(ev));
  CF_CHECK(&h, cuEventDestroy(chain));
  for (int i = 0; i < STREAMS; i++)
    CF_CHECK(&h, cuStreamDestroy(s[i]));
  printf("info %d operations\n", ops_done);
  cf_host_codes_digest(&h);
  printf("digest differential.bytes %016llx\n", (unsigned long long)bytes_digest);
  cf_host_result(&h, ops_done > 0, "differential", "no operation ran");
  return cf_host_finish(&h);
}
