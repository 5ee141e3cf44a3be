// CUDA arrays, textures and surfaces through cudart: cudaMallocArray and
// cudaMemcpy2DToArray/FromArray, texture objects over an array (point and
// linear filtering, normalised coordinates with wrap, normalised reads of
// uchar4), over linear memory (tex1Dfetch) and pitched memory, a surface
// written and read by kernels, a 3D array with cudaMemcpy3D, a layered
// array, a mipmapped array read at a chosen level, array-to-array copies,
// the descriptor queries, and the errors a program can meet. Every result is
// checked on the CPU. Prints PASS/FAIL lines and "PASS runtime_texture".
#include <cmath>
#include <cstdio>
#include <cstring>

static int failures;

static void check(bool ok, const char *what, cudaError_t e = cudaSuccess)
{
  if (ok) {
    printf("PASS %s\n", what);
  } else {
    printf("FAIL %s: %s (%d)\n", what, cudaGetErrorString(e), (int)e);
    failures++;
  }
}

#define OK(call) check((e = (call)) == cudaSuccess, #call, e)

#define W 32
#define H 16

// out[y][x] = tex2D at (x + dx, y + dy) in texel units (unnormalised).
__global__ void sample2d(cudaTextureObject_t t, float *out, float dx, float dy)
{
  int x = threadIdx.x, y = blockIdx.x;
  out[y * W + x] = tex2D<float>(t, x + dx, y + dy);
}

// out[i] = tex2D at normalised coordinates (u[i], v[i]).
__global__ void sample_norm(cudaTextureObject_t t, const float *u, const float *v, float *out)
{
  int i = threadIdx.x;
  out[i] = tex2D<float>(t, u[i], v[i]);
}

__global__ void sample_rgba(cudaTextureObject_t t, float4 *out)
{
  int x = threadIdx.x, y = blockIdx.x;
  out[y * W + x] = tex2D<float4>(t, x + 0.5f, y + 0.5f);
}

__global__ void fetch1d(cudaTextureObject_t t, int *out, int n)
{
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n)
    out[i] = tex1Dfetch<int>(t, i);
}

// The surface holds x * 1000 + y, written by one kernel; a second adds the
// left neighbour's value read back through the surface.
__global__ void surf_write(cudaSurfaceObject_t s)
{
  int x = threadIdx.x, y = blockIdx.x;
  surf2Dwrite<int>(x * 1000 + y, s, x * (int)sizeof(int), y);
}

__global__ void surf_read(cudaSurfaceObject_t s, int *out)
{
  int x = threadIdx.x, y = blockIdx.x;
  int left = x > 0 ? surf2Dread<int>(s, (x - 1) * (int)sizeof(int), y) : 0;
  out[y * W + x] = surf2Dread<int>(s, x * (int)sizeof(int), y) + left;
}

__global__ void sample3d(cudaTextureObject_t t, float *out, int w, int h)
{
  int x = threadIdx.x, y = threadIdx.y, z = blockIdx.x;
  out[(z * h + y) * w + x] = tex3D<float>(t, x + 0.5f, y + 0.5f, z + 0.5f);
}

__global__ void sample_layered(cudaTextureObject_t t, float *out, int w, int h)
{
  int x = threadIdx.x, y = threadIdx.y, layer = blockIdx.x;
  out[(layer * h + y) * w + x] = tex2DLayered<float>(t, x + 0.5f, y + 0.5f, layer);
}

__global__ void sample_lod(cudaTextureObject_t t, float *out, float lod, int w)
{
  int x = threadIdx.x, y = blockIdx.x;
  // normalised coordinates at the centre of texel (x, y) of that level
  out[y * w + x] = tex2DLod<float>(t, (x + 0.5f) / w, (y + 0.5f) / w, lod);
}

// The hardware's linear filter: weights in 9-bit fixed point, 8 fractional bits.
static float frac9(float a)
{
  return floorf(a * 256.0f + 0.5f) / 256.0f;
}

static float clampi(int i, int n)
{
  return (float)(i < 0 ? 0 : i >= n ? n - 1 : i);
}

static float texel_clamp(const float *img, int x, int y)
{
  return img[(int)clampi(y, H) * W + (int)clampi(x, W)];
}

static float bilinear_clamp(const float *img, float x, float y)
{
  float xb = x - 0.5f, yb = y - 0.5f;
  int i = (int)floorf(xb), j = (int)floorf(yb);
  float a = frac9(xb - i), b = frac9(yb - j);
  return (1 - a) * (1 - b) * texel_clamp(img, i, j) + a * (1 - b) * texel_clamp(img, i + 1, j) +
         (1 - a) * b * texel_clamp(img, i, j + 1) + a * b * texel_clamp(img, i + 1, j + 1);
}

static int wrapi(int i, int n)
{
  return ((i % n) + n) % n;
}

static float bilinear_wrap(const float *img, float u, float v)
{
  float xb = u * W - 0.5f, yb = v * H - 0.5f;
  int i = (int)floorf(xb), j = (int)floorf(yb);
  float a = frac9(xb - i), b = frac9(yb - j);
  auto t = [&](int x, int y) { return img[wrapi(y, H) * W + wrapi(x, W)]; };
  return (1 - a) * (1 - b) * t(i, j) + a * (1 - b) * t(i + 1, j) + (1 - a) * b * t(i, j + 1) +
         a * b * t(i + 1, j + 1);
}

static bool close_to(float a, float b)
{
  return fabsf(a - b) <= 1e-4f * (1.0f + fabsf(b));
}

static cudaTextureObject_t array_texture(cudaArray_t a, cudaTextureFilterMode filter,
                                         cudaTextureAddressMode mode, int normalized,
                                         cudaTextureReadMode read)
{
  cudaResourceDesc res;
  memset(&res, 0, sizeof res);
  res.resType = cudaResourceTypeArray;
  res.res.array.array = a;
  cudaTextureDesc td;
  memset(&td, 0, sizeof td);
  td.addressMode[0] = td.addressMode[1] = td.addressMode[2] = mode;
  td.filterMode = filter;
  td.readMode = read;
  td.normalizedCoords = normalized;
  cudaTextureObject_t t = 0;
  cudaError_t e;
  OK(cudaCreateTextureObject(&t, &res, &td, NULL));
  return t;
}

static void test_array_2d(void)
{
  static float img[H * W], got[H * W], back[H * W];
  cudaChannelFormatDesc fd = cudaCreateChannelDesc<float>();
  cudaArray_t a = NULL;
  float *d_out = NULL;
  cudaError_t e;

  for (int i = 0; i < H * W; i++)
    img[i] = (float)((i * 37) % 101) - 50.0f;
  OK(cudaMallocArray(&a, &fd, W, H));
  OK(cudaMemcpy2DToArray(a, 0, 0, img, W * sizeof(float), W * sizeof(float), H,
                         cudaMemcpyHostToDevice));
  OK(cudaMemcpy2DFromArray(back, W * sizeof(float), a, 0, 0, W * sizeof(float), H,
                           cudaMemcpyDeviceToHost));
  check(memcmp(img, back, sizeof img) == 0, "array round trip");

  cudaChannelFormatDesc got_fd;
  cudaExtent ext;
  unsigned flags = 99;
  OK(cudaGetChannelDesc(&got_fd, a));
  check(got_fd.x == 32 && got_fd.y == 0 && got_fd.f == cudaChannelFormatKindFloat,
        "cudaGetChannelDesc");
  OK(cudaArrayGetInfo(&got_fd, &ext, &flags, a));
  check(ext.width == W && ext.height == H && ext.depth == 0 && flags == 0, "cudaArrayGetInfo");

  OK(cudaMalloc(&d_out, sizeof got));
  // Point filtering at texel centres reads the texels back.
  cudaTextureObject_t t = array_texture(a, cudaFilterModePoint, cudaAddressModeClamp, 0,
                                        cudaReadModeElementType);
  sample2d<<<H, W>>>(t, d_out, 0.5f, 0.5f);
  OK(cudaGetLastError());
  OK(cudaMemcpy(got, d_out, sizeof got, cudaMemcpyDeviceToHost));
  check(memcmp(got, img, sizeof img) == 0, "tex2D point filtering");

  cudaResourceDesc rd;
  cudaTextureDesc td;
  OK(cudaGetTextureObjectResourceDesc(&rd, t));
  check(rd.resType == cudaResourceTypeArray && rd.res.array.array == a,
        "cudaGetTextureObjectResourceDesc");
  OK(cudaGetTextureObjectTextureDesc(&td, t));
  check(td.filterMode == cudaFilterModePoint && td.addressMode[0] == cudaAddressModeClamp &&
            td.normalizedCoords == 0,
        "cudaGetTextureObjectTextureDesc");
  OK(cudaDestroyTextureObject(t));

  // Linear filtering between texels, clamped at the edges.
  t = array_texture(a, cudaFilterModeLinear, cudaAddressModeClamp, 0, cudaReadModeElementType);
  sample2d<<<H, W>>>(t, d_out, 0.3f, 0.8f);
  OK(cudaMemcpy(got, d_out, sizeof got, cudaMemcpyDeviceToHost));
  bool good = true;
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++)
      good &= close_to(got[y * W + x], bilinear_clamp(img, x + 0.3f, y + 0.8f));
  check(good, "tex2D linear filtering, clamp");
  OK(cudaDestroyTextureObject(t));

  // Normalised coordinates that wrap around.
  t = array_texture(a, cudaFilterModeLinear, cudaAddressModeWrap, 1, cudaReadModeElementType);
  static float u[64], v[64], out[64];
  for (int i = 0; i < 64; i++) {
    u[i] = -1.3f + i * 0.071f;
    v[i] = 2.2f - i * 0.043f;
  }
  float *d_u, *d_v;
  OK(cudaMalloc(&d_u, sizeof u));
  OK(cudaMalloc(&d_v, sizeof v));
  OK(cudaMemcpy(d_u, u, sizeof u, cudaMemcpyHostToDevice));
  OK(cudaMemcpy(d_v, v, sizeof v, cudaMemcpyHostToDevice));
  sample_norm<<<1, 64>>>(t, d_u, d_v, d_out);
  OK(cudaMemcpy(out, d_out, sizeof out, cudaMemcpyDeviceToHost));
  good = true;
  for (int i = 0; i < 64; i++)
    good &= close_to(out[i], bilinear_wrap(img, u[i], v[i]));
  check(good, "tex2D normalised coordinates, wrap");
  OK(cudaDestroyTextureObject(t));

  // An array-to-array copy of a sub-rectangle.
  cudaArray_t b = NULL;
  OK(cudaMallocArray(&b, &fd, W, H));
  OK(cudaMemcpy2DToArray(b, 0, 0, img, W * sizeof(float), W * sizeof(float), H,
                         cudaMemcpyHostToDevice));
  OK(cudaMemcpy2DArrayToArray(b, 4 * sizeof(float), 2, a, 0, 0, 8 * sizeof(float), 3,
                              cudaMemcpyDeviceToDevice));
  OK(cudaMemcpy2DFromArray(back, W * sizeof(float), b, 0, 0, W * sizeof(float), H,
                           cudaMemcpyDeviceToHost));
  good = true;
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++) {
      bool in = x >= 4 && x < 12 && y >= 2 && y < 5;
      good &= back[y * W + x] == (in ? img[(y - 2) * W + (x - 4)] : img[y * W + x]);
    }
  check(good, "cudaMemcpy2DArrayToArray");
  OK(cudaFreeArray(b));
  OK(cudaFree(d_u));
  OK(cudaFree(d_v));
  OK(cudaFree(d_out));
  OK(cudaFreeArray(a));
}

static void test_uchar4(void)
{
  static uchar4 img[H * W];
  static float4 got[H * W];
  cudaChannelFormatDesc fd = cudaCreateChannelDesc<uchar4>();
  cudaArray_t a = NULL;
  float4 *d_out;
  cudaError_t e;

  for (int i = 0; i < H * W; i++)
    img[i] = make_uchar4(i & 255, (i * 3) & 255, 255 - (i & 255), 128);
  OK(cudaMallocArray(&a, &fd, W, H));
  OK(cudaMemcpy2DToArray(a, 0, 0, img, W * sizeof(uchar4), W * sizeof(uchar4), H,
                         cudaMemcpyHostToDevice));
  cudaTextureObject_t t = array_texture(a, cudaFilterModePoint, cudaAddressModeClamp, 0,
                                        cudaReadModeNormalizedFloat);
  OK(cudaMalloc(&d_out, sizeof got));
  sample_rgba<<<H, W>>>(t, d_out);
  OK(cudaMemcpy(got, d_out, sizeof got, cudaMemcpyDeviceToHost));
  bool good = true;
  for (int i = 0; i < H * W; i++)
    good &= close_to(got[i].x, img[i].x / 255.0f) && close_to(got[i].y, img[i].y / 255.0f) &&
            close_to(got[i].z, img[i].z / 255.0f) && close_to(got[i].w, img[i].w / 255.0f);
  check(good, "uchar4 texture read as normalised float");
  OK(cudaDestroyTextureObject(t));
  OK(cudaFree(d_out));
  OK(cudaFreeArray(a));
}

static void test_linear_and_pitch(void)
{
  enum { N = 1000 };
  static int in[N], got[N];
  int *d_in, *d_out;
  cudaError_t e;

  for (int i = 0; i < N; i++)
    in[i] = i * i - 7;
  OK(cudaMalloc(&d_in, sizeof in));
  OK(cudaMalloc(&d_out, sizeof got));
  OK(cudaMemcpy(d_in, in, sizeof in, cudaMemcpyHostToDevice));
  cudaResourceDesc res;
  memset(&res, 0, sizeof res);
  res.resType = cudaResourceTypeLinear;
  res.res.linear.devPtr = d_in;
  res.res.linear.desc = cudaCreateChannelDesc<int>();
  res.res.linear.sizeInBytes = sizeof in;
  cudaTextureDesc td;
  memset(&td, 0, sizeof td);
  td.readMode = cudaReadModeElementType;
  cudaTextureObject_t t = 0;
  OK(cudaCreateTextureObject(&t, &res, &td, NULL));
  fetch1d<<<(N + 127) / 128, 128>>>(t, d_out, N);
  OK(cudaMemcpy(got, d_out, sizeof got, cudaMemcpyDeviceToHost));
  check(memcmp(got, in, sizeof in) == 0, "tex1Dfetch on linear memory");
  OK(cudaDestroyTextureObject(t));

  // Pitched memory from cudaMallocPitch as a 2D texture.
  static float img[H * W], out[H * W];
  float *d_img, *d_o;
  size_t pitch = 0;
  for (int i = 0; i < H * W; i++)
    img[i] = i * 0.25f;
  OK(cudaMallocPitch(&d_img, &pitch, W * sizeof(float), H));
  OK(cudaMemcpy2D(d_img, pitch, img, W * sizeof(float), W * sizeof(float), H,
                  cudaMemcpyHostToDevice));
  memset(&res, 0, sizeof res);
  res.resType = cudaResourceTypePitch2D;
  res.res.pitch2D.devPtr = d_img;
  res.res.pitch2D.desc = cudaCreateChannelDesc<float>();
  res.res.pitch2D.width = W;
  res.res.pitch2D.height = H;
  res.res.pitch2D.pitchInBytes = pitch;
  memset(&td, 0, sizeof td);
  td.filterMode = cudaFilterModePoint;
  td.addressMode[0] = td.addressMode[1] = cudaAddressModeClamp;
  OK(cudaCreateTextureObject(&t, &res, &td, NULL));
  OK(cudaMalloc(&d_o, sizeof out));
  sample2d<<<H, W>>>(t, d_o, 0.5f, 0.5f);
  OK(cudaMemcpy(out, d_o, sizeof out, cudaMemcpyDeviceToHost));
  check(memcmp(out, img, sizeof img) == 0, "tex2D on pitched memory");
  OK(cudaDestroyTextureObject(t));
  OK(cudaFree(d_o));
  OK(cudaFree(d_img));
  OK(cudaFree(d_in));
  OK(cudaFree(d_out));
}

static void test_surface(void)
{
  static int got[H * W], back[H * W];
  cudaChannelFormatDesc fd = cudaCreateChannelDesc<int>();
  cudaArray_t a = NULL, plain = NULL;
  int *d_out;
  cudaError_t e;

  OK(cudaMallocArray(&a, &fd, W, H, cudaArraySurfaceLoadStore));
  cudaResourceDesc res;
  memset(&res, 0, sizeof res);
  res.resType = cudaResourceTypeArray;
  res.res.array.array = a;
  cudaSurfaceObject_t s = 0;
  OK(cudaCreateSurfaceObject(&s, &res));
  surf_write<<<H, W>>>(s);
  OK(cudaGetLastError());
  OK(cudaMalloc(&d_out, sizeof got));
  surf_read<<<H, W>>>(s, d_out);
  OK(cudaMemcpy(got, d_out, sizeof got, cudaMemcpyDeviceToHost));
  OK(cudaMemcpy2DFromArray(back, W * sizeof(int), a, 0, 0, W * sizeof(int), H,
                           cudaMemcpyDeviceToHost));
  bool good = true;
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++) {
      int v = x * 1000 + y;
      good &= back[y * W + x] == v;
      good &= got[y * W + x] == v + (x > 0 ? v - 1000 : 0);
    }
  check(good, "surf2Dwrite then surf2Dread and a copy from the array");
  OK(cudaGetSurfaceObjectResourceDesc(&res, s));
  check(res.resType == cudaResourceTypeArray && res.res.array.array == a,
        "cudaGetSurfaceObjectResourceDesc");
  OK(cudaDestroySurfaceObject(s));

  // A surface needs an array made for it.
  OK(cudaMallocArray(&plain, &fd, W, H));
  res.res.array.array = plain;
  e = cudaCreateSurfaceObject(&s, &res);
  check(e != cudaSuccess, "no surface over an array without cudaArraySurfaceLoadStore", e);
  cudaGetLastError();
  OK(cudaFreeArray(plain));
  OK(cudaFree(d_out));
  OK(cudaFreeArray(a));
}

static void test_3d_and_layered(void)
{
  enum { X = 8, Y = 4, Z = 5 };
  static float vol[Z * Y * X], got[Z * Y * X], back[Z * Y * X];
  cudaChannelFormatDesc fd = cudaCreateChannelDesc<float>();
  cudaArray_t a = NULL;
  float *d_out;
  cudaError_t e;

  for (int i = 0; i < X * Y * Z; i++)
    vol[i] = (float)(i * 3 + 1);
  OK(cudaMalloc3DArray(&a, &fd, make_cudaExtent(X, Y, Z)));
  cudaMemcpy3DParms p;
  memset(&p, 0, sizeof p);
  p.srcPtr = make_cudaPitchedPtr(vol, X * sizeof(float), X, Y);
  p.dstArray = a;
  p.extent = make_cudaExtent(X, Y, Z);
  p.kind = cudaMemcpyHostToDevice;
  OK(cudaMemcpy3D(&p));
  memset(&p, 0, sizeof p);
  p.srcArray = a;
  p.dstPtr = make_cudaPitchedPtr(back, X * sizeof(float), X, Y);
  p.extent = make_cudaExtent(X, Y, Z);
  p.kind = cudaMemcpyDeviceToHost;
  OK(cudaMemcpy3D(&p));
  check(memcmp(back, vol, sizeof vol) == 0, "cudaMemcpy3D to and from a 3D array");

  cudaTextureObject_t t = array_texture(a, cudaFilterModePoint, cudaAddressModeClamp, 0,
                                        cudaReadModeElementType);
  OK(cudaMalloc(&d_out, sizeof got));
  sample3d<<<Z, dim3(X, Y)>>>(t, d_out, X, Y);
  OK(cudaMemcpy(got, d_out, sizeof got, cudaMemcpyDeviceToHost));
  check(memcmp(got, vol, sizeof vol) == 0, "tex3D point filtering");
  OK(cudaDestroyTextureObject(t));
  OK(cudaFreeArray(a));

  // The same data as Z layers of a layered 2D array.
  OK(cudaMalloc3DArray(&a, &fd, make_cudaExtent(X, Y, Z), cudaArrayLayered));
  memset(&p, 0, sizeof p);
  p.srcPtr = make_cudaPitchedPtr(vol, X * sizeof(float), X, Y);
  p.dstArray = a;
  p.extent = make_cudaExtent(X, Y, Z);
  p.kind = cudaMemcpyHostToDevice;
  OK(cudaMemcpy3D(&p));
  t = array_texture(a, cudaFilterModePoint, cudaAddressModeClamp, 0, cudaReadModeElementType);
  sample_layered<<<Z, dim3(X, Y)>>>(t, d_out, X, Y);
  OK(cudaMemcpy(got, d_out, sizeof got, cudaMemcpyDeviceToHost));
  check(memcmp(got, vol, sizeof vol) == 0, "tex2DLayered");
  cudaExtent ext;
  unsigned flags = 0;
  cudaChannelFormatDesc got_fd;
  OK(cudaArrayGetInfo(&got_fd, &ext, &flags, a));
  check(ext.width == X && ext.height == Y && ext.depth == Z && (flags & cudaArrayLayered),
        "cudaArrayGetInfo on a layered array");
  OK(cudaDestroyTextureObject(t));
  OK(cudaFreeArray(a));
  OK(cudaFree(d_out));
}

static void test_mipmap(void)
{
  enum { S = 16, LEVELS = 3 };
  static float level_img[LEVELS][S * S], got[S * S];
  cudaChannelFormatDesc fd = cudaCreateChannelDesc<float>();
  cudaMipmappedArray_t m = NULL;
  float *d_out;
  cudaError_t e;

  OK(cudaMallocMipmappedArray(&m, &fd, make_cudaExtent(S, S, 0), LEVELS));
  for (int l = 0; l < LEVELS; l++) {
    int w = S >> l;
    cudaArray_t lv = NULL;
    for (int i = 0; i < w * w; i++)
      level_img[l][i] = (float)(l * 1000 + i);
    OK(cudaGetMipmappedArrayLevel(&lv, m, l));
    cudaExtent ext;
    unsigned flags;
    cudaChannelFormatDesc got_fd;
    OK(cudaArrayGetInfo(&got_fd, &ext, &flags, lv));
    check(ext.width == (size_t)w && ext.height == (size_t)w, "mipmap level extent");
    OK(cudaMemcpy2DToArray(lv, 0, 0, level_img[l], w * sizeof(float), w * sizeof(float), w,
                           cudaMemcpyHostToDevice));
  }
  cudaResourceDesc res;
  memset(&res, 0, sizeof res);
  res.resType = cudaResourceTypeMipmappedArray;
  res.res.mipmap.mipmap = m;
  cudaTextureDesc td;
  memset(&td, 0, sizeof td);
  td.filterMode = cudaFilterModePoint;
  td.mipmapFilterMode = cudaFilterModePoint;
  td.addressMode[0] = td.addressMode[1] = cudaAddressModeClamp;
  td.normalizedCoords = 1;
  td.maxMipmapLevelClamp = LEVELS - 1;
  cudaTextureObject_t t = 0;
  OK(cudaCreateTextureObject(&t, &res, &td, NULL));
  OK(cudaMalloc(&d_out, sizeof got));
  for (int l = 0; l < LEVELS; l++) {
    int w = S >> l;
    sample_lod<<<w, w>>>(t, d_out, (float)l, w);
    OK(cudaMemcpy(got, d_out, w * w * sizeof(float), cudaMemcpyDeviceToHost));
    check(memcmp(got, level_img[l], w * w * sizeof(float)) == 0, "tex2DLod at each level");
  }
  OK(cudaDestroyTextureObject(t));
  OK(cudaFreeMipmappedArray(m));
  OK(cudaFree(d_out));
}

static void test_errors(void)
{
  cudaChannelFormatDesc fd = cudaCreateChannelDesc<float>();
  cudaArray_t a = NULL;
  cudaError_t e;
  static float buf[4 * W];

  e = cudaMallocArray(&a, &fd, 0, 4);
  check(e != cudaSuccess, "cudaMallocArray of width 0 fails", e);
  cudaGetLastError();
  OK(cudaMallocArray(&a, &fd, W, 4));
  e = cudaMemcpy2DToArray(a, 0, 2, buf, W * sizeof(float), W * sizeof(float), 4,
                          cudaMemcpyHostToDevice);
  check(e == cudaErrorInvalidValue, "a copy past the array's last row fails", e);
  cudaGetLastError();
  OK(cudaFreeArray(a));
}

int main(void)
{
  test_array_2d();
  test_uchar4();
  test_linear_and_pitch();
  test_surface();
  test_3d_and_layered();
  test_mipmap();
  test_errors();
  cudaError_t e = cudaDeviceSynchronize();
  check(e == cudaSuccess, "no error left behind", e);
  if (failures) {
    printf("FAIL runtime_texture: %d failures\n", failures);
    return 1;
  }
  printf("PASS runtime_texture\n");
  return 0;
}
