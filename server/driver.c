/* Finding and loading the driver library a worker replays calls on: the
 * NVIDIA driver, cuferry's CPU emulator, or any library path. Loading fills
 * struct cf_driver (generated, cf_driver_table.h) by dlsym from the generated
 * symbol list. The supervisor only calls cf__driver_find (no dlopen: it must
 * hold no CUDA state, so that forking workers stays safe); workers load.
 *
 * A library that exports cuferry_client_stub is our own client stub (picked
 * up when the stub is on LD_LIBRARY_PATH and the driver is the default
 * libcuda.so.1): forwarding to it would loop back over the network, so it is
 * refused. */
#include "internal.h"

#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cf_error.h"
#include "config.h"

#define EMU_LIB "libcuferry-emu.so"

/* The directory of the running binary, from /proc/self/exe. */
static int exe_dir(char *dir, size_t len)
{
  char buf[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  char *slash;

  if (n <= 0)
    return CF_ENOTFOUND;
  buf[n] = '\0';
  slash = strrchr(buf, '/');
  if (!slash)
    return CF_ENOTFOUND;
  *slash = '\0';
  if ((size_t)snprintf(dir, len, "%s", buf) >= len)
    return CF_ENOTFOUND;
  return 0;
}

int cf__driver_find(const char *driver, char *path, size_t pathlen,
                    char *err, size_t errlen)
{
  char dir[PATH_MAX], cand[PATH_MAX + 64];

  path[0] = '\0';
  if (!driver) {
    snprintf(path, pathlen, "%s", CF_SRV_DEFAULT_DRIVER);
    return 0;
  }
  if (strcmp(driver, "emu") != 0) {
    if ((size_t)snprintf(path, pathlen, "%s", driver) >= pathlen) {
      snprintf(err, errlen, "--driver: \"%s\" is too long", driver);
      return CF_ENOTFOUND;
    }
    /* A bare name is left to the loader's search path; a path must exist. */
    if (strchr(driver, '/') && access(driver, R_OK) != 0) {
      snprintf(err, errlen, "--driver: \"%s\" cannot be read: %s", driver,
               strerror(errno));
      return CF_ENOTFOUND;
    }
    return 0;
  }
  if (exe_dir(dir, sizeof dir) == 0) {
    snprintf(cand, sizeof cand, "%s/../emu/%s", dir, EMU_LIB);
    if (access(cand, R_OK) == 0 &&
        (size_t)snprintf(path, pathlen, "%s", cand) < pathlen)
      return 0;
  }
  snprintf(cand, sizeof cand, "%s/%s", CF_EMU_INSTALL_DIR, EMU_LIB);
  if (access(cand, R_OK) == 0 &&
      (size_t)snprintf(path, pathlen, "%s", cand) < pathlen)
    return 0;
  path[0] = '\0';
  snprintf(err, errlen,
           "--driver emu: %s not found beside this program (../emu/) nor in "
           "%s; build the emulator or pass --driver PATH", EMU_LIB,
           CF_EMU_INSTALL_DIR);
  return CF_ENOTFOUND;
}

int cf__driver_load(const char *driver, struct cf_driver *drv, char *err,
                    size_t errlen)
{
  char path[PATH_MAX];
  void *lib;
  const char *dlerr;
  int r;

  memset(drv, 0, sizeof *drv);
  r = cf__driver_find(driver, path, sizeof path, err, errlen);
  if (r)
    return r;
  lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    dlerr = dlerror();
    snprintf(err, errlen, "cannot load driver %s: %s", path,
             dlerr ? dlerr : "unknown error");
    return CF_ENOTFOUND;
  }
  if (dlsym(lib, "cuferry_client_stub")) {
    snprintf(err, errlen,
             "driver %s is cuferry's own client stub, not a CUDA driver "
             "(is the stub's directory on LD_LIBRARY_PATH of cuferryd?); "
             "refusing to forward to itself: start cuferryd without the stub "
             "on its library path, or pass --driver PATH", path);
    dlclose(lib);
    return CF_EUNSUP;
  }
  drv->lib = lib;
  for (size_t i = 0; i < cf_driver_symbol_count; i++) {
    void *sym = dlsym(lib, cf_driver_symbols[i].name);

    /* The struct member at that offset is a function pointer; copying the
     * object pointer's bytes is the POSIX dlsym idiom. */
    memcpy((char *)drv + cf_driver_symbols[i].offset, &sym, sizeof sym);
  }
  if (!drv->cuInit) {
    snprintf(err, errlen, "driver %s does not export cuInit: not a CUDA "
             "driver", path);
    cf__driver_unload(drv);
    return CF_ENOTFOUND;
  }
  return 0;
}

void cf__driver_unload(struct cf_driver *drv)
{
  if (drv->lib)
    dlclose(drv->lib);
  memset(drv, 0, sizeof *drv);
}
