/* The cuGetProcAddress table (generated into cf_client_procs.c) as
 * client/procaddr.c reads it. Kept free of cuda.h: the generated file takes
 * the address of every entry point with one plain function type. */
#ifndef CF_CLIENT_PROCS_H
#define CF_CLIENT_PROCS_H

#include <stddef.h>

typedef void (*cf_proc_fn)(void);

struct cf_proc_version {
  unsigned since;        /* the cudaVersion from which this version applies */
  unsigned char per_thread; /* the _ptds/_ptsz form of the default stream */
  cf_proc_fn fn;
};

struct cf_proc {
  const char *name;      /* as programs ask for it: "cuMemAlloc" */
  unsigned n;
  const struct cf_proc_version *v; /* ascending since */
};

extern const struct cf_proc cf__procs[]; /* sorted by name */
extern const size_t cf__procs_count;

/* NOT_SUPPORTED answer for entry points the toolkit knows but CUDA 13's
 * libcuda does not export (GL, EGL, VDPAU interop); logs once per index. */
int cf__unsupported_extra(unsigned index, const char *name);
extern const unsigned cf__unsupported_extra_count;

#endif
