/* The calls the client answers by itself from the handshake's device table:
 * cuInit, the driver version and every device query. They cost no round
 * trip, and cudart asks them by the hundred at start-up. */
#include <string.h>

#include "internal.h"

CF_EXPORT CUresult CUDAAPI cuInit(unsigned int Flags)
{
  if (Flags != 0)
    return CUDA_ERROR_INVALID_VALUE;
  return cf__session_init();
}

/* The device's row of the handshake, or NULL with *r set. */
static const CfDevice *device(CUdevice dev, CUresult *r)
{
  const CfWelcome *w = cf__session_welcome();
  if (!w) {
    *r = CUDA_ERROR_NOT_INITIALIZED;
    return NULL;
  }
  if (dev < 0 || (size_t)dev >= w->n_devices) {
    *r = CUDA_ERROR_INVALID_DEVICE;
    return NULL;
  }
  *r = CUDA_SUCCESS;
  return w->devices[dev];
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
  *count = (int)w->n_devices;
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
