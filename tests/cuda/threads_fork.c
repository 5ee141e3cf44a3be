/* Process and thread life cycles around one session: 3000 short-lived
 * threads that each make a CUDA call (the stub hands their lanes back, so
 * the session never runs out of them), and a child forked after cuInit,
 * whose exit must not end the parent's session. Through cuferry's stub the
 * child's calls answer CUDA_ERROR_NOT_INITIALIZED, as with NVIDIA's driver;
 * the emulator run directly lets the child use CUDA, so there the child's
 * answer is only printed. No kernel needed. */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "host.h"

#define THREADS 3000

static CUcontext ctx;

static void *one_call(void *arg)
{
  CUdeviceptr p;
  CUresult *r = arg;
  if ((*r = cuCtxSetCurrent(ctx)) == CUDA_SUCCESS &&
      (*r = cuMemAlloc(&p, 256)) == CUDA_SUCCESS)
    *r = cuMemFree(p);
  return NULL;
}

int main(void)
{
  struct cf_host h;
  int bad = 0, status = 0;
  CUdeviceptr p;
  pid_t child;
  int on_stub = dlsym(RTLD_DEFAULT, "cuferry_client_stub") != NULL;

  cf_host_open(&h, "threads_fork", NULL);
  ctx = h.ctx;
  for (int i = 0; i < THREADS; i++) {
    pthread_t t;
    CUresult r = CUDA_ERROR_UNKNOWN;
    pthread_create(&t, NULL, one_call, &r);
    pthread_join(t, NULL);
    bad += r != CUDA_SUCCESS;
  }
  cf_host_result(&h, bad == 0, "3000 short-lived threads", "%d calls failed", bad);
  cf_host_digest("failed-thread-calls", &bad, sizeof bad);

  fflush(stdout);
  child = fork();
  if (child == 0) {
    CUresult r = cuMemAlloc(&p, 256);
    if (on_stub)
      _exit(r == CUDA_ERROR_NOT_INITIALIZED ? 0 : 1);
    printf("info child cuMemAlloc on the emulator: %s\n", cf_host_err_name(r));
    fflush(stdout);
    _exit(0);
  }
  waitpid(child, &status, 0);
  cf_host_result(&h, WIFEXITED(status) && WEXITSTATUS(status) == 0,
                 "forked child", "status %d", status);
  CF_EXPECT(&h, cuMemAlloc(&p, 256), CUDA_SUCCESS);
  CF_EXPECT(&h, cuMemFree(p), CUDA_SUCCESS);
  CF_CHECK(&h, cuCtxDestroy(h.ctx));
  printf("%s threads_fork\n", h.failures ? "FAIL" : "PASS");
  return h.failures ? 1 : 0;
}
