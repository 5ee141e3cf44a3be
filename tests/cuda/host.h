/* Shared helpers for the driver-API test programs in tests/cuda/.
 *
 * Every program is an ordinary CUDA driver-API user: it links against the
 * toolkit's libcuda stub (DT_NEEDED libcuda.so.1) and picks cuferry's client
 * stub or the emulator at run time through LD_LIBRARY_PATH. It checks its
 * results against a CPU computation and prints, on stdout:
 *   "digest <label> <16 hex digits>"  FNV-1a 64 of a result buffer; the
 *                                     integration tests compare these lines
 *                                     between a stub run and an emulator run
 *   "PASS <check>" / "FAIL <check>: ..." one line per check
 *   "PASS <program>" or "FAIL <program> (N failures)" as the last line
 * and exits 0 only when every check passed. Timings and device properties are
 * printed as "info ..." lines, which are never part of a digest.
 *
 * Single-threaded; all state lives in struct cf_host. */
#ifndef CF_TESTS_CUDA_HOST_H
#define CF_TESTS_CUDA_HOST_H

#include <stddef.h>
#include <stdint.h>

#include <cuda.h>

struct cf_host {
  const char *prog;  /* program name for the final PASS/FAIL line */
  CUdevice dev;
  CUcontext ctx;
  CUmodule mod;      /* NULL when the program loads no module */
  int failures;
  uint64_t codes;    /* digest of the codes CF_EXPECT_CODE saw */
};

/* Call must return CUDA_SUCCESS; otherwise print the call, the error name and
 * code, then "FAIL <prog>", and exit(1). For setup steps whose failure makes
 * the rest of the program meaningless. */
#define CF_CHECK(h, call) cf_host_check_((h), (call), #call, __FILE__, __LINE__)

/* Call must return exactly want; otherwise a failure is recorded and the
 * program goes on. Prints a PASS or FAIL line naming the call. Returns 1 when
 * the code matched, else 0. */
#define CF_EXPECT(h, call, want)                                             \
  cf_host_expect_((h), (call), (want), #call, __FILE__, __LINE__)

/* CF_EXPECT that also adds the code returned to h->codes, which
 * cf_host_codes_digest prints: programs whose every answer must agree
 * between the emulator and a run through the stub. */
#define CF_EXPECT_CODE(h, call, want)                                        \
  do {                                                                       \
    CUresult got_ = (call);                                                  \
    (h)->codes = cf_fnv1a((h)->codes, &got_, sizeof got_);                   \
    cf_host_expect_((h), got_, (want), #call, __FILE__, __LINE__);           \
  } while (0)

/* Add a value that must agree between the two runs to h->codes. */
void cf_host_note(struct cf_host *h, uint64_t v);

/* Print "digest codes <h->codes>". */
void cf_host_codes_digest(const struct cf_host *h);

void cf_host_check_(struct cf_host *h, CUresult r, const char *what,
                    const char *file, int line);
int cf_host_expect_(struct cf_host *h, CUresult got, CUresult want,
                    const char *what, const char *file, int line);

/* "CUDA_ERROR_X" for r via cuGetErrorName, or "CUresult <n>" in a static
 * buffer when the driver does not know it. Never NULL; valid until the next
 * call. */
const char *cf_host_err_name(CUresult r);

/* cuInit, device 0, a new context made current, and, when ptx_path is not
 * NULL, cuModuleLoad(ptx_path) into h->mod. Any failure exits(1) through
 * CF_CHECK. Prints "info device <name>". */
void cf_host_open(struct cf_host *h, const char *prog, const char *ptx_path);

/* The usage check shared by all programs: exits(2) with a usage line when
 * argc < min_args + 1. */
void cf_host_usage(int argc, char **argv, int min_args, const char *usage);

/* cuModuleGetFunction(h->mod, name) or exit(1). */
CUfunction cf_host_function(struct cf_host *h, const char *name);

/* FNV-1a 64 over n bytes, continuing from seed (use CF_FNV_SEED to start). */
#define CF_FNV_SEED UINT64_C(0xcbf29ce484222325)
uint64_t cf_fnv1a(uint64_t seed, const void *p, size_t n);

/* Print "digest <label> <fnv1a of p[0..n)>". */
void cf_host_digest(const char *label, const void *p, size_t n);

/* Record a check by hand: prints "PASS label" when ok, else "FAIL label: why"
 * (printf-style). Returns ok. */
int cf_host_result(struct cf_host *h, int ok, const char *label,
                   const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Compare n floats with |got - want| <= abs_tol + rel_tol * |want|; prints
 * the first few mismatches and one PASS/FAIL line. Returns 1 when all match. */
int cf_host_cmp_f32(struct cf_host *h, const char *label, const float *got,
                    const float *want, size_t n, float abs_tol, float rel_tol);

/* Exact comparison of n 32-bit words (ints or bit patterns). */
int cf_host_cmp_u32(struct cf_host *h, const char *label, const void *got,
                    const void *want, size_t n);

/* Deterministic pseudo-random numbers (xorshift32) so every run sees the
 * same inputs. cf_rand_f32 returns a value in [-1, 1). */
uint32_t cf_rand_u32(uint32_t *state);
float cf_rand_f32(uint32_t *state);

/* Destroy the module and context (checked), print the final PASS/FAIL line
 * and return the exit status: 0 when no check failed, else 1. */
int cf_host_finish(struct cf_host *h);

/* PTX text several programs share: the module header, and a kernel NAME(p, v)
 * whose thread i writes p[i] = v + i. */
#define CF_HOST_PTX_HEADER ".version 8.0\n.target sm_80\n.address_size 64\n"
#define CF_HOST_PTX_FILL(name)                                                 \
  ".visible .entry " name "(.param .u64 p, .param .u32 v)\n"                  \
  "{\n"                                                                        \
  "  .reg .u64 %rd<4>;\n"                                                      \
  "  .reg .u32 %r<4>;\n"                                                       \
  "  ld.param.u64 %rd1, [p];\n"                                                \
  "  ld.param.u32 %r1, [v];\n"                                                 \
  "  cvta.to.global.u64 %rd2, %rd1;\n"                                         \
  "  mov.u32 %r2, %tid.x;\n"                                                   \
  "  add.u32 %r3, %r1, %r2;\n"                                                 \
  "  mul.wide.u32 %rd3, %r2, 4;\n"                                             \
  "  add.u64 %rd2, %rd2, %rd3;\n"                                              \
  "  st.global.u32 [%rd2], %r3;\n"                                             \
  "  ret;\n"                                                                   \
  "}\n"

#endif
