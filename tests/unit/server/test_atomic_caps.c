/* The checks cuferryd makes on cuDeviceGet{Host,P2P}AtomicCapabilities
 * from the network (server/atomic_caps.c) before the driver sees them: a
 * count of 1 to 64, both sizes exactly count u32s, the bulk exactly that
 * long and every operation one cuda.h names. Anything else never reaches
 * the (fake) driver; good requests get the driver's masks back as the
 * reply's little-endian bulk, and a driver error leaves no bulk. */
#include <endian.h>
#include <string.h>

#include "cf_test.h"
#include "internal.h"

static int calls;
static CUresult answer = CUDA_SUCCESS;

static CUresult CUDAAPI fake_host(unsigned int *caps, const CUatomicOperation *ops,
                                  unsigned int count, CUdevice dev)
{
  calls++;
  for (unsigned i = 0; i < count; i++)
    caps[i] = 0x100u + (unsigned)ops[i] + (unsigned)dev;
  return answer;
}

static CUresult CUDAAPI fake_p2p(unsigned int *caps, const CUatomicOperation *ops,
                                 unsigned int count, CUdevice src, CUdevice dst)
{
  (void)src;
  (void)dst;
  calls++;
  for (unsigned i = 0; i < count; i++)
    caps[i] = 0x200u + (unsigned)ops[i];
  return answer;
}

static struct cf_worker w;
static struct cf_call c;
static uint32_t bulk[80];

static CUresult host(uint32_t count, uint64_t caps_bytes, uint64_t ops_bytes, uint64_t bulk_len)
{
  CuDeviceGetHostAtomicCapabilitiesReq req = CU_DEVICE_GET_HOST_ATOMIC_CAPABILITIES_REQ__INIT;
  CuDeviceGetHostAtomicCapabilitiesRep rep = CU_DEVICE_GET_HOST_ATOMIC_CAPABILITIES_REP__INIT;

  req.count = count;
  req.dev = 1;
  req.capsbytes = caps_bytes;
  req.opsbytes = ops_bytes;
  c.bulk_in = (const uint8_t *)bulk;
  c.bulk_in_len = bulk_len;
  return cf__srv_cuDeviceGetHostAtomicCapabilities(&c, &req, &rep);
}

int main(void)
{
  w.lim.max_bulk = 1 << 20;
  w.drv.cuDeviceGetHostAtomicCapabilities = fake_host;
  w.drv.cuDeviceGetP2PAtomicCapabilities = fake_p2p;
  c.w = &w;
  c.drv = &w.drv;
  for (unsigned i = 0; i < 80; i++)
    bulk[i] = htole32(i % CU_ATOMIC_OPERATION_MAX);

  /* Good: 64 operations, masks back in order. */
  ASSERT_EQ(host(64, 256, 256, 256), CUDA_SUCCESS);
  ASSERT_EQ(calls, 1);
  ASSERT_EQ(c.bulk_out_len, 256);
  for (unsigned i = 0; i < 64; i++) {
    uint32_t v;
    memcpy(&v, c.bulk_out + 4 * i, 4);
    ASSERT_EQ(le32toh(v), 0x101u + i % CU_ATOMIC_OPERATION_MAX);
  }
  cf__call_reset(&c);

  /* Refused before the driver: counts, sizes, bulk length, operations. */
  ASSERT_EQ(host(0, 0, 0, 0), CUDA_ERROR_INVALID_VALUE);
  ASSERT_EQ(host(65, 260, 260, 260), CUDA_ERROR_INVALID_VALUE);
  ASSERT_EQ(host(UINT32_MAX, 0, 0, 0), CUDA_ERROR_INVALID_VALUE);
  ASSERT_EQ(host(4, 16, 12, 12), CUDA_ERROR_INVALID_VALUE);
  ASSERT_EQ(host(4, 12, 16, 16), CUDA_ERROR_INVALID_VALUE);
  ASSERT_EQ(host(4, 16, 16, 12), CUDA_ERROR_INVALID_VALUE);
  ASSERT_EQ(host(4, 16, 16, 20), CUDA_ERROR_INVALID_VALUE);
  bulk[2] = htole32(CU_ATOMIC_OPERATION_MAX);
  ASSERT_EQ(host(4, 16, 16, 16), CUDA_ERROR_INVALID_VALUE);
  bulk[2] = htole32(0x80000000u);
  ASSERT_EQ(host(4, 16, 16, 16), CUDA_ERROR_INVALID_VALUE);
  bulk[2] = htole32(2);
  ASSERT_EQ(calls, 1);

  /* A driver error leaves no bulk. */
  answer = CUDA_ERROR_INVALID_DEVICE;
  ASSERT_EQ(host(4, 16, 16, 16), CUDA_ERROR_INVALID_DEVICE);
  ASSERT_EQ(calls, 2);
  ASSERT_EQ(c.bulk_out_len, 0);
  cf__call_reset(&c);
  answer = CUDA_SUCCESS;

  /* The peer form shares the checks. */
  CuDeviceGetP2PAtomicCapabilitiesReq preq = CU_DEVICE_GET_P2_PATOMIC_CAPABILITIES_REQ__INIT;
  CuDeviceGetP2PAtomicCapabilitiesRep prep = CU_DEVICE_GET_P2_PATOMIC_CAPABILITIES_REP__INIT;
  preq.count = 3;
  preq.capsbytes = preq.opsbytes = 12;
  c.bulk_in_len = 12;
  ASSERT_EQ(cf__srv_cuDeviceGetP2PAtomicCapabilities(&c, &preq, &prep), CUDA_SUCCESS);
  ASSERT_EQ(c.bulk_out_len, 12);
  cf__call_reset(&c);
  preq.capsbytes = 16;
  ASSERT_EQ(cf__srv_cuDeviceGetP2PAtomicCapabilities(&c, &preq, &prep), CUDA_ERROR_INVALID_VALUE);
  ASSERT_EQ(calls, 3);

  /* A driver without the functions. */
  w.drv.cuDeviceGetHostAtomicCapabilities = NULL;
  ASSERT_EQ(host(4, 16, 16, 16), CUDA_ERROR_NOT_SUPPORTED);
  printf("server atomic capabilities: ok\n");
  return 0;
}
