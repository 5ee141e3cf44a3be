/* The worker's answer to a hello: a CfWelcome with the session id, the
 * driver's version, this session's limits, identity and memory quota and,
 * for every device, its name,
 * memory, uuid, compute capability and the whole attribute table (so the
 * client answers cuDeviceGetAttribute without a round trip). Runs once per
 * session on the worker's thread, after cuInit; everything allocated here
 * is freed before returning except the packed body handed to the caller. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#include "cf_error.h"
#include "cf_session.pb-c.h"

/* Devices described in a welcome; more are not shown to the client. */
#define MAX_DEVICES 64
#define NAME_MAX_LEN 256

struct dev_buf {
  CfDevice msg;
  char name[NAME_MAX_LEN];
  CUuuid uuid;
  int32_t attr[CU_DEVICE_ATTRIBUTE_MAX];
  int32_t attr_err[CU_DEVICE_ATTRIBUTE_MAX];
};

/* Fill one device. The name and count queries are essential; the others
 * (uuid, attributes) fall back to zero, with attribute errors recorded. */
static int describe(const struct cf_driver *drv, int ordinal,
                    struct dev_buf *d, char *err, size_t errlen)
{
  CUdevice dev = 0;
  size_t mem = 0;
  CUresult r;

  cf_device__init(&d->msg);
  r = drv->cuDeviceGet(&dev, ordinal);
  if (r != CUDA_SUCCESS) {
    snprintf(err, errlen, "cuDeviceGet(%d) failed with CUresult %d", ordinal,
             (int)r);
    return CF_EIO;
  }
  if (drv->cuDeviceGetName &&
      (r = drv->cuDeviceGetName(d->name, sizeof d->name, dev)) != CUDA_SUCCESS) {
    snprintf(err, errlen, "cuDeviceGetName(%d) failed with CUresult %d",
             ordinal, (int)r);
    return CF_EIO;
  }
  d->name[sizeof d->name - 1] = '\0';
  if (drv->cuDeviceTotalMem_v2 &&
      (r = drv->cuDeviceTotalMem_v2(&mem, dev)) != CUDA_SUCCESS) {
    snprintf(err, errlen, "cuDeviceTotalMem(%d) failed with CUresult %d",
             ordinal, (int)r);
    return CF_EIO;
  }
  if (!drv->cuDeviceGetUuid_v2 ||
      drv->cuDeviceGetUuid_v2(&d->uuid, dev) != CUDA_SUCCESS)
    memset(&d->uuid, 0, sizeof d->uuid);

  d->attr[0] = 0;
  d->attr_err[0] = 0;
  for (int i = 1; i < CU_DEVICE_ATTRIBUTE_MAX; i++) {
    int v = 0;

    r = drv->cuDeviceGetAttribute
            ? drv->cuDeviceGetAttribute(&v, (CUdevice_attribute)i, dev)
            : CUDA_ERROR_NOT_SUPPORTED;
    d->attr[i] = r == CUDA_SUCCESS ? v : 0;
    d->attr_err[i] = (int32_t)r;
  }

  d->msg.name = d->name;
  d->msg.total_mem = mem;
  d->msg.uuid.data = (uint8_t *)d->uuid.bytes;
  d->msg.uuid.len = sizeof d->uuid.bytes;
  d->msg.cc_major = d->attr[CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR];
  d->msg.cc_minor = d->attr[CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR];
  d->msg.n_attributes = CU_DEVICE_ATTRIBUTE_MAX;
  d->msg.attributes = d->attr;
  d->msg.n_attr_error = CU_DEVICE_ATTRIBUTE_MAX;
  d->msg.attr_error = d->attr_err;
  return 0;
}

int cf__welcome_pack(const struct cf_driver *drv, uint64_t session_id,
                     const char *server_name,
                     const struct cf_frame_limits *lim, const char *identity,
                     uint64_t quota, uint64_t features, const struct cf_rdma_offer *rdma,
                     uint8_t **out, size_t *len, char *err, size_t errlen)
{
  CfWelcome wel = CF_WELCOME__INIT;
  struct dev_buf *devs = NULL;
  CfDevice **ptrs = NULL;
  int version = 0, count = 0, r = 0;
  CUresult cr;

  *out = NULL;
  *len = 0;
  if (!drv->cuDriverGetVersion || !drv->cuDeviceGetCount || !drv->cuDeviceGet) {
    snprintf(err, errlen, "the driver lacks cuDriverGetVersion, "
             "cuDeviceGetCount or cuDeviceGet");
    return CF_EIO;
  }
  if ((cr = drv->cuDriverGetVersion(&version)) != CUDA_SUCCESS ||
      (cr = drv->cuDeviceGetCount(&count)) != CUDA_SUCCESS) {
    snprintf(err, errlen, "the driver failed to report its version or device "
             "count (CUresult %d)", (int)cr);
    return CF_EIO;
  }
  if (count < 0)
    count = 0;
  if (count > MAX_DEVICES)
    count = MAX_DEVICES;
  if (count) {
    devs = calloc((size_t)count, sizeof *devs);
    ptrs = calloc((size_t)count, sizeof *ptrs);
    if (!devs || !ptrs) {
      r = CF_ENOMEM;
      goto out;
    }
  }
  for (int i = 0; i < count; i++) {
    if ((r = describe(drv, i, &devs[i], err, errlen)) != 0)
      goto out;
    ptrs[i] = &devs[i].msg;
  }

  wel.protocol_version = CF_PROTOCOL_VERSION;
  wel.session_id = session_id;
  wel.driver_version = version;
  wel.n_devices = (size_t)count;
  wel.devices = ptrs;
  wel.server_name = (char *)server_name;
  wel.max_body = lim->max_body;
  wel.max_bulk = lim->max_bulk;
  wel.identity = (char *)identity;
  wel.memory_quota = quota;
  wel.features = features;
  if (rdma) {
    wel.rdma_host = (char *)rdma->host;
    wel.rdma_port = rdma->port;
    wel.rdma_secret.data = (uint8_t *)rdma->secret;
    wel.rdma_secret.len = sizeof rdma->secret;
  }

  *len = cf_welcome__get_packed_size(&wel);
  *out = malloc(*len ? *len : 1);
  if (!*out) {
    *len = 0;
    r = CF_ENOMEM;
    goto out;
  }
  cf_welcome__pack(&wel, *out);
out:
  free(ptrs);
  free(devs);
  return r;
}
