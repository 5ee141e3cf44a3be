/* Device queries the client answers from the handshake's device attributes
 * without a round trip: the PCI address of a device (cuDeviceGetPCIBusId)
 * and the reverse lookup (cuDeviceGetByPCIBusId), the Windows-only LUID, and
 * the profiler switches, which have nothing to switch on an emulated or
 * remote device.
 *
 * Ordinals are the program's (visible) ones: every attribute goes through
 * cf__device_attribute, which owns the CUDA_VISIBLE_DEVICES mapping and the
 * NOT_INITIALIZED / INVALID_DEVICE answers. Stateless; any thread. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cudaProfiler.h>

#include "internal.h"

/* The PCI domain, bus and device numbers of dev. */
static CUresult pci_address(CUdevice dev, int *domain, int *bus, int *device)
{
  CUresult r;
  if ((r = cf__device_attribute(dev, CU_DEVICE_ATTRIBUTE_PCI_DOMAIN_ID, domain)) ||
      (r = cf__device_attribute(dev, CU_DEVICE_ATTRIBUTE_PCI_BUS_ID, bus)) ||
      (r = cf__device_attribute(dev, CU_DEVICE_ATTRIBUTE_PCI_DEVICE_ID, device)))
    return r;
  return CUDA_SUCCESS;
}

/* "dddd:bb:dd.0", truncated to len bytes (NUL included) as the driver does. */
CF_EXPORT CUresult CUDAAPI cuDeviceGetPCIBusId(char *pciBusId, int len, CUdevice dev)
{
  int domain, bus, device;
  CUresult r = pci_address(dev, &domain, &bus, &device);
  if (r != CUDA_SUCCESS)
    return r;
  if (!pciBusId || len <= 0)
    return CUDA_ERROR_INVALID_VALUE;
  snprintf(pciBusId, (size_t)len, "%04x:%02x:%02x.0", (unsigned)domain,
           (unsigned)bus, (unsigned)device);
  return CUDA_SUCCESS;
}

/* One hexadecimal field ending at one of the stop characters or the end of
 * the string; advances *s past it. Returns 0, or -1 when malformed. The
 * emulator parses the same forms (emu/device.c). */
static int hex_field(const char **s, const char *stops, unsigned long max,
                     unsigned long *out)
{
  char *end;
  if (!isxdigit((unsigned char)**s))
    return -1;
  *out = strtoul(*s, &end, 16);
  if (*out > max || (*end && !strchr(stops, *end)))
    return -1;
  *s = end;
  return 0;
}

/* The forms NVIDIA documents, hexadecimal: "domain:bus:device.function",
 * "domain:bus:device" and "bus:device.function" (domain 0), into f. */
static int parse_bus_id(const char *s, unsigned long f[static 3])
{
  unsigned long v[3], fn;
  int n = 0;
  for (;;) {
    if (n == 3 || hex_field(&s, ":.", 0xffffffffUL, &v[n]) != 0)
      return -1;
    n++;
    if (*s == '\0')
      break;
    if (*s == '.') { /* the function number, last */
      s++;
      if (hex_field(&s, "", 7, &fn) != 0 || *s != '\0')
        return -1;
      break;
    }
    s++; /* ':' */
  }
  if (n < 2)
    return -1;
  f[0] = n == 3 ? v[0] : 0;
  f[1] = v[n - 2];
  f[2] = v[n - 1];
  return 0;
}

CF_EXPORT CUresult CUDAAPI cuDeviceGetByPCIBusId(CUdevice *dev, const char *pciBusId)
{
  unsigned long want[3];
  int count;
  CUresult r;

  if (!dev || !pciBusId)
    return CUDA_ERROR_INVALID_VALUE;
  if ((r = cuDeviceGetCount(&count)) != CUDA_SUCCESS)
    return r;
  if (parse_bus_id(pciBusId, want) != 0)
    return CUDA_ERROR_INVALID_VALUE;
  for (int i = 0; i < count; i++) {
    int domain, bus, device;
    if ((r = pci_address(i, &domain, &bus, &device)) != CUDA_SUCCESS)
      return r;
    if ((unsigned long)(unsigned)domain == want[0] &&
        (unsigned long)(unsigned)bus == want[1] &&
        (unsigned long)(unsigned)device == want[2]) {
      *dev = i;
      return CUDA_SUCCESS;
    }
  }
  return CUDA_ERROR_INVALID_DEVICE;
}

/* A LUID exists only on Windows; NVIDIA's Linux driver answers
 * NOT_SUPPORTED for a valid device. */
CF_EXPORT CUresult CUDAAPI cuDeviceGetLuid(char *luid, unsigned int *deviceNodeMask,
                                           CUdevice dev)
{
  int v;
  CUresult r = cf__device_attribute(dev, CU_DEVICE_ATTRIBUTE_PCI_BUS_ID, &v);
  if (r != CUDA_SUCCESS)
    return r;
  if (!luid || !deviceNodeMask)
    return CUDA_ERROR_INVALID_VALUE;
  return CUDA_ERROR_NOT_SUPPORTED;
}

/* Profiling is the profiler's business, and no profiler attaches through
 * the stub: starting and stopping collection succeed and do nothing. */
CF_EXPORT CUresult CUDAAPI cuProfilerStart(void)
{
  return CUDA_SUCCESS;
}

CF_EXPORT CUresult CUDAAPI cuProfilerStop(void)
{
  return CUDA_SUCCESS;
}
