/* Initialisation and the one emulated device: cuInit, the version, device
 * enumeration, every CUdevice_attribute and the other device queries (PCI
 * address, peers, texture limits), answered as an sm_80-class GPU whose
 * multiprocessors are the host's online CPUs. Features the emulator
 * does not implement (managed memory, mapped host memory, cooperative and
 * cluster launches, memory pools, IPC) are reported as absent so that
 * programs which check for them take their fallback paths.
 *
 * Everything here runs under the global lock; the configuration is read once
 * by the first cuInit. */
#include "internal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cudaProfiler.h>

#include "cf_error.h"
#include "cf_log.h"

CF_EMU_EXPORT CUresult CUDAAPI cuInit(unsigned int Flags)
{
  CUresult r = CUDA_SUCCESS;

  if (Flags != 0)
    return CUDA_ERROR_INVALID_VALUE;
  pthread_mutex_lock(&cf__emu_g.lock);
  if (cf__emu_g.initialized)
    goto out;
  cf_log_init("cuferry-emu");
  if (cf__emu_config_load(&cf__emu_g.cfg) != 0) {
    r = CUDA_ERROR_INVALID_VALUE;
    goto out;
  }
  if (cf__emu_mem_init(cf__emu_g.cfg.memory_bytes) != 0) {
    cf_error("cannot reserve %llu bytes of device memory",
             (unsigned long long)cf__emu_g.cfg.memory_bytes);
    r = CUDA_ERROR_OUT_OF_MEMORY;
    goto out;
  }
  static struct CUctx_st primary;
  cf__emu_ctx_init(&primary, 0, 1);
  if (cf__emu_handle_add(&primary, CF_EMU_KIND_CTX) != 0) {
    r = CUDA_ERROR_OUT_OF_MEMORY;
    goto out;
  }
  cf__emu_g.primary = &primary;
  cf__emu_g.initialized = 1;
out:
  pthread_mutex_unlock(&cf__emu_g.lock);
  return r;
}

CF_EMU_EXPORT CUresult CUDAAPI cuDriverGetVersion(int *driverVersion)
{
  if (!driverVersion)
    return CUDA_ERROR_INVALID_VALUE;
  *driverVersion = CF_EMU_DRIVER_VERSION;
  return CUDA_SUCCESS;
}

/* Lock, check cuInit and the device ordinal. Lock held on success. */
static CUresult lock_dev(CUdevice dev)
{
  CUresult r = cf__emu_lock_init();
  if (r != CUDA_SUCCESS)
    return r;
  if (dev != 0) {
    cf__emu_unlock();
    return CUDA_ERROR_INVALID_DEVICE;
  }
  return CUDA_SUCCESS;
}

CF_EMU_EXPORT CUresult CUDAAPI cuDeviceGet(CUdevice *device, int ordinal)
{
  CUresult r = cf__emu_lock_init();
  if (r != CUDA_SUCCESS)
    return r;
  cf__emu_unlock();
  if (!device)
    return CUDA_ERROR_INVALID_VALUE;
  if (ordinal != 0)
    return CUDA_ERROR_INVALID_DEVICE;
  *device = 0;
  return CUDA_SUCCESS;
}

CF_EMU_EXPORT CUresult CUDAAPI cuDeviceGetCount(int *count)
{
  CUresult r = cf__emu_lock_init();
  if (r != CUDA_SUCCESS)
    return r;
  cf__emu_unlock();
  if (!count)
    return CUDA_ERROR_INVALID_VALUE;
  *count = 1;
  return CUDA_SUCCESS;
}

CF_EMU_EXPORT CUresult CUDAAPI cuDeviceGetName(char *name, int len, CUdevice dev)
{
  CUresult r = lock_dev(dev);
  if (r != CUDA_SUCCESS)
    return r;
  cf__emu_unlock();
  if (!name || len <= 0)
    return CUDA_ERROR_INVALID_VALUE;
  /* Like the driver, truncate to len - 1 characters and terminate. */
  size_t n = strlen(CF_EMU_DEVICE_NAME);
  if (n > (size_t)len - 1)
    n = (size_t)len - 1;
  memcpy(name, CF_EMU_DEVICE_NAME, n);
  name[n] = '\0';
  return CUDA_SUCCESS;
}

CF_EMU_EXPORT CUresult CUDAAPI cuDeviceTotalMem(size_t *bytes, CUdevice dev)
{
  CUresult r = lock_dev(dev);
  if (r != CUDA_SUCCESS)
    return r;
  uint64_t f, t;
  cf__emu_mem_info(&f, &t);
  cf__emu_unlock();
  if (!bytes)
    return CUDA_ERROR_INVALID_VALUE;
  *bytes = (size_t)t;
  return CUDA_SUCCESS;
}

/* The value of attribute a, or -1 in *ok when a is not an attribute. */
static int attr_value(CUdevice_attribute a, const struct cf_emu_config *c,
                      int *ok)
{
  *ok = 1;
  switch (a) {
  case CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK: return CF_EMU_MAX_THREADS;
  case CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_X: return CF_EMU_MAX_BLOCK_X;
  case CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Y: return CF_EMU_MAX_BLOCK_Y;
  case CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Z: return CF_EMU_MAX_BLOCK_Z;
  case CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_X: return (int)CF_EMU_MAX_GRID_X;
  case CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Y: return (int)CF_EMU_MAX_GRID_YZ;
  case CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Z: return (int)CF_EMU_MAX_GRID_YZ;
  case CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK:
    return CF_EMU_SHARED_PER_BLOCK;
  case CU_DEVICE_ATTRIBUTE_TOTAL_CONSTANT_MEMORY: return CF_EMU_CONST_BYTES;
  case CU_DEVICE_ATTRIBUTE_WARP_SIZE: return 32;
  case CU_DEVICE_ATTRIBUTE_MAX_PITCH: return 2147483647;
  case CU_DEVICE_ATTRIBUTE_MAX_REGISTERS_PER_BLOCK: return 65536;
  case CU_DEVICE_ATTRIBUTE_CLOCK_RATE: return 1410000;
  /* Every allocation starts on a CF_EMU_ALLOC_ALIGN boundary, so any
   * cuMemAlloc pointer may back a LINEAR or PITCH2D texture (texobj.c). */
  case CU_DEVICE_ATTRIBUTE_TEXTURE_ALIGNMENT: return CF_EMU_ALLOC_ALIGN;
  case CU_DEVICE_ATTRIBUTE_GPU_OVERLAP: return 1;
  case CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT: return c->sm_count;
  case CU_DEVICE_ATTRIBUTE_KERNEL_EXEC_TIMEOUT: return 0;
  case CU_DEVICE_ATTRIBUTE_INTEGRATED: return 0;
  case CU_DEVICE_ATTRIBUTE_CAN_MAP_HOST_MEMORY: return 0;
  case CU_DEVICE_ATTRIBUTE_COMPUTE_MODE: return CU_COMPUTEMODE_DEFAULT;
  case CU_DEVICE_ATTRIBUTE_MAXIMUM_TEXTURE1D_WIDTH: return 131072;
  case CU_DEVICE_ATTRIBUTE_MAXIMUM_TEXTURE2D_WIDTH: return 131072;
  case CU_DEVICE_ATTRIBUTE_MAXIMUM_TEXTURE2D_HEIGHT: return 65536;
  case CU_DEVICE_ATTRIBUTE_MAXIMUM_TEXTURE3D_WIDTH: return 16384;
  case CU_DEVICE_ATTRIBUTE_MAXIMUM_TEXTURE3D_HEIGHT: return 16384;
  case CU_DEVICE_ATTRIBUTE_MAXIMUM_TEXTURE3D_DEPTH: return 16384;
  case CU_DEVICE_ATTRIBUTE_MAXIMUM_TEXTURE2D_LAYERED_WIDTH: return 32768;
  case CU_DEVICE_ATTRIBUTE_MAXIMUM_TEXTURE2D_LAYERED_HEIGHT: return 32768;
  case CU_DEVICE_ATTRIBUTE_MAXIMUM_TEXTURE2D_LAYERED_LAYERS: return 2048;
  case CU_DEVICE_ATTRIBUTE_SURFACE_ALIGNMENT: return 512;
  case CU_DEVICE_ATTRIBUTE_CONCURRENT_KERNELS: return 1;
  case CU_DEVICE_ATTRIBUTE_ECC_ENABLED: return 0;
  case CU_DEVICE_ATTRIBUTE_PCI_BUS_ID: return 1;
  case CU_DEVICE_ATTRIBUTE_PCI_DEVICE_ID: return 0;
  case CU_DEVICE_ATTRIBUTE_TCC_DRIVER: return 0;
  case CU_DEVICE_ATTRIBUTE_MEMORY_CLOCK_RATE: return 1215000;
  case CU_DEVICE_ATTRIBUTE_GLOBAL_MEMORY_BUS_WIDTH: return 5120;
  case CU_DEVICE_ATTRIBUTE_L2_CACHE_SIZE: return 40 << 20;
  case CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_MULTIPROCESSOR: return 2048;
  case CU_DEVICE_ATTRIBUTE_ASYNC_ENGINE_COUNT: return 2;
  case CU_DEVICE_ATTRIBUTE_UNIFIED_ADDRESSING: return 1;
  case CU_DEVICE_ATTRIBUTE_MAXIMUM_TEXTURE1D_LAYERED_WIDTH: return 32768;
  case CU_DEVICE_ATTRIBUTE_MAXIMUM_TEXTURE1D_LAYERED_LAYERS: return 2048;
  /* CUDA arrays and texture objects: array.c and texobj.c accept what
   * these limits allow (tld4 gathers from CUDA_ARRAY3D_TEXTURE_GATHER
   * arrays); sparse arrays and deferred mapping are absent. */
  case CU_DEVICE_ATTRIBUTE_CAN_TEX2D_GATHER: return 1;
  case CU_DEVICE_ATTRIBUTE_SPARSE_CUDA_ARRAY_SUPPORTED: return 0;
  case CU_DEVICE_ATTRIBUTE_DEFERRED_MAPPING_CUDA_ARRAY_SUPPORTED: return 0;
  case CU_DEVICE_ATTRIBUTE_MAXIMUM_TEXTURE2D_GATHER_WIDTH: return 32768;
  case CU_DEVICE_ATTRIBUTE_MAXIMUM_TEXTURE2D_GATHER_HEIGHT: return 32768;
  case CU_DEVICE_ATTRIBUTE_MAXIMUM_TEXTURE3D_WIDTH_ALTERNATE: return 8192;
  case CU_DEVICE_ATTRIBUTE_MAXIMUM_TEXTURE3D_HEIGHT_ALTERNATE: return 8192;
  case CU_DEVICE_ATTRIBUTE_MAXIMUM_TEXTURE3D_DEPTH_ALTERNATE: return 32768;
  case CU_DEVICE_ATTRIBUTE_PCI_DOMAIN_ID: return 0;
  case CU_DEVICE_ATTRIBUTE_TEXTURE_PITCH_ALIGNMENT: return 32;
  case CU_DEVICE_ATTRIBUTE_MAXIMUM_TEXTURECUBEMAP_WIDTH: return 32768;
  case CU_DEVICE_ATTRIBUTE_MAXIMUM_TEXTURECUBEMAP_LAYERED_WIDTH: return 32768;
  case CU_DEVICE_ATTRIBUTE_MAXIMUM_TEXTURECUBEMAP_LAYERED_LAYERS: return 2046;
  case CU_DEVICE_ATTRIBUTE_MAXIMUM_SURFACE1D_WIDTH: return 32768;
  case CU_DEVICE_ATTRIBUTE_MAXIMUM_SURFACE2D_WIDTH: return 131072;
  case CU_DEVICE_ATTRIBUTE_MAXIMUM_SURFACE2D_HEIGHT: return 65536;
  case CU_DEVICE_ATTRIBUTE_MAXIMUM_SURFACE3D_WIDTH: return 16384;
  case CU_DEVICE_ATTRIBUTE_MAXIMUM_SURFACE3D_HEIGHT: return 16384;
  case CU_DEVICE_ATTRIBUTE_MAXIMUM_SURFACE3D_DEPTH: return 16384;
  case CU_DEVICE_ATTRIBUTE_MAXIMUM_SURFACE1D_LAYERED_WIDTH: return 32768;
  case CU_DEVICE_ATTRIBUTE_MAXIMUM_SURFACE1D_LAYERED_LAYERS: return 2048;
  case CU_DEVICE_ATTRIBUTE_MAXIMUM_SURFACE2D_LAYERED_WIDTH: return 32768;
  case CU_DEVICE_ATTRIBUTE_MAXIMUM_SURFACE2D_LAYERED_HEIGHT: return 32768;
  case CU_DEVICE_ATTRIBUTE_MAXIMUM_SURFACE2D_LAYERED_LAYERS: return 2048;
  case CU_DEVICE_ATTRIBUTE_MAXIMUM_SURFACECUBEMAP_WIDTH: return 32768;
  case CU_DEVICE_ATTRIBUTE_MAXIMUM_SURFACECUBEMAP_LAYERED_WIDTH: return 32768;
  case CU_DEVICE_ATTRIBUTE_MAXIMUM_SURFACECUBEMAP_LAYERED_LAYERS: return 2046;
  case CU_DEVICE_ATTRIBUTE_MAXIMUM_TEXTURE1D_LINEAR_WIDTH: return 268435456;
  case CU_DEVICE_ATTRIBUTE_MAXIMUM_TEXTURE2D_LINEAR_WIDTH: return 131072;
  case CU_DEVICE_ATTRIBUTE_MAXIMUM_TEXTURE2D_LINEAR_HEIGHT: return 65000;
  case CU_DEVICE_ATTRIBUTE_MAXIMUM_TEXTURE2D_LINEAR_PITCH: return 2097120;
  case CU_DEVICE_ATTRIBUTE_MAXIMUM_TEXTURE2D_MIPMAPPED_WIDTH: return 32768;
  case CU_DEVICE_ATTRIBUTE_MAXIMUM_TEXTURE2D_MIPMAPPED_HEIGHT: return 32768;
  case CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR: return c->cc_major;
  case CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR: return c->cc_minor;
  case CU_DEVICE_ATTRIBUTE_MAXIMUM_TEXTURE1D_MIPMAPPED_WIDTH: return 32768;
  case CU_DEVICE_ATTRIBUTE_STREAM_PRIORITIES_SUPPORTED: return 1;
  case CU_DEVICE_ATTRIBUTE_GLOBAL_L1_CACHE_SUPPORTED: return 1;
  case CU_DEVICE_ATTRIBUTE_LOCAL_L1_CACHE_SUPPORTED: return 1;
  case CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_MULTIPROCESSOR:
    return CF_EMU_SHARED_PER_SM;
  case CU_DEVICE_ATTRIBUTE_MAX_REGISTERS_PER_MULTIPROCESSOR: return 65536;
  case CU_DEVICE_ATTRIBUTE_MANAGED_MEMORY: return 0;
  case CU_DEVICE_ATTRIBUTE_MULTI_GPU_BOARD: return 0;
  case CU_DEVICE_ATTRIBUTE_MULTI_GPU_BOARD_GROUP_ID: return 0;
  case CU_DEVICE_ATTRIBUTE_HOST_NATIVE_ATOMIC_SUPPORTED: return 0;
  case CU_DEVICE_ATTRIBUTE_SINGLE_TO_DOUBLE_PRECISION_PERF_RATIO: return 2;
  case CU_DEVICE_ATTRIBUTE_PAGEABLE_MEMORY_ACCESS: return 0;
  case CU_DEVICE_ATTRIBUTE_CONCURRENT_MANAGED_ACCESS: return 0;
  case CU_DEVICE_ATTRIBUTE_COMPUTE_PREEMPTION_SUPPORTED: return 1;
  case CU_DEVICE_ATTRIBUTE_CAN_USE_HOST_POINTER_FOR_REGISTERED_MEM: return 0;
  case CU_DEVICE_ATTRIBUTE_COOPERATIVE_LAUNCH: return 0;
  case CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN:
    return CF_EMU_SHARED_OPTIN;
  case CU_DEVICE_ATTRIBUTE_MAX_BLOCKS_PER_MULTIPROCESSOR: return 32;
  case CU_DEVICE_ATTRIBUTE_MAX_PERSISTING_L2_CACHE_SIZE: return 30 << 20;
  case CU_DEVICE_ATTRIBUTE_MAX_ACCESS_POLICY_WINDOW_SIZE: return 134213632;
  case CU_DEVICE_ATTRIBUTE_RESERVED_SHARED_MEMORY_PER_BLOCK: return 1024;
  /* Stream memory operations (stream_ext.c), every wait comparison. */
  case CU_DEVICE_ATTRIBUTE_CAN_USE_STREAM_MEM_OPS_V1: return 1;
  case CU_DEVICE_ATTRIBUTE_CAN_USE_64_BIT_STREAM_MEM_OPS_V1: return 1;
  case CU_DEVICE_ATTRIBUTE_CAN_USE_STREAM_WAIT_VALUE_NOR_V1: return 1;
  case CU_DEVICE_ATTRIBUTE_CAN_USE_64_BIT_STREAM_MEM_OPS: return 1;
  case CU_DEVICE_ATTRIBUTE_CAN_USE_STREAM_WAIT_VALUE_NOR: return 1;
  case CU_DEVICE_ATTRIBUTE_MEM_SYNC_DOMAIN_COUNT: return 1;
  case CU_DEVICE_ATTRIBUTE_MEMORY_POOLS_SUPPORTED: return 1; /* mempool.c */
  case CU_DEVICE_ATTRIBUTE_MEMPOOL_SUPPORTED_HANDLE_TYPES: return 0; /* no IPC */
  case CU_DEVICE_ATTRIBUTE_NUMA_ID: return -1;
  case CU_DEVICE_ATTRIBUTE_HOST_NUMA_ID: return -1;
  default:
    break;
  }
  /* Every other value below CU_DEVICE_ATTRIBUTE_MAX names a feature the
   * emulator lacks (or a gap in the enum, which the driver answers too). */
  if ((int)a >= 1 && (int)a < (int)CU_DEVICE_ATTRIBUTE_MAX)
    return 0;
  *ok = 0;
  return -1;
}

int cf__emu_device_attr(CUdevice_attribute a)
{
  int ok;
  return attr_value(a, &cf__emu_g.cfg, &ok);
}

CF_EMU_EXPORT CUresult CUDAAPI cuDeviceGetAttribute(int *pi,
                                                    CUdevice_attribute attrib,
                                                    CUdevice dev)
{
  int ok, v;
  CUresult r = lock_dev(dev);
  if (r != CUDA_SUCCESS)
    return r;
  v = attr_value(attrib, &cf__emu_g.cfg, &ok);
  cf__emu_unlock();
  if (!pi || !ok)
    return CUDA_ERROR_INVALID_VALUE;
  *pi = v;
  return CUDA_SUCCESS;
}

/* A fixed UUID (version 4 layout), so tools that key on it see the same
 * device on every run. */
static const unsigned char emu_uuid[16] = {
  0x63, 0x66, 0x65, 0x6d, 0x75, 0x2d, 0x40, 0x00,
  0x80, 0x00, 0x63, 0x75, 0x66, 0x65, 0x72, 0x01,
};

CF_EMU_EXPORT CUresult CUDAAPI cuDeviceGetUuid(CUuuid *uuid, CUdevice dev)
{
  CUresult r = lock_dev(dev);
  if (r != CUDA_SUCCESS)
    return r;
  cf__emu_unlock();
  if (!uuid)
    return CUDA_ERROR_INVALID_VALUE;
  memcpy(uuid->bytes, emu_uuid, sizeof emu_uuid);
  return CUDA_SUCCESS;
}

CF_EMU_EXPORT CUresult CUDAAPI cuDeviceComputeCapability(int *major,
                                                         int *minor,
                                                         CUdevice dev)
{
  CUresult r = lock_dev(dev);
  if (r != CUDA_SUCCESS)
    return r;
  int ma = cf__emu_g.cfg.cc_major, mi = cf__emu_g.cfg.cc_minor;
  cf__emu_unlock();
  if (!major || !minor)
    return CUDA_ERROR_INVALID_VALUE;
  *major = ma;
  *minor = mi;
  return CUDA_SUCCESS;
}

CF_EMU_EXPORT CUresult CUDAAPI cuDeviceGetProperties(CUdevprop *prop,
                                                     CUdevice dev)
{
  CUresult r = lock_dev(dev);
  if (r != CUDA_SUCCESS)
    return r;
  cf__emu_unlock();
  if (!prop)
    return CUDA_ERROR_INVALID_VALUE;
  *prop = (CUdevprop){
    .maxThreadsPerBlock = CF_EMU_MAX_THREADS,
    .maxThreadsDim = { CF_EMU_MAX_BLOCK_X, CF_EMU_MAX_BLOCK_Y,
                       CF_EMU_MAX_BLOCK_Z },
    .maxGridSize = { (int)CF_EMU_MAX_GRID_X, (int)CF_EMU_MAX_GRID_YZ,
                     (int)CF_EMU_MAX_GRID_YZ },
    .sharedMemPerBlock = CF_EMU_SHARED_PER_BLOCK,
    .totalConstantMemory = CF_EMU_CONST_BYTES,
    .SIMDWidth = 32,
    .memPitch = 2147483647,
    .regsPerBlock = 65536,
    .clockRate = 1410000,
    .textureAlign = CF_EMU_ALLOC_ALIGN,
  };
  return CUDA_SUCCESS;
}

/* Peer-to-peer between two devices: the emulator has one, and CUDA answers
 * INVALID_DEVICE when both ordinals name the same device. */
CF_EMU_EXPORT CUresult CUDAAPI cuDeviceGetP2PAttribute(int *value,
                                                       CUdevice_P2PAttribute attrib,
                                                       CUdevice srcDevice,
                                                       CUdevice dstDevice)
{
  CUresult r = cf__emu_lock_init();
  if (r != CUDA_SUCCESS)
    return r;
  cf__emu_unlock();
  if (!value || attrib < CU_DEVICE_P2P_ATTRIBUTE_PERFORMANCE_RANK ||
      attrib > CU_DEVICE_P2P_ATTRIBUTE_ONLY_PARTIAL_NATIVE_ATOMIC_SUPPORTED)
    return CUDA_ERROR_INVALID_VALUE;
  if (srcDevice != 0 || dstDevice != 0 || srcDevice == dstDevice)
    return CUDA_ERROR_INVALID_DEVICE;
  return CUDA_SUCCESS;
}

/* ---- Atomic capabilities ------------------------------------------------ */

/* What the emulator's atomics support, for cuDevice*AtomicCapabilities:
 * they are the CPU's own atomics on memory the host shares, so the host
 * link (and a device's own memory) supports natively whatever the PTX
 * interpreter runs (emu/ptx/ptx_decode_mem.c, cf__ptx_dec_atom): integer
 * and bitwise operations on 32- and 64-bit scalars, as atom or red; inc
 * and dec on .u32 only; exchange and compare-and-swap as atom only; float
 * add on f32 and f64. Float min and max, 128-bit and vector atomics are
 * not interpreted: no bits. */
static unsigned atomic_caps(CUatomicOperation op)
{
  const unsigned both = CU_ATOMIC_CAPABILITY_SIGNED | CU_ATOMIC_CAPABILITY_UNSIGNED;
  const unsigned sizes = CU_ATOMIC_CAPABILITY_SCALAR_32 | CU_ATOMIC_CAPABILITY_SCALAR_64;

  switch (op) {
  case CU_ATOMIC_OPERATION_INTEGER_ADD:
  case CU_ATOMIC_OPERATION_INTEGER_MIN:
  case CU_ATOMIC_OPERATION_INTEGER_MAX:
  case CU_ATOMIC_OPERATION_AND:
  case CU_ATOMIC_OPERATION_OR:
  case CU_ATOMIC_OPERATION_XOR:
    return both | sizes | CU_ATOMIC_CAPABILITY_REDUCTION;
  case CU_ATOMIC_OPERATION_INTEGER_INCREMENT:
  case CU_ATOMIC_OPERATION_INTEGER_DECREMENT:
    return CU_ATOMIC_CAPABILITY_UNSIGNED | CU_ATOMIC_CAPABILITY_SCALAR_32 |
           CU_ATOMIC_CAPABILITY_REDUCTION;
  case CU_ATOMIC_OPERATION_EXCHANGE:
  case CU_ATOMIC_OPERATION_CAS:
    return both | sizes;
  case CU_ATOMIC_OPERATION_FLOAT_ADD:
    return CU_ATOMIC_CAPABILITY_SIGNED | sizes | CU_ATOMIC_CAPABILITY_REDUCTION;
  default:
    return 0;
  }
}

/* The arguments both queries check before the devices, as
 * cuDeviceGetP2PAttribute does here. */
static int atomic_args_ok(const unsigned *caps, const CUatomicOperation *ops,
                          unsigned count)
{
  if (!caps || !ops || count == 0)
    return 0;
  for (unsigned i = 0; i < count; i++)
    if ((unsigned)ops[i] >= (unsigned)CU_ATOMIC_OPERATION_MAX)
      return 0;
  return 1;
}

CF_EMU_EXPORT CUresult CUDAAPI cuDeviceGetHostAtomicCapabilities(
    unsigned int *capabilities, const CUatomicOperation *operations,
    unsigned int count, CUdevice dev)
{
  CUresult r = cf__emu_lock_init();
  if (r != CUDA_SUCCESS)
    return r;
  cf__emu_unlock();
  if (!atomic_args_ok(capabilities, operations, count))
    return CUDA_ERROR_INVALID_VALUE;
  if (dev != 0)
    return CUDA_ERROR_INVALID_DEVICE;
  for (unsigned i = 0; i < count; i++)
    capabilities[i] = atomic_caps(operations[i]);
  return CUDA_SUCCESS;
}

/* A link between two devices: the emulator has one, and CUDA answers
 * INVALID_DEVICE when both ordinals name the same device. */
CF_EMU_EXPORT CUresult CUDAAPI cuDeviceGetP2PAtomicCapabilities(
    unsigned int *capabilities, const CUatomicOperation *operations,
    unsigned int count, CUdevice srcDevice, CUdevice dstDevice)
{
  CUresult r = cf__emu_lock_init();
  if (r != CUDA_SUCCESS)
    return r;
  cf__emu_unlock();
  if (!atomic_args_ok(capabilities, operations, count))
    return CUDA_ERROR_INVALID_VALUE;
  if (srcDevice != 0 || dstDevice != 0 || srcDevice == dstDevice)
    return CUDA_ERROR_INVALID_DEVICE;
  return CUDA_SUCCESS;
}

/* The widest 1D texture over linear memory for an element format: the
 * emulator has no texture units, so every valid format and channel count
 * gets the device attribute's 2^28 elements. */
CF_EMU_EXPORT CUresult CUDAAPI cuDeviceGetTexture1DLinearMaxWidth(
    size_t *maxWidthInElements, CUarray_format format, unsigned numChannels,
    CUdevice dev)
{
  CUresult r = lock_dev(dev);
  if (r != CUDA_SUCCESS)
    return r;
  cf__emu_unlock();
  if (!maxWidthInElements)
    return CUDA_ERROR_INVALID_VALUE;
  switch (format) {
  case CU_AD_FORMAT_UNSIGNED_INT8: case CU_AD_FORMAT_UNSIGNED_INT16:
  case CU_AD_FORMAT_UNSIGNED_INT32: case CU_AD_FORMAT_SIGNED_INT8:
  case CU_AD_FORMAT_SIGNED_INT16: case CU_AD_FORMAT_SIGNED_INT32:
  case CU_AD_FORMAT_HALF: case CU_AD_FORMAT_FLOAT:
    break;
  default:
    return CUDA_ERROR_INVALID_VALUE;
  }
  if (numChannels != 1 && numChannels != 2 && numChannels != 4)
    return CUDA_ERROR_INVALID_VALUE;
  *maxWidthInElements = (size_t)1 << 28;
  return CUDA_SUCCESS;
}

/* ---- PCI address, LUID, profiler ----------------------------------------- */

/* "dddd:bb:dd.0" from the device's PCI attributes, truncated to len bytes
 * (NUL included) as the driver does. */
CF_EMU_EXPORT CUresult CUDAAPI cuDeviceGetPCIBusId(char *pciBusId, int len,
                                                   CUdevice dev)
{
  int ok, domain, bus, device;
  CUresult r = lock_dev(dev);
  if (r != CUDA_SUCCESS)
    return r;
  domain = attr_value(CU_DEVICE_ATTRIBUTE_PCI_DOMAIN_ID, &cf__emu_g.cfg, &ok);
  bus = attr_value(CU_DEVICE_ATTRIBUTE_PCI_BUS_ID, &cf__emu_g.cfg, &ok);
  device = attr_value(CU_DEVICE_ATTRIBUTE_PCI_DEVICE_ID, &cf__emu_g.cfg, &ok);
  cf__emu_unlock();
  if (!pciBusId || len <= 0)
    return CUDA_ERROR_INVALID_VALUE;
  snprintf(pciBusId, (size_t)len, "%04x:%02x:%02x.0", (unsigned)domain,
           (unsigned)bus, (unsigned)device);
  return CUDA_SUCCESS;
}

/* One hexadecimal field ending at one of the stop characters or the end of
 * the string; advances *s past it. Returns 0, or -1 when malformed. The
 * client stub parses the same forms (client/device_pci.c). */
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

/* "domain:bus:device[.function]" or "bus:device[.function]" into f. */
static int parse_bus_id(const char *s, unsigned long f[3])
{
  unsigned long v[3], fn;
  int n = 0;
  for (;;) {
    if (n == 3 || hex_field(&s, ":.", 0xffffffffUL, &v[n]) != 0)
      return -1;
    n++;
    if (*s == '\0')
      break;
    if (*s == '.') {
      s++;
      if (hex_field(&s, "", 7, &fn) != 0 || *s != '\0')
        return -1;
      break;
    }
    s++;
  }
  if (n < 2)
    return -1;
  f[0] = n == 3 ? v[0] : 0;
  f[1] = v[n - 2];
  f[2] = v[n - 1];
  return 0;
}

CF_EMU_EXPORT CUresult CUDAAPI cuDeviceGetByPCIBusId(CUdevice *dev,
                                                     const char *pciBusId)
{
  unsigned long want[3];
  int ok;
  CUresult r = cf__emu_lock_init();
  if (r != CUDA_SUCCESS)
    return r;
  unsigned long domain = (unsigned)attr_value(CU_DEVICE_ATTRIBUTE_PCI_DOMAIN_ID,
                                              &cf__emu_g.cfg, &ok);
  unsigned long bus = (unsigned)attr_value(CU_DEVICE_ATTRIBUTE_PCI_BUS_ID,
                                           &cf__emu_g.cfg, &ok);
  unsigned long device = (unsigned)attr_value(CU_DEVICE_ATTRIBUTE_PCI_DEVICE_ID,
                                              &cf__emu_g.cfg, &ok);
  cf__emu_unlock();
  if (!dev || !pciBusId || parse_bus_id(pciBusId, want) != 0)
    return CUDA_ERROR_INVALID_VALUE;
  if (want[0] != domain || want[1] != bus || want[2] != device)
    return CUDA_ERROR_INVALID_DEVICE;
  *dev = 0;
  return CUDA_SUCCESS;
}

/* A LUID exists only on Windows; on Linux the driver answers NOT_SUPPORTED
 * for a valid device. */
CF_EMU_EXPORT CUresult CUDAAPI cuDeviceGetLuid(char *luid,
                                               unsigned int *deviceNodeMask,
                                               CUdevice dev)
{
  CUresult r = lock_dev(dev);
  if (r != CUDA_SUCCESS)
    return r;
  cf__emu_unlock();
  if (!luid || !deviceNodeMask)
    return CUDA_ERROR_INVALID_VALUE;
  return CUDA_ERROR_NOT_SUPPORTED;
}

/* No profiler attaches to the emulator: collection switches are no-ops. */
CF_EMU_EXPORT CUresult CUDAAPI cuProfilerStart(void)
{
  return CUDA_SUCCESS;
}

CF_EMU_EXPORT CUresult CUDAAPI cuProfilerStop(void)
{
  return CUDA_SUCCESS;
}
