/* The PTX front end and interpreter, as the emulator's driver layer sees it.
 *
 * A module's PTX text is parsed, decoded and validated once, at load
 * (cf_ptx_module_load); launches then run the decoded form and never see text
 * (see ptx_internal.h for the instruction format). Everything the run loop
 * relies on (registers, branch targets, operand types, memory sizes) is
 * checked at load, because PTX arrives over the network.
 *
 * Device memory belongs to the driver layer: the interpreter reaches global
 * memory only through struct cf_ptx_memory, which bounds-checks every access.
 * Threads: a loaded module is read-only during launches, so several launches
 * of one module may run at once on different threads. */
#ifndef CF_EMU_PTX_H
#define CF_EMU_PTX_H

#include <stddef.h>
#include <stdint.h>

struct cf_ptx_module;
struct cf_ptx_kernel;

/* Parse, decode and validate PTX text (len bytes; need not be NUL-terminated;
 * a trailing NUL is allowed). Returns 0 and *out, or
 *   CF_EPROTO  malformed PTX: err says "line N: what is wrong";
 *   CF_EUNSUP  an instruction or directive we do not implement: err names it
 *              and its line ("line 12: unsupported instruction 'shfl.sync'");
 *   CF_ENOMEM.
 * err is always NUL-terminated. Free with cf_ptx_module_free(). */
int cf_ptx_module_load(const char *text, size_t len, struct cf_ptx_module **out,
                       char *err, size_t errlen);
void cf_ptx_module_free(struct cf_ptx_module *m);

/* The .entry kernel with this name, or NULL. Valid while m lives. */
const struct cf_ptx_kernel *cf_ptx_module_kernel(const struct cf_ptx_module *m,
                                                 const char *name);

/* The module's .entry kernels, in declaration order: how many, the index-th
 * (NULL past the end), and a kernel's name. Valid while m lives. */
unsigned cf_ptx_module_entry_count(const struct cf_ptx_module *m);
const struct cf_ptx_kernel *cf_ptx_module_entry(const struct cf_ptx_module *m,
                                                unsigned index);
const char *cf_ptx_kernel_name(const struct cf_ptx_kernel *k);

/* Kernel parameters in declaration order: offset and size in the packed
 * parameter buffer (offsets honour each .param's alignment). Returns 0, or
 * CF_EINVAL when index >= count. */
unsigned cf_ptx_kernel_param_count(const struct cf_ptx_kernel *k);
int cf_ptx_kernel_param(const struct cf_ptx_kernel *k, unsigned index,
                        size_t *offset, size_t *size);
size_t cf_ptx_kernel_param_bytes(const struct cf_ptx_kernel *k);

/* Static resources, for cuFuncGetAttribute. */
struct cf_ptx_kernel_info {
  uint32_t static_shared_bytes;  /* .shared declared in or for the kernel */
  uint32_t local_bytes;          /* .local per thread */
  uint32_t num_regs;             /* virtual registers declared */
  uint32_t max_threads_per_block;/* .maxntid product, or 1024 */
  uint32_t ptx_version;          /* .version 8.5 -> 85 */
  uint32_t target_sm;            /* .target sm_80 -> 80 */
};
void cf_ptx_kernel_get_info(const struct cf_ptx_kernel *k,
                            struct cf_ptx_kernel_info *info);

/* Module-scope .global and .const variables. The driver layer allocates
 * device memory for each (size bytes, alignment align), copies init (init_len
 * bytes, rest zero) into it and tells the module where it lives with
 * cf_ptx_module_bind_var before any launch. */
struct cf_ptx_var {
  const char *name;
  uint64_t size;
  uint32_t align;
  int is_const;            /* .const rather than .global */
  const uint8_t *init;     /* NULL when not initialised */
  uint64_t init_len;
};
unsigned cf_ptx_module_var_count(const struct cf_ptx_module *m);
const struct cf_ptx_var *cf_ptx_module_var(const struct cf_ptx_module *m,
                                           unsigned index);
void cf_ptx_module_bind_var(struct cf_ptx_module *m, unsigned index,
                            uint64_t device_address);

/* Textures and surfaces (tex, tld4, txq, suld, sust, suq). A kernel names
 * one by a 64-bit handle (its CUtexObject or CUsurfObject parameter). At
 * each such instruction the interpreter asks the driver layer what the
 * handle stands for (cf_ptx_memory.texture), so a destroyed or forged
 * handle fails the launch instead of reaching freed memory; texels are
 * then read and written through map() like any global access. Fields that
 * hold a cuda.h enum say which; the driver layer copies the values through.
 *
 * Texel (x, y, z) of level L, layer (or cube face) n lives at
 *   level[L].base + n * level[L].layer_stride + z * level[L].slice
 *                 + y * level[L].pitch + x * texel bytes
 * where texel bytes = channels * the format's size. */
#define CF_PTX_TEX_MAX_LEVELS 16

struct cf_ptx_tex_level {
  uint64_t base;         /* device address of texel (0,0,0) of layer 0 */
  uint64_t pitch;        /* bytes from one row to the next */
  uint64_t slice;        /* bytes from one 3D slice to the next */
  uint64_t layer_stride; /* bytes from one layer or cube face to the next */
  uint32_t width, height, depth; /* in texels; 1 for a dimension it lacks */
};

struct cf_ptx_texture {
  uint32_t dims;       /* 1, 2 or 3 (a cube map: 2, with cubemap set) */
  uint32_t layers;     /* layered: layers (cube map arrays: 6 * cubes); 0: not layered */
  uint32_t cubemap;    /* 1 for cube maps and cube map arrays */
  uint32_t format;     /* CUarray_format (UNSIGNED_INT8..32, SIGNED_INT8..32, HALF, FLOAT) */
  uint32_t channels;   /* 1, 2 or 4 */
  uint32_t num_levels; /* 1..CF_PTX_TEX_MAX_LEVELS */
  struct cf_ptx_tex_level level[CF_PTX_TEX_MAX_LEVELS];
  /* Sampling state; textures only (zero for surfaces). */
  uint32_t address_mode[3];  /* CUaddress_mode per coordinate */
  uint32_t filter_mode;      /* CUfilter_mode */
  uint32_t mipmap_filter_mode; /* CUfilter_mode between levels */
  uint32_t flags;            /* CU_TRSF_READ_AS_INTEGER, _NORMALIZED_COORDINATES, _SRGB, ... */
  float border_color[4];
  float mipmap_level_bias, min_mipmap_level_clamp, max_mipmap_level_clamp;
};

/* Global memory as the driver layer provides it. map() returns the host
 * address of [addr, addr+len) if that whole range lies inside one live
 * allocation (or a bound module variable), else NULL: the interpreter then
 * stops the launch with CUDA_ERROR_ILLEGAL_ADDRESS. texture() fills *out
 * for a live texture (surface == 0) or surface (surface == 1) handle and
 * returns 0, else nonzero: the launch stops with CUDA_ERROR_ILLEGAL_ADDRESS.
 * texture may be NULL (no textures: every texture instruction faults). */
struct cf_ptx_memory {
  void *user;
  void *(*map)(void *user, uint64_t addr, uint64_t len);
  int (*texture)(void *user, uint64_t handle, int surface, struct cf_ptx_texture *out);
};

struct cf_ptx_launch {
  unsigned grid[3];
  unsigned block[3];
  uint32_t dynamic_shared_bytes;
  const void *params;        /* packed as cf_ptx_kernel_param describes */
  size_t params_len;
  const struct cf_ptx_memory *mem;
  /* When not NULL, the launch stores here the thread-instructions it ran:
   * every instruction each thread fetched (a guard that is false included),
   * summed over all threads, also when the launch faults. */
  uint64_t *executed_out;
};

/* Run the whole grid to completion on the calling thread (the interpreter may
 * use worker threads internally). Returns a CUresult value:
 *   0 CUDA_SUCCESS; 1 CUDA_ERROR_INVALID_VALUE (dimensions zero or over the
 *   limits, params_len wrong, shared memory over 48 KiB + dynamic limit);
 *   700 CUDA_ERROR_ILLEGAL_ADDRESS (global address in no allocation,
 *       shared/local/param offset outside its window);
 *   716 CUDA_ERROR_MISALIGNED_ADDRESS (ld/st/atom address not a multiple
 *       of the access size, checked before bounds, in every space);
 *   710 CUDA_ERROR_ASSERT (device assert; its own line went to stderr);
 *   719 CUDA_ERROR_LAUNCH_FAILED (trap, deadlock, anything else).
 * On a fault, err (may be NULL) gets one line, for the first faulting
 * thread only: "kernel 'k' block (1,0,0) thread (33,0,0): misaligned 8-byte
 * global load at 0x100000000004 (line 57)". The interpreter prints nothing
 * itself: the caller logs err once. */
int cf_ptx_launch(const struct cf_ptx_kernel *k, const struct cf_ptx_launch *l,
                  char *err, size_t errlen);

/* Generic-address windows (added): generic addresses the interpreter gives
 * to .shared, .local and kernel .param data (cvta.shared etc.). A generic
 * address in [WINDOW, WINDOW + CF_PTX_WINDOW_SIZE) means offset
 * (address - WINDOW) in that space; every other generic address is global.
 * The driver layer must hand out device addresses below
 * CF_PTX_SHARED_WINDOW. Space-specific addresses (ld.shared [%r1],
 * mov.u32 %r1, shared_var) are plain offsets from 0. */
#define CF_PTX_SHARED_WINDOW 0xFF00000000000000ull
#define CF_PTX_LOCAL_WINDOW  0xFF00000100000000ull
#define CF_PTX_PARAM_WINDOW  0xFF00000200000000ull
#define CF_PTX_WINDOW_SIZE   0x0000000100000000ull

#endif
