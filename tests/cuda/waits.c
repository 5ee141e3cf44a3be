/* One thread waiting must not hold up another, as on a local GPU. Thread A
 * launches a kernel that spins until a flag in device memory is set, then
 * waits for its stream; thread B, while A waits, makes calls of its own and
 * finally sets the flag with a synchronous copy. Through cuferry this needs
 * both halves: the client must not keep B's calls behind A's pending reply,
 * and the server must not run A's wait on the thread that serves B. If
 * either blocks, B's calls cannot run until the kernel gives up (its loop
 * is bounded, so the program fails instead of hanging) and the kernel
 * reports that it never saw the flag. B's calls include copies of 8 MiB
 * from and to pinned memory: over RDMA each upload waits for the server's
 * report that it read the memory, a message that wakes A's poll without a
 * reply for A, after which A must not sit in a read holding the session. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "host.h"

/* Spins on *flag (volatile loads) for at most bound rounds; writes 1 to
 * *result when it saw the flag set, 2 when it gave up. */
static const char spin_ptx[] =
    ".version 7.0\n"
    ".target sm_50\n"
    ".address_size 64\n"
    ".visible .entry spin(.param .u64 flag, .param .u64 result, .param .u32 bound)\n"
    "{\n"
    "  .reg .pred %p<3>;\n"
    "  .reg .b32 %r<5>;\n"
    "  .reg .b64 %rd<3>;\n"
    "  ld.param.u64 %rd1, [flag];\n"
    "  ld.param.u64 %rd2, [result];\n"
    "  ld.param.u32 %r1, [bound];\n"
    "  cvta.to.global.u64 %rd1, %rd1;\n"
    "  cvta.to.global.u64 %rd2, %rd2;\n"
    "  mov.u32 %r2, 0;\n"
    "  mov.u32 %r4, 2;\n"
    "LOOP:\n"
    "  ld.volatile.global.u32 %r3, [%rd1];\n"
    "  setp.ne.u32 %p1, %r3, 0;\n"
    "  @%p1 bra SEEN;\n"
    "  add.u32 %r2, %r2, 1;\n"
    "  setp.lt.u32 %p2, %r2, %r1;\n"
    "  @%p2 bra LOOP;\n"
    "  bra.uni DONE;\n"
    "SEEN:\n"
    "  mov.u32 %r4, 1;\n"
    "DONE:\n"
    "  st.global.u32 [%rd2], %r4;\n"
    "  ret;\n"
    "}\n";

/* Rounds before the kernel gives up: seconds on the emulator's interpreter
 * and on a GPU, far longer than B needs to set the flag. */
#define SPIN_BOUND (1u << 26)
#define B_CALLS 50
#define B_PINNED_BYTES (((size_t)8 << 20) + 1)
#define B_PINNED_ROUNDS 2

static struct {
  CUcontext ctx;
  CUfunction spin;
  CUstream stream;
  CUdeviceptr flag, result, b_dev;
  unsigned char *b_up, *b_down; /* pinned */
  pthread_mutex_t lock;
  pthread_cond_t cond;
  int launched;
  atomic_int a_done;      /* A's cuStreamSynchronize returned */
  CUresult a_err, b_err;
  const char *a_what, *b_what;
  int b_ran_while_a_waited;
} T = { .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER };

static void *thread_a(void *arg)
{
  unsigned bound = SPIN_BOUND;
  void *params[] = { &T.flag, &T.result, &bound };
  CUresult r;

  (void)arg;
  if ((r = cuCtxSetCurrent(T.ctx)) != CUDA_SUCCESS) {
    T.a_err = r, T.a_what = "cuCtxSetCurrent";
  } else if ((r = cuLaunchKernel(T.spin, 1, 1, 1, 1, 1, 1, 0, T.stream, params, NULL)) !=
             CUDA_SUCCESS) {
    T.a_err = r, T.a_what = "cuLaunchKernel";
  }
  pthread_mutex_lock(&T.lock);
  T.launched = 1;
  pthread_cond_signal(&T.cond);
  pthread_mutex_unlock(&T.lock);
  if (!T.a_what && (r = cuStreamSynchronize(T.stream)) != CUDA_SUCCESS)
    T.a_err = r, T.a_what = "cuStreamSynchronize";
  atomic_store(&T.a_done, 1);
  return NULL;
}

/* B's round trips of pinned memory (allocated by main: freeing pinned
 * memory waits for the device, as CUDA's does); the name of the call that
 * failed, or NULL (a mismatch is "cuMemcpyDtoH" with CUDA_SUCCESS). */
static const char *b_pinned_round_trips(CUresult *err)
{
  for (int k = 0; k < B_PINNED_ROUNDS; k++) {
    for (size_t i = 0; i < B_PINNED_BYTES; i++)
      T.b_up[i] = (unsigned char)(i * 7 + (size_t)k);
    if ((*err = cuMemcpyHtoD(T.b_dev, T.b_up, B_PINNED_BYTES)) != CUDA_SUCCESS)
      return "cuMemcpyHtoD";
    if ((*err = cuMemcpyDtoH(T.b_down, T.b_dev, B_PINNED_BYTES)) != CUDA_SUCCESS ||
        memcmp(T.b_up, T.b_down, B_PINNED_BYTES) != 0)
      return "cuMemcpyDtoH";
  }
  return NULL;
}

static void *thread_b(void *arg)
{
  struct timespec pause = { 0, 100 * 1000 * 1000 }; /* let A reach its wait */
  unsigned one = 1;
  size_t free_b, total_b;
  CUresult r;

  (void)arg;
  pthread_mutex_lock(&T.lock);
  while (!T.launched)
    pthread_cond_wait(&T.cond, &T.lock);
  pthread_mutex_unlock(&T.lock);
  if ((r = cuCtxSetCurrent(T.ctx)) != CUDA_SUCCESS) {
    T.b_err = r, T.b_what = "cuCtxSetCurrent";
    return NULL;
  }
  nanosleep(&pause, NULL);
  for (int i = 0; i < B_CALLS; i++)
    if ((r = cuMemGetInfo(&free_b, &total_b)) != CUDA_SUCCESS) {
      T.b_err = r, T.b_what = "cuMemGetInfo";
      return NULL;
    }
  if ((T.b_what = b_pinned_round_trips(&T.b_err)) != NULL)
    return NULL;
  T.b_ran_while_a_waited = !atomic_load(&T.a_done);
  if ((r = cuMemcpyHtoD(T.flag, &one, sizeof one)) != CUDA_SUCCESS)
    T.b_err = r, T.b_what = "cuMemcpyHtoD";
  return NULL;
}

int main(int argc, char **argv)
{
  struct cf_host h;
  CUmodule mod;
  pthread_t a, b;
  unsigned result = 0;

  (void)argc;
  (void)argv;
  cf_host_open(&h, "waits", NULL);
  T.ctx = h.ctx;
  CF_CHECK(&h, cuModuleLoadData(&mod, spin_ptx));
  CF_CHECK(&h, cuModuleGetFunction(&T.spin, mod, "spin"));
  CF_CHECK(&h, cuStreamCreate(&T.stream, CU_STREAM_NON_BLOCKING));
  CF_CHECK(&h, cuMemAlloc(&T.flag, sizeof(unsigned)));
  CF_CHECK(&h, cuMemAlloc(&T.result, sizeof(unsigned)));
  CF_CHECK(&h, cuMemAlloc(&T.b_dev, B_PINNED_BYTES));
  CF_CHECK(&h, cuMemAllocHost((void **)&T.b_up, B_PINNED_BYTES));
  CF_CHECK(&h, cuMemAllocHost((void **)&T.b_down, B_PINNED_BYTES));
  CF_CHECK(&h, cuMemsetD32(T.flag, 0, 1));
  CF_CHECK(&h, cuMemsetD32(T.result, 0, 1));
  if (pthread_create(&a, NULL, thread_a, NULL) != 0 ||
      pthread_create(&b, NULL, thread_b, NULL) != 0) {
    cf_host_result(&h, 0, "pthread_create", "failed");
    return cf_host_finish(&h);
  }
  pthread_join(b, NULL);
  pthread_join(a, NULL);
  cf_host_result(&h, !T.a_what, "thread A: launch and wait", "%s returned %s",
                 T.a_what ? T.a_what : "", cf_host_err_name(T.a_err));
  cf_host_result(&h, !T.b_what, "thread B: calls and the flag", "%s returned %s",
                 T.b_what ? T.b_what : "", cf_host_err_name(T.b_err));
  cf_host_result(&h, T.b_ran_while_a_waited, "thread B's calls ran while A waited",
                 "A's wait returned first");
  CF_CHECK(&h, cuMemcpyDtoH(&result, T.result, sizeof result));
  cf_host_result(&h, result == 1, "the kernel saw the flag B set",
                 "result %u (2: it gave up waiting)", result);
  printf("digest waits.result %u\n", result);
  CF_CHECK(&h, cuMemFreeHost(T.b_up));
  CF_CHECK(&h, cuMemFreeHost(T.b_down));
  CF_CHECK(&h, cuModuleUnload(mod));
  return cf_host_finish(&h);
}
