/* The emulator loaded directly (dlopen, RTLD_LOCAL, beside the client stub
 * this tool links), for the suites that compare against a local driver:
 * emu (the interpreter's speed) and launch (local launches). */
#include <dlfcn.h>
#include <stdio.h>
#include <unistd.h>

#include "bench.h"

int cf_bench_emu_open(const struct cf_bench_opts *o, struct cf_bench_emu *e)
{
  char path[4096];

  if (o->emu_path)
    snprintf(path, sizeof path, "%s", o->emu_path);
  else
    cf_bench_sibling(o->self, "emu/libcuferry-emu.so", path, sizeof path);
  if (!(e->lib = dlopen(path, RTLD_NOW | RTLD_LOCAL))) {
    fprintf(stderr, "cuferry-bench: cannot load the emulator %s: %s\n", path, dlerror());
    return 77;
  }
#define SYM(field, name) (*(void **)&e->field = dlsym(e->lib, name))
  if (!SYM(init, "cuInit") || !SYM(ctx_create, "cuCtxCreate_v2") ||
      !SYM(load, "cuModuleLoad") || !SYM(get_function, "cuModuleGetFunction") ||
      !SYM(alloc, "cuMemAlloc_v2") || !SYM(htod, "cuMemcpyHtoD_v2") ||
      !SYM(launch, "cuLaunchKernel") || !SYM(sync, "cuCtxSynchronize") ||
      !SYM(stream_create, "cuStreamCreate") || !SYM(stream_sync, "cuStreamSynchronize")) {
    fprintf(stderr, "cuferry-bench: the emulator %s lacks a driver entry point\n", path);
    return 1;
  }
  SYM(instructions, "cuferry_emu_thread_instructions");
#undef SYM
  return 0;
}

int cf_bench_ptx_path(const struct cf_bench_opts *o, const char *suite, char *buf, unsigned len)
{
  if (o->ptx_path)
    snprintf(buf, len, "%s", o->ptx_path);
  else
    cf_bench_sibling(o->self, "bench/bench_kernels.ptx", buf, len);
  if (access(buf, R_OK) != 0) {
    fprintf(stderr, "cuferry-bench: %s: no kernels at %s (nvcc was missing at build "
                    "time?); skipping\n", suite, buf);
    return 77;
  }
  return 0;
}
