// Device query through cudart, as deviceQuery-style tools do it:
// cudaGetDeviceCount, cudaGetDeviceProperties with every cudaDeviceProp
// field printed as an info line, cudaDeviceGetAttribute for a dozen
// attributes compared with the properties, driver and runtime versions,
// cudaSetDevice/cudaGetDevice, cudaDeviceGetPCIBusId and cudaMemGetInfo.
// Prints PASS/FAIL lines and a final "PASS runtime_devicequery".
#include <cstdio>
#include <cstring>

static int failures;

static void check(bool ok, const char *what, cudaError_t e = cudaSuccess)
{
  if (ok) {
    printf("PASS %s\n", what);
  } else {
    printf("FAIL %s: %s\n", what, cudaGetErrorString(e));
    failures++;
  }
}

static void print_props(const cudaDeviceProp &p)
{
  printf("info prop name %s\n", p.name);
  printf("info prop uuid");
  for (int i = 0; i < 16; i++)
    printf(" %02x", (unsigned char)p.uuid.bytes[i]);
  printf("\n");
  printf("info prop luid");
  for (int i = 0; i < 8; i++)
    printf(" %02x", (unsigned char)p.luid[i]);
  printf("\n");
  printf("info prop luidDeviceNodeMask %u\n", p.luidDeviceNodeMask);
  printf("info prop totalGlobalMem %zu\n", p.totalGlobalMem);
  printf("info prop sharedMemPerBlock %zu\n", p.sharedMemPerBlock);
  printf("info prop regsPerBlock %d\n", p.regsPerBlock);
  printf("info prop warpSize %d\n", p.warpSize);
  printf("info prop memPitch %zu\n", p.memPitch);
  printf("info prop maxThreadsPerBlock %d\n", p.maxThreadsPerBlock);
  printf("info prop maxThreadsDim %d %d %d\n", p.maxThreadsDim[0], p.maxThreadsDim[1], p.maxThreadsDim[2]);
  printf("info prop maxGridSize %d %d %d\n", p.maxGridSize[0], p.maxGridSize[1], p.maxGridSize[2]);
  printf("info prop totalConstMem %zu\n", p.totalConstMem);
  printf("info prop major %d\n", p.major);
  printf("info prop minor %d\n", p.minor);
  printf("info prop textureAlignment %zu\n", p.textureAlignment);
  printf("info prop texturePitchAlignment %zu\n", p.texturePitchAlignment);
  printf("info prop multiProcessorCount %d\n", p.multiProcessorCount);
  printf("info prop integrated %d\n", p.integrated);
  printf("info prop canMapHostMemory %d\n", p.canMapHostMemory);
  printf("info prop maxTexture1D %d\n", p.maxTexture1D);
  printf("info prop maxTexture1DMipmap %d\n", p.maxTexture1DMipmap);
  printf("info prop maxTexture2D %d %d\n", p.maxTexture2D[0], p.maxTexture2D[1]);
  printf("info prop maxTexture2DMipmap %d %d\n", p.maxTexture2DMipmap[0], p.maxTexture2DMipmap[1]);
  printf("info prop maxTexture2DLinear %d %d %d\n", p.maxTexture2DLinear[0], p.maxTexture2DLinear[1], p.maxTexture2DLinear[2]);
  printf("info prop maxTexture2DGather %d %d\n", p.maxTexture2DGather[0], p.maxTexture2DGather[1]);
  printf("info prop maxTexture3D %d %d %d\n", p.maxTexture3D[0], p.maxTexture3D[1], p.maxTexture3D[2]);
  printf("info prop maxTexture3DAlt %d %d %d\n", p.maxTexture3DAlt[0], p.maxTexture3DAlt[1], p.maxTexture3DAlt[2]);
  printf("info prop maxTextureCubemap %d\n", p.maxTextureCubemap);
  printf("info prop maxTexture1DLayered %d %d\n", p.maxTexture1DLayered[0], p.maxTexture1DLayered[1]);
  printf("info prop maxTexture2DLayered %d %d %d\n", p.maxTexture2DLayered[0], p.maxTexture2DLayered[1], p.maxTexture2DLayered[2]);
  printf("info prop maxTextureCubemapLayered %d %d\n", p.maxTextureCubemapLayered[0], p.maxTextureCubemapLayered[1]);
  printf("info prop maxSurface1D %d\n", p.maxSurface1D);
  printf("info prop maxSurface2D %d %d\n", p.maxSurface2D[0], p.maxSurface2D[1]);
  printf("info prop maxSurface3D %d %d %d\n", p.maxSurface3D[0], p.maxSurface3D[1], p.maxSurface3D[2]);
  printf("info prop maxSurface1DLayered %d %d\n", p.maxSurface1DLayered[0], p.maxSurface1DLayered[1]);
  printf("info prop maxSurface2DLayered %d %d %d\n", p.maxSurface2DLayered[0], p.maxSurface2DLayered[1], p.maxSurface2DLayered[2]);
  printf("info prop maxSurfaceCubemap %d\n", p.maxSurfaceCubemap);
  printf("info prop maxSurfaceCubemapLayered %d %d\n", p.maxSurfaceCubemapLayered[0], p.maxSurfaceCubemapLayered[1]);
  printf("info prop surfaceAlignment %zu\n", p.surfaceAlignment);
  printf("info prop concurrentKernels %d\n", p.concurrentKernels);
  printf("info prop ECCEnabled %d\n", p.ECCEnabled);
  printf("info prop pciBusID %d\n", p.pciBusID);
  printf("info prop pciDeviceID %d\n", p.pciDeviceID);
  printf("info prop pciDomainID %d\n", p.pciDomainID);
  printf("info prop tccDriver %d\n", p.tccDriver);
  printf("info prop asyncEngineCount %d\n", p.asyncEngineCount);
  printf("info prop unifiedAddressing %d\n", p.unifiedAddressing);
  printf("info prop memoryBusWidth %d\n", p.memoryBusWidth);
  printf("info prop l2CacheSize %d\n", p.l2CacheSize);
  printf("info prop persistingL2CacheMaxSize %d\n", p.persistingL2CacheMaxSize);
  printf("info prop maxThreadsPerMultiProcessor %d\n", p.maxThreadsPerMultiProcessor);
  printf("info prop streamPrioritiesSupported %d\n", p.streamPrioritiesSupported);
  printf("info prop globalL1CacheSupported %d\n", p.globalL1CacheSupported);
  printf("info prop localL1CacheSupported %d\n", p.localL1CacheSupported);
  printf("info prop sharedMemPerMultiprocessor %zu\n", p.sharedMemPerMultiprocessor);
  printf("info prop regsPerMultiprocessor %d\n", p.regsPerMultiprocessor);
  printf("info prop managedMemory %d\n", p.managedMemory);
  printf("info prop isMultiGpuBoard %d\n", p.isMultiGpuBoard);
  printf("info prop multiGpuBoardGroupID %d\n", p.multiGpuBoardGroupID);
  printf("info prop hostNativeAtomicSupported %d\n", p.hostNativeAtomicSupported);
  printf("info prop pageableMemoryAccess %d\n", p.pageableMemoryAccess);
  printf("info prop concurrentManagedAccess %d\n", p.concurrentManagedAccess);
  printf("info prop computePreemptionSupported %d\n", p.computePreemptionSupported);
  printf("info prop canUseHostPointerForRegisteredMem %d\n", p.canUseHostPointerForRegisteredMem);
  printf("info prop cooperativeLaunch %d\n", p.cooperativeLaunch);
  printf("info prop sharedMemPerBlockOptin %zu\n", p.sharedMemPerBlockOptin);
  printf("info prop pageableMemoryAccessUsesHostPageTables %d\n", p.pageableMemoryAccessUsesHostPageTables);
  printf("info prop directManagedMemAccessFromHost %d\n", p.directManagedMemAccessFromHost);
  printf("info prop maxBlocksPerMultiProcessor %d\n", p.maxBlocksPerMultiProcessor);
  printf("info prop accessPolicyMaxWindowSize %d\n", p.accessPolicyMaxWindowSize);
  printf("info prop reservedSharedMemPerBlock %zu\n", p.reservedSharedMemPerBlock);
  printf("info prop hostRegisterSupported %d\n", p.hostRegisterSupported);
  printf("info prop sparseCudaArraySupported %d\n", p.sparseCudaArraySupported);
  printf("info prop hostRegisterReadOnlySupported %d\n", p.hostRegisterReadOnlySupported);
  printf("info prop timelineSemaphoreInteropSupported %d\n", p.timelineSemaphoreInteropSupported);
  printf("info prop memoryPoolsSupported %d\n", p.memoryPoolsSupported);
  printf("info prop gpuDirectRDMASupported %d\n", p.gpuDirectRDMASupported);
  printf("info prop gpuDirectRDMAFlushWritesOptions %u\n", p.gpuDirectRDMAFlushWritesOptions);
  printf("info prop gpuDirectRDMAWritesOrdering %d\n", p.gpuDirectRDMAWritesOrdering);
  printf("info prop memoryPoolSupportedHandleTypes %u\n", p.memoryPoolSupportedHandleTypes);
  printf("info prop deferredMappingCudaArraySupported %d\n", p.deferredMappingCudaArraySupported);
  printf("info prop ipcEventSupported %d\n", p.ipcEventSupported);
  printf("info prop clusterLaunch %d\n", p.clusterLaunch);
  printf("info prop unifiedFunctionPointers %d\n", p.unifiedFunctionPointers);
  printf("info prop deviceNumaConfig %d\n", p.deviceNumaConfig);
  printf("info prop deviceNumaId %d\n", p.deviceNumaId);
  printf("info prop mpsEnabled %d\n", p.mpsEnabled);
  printf("info prop hostNumaId %d\n", p.hostNumaId);
  printf("info prop gpuPciDeviceID %u\n", p.gpuPciDeviceID);
  printf("info prop gpuPciSubsystemID %u\n", p.gpuPciSubsystemID);
  printf("info prop hostNumaMultinodeIpcSupported %d\n", p.hostNumaMultinodeIpcSupported);
}

struct attr_case {
  cudaDeviceAttr attr;
  const char *name;
  long long expect;
};

int main()
{
  cudaError_t e;
  int count = 0;
  e = cudaGetDeviceCount(&count);
  check(e == cudaSuccess && count >= 1, "cudaGetDeviceCount", e);
  printf("info device count %d\n", count);
  if (count < 1) {
    printf("FAIL runtime_devicequery\n");
    return 1;
  }

  for (int dev = 0; dev < count; dev++) {
    cudaDeviceProp p;
    memset(&p, 0xa5, sizeof p);
    e = cudaGetDeviceProperties(&p, dev);
    check(e == cudaSuccess, "cudaGetDeviceProperties", e);
    printf("info device %d\n", dev);
    print_props(p);

    check(memchr(p.name, 0, sizeof p.name) != nullptr && p.name[0] != 0, "name is a terminated non-empty string");
    check(p.warpSize == 32, "warpSize is 32");
    check(p.maxThreadsPerBlock >= 64 && p.maxThreadsPerBlock <= 1024 &&
          p.maxThreadsDim[0] >= 1 && p.maxThreadsDim[1] >= 1 && p.maxThreadsDim[2] >= 1,
          "thread limits are plausible");
    check(p.maxGridSize[0] >= 65535 && p.maxGridSize[1] >= 1 && p.maxGridSize[2] >= 1,
          "grid limits are plausible");
    check(p.totalGlobalMem > 0 && p.sharedMemPerBlock > 0 && p.multiProcessorCount > 0 &&
          p.regsPerBlock > 0 && p.totalConstMem > 0, "sizes are non-zero");
    check(p.major >= 1, "compute capability major >= 1");
    check(p.sharedMemPerMultiprocessor >= p.sharedMemPerBlock, "shared per SM >= shared per block");
    check(p.maxThreadsPerMultiProcessor >= p.maxThreadsPerBlock, "threads per SM >= threads per block");

    const attr_case cases[] = {
      { cudaDevAttrMaxThreadsPerBlock, "MaxThreadsPerBlock", p.maxThreadsPerBlock },
      { cudaDevAttrMaxBlockDimX, "MaxBlockDimX", p.maxThreadsDim[0] },
      { cudaDevAttrMaxBlockDimY, "MaxBlockDimY", p.maxThreadsDim[1] },
      { cudaDevAttrMaxBlockDimZ, "MaxBlockDimZ", p.maxThreadsDim[2] },
      { cudaDevAttrMaxGridDimX, "MaxGridDimX", p.maxGridSize[0] },
      { cudaDevAttrMaxGridDimY, "MaxGridDimY", p.maxGridSize[1] },
      { cudaDevAttrMaxGridDimZ, "MaxGridDimZ", p.maxGridSize[2] },
      { cudaDevAttrMaxSharedMemoryPerBlock, "MaxSharedMemoryPerBlock", (long long)p.sharedMemPerBlock },
      { cudaDevAttrTotalConstantMemory, "TotalConstantMemory", (long long)p.totalConstMem },
      { cudaDevAttrWarpSize, "WarpSize", p.warpSize },
      { cudaDevAttrMaxRegistersPerBlock, "MaxRegistersPerBlock", p.regsPerBlock },
      { cudaDevAttrMultiProcessorCount, "MultiProcessorCount", p.multiProcessorCount },
      { cudaDevAttrComputeCapabilityMajor, "ComputeCapabilityMajor", p.major },
      { cudaDevAttrComputeCapabilityMinor, "ComputeCapabilityMinor", p.minor },
      { cudaDevAttrMaxThreadsPerMultiProcessor, "MaxThreadsPerMultiProcessor", p.maxThreadsPerMultiProcessor },
      { cudaDevAttrConcurrentKernels, "ConcurrentKernels", p.concurrentKernels },
      { cudaDevAttrL2CacheSize, "L2CacheSize", p.l2CacheSize },
      { cudaDevAttrUnifiedAddressing, "UnifiedAddressing", p.unifiedAddressing },
      { cudaDevAttrPciBusId, "PciBusId", p.pciBusID },
      { cudaDevAttrPciDeviceId, "PciDeviceId", p.pciDeviceID },
      { cudaDevAttrPciDomainId, "PciDomainId", p.pciDomainID },
    };
    for (const attr_case &c : cases) {
      int v = -12345;
      char what[128];
      e = cudaDeviceGetAttribute(&v, c.attr, dev);
      snprintf(what, sizeof what, "cudaDeviceGetAttribute %s = %d (prop %lld)", c.name, v, c.expect);
      check(e == cudaSuccess && v == c.expect, what, e);
    }
    int v = 0;
    e = cudaDeviceGetAttribute(&v, (cudaDeviceAttr)100000, dev);
    check(e == cudaErrorInvalidValue, "cudaDeviceGetAttribute with a bad attribute fails", e);
    cudaGetLastError();

    char bus[64];
    memset(bus, 0, sizeof bus);
    e = cudaDeviceGetPCIBusId(bus, sizeof bus, dev);
    check(e == cudaSuccess && bus[0] != 0, "cudaDeviceGetPCIBusId", e);
    printf("info pci bus id %s\n", bus);
    unsigned dom = 0, b = 0, d = 0, f = 0;
    bool parsed = sscanf(bus, "%x:%x:%x.%x", &dom, &b, &d, &f) == 4;
    check(parsed && (int)dom == p.pciDomainID && (int)b == p.pciBusID && (int)d == p.pciDeviceID,
          "PCI bus id agrees with the properties");
    int back = -1;
    e = cudaDeviceGetByPCIBusId(&back, bus);
    check(e == cudaSuccess && back == dev, "cudaDeviceGetByPCIBusId round trip", e);
  }

  int drv = 0, rt = 0;
  e = cudaDriverGetVersion(&drv);
  check(e == cudaSuccess && drv > 0, "cudaDriverGetVersion", e);
  e = cudaRuntimeGetVersion(&rt);
  check(e == cudaSuccess && rt == CUDART_VERSION, "cudaRuntimeGetVersion", e);
  printf("info driver version %d runtime version %d\n", drv, rt);
  check(drv >= rt, "driver version >= runtime version");

  int cur = -1;
  e = cudaGetDevice(&cur);
  check(e == cudaSuccess && cur == 0, "cudaGetDevice defaults to 0", e);
  e = cudaSetDevice(count - 1);
  check(e == cudaSuccess, "cudaSetDevice", e);
  e = cudaGetDevice(&cur);
  check(e == cudaSuccess && cur == count - 1, "cudaGetDevice after cudaSetDevice", e);
  e = cudaSetDevice(count);
  check(e == cudaErrorInvalidDevice, "cudaSetDevice out of range fails", e);
  cudaGetLastError();
  e = cudaGetDevice(&cur);
  check(e == cudaSuccess && cur == count - 1, "device unchanged by the failed cudaSetDevice", e);
  cudaSetDevice(0);

  cudaDeviceProp p0;
  cudaGetDeviceProperties(&p0, 0);
  size_t freeb = 0, total = 0;
  e = cudaMemGetInfo(&freeb, &total);
  check(e == cudaSuccess && total > 0 && freeb <= total, "cudaMemGetInfo", e);
  printf("info mem free %zu total %zu\n", freeb, total);
  check(total == p0.totalGlobalMem, "cudaMemGetInfo total == totalGlobalMem");
  void *buf = nullptr;
  const size_t sz = 64 << 20;
  if (freeb > 2 * sz) {
    e = cudaMalloc(&buf, sz);
    check(e == cudaSuccess, "cudaMalloc 64 MiB", e);
    size_t free2 = 0, total2 = 0;
    e = cudaMemGetInfo(&free2, &total2);
    check(e == cudaSuccess && total2 == total && free2 < freeb,
          "free memory drops after cudaMalloc", e);
    printf("info mem free after malloc %zu\n", free2);
    cudaFree(buf);
  }

  printf("%s runtime_devicequery\n", failures ? "FAIL" : "PASS");
  return failures ? 1 : 0;
}
