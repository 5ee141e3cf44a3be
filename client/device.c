/* The calls the client answers by itself from the handshake's device table:
 * cuInit, the driver version and every device query. They cost no round
 * trip, and cudart asks them by the hundred at start-up.
 *
 * CUDA_VISIBLE_DEVICES is honoured here, as NVIDIA's driver does: the
 * program sees only the listed devices, renumbered from 0. The list is read
 * once, after the handshake; every ordinal the program passes is a visible
 * one and every forwarded call translates it (cf__device_to_server, called
 * by the generated stubs), so the wire always carries the server's ordinal.
 * The map is written once under pthread_once and only read afterwards. */
#include <ctype.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "internal.h"

/* --- CUDA_VISIBLE_DEVICES ------------------------------------------------ */

#define MAX_VISIBLE 64

static pthread_once_t visible_once = PTHREAD_ONCE_INIT;
static int visible[MAX_VISIBLE]; /* visible ordinal -> server ordinal */
static int n_visible;

/* "GPU-xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", the form nvidia-smi prints. */
static void uuid_string(const CfDevice *d, char out[static 41])
{
  uint8_t b[16] = { 0 };
  memcpy(b, d->uuid.data, d->uuid.len < sizeof b ? d->uuid.len : sizeof b);
  snprintf(out, 41,
           "GPU-%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
           b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11],
           b[12], b[13], b[14], b[15]);
}

/* The server ordinal one list entry names, or -1 when it names none (out of
 * range, malformed, an unknown or ambiguous UUID prefix, MIG-...). */
static int parse_entry(const CfWelcome *w, const char *e, size_t len)
{
  while (len && isspace((unsigned char)*e))
    e++, len--;
  while (len && isspace((unsigned char)e[len - 1]))
    len--;
  if (len == 0)
    return -1;
  if (isdigit((unsigned char)e[0])) {
    long v = 0;
    for (size_t i = 0; i < len; i++) {
      if (!isdigit((unsigned char)e[i]) || v > INT_MAX / 10)
        return -1;
      v = v * 10 + (e[i] - '0');
    }
    return v < (long)w->n_devices ? (int)v : -1;
  }
  if (len < 4 || strncasecmp(e, "GPU-", 4) != 0)
    return -1;
  int found = -1;
  for (size_t i = 0; i < w->n_devices; i++) {
    char s[41];
    uuid_string(w->devices[i], s);
    if (len <= strlen(s) && strncasecmp(s, e, len) == 0) {
      if (found >= 0)
        return -1; /* a prefix of two devices' UUIDs names neither */
      found = (int)i;
    }
  }
  return found;
}

/* Unset: every device. Otherwise the entries up to the first invalid or
 * repeated one, as NVIDIA's driver does (an empty list shows no device). */
static void read_visible(void)
{
  const CfWelcome *w = cf__session_welcome();
  const char *env = getenv("CUDA_VISIBLE_DEVICES");

  if (!env) {
    for (size_t i = 0; i < w->n_devices && i < MAX_VISIBLE; i++)
      visible[n_visible++] = (int)i;
    return;
  }
  for (const char *p = env; n_visible < MAX_VISIBLE;) {
    const char *comma = strchr(p, ',');
    size_t len = comma ? (size_t)(comma - p) : strlen(p);
    int srv = parse_entry(w, p, len);
    if (srv < 0)
      return;
    for (int i = 0; i < n_visible; i++)
      if (visible[i] == srv)
        return;
    visible[n_visible++] = srv;
    if (!comma)
      return;
    p = comma + 1;
  }
}

/* The visible-device count, or -1 before the handshake. */
static int visible_count(void)
{
  if (!cf__session_welcome())
    return -1;
  pthread_once(&visible_once, read_visible);
  return n_visible;
}

CUdevice cf__device_to_server(CUdevice dev)
{
  int n = visible_count();
  if (n < 0 || dev < 0) /* before cuInit; CU_DEVICE_CPU and the like */
    return dev;
  return dev < n ? visible[dev] : INT_MAX; /* INT_MAX: no server has it */
}

CUdevice cf__device_from_server(CUdevice dev)
{
  int n = visible_count();
  if (n < 0 || dev < 0)
    return dev;
  for (int i = 0; i < n; i++)
    if (visible[i] == dev)
      return i;
  return CU_DEVICE_INVALID;
}

CF_EXPORT CUresult CUDAAPI cuInit(unsigned int Flags)
{
  CUresult r;
  if (Flags != 0)
    return CUDA_ERROR_INVALID_VALUE;
  if ((r = cf__session_init()) != CUDA_SUCCESS)
    return r;
  return visible_count() > 0 ? CUDA_SUCCESS : CUDA_ERROR_NO_DEVICE;
}

/* The visible device's row of the handshake, or NULL with *r set. */
static const CfDevice *device(CUdevice dev, CUresult *r)
{
  const CfWelcome *w = cf__session_welcome();
  if (!w) {
    *r = CUDA_ERROR_NOT_INITIALIZED;
    return NULL;
  }
  if (dev < 0 || dev >= visible_count()) {
    *r = CUDA_ERROR_INVALID_DEVICE;
    return NULL;
  }
  *r = CUDA_SUCCESS;
  return w->devices[visible[dev]];
}

CF_EXPORT CUresult CUDAAPI cuDriverGetVersion(int *driverVersion)
{
  const CfWelcome *w;
  if (!driverVersion)
    return CUDA_ERROR_INVALID_VALUE;
  /* Like the real driver this answers before cuInit; it then reports the
   * version of the CUDA API this stub implements. */
  w = cf__session_welcome();
  *driverVersion = w && w->driver_version ? w->driver_version : CUDA_VERSION;
  return CUDA_SUCCESS;
}

CF_EXPORT CUresult CUDAAPI cuDeviceGetCount(int *count)
{
  const CfWelcome *w = cf__session_welcome();
  if (!count)
    return CUDA_ERROR_INVALID_VALUE;
  if (!w)
    return CUDA_ERROR_NOT_INITIALIZED;
  *count = visible_count();
  return CUDA_SUCCESS;
}

CF_EXPORT CUresult CUDAAPI cuDeviceGet(CUdevice *out, int ordinal)
{
  CUresult r;
  if (!out)
    return CUDA_ERROR_INVALID_VALUE;
  if (device(ordinal, &r))
    *out = ordinal;
  return r;
}

CF_EXPORT CUresult CUDAAPI cuDeviceGetName(char *name, int len, CUdevice dev)
{
  CUresult r;
  const CfDevice *d = device(dev, &r);
  if (!d)
    return r;
  if (!name || len <= 0)
    return CUDA_ERROR_INVALID_VALUE;
  strncpy(name, d->name ? d->name : "", (size_t)len - 1);
  name[len - 1] = '\0';
  return CUDA_SUCCESS;
}

CF_EXPORT CUresult CUDAAPI cuDeviceTotalMem_v2(size_t *bytes, CUdevice dev)
{
  CUresult r;
  const CfDevice *d = device(dev, &r);
  if (!d)
    return r;
  if (!bytes)
    return CUDA_ERROR_INVALID_VALUE;
  *bytes = (size_t)d->total_mem;
  return CUDA_SUCCESS;
}

CUresult cf__device_attribute(CUdevice dev, int attrib, int *value)
{
  CUresult r;
  const CfDevice *d = device(dev, &r);
  if (!d)
    return r;
  if (!value || attrib <= 0 || (size_t)attrib >= d->n_attributes)
    return CUDA_ERROR_INVALID_VALUE;
  if ((size_t)attrib < d->n_attr_error && d->attr_error[attrib])
    return (CUresult)d->attr_error[attrib];
  *value = d->attributes[attrib];
  return CUDA_SUCCESS;
}

CF_EXPORT CUresult CUDAAPI cuDeviceGetAttribute(int *pi, CUdevice_attribute attrib, CUdevice dev)
{
  return cf__device_attribute(dev, (int)attrib, pi);
}

CF_EXPORT CUresult CUDAAPI cuDeviceGetUuid_v2(CUuuid *uuid, CUdevice dev)
{
  CUresult r;
  const CfDevice *d = device(dev, &r);
  if (!d)
    return r;
  if (!uuid)
    return CUDA_ERROR_INVALID_VALUE;
  memset(uuid->bytes, 0, sizeof uuid->bytes);
  memcpy(uuid->bytes, d->uuid.data,
         d->uuid.len < sizeof uuid->bytes ? d->uuid.len : sizeof uuid->bytes);
  return CUDA_SUCCESS;
}

CF_EXPORT CUresult CUDAAPI cuDeviceComputeCapability(int *major, int *minor, CUdevice dev)
{
  CUresult r;
  const CfDevice *d = device(dev, &r);
  if (!d)
    return r;
  if (!major || !minor)
    return CUDA_ERROR_INVALID_VALUE;
  *major = d->cc_major;
  *minor = d->cc_minor;
  return CUDA_SUCCESS;
}
