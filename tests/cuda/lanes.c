/* Asynchronous calls from several threads at once: four threads share the
 * context, each with a stream and a buffer of its own, and each queues 400
 * uploads and memsets on its stream (most of them sent without a round
 * trip through cuferry), overwriting its host source after every upload;
 * then it synchronises its stream and checks its buffer, byte for byte,
 * against a host model of what it queued. Every thread's calls must arrive
 * in its own order, whatever the other threads sent in between, and an
 * upload must carry the bytes the source held at the call. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "host.h"

#define THREADS 4
#define STEPS 400
#define BYTES 8192

struct worker {
  CUcontext ctx;
  int id, ok;
  CUresult err;
  const char *what;
};

static void *run(void *arg)
{
  struct worker *w = arg;
  static _Thread_local unsigned char model[BYTES], src[BYTES], got[BYTES];
  uint32_t rng = 1000u + (uint32_t)w->id;
  CUdeviceptr p;
  CUstream s;
  CUresult r;

#define TRY(call)                                                            \
  do {                                                                       \
    if ((r = (call)) != CUDA_SUCCESS) {                                      \
      w->err = r;                                                            \
      w->what = #call;                                                       \
      return NULL;                                                           \
    }                                                                        \
  } while (0)
  TRY(cuCtxSetCurrent(w->ctx));
  TRY(cuStreamCreate(&s, CU_STREAM_NON_BLOCKING));
  TRY(cuMemAlloc(&p, BYTES));
  TRY(cuMemsetD8Async(p, 0, BYTES, s));
  memset(model, 0, sizeof model);
  for (int i = 0; i < STEPS; i++) {
    size_t off = cf_rand_u32(&rng) % BYTES, len = 1 + cf_rand_u32(&rng) % (BYTES - off);

    if (cf_rand_u32(&rng) % 2) {
      for (size_t k = 0; k < len; k++)
        src[k] = (unsigned char)cf_rand_u32(&rng);
      TRY(cuMemcpyHtoDAsync(p + off, src, len, s));
      memcpy(model + off, src, len);
      memset(src, 0xee, len); /* the upload must not see this */
    } else {
      unsigned char v = (unsigned char)cf_rand_u32(&rng);
      TRY(cuMemsetD8Async(p + off, v, len, s));
      memset(model + off, v, len);
    }
  }
  TRY(cuStreamSynchronize(s));
  TRY(cuMemcpyDtoH(got, p, BYTES));
  w->ok = memcmp(got, model, BYTES) == 0;
  TRY(cuMemFree(p));
  TRY(cuStreamDestroy(s));
#undef TRY
  return NULL;
}

int main(int argc, char **argv)
{
  struct cf_host h;
  struct worker w[THREADS];
  pthread_t t[THREADS];

  (void)argc;
  (void)argv;
  cf_host_open(&h, "lanes", NULL);
  for (int i = 0; i < THREADS; i++) {
    w[i] = (struct worker){ .ctx = h.ctx, .id = i };
    if (pthread_create(&t[i], NULL, run, &w[i]) != 0) {
      cf_host_result(&h, 0, "pthread_create", "failed");
      return cf_host_finish(&h);
    }
  }
  for (int i = 0; i < THREADS; i++) {
    pthread_join(t[i], NULL);
    if (w[i].what)
      cf_host_result(&h, 0, "thread", "%d: %s returned %s", i, w[i].what,
                     cf_host_err_name(w[i].err));
    else
      cf_host_result(&h, w[i].ok, "thread's buffer matches its model", "thread %d: differs", i);
  }
  printf("digest lanes.ok %d\n", THREADS);
  return cf_host_finish(&h);
}
