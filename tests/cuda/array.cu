// Kernels of tests/cuda/array.c: a texture read at texel centres, a
// bilinear read between them, and a surface written and read back.
extern "C" __global__ void tex_point(cudaTextureObject_t t, float *out, int w)
{
  int x = threadIdx.x, y = blockIdx.x;
  out[y * w + x] = tex2D<float>(t, x + 0.5f, y + 0.5f);
}

extern "C" __global__ void tex_linear(cudaTextureObject_t t, float *out, int w, float dx,
                                      float dy)
{
  int x = threadIdx.x, y = blockIdx.x;
  out[y * w + x] = tex2D<float>(t, x + dx, y + dy);
}

extern "C" __global__ void surf_scale(cudaSurfaceObject_t s, int scale)
{
  int x = threadIdx.x, y = blockIdx.x;
  int v = surf2Dread<int>(s, x * (int)sizeof(int), y);
  surf2Dwrite<int>(v * scale + x, s, x * (int)sizeof(int), y);
}
