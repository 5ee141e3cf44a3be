/* Texture and surface kernels for test_ptx_tex_nvcc.c: every texture
 * fetch function of the object API the interpreter supports (tex1Dfetch,
 * tex1D, tex2D, tex3D, tex1DLayered, tex2DLayered, tex2DLod, tex2DGrad,
 * tex2Dgather) and surface reads and writes in 1D, 2D, 3D and 2D layered,
 * over float, float2, float4, int, uchar4, short2 and half data. */
#include <cuda_fp16.h>
extern "C" __global__ void k_fetch(cudaTextureObject_t t, float *out, int n) {
  int i = threadIdx.x; if (i < n) out[i] = tex1Dfetch<float>(t, i);
}
extern "C" __global__ void k_fetch4(cudaTextureObject_t t, float4 *out, int n) {
  int i = threadIdx.x; if (i < n) out[i] = tex1Dfetch<float4>(t, i);
}
extern "C" __global__ void k_fetchi(cudaTextureObject_t t, int *out, int n) {
  int i = threadIdx.x; if (i < n) out[i] = tex1Dfetch<int>(t, i);
}
extern "C" __global__ void k_1d(cudaTextureObject_t t, const float *x, float *out, int n) {
  int i = threadIdx.x; if (i < n) out[i] = tex1D<float>(t, x[i]);
}
extern "C" __global__ void k_2d(cudaTextureObject_t t, const float2 *x, float2 *out, int n) {
  int i = threadIdx.x; if (i < n) out[i] = tex2D<float2>(t, x[i].x, x[i].y);
}
extern "C" __global__ void k_2d_uc4(cudaTextureObject_t t, const float2 *x, uchar4 *out, int n) {
  int i = threadIdx.x; if (i < n) out[i] = tex2D<uchar4>(t, x[i].x, x[i].y);
}
extern "C" __global__ void k_2d_s2(cudaTextureObject_t t, const float2 *x, short2 *out, int n) {
  int i = threadIdx.x; if (i < n) out[i] = tex2D<short2>(t, x[i].x, x[i].y);
}
extern "C" __global__ void k_3d(cudaTextureObject_t t, const float4 *x, float *out, int n) {
  int i = threadIdx.x; if (i < n) out[i] = tex3D<float>(t, x[i].x, x[i].y, x[i].z);
}
extern "C" __global__ void k_1dl(cudaTextureObject_t t, const float2 *x, float *out, int n) {
  int i = threadIdx.x; if (i < n) out[i] = tex1DLayered<float>(t, x[i].x, (int)x[i].y);
}
extern "C" __global__ void k_2dl(cudaTextureObject_t t, const float4 *x, float4 *out, int n) {
  int i = threadIdx.x; if (i < n) out[i] = tex2DLayered<float4>(t, x[i].x, x[i].y, (int)x[i].z);
}
extern "C" __global__ void k_2dlod(cudaTextureObject_t t, const float4 *x, float *out, int n) {
  int i = threadIdx.x; if (i < n) out[i] = tex2DLod<float>(t, x[i].x, x[i].y, x[i].z);
}
extern "C" __global__ void k_2dgrad(cudaTextureObject_t t, const float4 *x, float *out, int n) {
  int i = threadIdx.x; if (i < n) out[i] = tex2DGrad<float>(t, x[i].x, x[i].y, make_float2(x[i].z, 0.f), make_float2(0.f, x[i].w));
}
extern "C" __global__ void k_gather(cudaTextureObject_t t, const float2 *x, float4 *out, int n) {
  int i = threadIdx.x; if (i < n) out[i] = tex2Dgather<float4>(t, x[i].x, x[i].y, 1);
}
extern "C" __global__ void k_gatheri(cudaTextureObject_t t, const float2 *x, int4 *out, int n) {
  int i = threadIdx.x; if (i < n) out[i] = tex2Dgather<int4>(t, x[i].x, x[i].y, 0);
}
extern "C" __global__ void k_s1(cudaSurfaceObject_t s, int n) {
  int i = threadIdx.x; if (i < n) { float v = surf1Dread<float>(s, i * 4); surf1Dwrite(v * 2.f, s, i * 4); }
}
extern "C" __global__ void k_s2(cudaSurfaceObject_t s, int w, int h) {
  int x = threadIdx.x, y = threadIdx.y; if (x < w && y < h) { uchar4 v = surf2Dread<uchar4>(s, x * 4, y); v.x += 1; v.w = 7; surf2Dwrite(v, s, x * 4, y); }
}
extern "C" __global__ void k_s2z(cudaSurfaceObject_t s, int *out) {
  int x = threadIdx.x; out[x] = surf2Dread<int>(s, x * 4 - 8, 0, cudaBoundaryModeZero); surf2Dwrite(x, s, x*4-8, 1, cudaBoundaryModeClamp);
}
extern "C" __global__ void k_s3(cudaSurfaceObject_t s, int w) {
  int x = threadIdx.x, y = threadIdx.y, z = threadIdx.z; short2 v = surf3Dread<short2>(s, x * 4, y, z); v.y = v.x * 3; surf3Dwrite(v, s, x * 4, y, z);
}
extern "C" __global__ void k_s2l(cudaSurfaceObject_t s, int l) {
  int x = threadIdx.x, y = threadIdx.y; float2 v = surf2DLayeredread<float2>(s, x * 8, y, l); v.y += v.x; surf2DLayeredwrite(v, s, x * 8, y, l);
}
extern "C" __global__ void k_sh(cudaSurfaceObject_t s) {
  int x = threadIdx.x; unsigned short v = surf1Dread<unsigned short>(s, x * 2); __half h = __ushort_as_half(v); surf1Dwrite(__half_as_ushort(__hadd(h, h)), s, x * 2);
}
extern "C" __global__ void k_s4(cudaSurfaceObject_t s) {
  int x = threadIdx.x; float4 v = surf1Dread<float4>(s, x * 16); v.w = v.x + v.y; surf1Dwrite(v, s, x * 16);
}
extern "C" __global__ void k_texh(cudaTextureObject_t t, const float2 *x, float *out, int n) {
  int i = threadIdx.x; if (i < n) out[i] = tex2D<float>(t, x[i].x, x[i].y);
}
