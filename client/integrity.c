/* The integrity check (export table d4082055, slot 1): cudart proves it
 * talks to a genuine driver by asking for a 128-bit answer. Versions
 * ending in 0 and 1 (13000, 13001) answer constants; version 13002 answers
 * an HMAC over MD2 (md2.c) of the process, the tables' addresses, the time
 * cudart passes and every device's UUID and PCI location. A wrong answer
 * makes every runtime call fail with cudaErrorSoftwareValidityNotEstablished
 * (103). Layout and key: ../shared/reference/cudart-on-a-replacement-driver.md.
 *
 * The device facts come from the stub's own entry points, so they are the
 * ones cudart saw from the same calls. Stateless apart from the
 * once-per-version log; safe from any thread. */
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include "cf_log.h"
#include "internal.h"
#include "md2.h"

static const uint8_t KEY[16] = {
  0x14, 0x6a, 0xdd, 0xae, 0x53, 0xa9, 0xa7, 0x52,
  0xaa, 0x08, 0x41, 0x36, 0x0b, 0xf5, 0x5a, 0x9f,
};

/* Every input in host byte order, as the driver lays it out in memory. */
static CUresult hash_devices(struct cf_hmac_md2 *h)
{
  int count = 0;
  CUresult r = cuDeviceGetCount(&count);

  for (int dev = 0; r == CUDA_SUCCESS && dev < count; dev++) {
    CUuuid uuid;
    int32_t pci[3];
    if ((r = cuDeviceGetUuid_v2(&uuid, dev)) ||
        (r = cuDeviceGetAttribute(&pci[0], CU_DEVICE_ATTRIBUTE_PCI_DOMAIN_ID, dev)) ||
        (r = cuDeviceGetAttribute(&pci[1], CU_DEVICE_ATTRIBUTE_PCI_BUS_ID, dev)) ||
        (r = cuDeviceGetAttribute(&pci[2], CU_DEVICE_ATTRIBUTE_PCI_DEVICE_ID, dev)))
      break;
    cf__hmac_md2_update(h, uuid.bytes, sizeof uuid.bytes);
    cf__hmac_md2_update(h, pci, sizeof pci);
  }
  return r;
}

static CUresult keyed_answer(uint32_t version, uint64_t unix_time, uint64_t out[2])
{
  struct cf_hmac_md2 h;
  uint8_t digest[CF_MD2_DIGEST];
  int driver = 0;
  CUresult r;
  struct {
    uint32_t driver_version, version, pid, thread;
    uint64_t cudart_table, integrity_table, check_fn, unix_time;
  } head;
  _Static_assert(sizeof head == 48, "the hashed header has no padding");

  if ((r = cuDriverGetVersion(&driver)))
    return r;
  head.driver_version = (uint32_t)driver;
  head.version = version;
  head.pid = (uint32_t)getpid();
  head.thread = (uint32_t)(uintptr_t)pthread_self();
  head.cudart_table = (uint64_t)(uintptr_t)cf__export_cudart_interface;
  head.integrity_table = (uint64_t)(uintptr_t)cf__export_integrity;
  /* The slot's value as cudart reads it from the table. */
  head.check_fn = (uint64_t)(uintptr_t)cf__export_integrity[1];
  head.unix_time = unix_time;

  cf__hmac_md2_init(&h, KEY, sizeof KEY);
  cf__hmac_md2_update(&h, &head, sizeof head);
  if ((r = hash_devices(&h)))
    return r;
  cf__hmac_md2_final(&h, digest);
  memcpy(out, digest, sizeof digest);
  return CUDA_SUCCESS;
}

static CUresult integrity_check(uint32_t version, uint64_t unix_time, uint64_t out[2])
{
  static atomic_uchar logged;

  if (!out)
    return CUDA_ERROR_INVALID_VALUE;
  /* Measured for 13000, 13001 and 13002; ZLUDA's reverse engineering
   * found the last digit selecting the answer in CUDA 12 as well. */
  switch (version % 10) {
  case 0:
    out[0] = 0x3341181C03CB675CULL;
    out[1] = 0x8ED383AA1F4CD1E8ULL;
    return CUDA_SUCCESS;
  case 1:
    out[0] = 0x1841181C03CB675CULL;
    out[1] = 0x8ED383AA1F4CD1E8ULL;
    return CUDA_SUCCESS;
  case 2:
    return keyed_answer(version, unix_time, out);
  default:
    if (!atomic_exchange(&logged, 1))
      cf_warn("integrity check version %u is not supported yet", version);
    return CUDA_ERROR_NOT_SUPPORTED;
  }
}

CF_EXPORT_SLOT_UNSUPPORTED(INTEGRITY_CHECK, 2)

const void *cf__export_integrity[3] = {
  (const void *)(uintptr_t)(3 * sizeof(void *)),
  (const void *)integrity_check,
  (const void *)INTEGRITY_CHECK_slot_2,
};
