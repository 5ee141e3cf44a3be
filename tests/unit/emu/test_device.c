/* Unit tests for emu/device.c and emu/errors.c: initialisation, the device
 * description and every attribute, error names and strings. Run with
 * CUFERRY_EMU_CC=9.0 (see meson.build) to check the override. */
#include <string.h>
#include <unistd.h>

#include "emu_test.h"

static void test_before_init(void)
{
  int n = -1, v = 0;
  CUdevice d;
  CUcontext c;
  CU_EXPECT(cuDeviceGetCount(&n), CUDA_ERROR_NOT_INITIALIZED);
  CU_EXPECT(cuDeviceGet(&d, 0), CUDA_ERROR_NOT_INITIALIZED);
  CU_EXPECT(cuCtxCreate(&c, NULL, 0, 0), CUDA_ERROR_NOT_INITIALIZED);
  /* These work without cuInit, as with the driver. */
  CU_OK(cuDriverGetVersion(&v));
  ASSERT_EQ(v, 13000);
  CU_EXPECT(cuInit(1), CUDA_ERROR_INVALID_VALUE);
}

static void test_devices(void)
{
  int n = 0;
  CUdevice d = -1;
  char name[64];
  size_t total = 0;

  CU_OK(cuInit(0));
  CU_OK(cuInit(0));  /* idempotent */
  CU_OK(cuDeviceGetCount(&n));
  ASSERT_EQ(n, 1);
  CU_OK(cuDeviceGet(&d, 0));
  ASSERT_EQ(d, 0);
  CU_EXPECT(cuDeviceGet(&d, 1), CUDA_ERROR_INVALID_DEVICE);
  CU_EXPECT(cuDeviceGet(&d, -1), CUDA_ERROR_INVALID_DEVICE);
  CU_OK(cuDeviceGetName(name, sizeof name, 0));
  ASSERT_STR_EQ(name, "cuferry CPU emulator");
  CU_OK(cuDeviceGetName(name, 8, 0));
  ASSERT_STR_EQ(name, "cuferry");
  CU_EXPECT(cuDeviceGetName(name, sizeof name, 1), CUDA_ERROR_INVALID_DEVICE);
  CU_OK(cuDeviceTotalMem(&total, 0));
  ASSERT_UEQ(total, 4ull << 30);
}

static int attr(CUdevice_attribute a)
{
  int v = -12345;
  CU_OK(cuDeviceGetAttribute(&v, a, 0));
  return v;
}

static void test_attributes(void)
{
  for (int a = 1; a < CU_DEVICE_ATTRIBUTE_MAX; a++) {
    int v = -12345;
    CU_OK(cuDeviceGetAttribute(&v, (CUdevice_attribute)a, 0));
    ASSERT_NE(v, -12345);
  }
  int v;
  CU_EXPECT(cuDeviceGetAttribute(&v, (CUdevice_attribute)0, 0),
            CUDA_ERROR_INVALID_VALUE);
  CU_EXPECT(cuDeviceGetAttribute(&v, CU_DEVICE_ATTRIBUTE_MAX, 0),
            CUDA_ERROR_INVALID_VALUE);
  CU_EXPECT(cuDeviceGetAttribute(&v, (CUdevice_attribute)100000, 0),
            CUDA_ERROR_INVALID_VALUE);
  CU_EXPECT(cuDeviceGetAttribute(&v, CU_DEVICE_ATTRIBUTE_WARP_SIZE, 1),
            CUDA_ERROR_INVALID_DEVICE);
  CU_EXPECT(cuDeviceGetAttribute(NULL, CU_DEVICE_ATTRIBUTE_WARP_SIZE, 0),
            CUDA_ERROR_INVALID_VALUE);

  ASSERT_EQ(attr(CU_DEVICE_ATTRIBUTE_WARP_SIZE), 32);
  ASSERT_EQ(attr(CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK), 1024);
  ASSERT_EQ(attr(CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_X), 1024);
  ASSERT_EQ(attr(CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Y), 1024);
  ASSERT_EQ(attr(CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Z), 64);
  ASSERT_EQ(attr(CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_X), 2147483647);
  ASSERT_EQ(attr(CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Y), 65535);
  ASSERT_EQ(attr(CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Z), 65535);
  ASSERT_EQ(attr(CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK), 48 * 1024);
  ASSERT_EQ(attr(CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN),
            163 * 1024);
  ASSERT_EQ(attr(CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_MULTIPROCESSOR),
            164 * 1024);
  ASSERT_EQ(attr(CU_DEVICE_ATTRIBUTE_MAX_REGISTERS_PER_BLOCK), 65536);
  ASSERT_EQ(attr(CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT),
            sysconf(_SC_NPROCESSORS_ONLN));
  ASSERT_GT(attr(CU_DEVICE_ATTRIBUTE_CLOCK_RATE), 0);
  ASSERT_GT(attr(CU_DEVICE_ATTRIBUTE_GLOBAL_MEMORY_BUS_WIDTH), 0);
  ASSERT_GT(attr(CU_DEVICE_ATTRIBUTE_L2_CACHE_SIZE), 0);
  ASSERT_EQ(attr(CU_DEVICE_ATTRIBUTE_COMPUTE_MODE), CU_COMPUTEMODE_DEFAULT);
  ASSERT_EQ(attr(CU_DEVICE_ATTRIBUTE_UNIFIED_ADDRESSING), 1);
  ASSERT_EQ(attr(CU_DEVICE_ATTRIBUTE_CONCURRENT_KERNELS), 1);
  ASSERT_GE(attr(CU_DEVICE_ATTRIBUTE_PCI_BUS_ID), 0);
  ASSERT_GE(attr(CU_DEVICE_ATTRIBUTE_PCI_DOMAIN_ID), 0);
  ASSERT_EQ(attr(CU_DEVICE_ATTRIBUTE_MANAGED_MEMORY), 0);

  /* Deprecated entry points, still exported by the driver and by us. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  int major = 0, minor = -1;
  CU_OK(cuDeviceComputeCapability(&major, &minor, 0));
  ASSERT_EQ(attr(CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR), major);
  ASSERT_EQ(attr(CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR), minor);
  const char *cc = getenv("CUFERRY_EMU_CC");
  if (cc && !strcmp(cc, "9.0")) {
    ASSERT_EQ(major, 9);
    ASSERT_EQ(minor, 0);
  } else if (!cc) {
    ASSERT_EQ(major, 8);
    ASSERT_EQ(minor, 0);
  }

  CUdevprop p;
  CU_OK(cuDeviceGetProperties(&p, 0));
  ASSERT_EQ(p.SIMDWidth, 32);
  ASSERT_EQ(p.maxThreadsDim[2], 64);
#pragma GCC diagnostic pop
}

static void test_uuid(void)
{
  CUuuid a, b;
  CU_OK(cuDeviceGetUuid(&a, 0));  /* cuDeviceGetUuid_v2 */
  CU_OK(cuDeviceGetUuid_v2(&b, 0));
  ASSERT_MEM_EQ(a.bytes, b.bytes, 16);
  int nonzero = 0;
  for (int i = 0; i < 16; i++)
    nonzero |= a.bytes[i];
  ASSERT(nonzero);
  CU_EXPECT(cuDeviceGetUuid(&a, 3), CUDA_ERROR_INVALID_DEVICE);
}

static void test_error_strings(void)
{
  const char *s = NULL;
  CU_OK(cuGetErrorName(CUDA_SUCCESS, &s));
  ASSERT_STR_EQ(s, "CUDA_SUCCESS");
  CU_OK(cuGetErrorName(CUDA_ERROR_ILLEGAL_ADDRESS, &s));
  ASSERT_STR_EQ(s, "CUDA_ERROR_ILLEGAL_ADDRESS");
  CU_OK(cuGetErrorString(CUDA_ERROR_INVALID_VALUE, &s));
  ASSERT_STR_EQ(s, "invalid argument");
  CU_OK(cuGetErrorString(CUDA_ERROR_OUT_OF_MEMORY, &s));
  ASSERT_STR_EQ(s, "out of memory");
  CU_OK(cuGetErrorString(CUDA_ERROR_KEY_ROTATION, &s));
  CU_OK(cuGetErrorName(CUDA_ERROR_UNKNOWN, &s));
  ASSERT_STR_EQ(s, "CUDA_ERROR_UNKNOWN");
  s = "x";
  CU_EXPECT(cuGetErrorName((CUresult)12345, &s), CUDA_ERROR_INVALID_VALUE);
  ASSERT_NULL(s);
  CU_EXPECT(cuGetErrorString((CUresult)12345, &s), CUDA_ERROR_INVALID_VALUE);
  CU_EXPECT(cuGetErrorString(CUDA_SUCCESS, NULL), CUDA_ERROR_INVALID_VALUE);
}

int main(void)
{
  test_before_init();
  test_devices();
  test_attributes();
  test_uuid();
  test_error_strings();
  return 0;
}
