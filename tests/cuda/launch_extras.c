/* The stub's client-side launch extras, through the driver API:
 *  - CUDA_VISIBLE_DEVICES: the program re-executes itself with the variable
 *    set to indices, GPU-UUID prefixes and invalid lists, and each child
 *    checks cuInit, the device count, and that forwarded calls taking or
 *    returning a CUdevice (cuCtxCreate, cuCtxGetDevice,
 *    cuDevicePrimaryCtxGetState) see the visible numbering;
 *  - cuOccupancyMaxPotentialBlockSize with a block-size-to-shared-memory
 *    callback (called on the client) and cuOccupancyAvailableDynamicSMemPerBlock;
 *  - cuLaunchHostFunc / cuStreamAddCallback ordering and argument errors;
 *  - cuLaunchKernelEx (no attributes, hints, a 1x1x1 cluster; a real cluster
 *    and a cooperative launch are NOT_SUPPORTED) and cuLaunchCooperativeKernel.
 * Runs only through the stub (the emulator alone ignores
 * CUDA_VISIBLE_DEVICES and computes no occupancy).
 * usage: launch_extras VECTOR_ADD_PTX  |  launch_extras --child WANT_COUNT */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "host.h"

#define N 4096

/* --- child: one CUDA_VISIBLE_DEVICES value ------------------------------ */

static int child(int want)
{
  struct cf_host h = { .prog = "launch_extras child" };
  const char *env = getenv("CUDA_VISIBLE_DEVICES"), *vis = env ? env : "(unset)";
  char label[160];
  int count = -1;
  CUresult r = cuInit(0);

  snprintf(label, sizeof label, "CUDA_VISIBLE_DEVICES='%s': cuInit", vis);
  if (!want) {
    cf_host_result(&h, r == CUDA_ERROR_NO_DEVICE, label, "got %s, want NO_DEVICE",
                   cf_host_err_name(r));
    cuDeviceGetCount(&count);
    snprintf(label, sizeof label, "CUDA_VISIBLE_DEVICES='%s': no device", vis);
    cf_host_result(&h, count <= 0, label, "count %d", count);
    return h.failures ? 1 : 0;
  }
  cf_host_result(&h, r == CUDA_SUCCESS, label, "%s", cf_host_err_name(r));
  CF_EXPECT(&h, cuDeviceGetCount(&count), CUDA_SUCCESS);
  snprintf(label, sizeof label, "CUDA_VISIBLE_DEVICES='%s': %d device(s)", vis, want);
  cf_host_result(&h, count == want, label, "count %d", count);

  CUdevice dev = -1, got = -1;
  CUcontext ctx = NULL;
  unsigned flags;
  int active;
  CF_EXPECT(&h, cuDeviceGet(&dev, 0), CUDA_SUCCESS);
  CF_EXPECT(&h, cuDeviceGet(&dev, count), CUDA_ERROR_INVALID_DEVICE);
  CF_EXPECT(&h, cuCtxCreate(&ctx, NULL, 0, count), CUDA_ERROR_INVALID_DEVICE);
  CF_EXPECT(&h, cuDevicePrimaryCtxGetState(count, &flags, &active), CUDA_ERROR_INVALID_DEVICE);
  CF_EXPECT(&h, cuDevicePrimaryCtxGetState(count - 1, &flags, &active), CUDA_SUCCESS);
  CF_EXPECT(&h, cuCtxCreate(&ctx, NULL, 0, count - 1), CUDA_SUCCESS);
  CF_EXPECT(&h, cuCtxGetDevice(&got), CUDA_SUCCESS);
  cf_host_result(&h, got == count - 1, "cuCtxGetDevice answers the visible ordinal", "got %d",
                 got);
  if (ctx)
    CF_EXPECT(&h, cuCtxDestroy(ctx), CUDA_SUCCESS);
  return h.failures ? 1 : 0;
}

static int run_child(const char *self, const char *vis, int want)
{
  char arg[16];
  pid_t pid;
  int status;

  snprintf(arg, sizeof arg, "%d", want);
  fflush(stdout);
  if ((pid = fork()) < 0)
    return 0;
  if (pid == 0) {
    if (vis)
      setenv("CUDA_VISIBLE_DEVICES", vis, 1);
    else
      unsetenv("CUDA_VISIBLE_DEVICES");
    execl(self, self, "--child", arg, (char *)NULL);
    _exit(127);
  }
  return waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static void visible_devices(struct cf_host *h, const char *self)
{
  CUuuid u;
  char full[64], prefix[16], label[200];
  int n = 0;

  CF_CHECK(h, cuDeviceGetCount(&n));
  CF_CHECK(h, cuDeviceGetUuid(&u, h->dev));
  const unsigned char *b = (const unsigned char *)u.bytes;
  snprintf(full, sizeof full,
           "GPU-%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
           b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
           b[15]);
  snprintf(prefix, sizeof prefix, "%.12s", full); /* "GPU-" and 8 hex digits */
  printf("info %d device(s), device 0 is %s\n", n, full);

  char past[16], zero_past[32], dup[8] = "0,0", bad_first[32];
  snprintf(past, sizeof past, "%d", n);           /* one past the last */
  snprintf(zero_past, sizeof zero_past, "0,%d,0", n);
  snprintf(bad_first, sizeof bad_first, "x,0");
  const struct { const char *vis; int want; } cases[] = {
    { NULL, n },  { "0", 1 },        { past, 0 },     { "", 0 },
    { prefix, 1 }, { full, 1 },      { zero_past, 1 }, { dup, 1 },
    { "GPU-zzzz", 0 }, { bad_first, 0 }, { "MIG-0", 0 }, { "-1", 0 },
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    snprintf(label, sizeof label, "child with CUDA_VISIBLE_DEVICES='%s'",
             cases[i].vis ? cases[i].vis : "(unset)");
    cf_host_result(h, run_child(self, cases[i].vis, cases[i].want), label, "child failed");
  }
}

/* --- occupancy with a callback -------------------------------------------- */

static int callback_calls;

static size_t smem_per_block(int block_size)
{
  callback_calls++;
  return (size_t)block_size * 16;
}

static void occupancy(struct cf_host *h, CUfunction f)
{
  int grid = 0, block = 0, blocks = 0, sms = 0;
  size_t avail = 0;

  CF_CHECK(h, cuDeviceGetAttribute(&sms, CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, h->dev));
  CF_EXPECT(h, cuOccupancyMaxPotentialBlockSize(&grid, &block, f, smem_per_block, 0, 0),
            CUDA_SUCCESS);
  CF_EXPECT(h, cuOccupancyMaxActiveBlocksPerMultiprocessor(&blocks, f, block,
                                                          smem_per_block(block)),
            CUDA_SUCCESS);
  printf("info potential block %d grid %d (callback called %d times)\n", block, grid,
         callback_calls);
  cf_host_result(h, callback_calls > 1 && block > 0 && block % 32 == 0 && grid == blocks * sms,
                 "cuOccupancyMaxPotentialBlockSize calls the callback on the client",
                 "block %d grid %d blocks %d calls %d", block, grid, blocks, callback_calls);
  CF_EXPECT(h, cuOccupancyMaxPotentialBlockSizeWithFlags(&grid, &block, f, NULL, 0, 96, 0),
            CUDA_SUCCESS);
  cf_host_result(h, block > 0 && block <= 96, "blockSizeLimit is honoured", "block %d", block);
  CF_EXPECT(h, cuOccupancyMaxActiveBlocksPerMultiprocessorWithFlags(&blocks, f, 128, 0, 99),
            CUDA_ERROR_INVALID_VALUE);
  CF_EXPECT(h, cuOccupancyMaxActiveBlocksPerMultiprocessor(&blocks, NULL, 128, 0),
            CUDA_ERROR_INVALID_HANDLE);
  CF_EXPECT(h, cuOccupancyAvailableDynamicSMemPerBlock(&avail, f, 4, 256), CUDA_SUCCESS);
  cf_host_result(h, avail > 0, "cuOccupancyAvailableDynamicSMemPerBlock", "%zu", avail);
}

/* --- host functions and launches ------------------------------------------ */

struct seen { float *host; float value[4]; int n; CUresult status; };

static void CUDA_CB host_fn(void *p)
{
  struct seen *s = p;
  s->value[s->n++] = s->host[7];
}

static void CUDA_CB stream_cb(CUstream st, CUresult status, void *p)
{
  struct seen *s = p;
  (void)st;
  s->status = status;
  s->value[s->n++] = s->host[7];
}

static void launches(struct cf_host *h, CUfunction f)
{
  CUdeviceptr a, b, c;
  CUstream st;
  float *x = malloc(N * sizeof *x), *y = malloc(N * sizeof *y), *out = NULL;
  int n = N;
  void *params[] = { &a, &b, &c, &n };
  struct seen s = { 0 };

  for (int i = 0; i < N; i++)
    x[i] = (float)i, y[i] = 1.0f;
  CF_CHECK(h, cuMemAlloc(&a, N * sizeof(float)));
  CF_CHECK(h, cuMemAlloc(&b, N * sizeof(float)));
  CF_CHECK(h, cuMemAlloc(&c, N * sizeof(float)));
  CF_CHECK(h, cuMemAllocHost((void **)&out, N * sizeof(float)));
  CF_CHECK(h, cuStreamCreate(&st, 0));
  CF_CHECK(h, cuMemcpyHtoD(a, x, N * sizeof(float)));
  CF_CHECK(h, cuMemcpyHtoD(b, y, N * sizeof(float)));
  out[7] = -1.0f;
  s.host = out;

  CUlaunchAttribute attrs[3];
  memset(attrs, 0, sizeof attrs);
  attrs[0].id = CU_LAUNCH_ATTRIBUTE_PRIORITY;
  attrs[0].value.priority = 0;
  attrs[1].id = CU_LAUNCH_ATTRIBUTE_CLUSTER_DIMENSION;
  attrs[1].value.clusterDim.x = attrs[1].value.clusterDim.y = attrs[1].value.clusterDim.z = 1;
  attrs[2].id = CU_LAUNCH_ATTRIBUTE_COOPERATIVE;
  attrs[2].value.cooperative = 0;
  CUlaunchConfig cfg = { .gridDimX = N / 128, .gridDimY = 1, .gridDimZ = 1, .blockDimX = 128,
                         .blockDimY = 1, .blockDimZ = 1, .hStream = st, .attrs = attrs,
                         .numAttrs = 3 };
  CF_EXPECT(h, cuLaunchKernelEx(&cfg, f, params, NULL), CUDA_SUCCESS);
  CF_EXPECT(h, cuMemcpyDtoHAsync(out, c, N * sizeof(float), st), CUDA_SUCCESS);
  CF_EXPECT(h, cuLaunchHostFunc(st, host_fn, &s), CUDA_SUCCESS);
  y[0] = 100.0f;
  CF_EXPECT(h, cuMemcpyHtoDAsync(b, y, sizeof(float) * 8, st), CUDA_SUCCESS); /* b[7] stays 1 */
  CF_EXPECT(h, cuMemsetD32Async(b, 0x40000000u, 8, st), CUDA_SUCCESS);        /* b[0..7] = 2 */
  cfg.numAttrs = 0;
  CF_EXPECT(h, cuLaunchKernelEx(&cfg, f, params, NULL), CUDA_SUCCESS);
  CF_EXPECT(h, cuMemcpyDtoHAsync(out, c, N * sizeof(float), st), CUDA_SUCCESS);
  CF_EXPECT(h, cuStreamAddCallback(st, stream_cb, &s, 0), CUDA_SUCCESS);
  CF_CHECK(h, cuStreamSynchronize(st));
  cf_host_result(h, s.n == 2 && s.value[0] == 8.0f && s.value[1] == 9.0f &&
                   s.status == CUDA_SUCCESS,
                 "host function and callback saw the results before them, in order",
                 "n %d values %g %g status %d", s.n, s.value[0], s.value[1], (int)s.status);
  cf_host_digest("launch_ex", out, N * sizeof(float));

  CF_EXPECT(h, cuLaunchHostFunc(st, NULL, &s), CUDA_ERROR_INVALID_VALUE);
  CF_EXPECT(h, cuStreamAddCallback(st, NULL, &s, 0), CUDA_ERROR_INVALID_VALUE);
  CF_EXPECT(h, cuStreamAddCallback(st, stream_cb, &s, 1), CUDA_ERROR_INVALID_VALUE);
  CF_EXPECT(h, cuLaunchHostFunc(NULL, host_fn, &s), CUDA_SUCCESS);
  cf_host_result(h, s.n == 3, "a host function on the NULL stream runs", "n %d", s.n);

  attrs[0].id = CU_LAUNCH_ATTRIBUTE_CLUSTER_DIMENSION;
  attrs[0].value.clusterDim.x = 2;
  attrs[0].value.clusterDim.y = attrs[0].value.clusterDim.z = 1;
  cfg.numAttrs = 1;
  CF_EXPECT(h, cuLaunchKernelEx(&cfg, f, params, NULL), CUDA_ERROR_NOT_SUPPORTED);
  attrs[0].id = CU_LAUNCH_ATTRIBUTE_COOPERATIVE;
  attrs[0].value.cooperative = 1;
  CF_EXPECT(h, cuLaunchKernelEx(&cfg, f, params, NULL), CUDA_ERROR_NOT_SUPPORTED);
  CF_EXPECT(h, cuLaunchKernelEx(NULL, f, params, NULL), CUDA_ERROR_INVALID_VALUE);
  int coop = -1;
  CF_CHECK(h, cuDeviceGetAttribute(&coop, CU_DEVICE_ATTRIBUTE_COOPERATIVE_LAUNCH, h->dev));
  CF_EXPECT(h, cuLaunchCooperativeKernel(f, 1, 1, 1, 32, 1, 1, 0, st, params),
            coop ? CUDA_SUCCESS : CUDA_ERROR_NOT_SUPPORTED);

  CF_CHECK(h, cuStreamDestroy(st));
  CF_CHECK(h, cuMemFreeHost(out));
  CF_CHECK(h, cuMemFree(a));
  CF_CHECK(h, cuMemFree(b));
  CF_CHECK(h, cuMemFree(c));
  free(x);
  free(y);
}

int main(int argc, char **argv)
{
  struct cf_host h;

  if (argc == 3 && strcmp(argv[1], "--child") == 0)
    return child(atoi(argv[2]));
  cf_host_usage(argc, argv, 1, "VECTOR_ADD_PTX");
  unsetenv("CUDA_VISIBLE_DEVICES");
  cf_host_open(&h, "launch_extras", argv[1]);
  CUfunction f = cf_host_function(&h, "vector_add");
  visible_devices(&h, "/proc/self/exe");
  occupancy(&h, f);
  launches(&h, f);
  return cf_host_finish(&h);
}
