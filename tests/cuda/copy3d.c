/* 3D, peer and batch copies, no kernel: cuMemcpy3D in every direction
 * (host->device, device->host, device->device, host->host) with offsets
 * on both sides and pitches and heights larger than the extent, the Async
 * form on a stream with UNIFIED sides, a copy larger than the stub's bulk
 * limit (several pieces), cuMemcpy2D with many rows, peer copies
 * (cuMemcpyPeer, its Async form and cuMemcpy3DPeer) between two contexts
 * of device 0, peer access and its errors, the CUDA 13 batch copies, the
 * per-thread forms, and the error cases (NULL descriptor, ARRAY sides
 * without an array (tests/cuda/array.c copies to real ones),
 * bad pointers, widths over pitches, short heights, nonzero LOD, empty
 * extents). Every result is checked against a host model. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "host.h"

/* Per-thread forms (cuda.h names them only under the per-thread macro). */
CUresult CUDAAPI cuMemcpy3D_v2_ptds(const CUDA_MEMCPY3D *pCopy);
CUresult CUDAAPI cuMemcpy3DAsync_v2_ptsz(const CUDA_MEMCPY3D *pCopy, CUstream hStream);
CUresult CUDAAPI cuMemcpyPeer_ptds(CUdeviceptr dstDevice, CUcontext dstContext,
                                   CUdeviceptr srcDevice, CUcontext srcContext,
                                   size_t ByteCount);

/* A strided byte volume: host memory or a device allocation. */
struct vol {
  CUmemorytype type;
  uint8_t *host;
  CUdeviceptr dev;
  size_t pitch, height, depth;
};

static size_t vol_bytes(const struct vol *v)
{
  return v->pitch * v->height * v->depth;
}

/* A box of w x h x k bytes at (x, y, z) of a volume. */
struct box {
  size_t x, y, z;
};

static CUDA_MEMCPY3D desc(const struct vol *s, struct box sb, const struct vol *d,
                          struct box db, size_t w, size_t h, size_t k)
{
  CUDA_MEMCPY3D c;
  memset(&c, 0, sizeof c);
  c.srcMemoryType = s->type;
  c.srcHost = s->host;
  c.srcDevice = s->dev;
  c.srcXInBytes = sb.x;
  c.srcY = sb.y;
  c.srcZ = sb.z;
  c.srcPitch = s->pitch;
  c.srcHeight = s->height;
  c.dstMemoryType = d->type;
  c.dstHost = d->host;
  c.dstDevice = d->dev;
  c.dstXInBytes = db.x;
  c.dstY = db.y;
  c.dstZ = db.z;
  c.dstPitch = d->pitch;
  c.dstHeight = d->height;
  c.WidthInBytes = w;
  c.Height = h;
  c.Depth = k;
  return c;
}

/* The model of a copy: the same box between two host images. */
static void model_copy(uint8_t *dst, const struct vol *d, struct box db, const uint8_t *src,
                       const struct vol *s, struct box sb, size_t w, size_t h, size_t k)
{
  for (size_t z = 0; z < k; z++)
    for (size_t y = 0; y < h; y++)
      memcpy(dst + ((db.z + z) * d->height + db.y + y) * d->pitch + db.x,
             src + ((sb.z + z) * s->height + sb.y + y) * s->pitch + sb.x, w);
}

static void fill(uint8_t *p, size_t n, uint32_t seed)
{
  for (size_t i = 0; i < n; i++)
    p[i] = (uint8_t)(cf_rand_u32(&seed) >> 24);
}

/* A device volume's bytes as a host image. */
static void read_dev(struct cf_host *h, const struct vol *v, uint8_t *out)
{
  CF_CHECK(h, cuMemcpyDtoH(out, v->dev, vol_bytes(v)));
}

static void check_image(struct cf_host *h, const char *label, const uint8_t *got,
                        const uint8_t *want, size_t n)
{
  size_t i = 0;
  while (i < n && got[i] == want[i])
    i++;
  cf_host_result(h, i == n, label, "first difference at byte %zu of %zu", i, n);
  cf_host_digest(label, got, n);
}

static struct vol dev_vol(struct cf_host *h, size_t pitch, size_t height, size_t depth)
{
  struct vol v = { CU_MEMORYTYPE_DEVICE, NULL, 0, pitch, height, depth };
  CF_CHECK(h, cuMemAlloc(&v.dev, vol_bytes(&v)));
  CF_CHECK(h, cuMemsetD8(v.dev, 0, vol_bytes(&v)));
  return v;
}

static struct vol host_vol(size_t pitch, size_t height, size_t depth, uint32_t seed)
{
  struct vol v = { CU_MEMORYTYPE_HOST, NULL, 0, pitch, height, depth };
  v.host = malloc(vol_bytes(&v));
  if (!v.host) {
    fprintf(stderr, "out of host memory\n");
    exit(1);
  }
  fill(v.host, vol_bytes(&v), seed);
  return v;
}

/* Every direction with offsets, then the Async form on a stream. */
static void directions(struct cf_host *h, CUstream s)
{
  const size_t W = 300, H = 20, K = 5;
  struct vol hs = host_vol(333, 23, 6, 1), hd = host_vol(310, 25, 7, 2);
  struct vol d1 = dev_vol(h, 512, 24, 7), d2 = dev_vol(h, 640, 30, 6);
  uint8_t *m1 = calloc(1, vol_bytes(&d1)), *m2 = calloc(1, vol_bytes(&d2));
  uint8_t *got = malloc(vol_bytes(&d1) > vol_bytes(&d2) ? vol_bytes(&d1) : vol_bytes(&d2));
  uint8_t *mh = malloc(vol_bytes(&hd));
  struct box b0 = { 0, 0, 0 }, bs = { 7, 2, 1 }, bd = { 11, 3, 1 }, bt = { 5, 4, 1 };
  CUDA_MEMCPY3D c;

  memcpy(mh, hd.host, vol_bytes(&hd));
  c = desc(&hs, bs, &d1, bd, W, H, K);
  CF_CHECK(h, cuMemcpy3D(&c));
  model_copy(m1, &d1, bd, hs.host, &hs, bs, W, H, K);
  read_dev(h, &d1, got);
  check_image(h, "copy3d.htod", got, m1, vol_bytes(&d1));

  c = desc(&d1, bd, &d2, bt, W, H, K);
  CF_CHECK(h, cuMemcpy3D(&c));
  model_copy(m2, &d2, bt, m1, &d1, bd, W, H, K);
  read_dev(h, &d2, got);
  check_image(h, "copy3d.dtod", got, m2, vol_bytes(&d2));

  c = desc(&d2, bt, &hd, bs, W, H, K);
  CF_CHECK(h, cuMemcpy3D(&c));
  model_copy(mh, &hd, bs, m2, &d2, bt, W, H, K);
  check_image(h, "copy3d.dtoh", hd.host, mh, vol_bytes(&hd));

  c = desc(&hs, b0, &hd, bd, W - 9, H, K + 1); /* host to host */
  CF_CHECK(h, cuMemcpy3D(&c));
  model_copy(mh, &hd, bd, hs.host, &hs, b0, W - 9, H, K + 1);
  check_image(h, "copy3d.htoh", hd.host, mh, vol_bytes(&hd));

  /* Async on a stream; the device side UNIFIED, the host side pinned. */
  struct vol pin = { CU_MEMORYTYPE_UNIFIED, NULL, 0, 301, 21, 5 };
  CF_CHECK(h, cuMemAllocHost((void **)&pin.host, vol_bytes(&pin)));
  fill(pin.host, vol_bytes(&pin), 3);
  pin.dev = (CUdeviceptr)(uintptr_t)pin.host;
  d1.type = CU_MEMORYTYPE_UNIFIED;
  c = desc(&pin, (struct box){ 1, 1, 0 }, &d1, b0, W, H, K);
  CF_CHECK(h, cuMemcpy3DAsync(&c, s));
  model_copy(m1, &d1, b0, pin.host, &pin, (struct box){ 1, 1, 0 }, W, H, K);
  c = desc(&d1, (struct box){ 2, 0, 1 }, &pin, b0, W - 2, H, K - 1);
  CF_CHECK(h, cuMemcpy3DAsync(&c, s));
  CF_CHECK(h, cuStreamSynchronize(s));
  read_dev(h, &d1, got);
  check_image(h, "copy3d.async.htod", got, m1, vol_bytes(&d1));
  uint8_t *mp = malloc(vol_bytes(&pin));
  fill(mp, vol_bytes(&pin), 3);
  model_copy(mp, &pin, b0, m1, &d1, (struct box){ 2, 0, 1 }, W - 2, H, K - 1);
  check_image(h, "copy3d.async.dtoh", pin.host, mp, vol_bytes(&pin));

  /* The per-thread forms. */
  d1.type = CU_MEMORYTYPE_DEVICE;
  c = desc(&hs, b0, &d1, b0, W, H, 2);
  CF_CHECK(h, cuMemcpy3D_v2_ptds(&c));
  CF_CHECK(h, cuMemcpy3DAsync_v2_ptsz(&c, NULL));
  CF_CHECK(h, cuStreamSynchronize(CU_STREAM_PER_THREAD));
  model_copy(m1, &d1, b0, hs.host, &hs, b0, W, H, 2);
  read_dev(h, &d1, got);
  check_image(h, "copy3d.ptds", got, m1, vol_bytes(&d1));

  CF_CHECK(h, cuMemFreeHost(pin.host));
  CF_CHECK(h, cuMemFree(d1.dev));
  CF_CHECK(h, cuMemFree(d2.dev));
  free(mp);
  free(mh);
  free(got);
  free(m2);
  free(m1);
  free(hd.host);
  free(hs.host);
}

static double now(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* Over the stub's 64 MiB bulk limit, from and to unpacked host memory. */
static void large(struct cf_host *h)
{
  const size_t W = 4000, H = 130, K = 140;
  struct vol hs = host_vol(4001, 131, 140, 4), hd = host_vol(4003, 130, 140, 5);
  struct vol d = dev_vol(h, 4096, 130, 140);
  uint8_t *mh = malloc(vol_bytes(&hd));
  struct box b0 = { 0, 0, 0 }, b1 = { 1, 1, 0 };
  CUDA_MEMCPY3D c;
  double t0 = now();

  memcpy(mh, hd.host, vol_bytes(&hd));
  c = desc(&hs, b1, &d, b0, W, H, K);
  CF_CHECK(h, cuMemcpy3D(&c));
  c = desc(&d, b0, &hd, (struct box){ 3, 0, 0 }, W, H, K);
  CF_CHECK(h, cuMemcpy3D(&c));
  printf("info large 3D copy of %zu MB there and back: %.3f s\n", W * H * K / 1000000,
         now() - t0);
  model_copy(mh, &hd, (struct box){ 3, 0, 0 }, hs.host, &hs, b1, W, H, K);
  check_image(h, "copy3d.large", hd.host, mh, vol_bytes(&hd));
  CF_CHECK(h, cuMemFree(d.dev));
  free(mh);
  free(hd.host);
  free(hs.host);
}

/* A 2D copy of many short rows, there and back; a few very wide ones. */
static void many_rows(struct cf_host *h)
{
  enum { W = 200, ROWS = 1000, HP = 256, BP = 230 };
  static uint8_t src[ROWS][HP], back[ROWS][BP], want[ROWS][BP];
  CUdeviceptr d, d2;
  size_t pitch, pitch2;
  CUDA_MEMCPY2D c;
  double t0;

  fill(&src[0][0], sizeof src, 6);
  fill(&back[0][0], sizeof back, 7);
  memcpy(want, back, sizeof want);
  CF_CHECK(h, cuMemAllocPitch(&d, &pitch, W, ROWS, 4));
  CF_CHECK(h, cuMemAllocPitch(&d2, &pitch2, W + 64, ROWS, 4));
  memset(&c, 0, sizeof c);
  c.srcMemoryType = CU_MEMORYTYPE_HOST;
  c.srcHost = src;
  c.srcPitch = HP;
  c.dstMemoryType = CU_MEMORYTYPE_DEVICE;
  c.dstDevice = d;
  c.dstPitch = pitch;
  c.WidthInBytes = W;
  c.Height = ROWS;
  t0 = now();
  CF_CHECK(h, cuMemcpy2D(&c));
  printf("info 2D copy of %d rows host to device: %.3f ms\n", ROWS, (now() - t0) * 1e3);
  c.srcMemoryType = CU_MEMORYTYPE_DEVICE;
  c.srcDevice = d;
  c.srcPitch = pitch;
  c.dstDevice = d2 + 64;
  c.dstPitch = pitch2;
  CF_CHECK(h, cuMemcpy2D(&c));
  c.srcDevice = d2 + 64;
  c.srcPitch = pitch2;
  c.dstMemoryType = CU_MEMORYTYPE_HOST;
  c.dstHost = back;
  c.dstXInBytes = 13;
  c.dstPitch = BP;
  c.Height = ROWS - 1;
  t0 = now();
  CF_CHECK(h, cuMemcpy2D(&c));
  printf("info 2D copy of %d rows device to host: %.3f ms\n", ROWS - 1, (now() - t0) * 1e3);
  for (int y = 0; y < ROWS - 1; y++)
    memcpy(&want[y][13], src[y], W);
  check_image(h, "copy3d.rows2d", &back[0][0], &want[0][0], sizeof back);
  CF_CHECK(h, cuMemFree(d));
  CF_CHECK(h, cuMemFree(d2));

  /* Rows wider than the smallest bulk limit cuferryd allows (4096). */
  enum { WW = 10000, WR = 3, WP = WW + 7 };
  static uint8_t wide[WR][WP], wback[WR][WP], wwant[WR][WP];
  fill(&wide[0][0], sizeof wide, 12);
  memcpy(wwant, wback, sizeof wwant);
  CF_CHECK(h, cuMemAllocPitch(&d, &pitch, WW, WR, 4));
  memset(&c, 0, sizeof c);
  c.srcMemoryType = CU_MEMORYTYPE_HOST;
  c.srcHost = wide;
  c.srcXInBytes = 3;
  c.srcPitch = WP;
  c.dstMemoryType = CU_MEMORYTYPE_DEVICE;
  c.dstDevice = d;
  c.dstPitch = pitch;
  c.WidthInBytes = WW;
  c.Height = WR;
  CF_CHECK(h, cuMemcpy2D(&c));
  c.srcMemoryType = CU_MEMORYTYPE_DEVICE;
  c.srcDevice = d;
  c.srcXInBytes = 0;
  c.srcPitch = pitch;
  c.dstMemoryType = CU_MEMORYTYPE_HOST;
  c.dstHost = wback;
  c.dstXInBytes = 7;
  c.dstPitch = WP;
  CF_CHECK(h, cuMemcpy2D(&c));
  for (int y = 0; y < WR; y++)
    memcpy(&wwant[y][7], &wide[y][3], WW);
  check_image(h, "copy3d.wide2d", &wback[0][0], &wwant[0][0], sizeof wback);
  CF_CHECK(h, cuMemFree(d));
}

/* Copies between two contexts of device 0, and peer access. */
static void peers(struct cf_host *h, CUstream s)
{
  enum { N = 5000 };
  static uint8_t a[N], got[N], want[N];
  CUcontext c2 = NULL, cur = NULL;
  CUdeviceptr da, db;
  int can = -1;

  fill(a, N, 8);
  CF_CHECK(h, cuMemAlloc(&da, N));
  CF_CHECK(h, cuMemcpyHtoD(da, a, N));
  CF_CHECK(h, cuCtxCreate(&c2, NULL, 0, h->dev));
  CF_CHECK(h, cuMemAlloc(&db, N));
  CF_CHECK(h, cuMemsetD8(db, 0x5a, N));
  CF_CHECK(h, cuCtxSetCurrent(h->ctx));
  CF_CHECK(h, cuMemcpyPeer(db, c2, da + 100, h->ctx, N - 200));
  CF_CHECK(h, cuMemcpyPeerAsync(db + N - 100, c2, da, h->ctx, 100, s));
  CF_CHECK(h, cuStreamSynchronize(s));
  memset(want, 0x5a, N);
  memcpy(want, a + 100, N - 200);
  memcpy(want + N - 100, a, 100);
  /* Back through the peer 3D form, device of c2 to host. */
  CUDA_MEMCPY3D_PEER p;
  memset(&p, 0, sizeof p);
  p.srcMemoryType = CU_MEMORYTYPE_DEVICE;
  p.srcDevice = db;
  p.srcContext = c2;
  p.srcPitch = 100;
  p.srcHeight = 10;
  p.dstMemoryType = CU_MEMORYTYPE_HOST;
  p.dstHost = got;
  p.dstPitch = 100;
  p.dstHeight = 10;
  p.WidthInBytes = 100;
  p.Height = 10;
  p.Depth = N / 1000;
  CF_CHECK(h, cuMemcpy3DPeer(&p));
  check_image(h, "copy3d.peer", got, want, N);

  /* Device of ctx to device of c2 in 3D, async; then the ptds form. */
  p.srcDevice = da;
  p.srcContext = h->ctx;
  p.srcXInBytes = 10;
  p.dstMemoryType = CU_MEMORYTYPE_DEVICE;
  p.dstDevice = db;
  p.dstContext = c2;
  p.dstXInBytes = 20;
  p.WidthInBytes = 70;
  CF_CHECK(h, cuMemcpy3DPeerAsync(&p, s));
  CF_CHECK(h, cuStreamSynchronize(s));
  for (int r = 0; r < N / 100; r++)
    memcpy(want + r * 100 + 20, a + r * 100 + 10, 70);
  CF_CHECK(h, cuMemcpyPeer_ptds(da, h->ctx, db, c2, N));
  CF_CHECK(h, cuMemcpyDtoH(got, da, N));
  check_image(h, "copy3d.peer3d", got, want, N);

  /* Peer access: one device is not its own peer, so access between its
   * contexts cannot be enabled (cuda.h: PEER_ACCESS_UNSUPPORTED). */
  CF_CHECK(h, cuDeviceCanAccessPeer(&can, h->dev, h->dev));
  printf("info cuDeviceCanAccessPeer(0, 0) = %d\n", can);
  CF_EXPECT(h, cuDeviceCanAccessPeer(&can, h->dev, 99), CUDA_ERROR_INVALID_DEVICE);
  CF_EXPECT(h, cuCtxEnablePeerAccess(h->ctx, 0), CUDA_ERROR_INVALID_CONTEXT);
  CF_EXPECT(h, cuCtxEnablePeerAccess(c2, 1), CUDA_ERROR_INVALID_VALUE);
  CF_EXPECT(h, cuCtxDisablePeerAccess(c2), CUDA_ERROR_PEER_ACCESS_NOT_ENABLED);
  CF_EXPECT(h, cuCtxEnablePeerAccess(c2, 0),
            can ? CUDA_SUCCESS : CUDA_ERROR_PEER_ACCESS_UNSUPPORTED);
  CF_EXPECT(h, cuCtxDisablePeerAccess(c2), CUDA_ERROR_PEER_ACCESS_NOT_ENABLED);

  CF_CHECK(h, cuCtxDestroy(c2));
  CF_CHECK(h, cuCtxGetCurrent(&cur));
  if (cur != h->ctx)
    CF_CHECK(h, cuCtxSetCurrent(h->ctx));
  CF_EXPECT(h, cuMemcpyPeer(da, h->ctx, db, c2, 10), CUDA_ERROR_INVALID_CONTEXT);
  CF_CHECK(h, cuMemFree(da));
}

/* The CUDA 13 batch forms and their errors. */
static void batches(struct cf_host *h, CUstream s)
{
  enum { N = 3000 };
  static uint8_t a[N], b[N], got[N], want[N];
  CUdeviceptr d, d2;

  fill(a, N, 9);
  fill(b, N, 10);
  CF_CHECK(h, cuMemAlloc(&d, N));
  CF_CHECK(h, cuMemAlloc(&d2, N));
  CF_CHECK(h, cuMemsetD8(d2, 0, N));
  CUdeviceptr dsts[3] = { d, d2 + 1000, (CUdeviceptr)(uintptr_t)got };
  CUdeviceptr srcs[3] = { (CUdeviceptr)(uintptr_t)a, (CUdeviceptr)(uintptr_t)b, d2 };
  size_t sizes[3] = { N, 2000, N };
  CUmemcpyAttributes at[2];
  size_t idx[2] = { 0, 1 };
  memset(at, 0, sizeof at);
  at[0].srcAccessOrder = CU_MEMCPY_SRC_ACCESS_ORDER_STREAM;
  at[1].srcAccessOrder = CU_MEMCPY_SRC_ACCESS_ORDER_DURING_API_CALL;
  /* The third copy reads what the second wrote: a batch does not order its
   * copies, so it goes in a batch of its own. */
  CF_CHECK(h, cuMemcpyBatchAsync(dsts, srcs, sizes, 2, at, idx, 2, s));
  CF_CHECK(h, cuMemcpyBatchAsync(dsts + 2, srcs + 2, sizes + 2, 1, at, idx, 1, s));
  CF_CHECK(h, cuStreamSynchronize(s));
  memset(want, 0, N);
  memcpy(want + 1000, b, 2000);
  check_image(h, "copy3d.batch", got, want, N);
  CF_EXPECT(h, cuMemcpyBatchAsync(dsts, srcs, sizes, 2, at, idx, 2, NULL),
            CUDA_ERROR_INVALID_VALUE);
  CF_EXPECT(h, cuMemcpyBatchAsync(dsts, srcs, sizes, 0, at, idx, 1, s),
            CUDA_ERROR_INVALID_VALUE);
  idx[0] = 1;
  CF_EXPECT(h, cuMemcpyBatchAsync(dsts, srcs, sizes, 2, at, idx, 1, s),
            CUDA_ERROR_INVALID_VALUE);
  idx[0] = 0;
  at[0].srcAccessOrder = CU_MEMCPY_SRC_ACCESS_ORDER_INVALID;
  CF_EXPECT(h, cuMemcpyBatchAsync(dsts, srcs, sizes, 2, at, idx, 1, s),
            CUDA_ERROR_INVALID_VALUE);

  /* 3D batch: a 30 x 20 x 5 box out of a (rows of 40, layers of 25) host
   * volume into a packed device one, and back with rows of 33. */
  CUDA_MEMCPY3D_BATCH_OP ops[2];
  memset(ops, 0, sizeof ops);
  ops[0].src.type = CU_MEMCPY_OPERAND_TYPE_POINTER;
  ops[0].src.op.ptr.ptr = (CUdeviceptr)(uintptr_t)a;
  ops[0].src.op.ptr.rowLength = 40;
  ops[0].src.op.ptr.layerHeight = 25;
  ops[0].dst.type = CU_MEMCPY_OPERAND_TYPE_POINTER;
  ops[0].dst.op.ptr.ptr = d;
  ops[0].extent = (CUextent3D){ 30, 20, 2 };
  ops[0].srcAccessOrder = CU_MEMCPY_SRC_ACCESS_ORDER_STREAM;
  CF_CHECK(h, cuMemcpy3DBatchAsync(1, ops, 0, s));
  ops[1] = ops[0];
  ops[1].src = ops[0].dst;
  ops[1].dst.op.ptr.ptr = (CUdeviceptr)(uintptr_t)got;
  ops[1].dst.op.ptr.rowLength = 33;
  ops[1].dst.op.ptr.layerHeight = 0;
  memset(got, 0, N);
  CF_CHECK(h, cuMemcpy3DBatchAsync(1, ops + 1, 0, s));
  CF_CHECK(h, cuStreamSynchronize(s));
  memset(want, 0, N);
  for (int z = 0; z < 2; z++)
    for (int y = 0; y < 20; y++)
      memcpy(want + (z * 20 + y) * 33, a + (z * 25 + y) * 40, 30);
  check_image(h, "copy3d.batch3d", got, want, N);
  ops[1].extent.depth = 0;
  CF_EXPECT(h, cuMemcpy3DBatchAsync(2, ops, 0, s), CUDA_ERROR_INVALID_VALUE);
  ops[1].extent.depth = 1;
  CF_EXPECT(h, cuMemcpy3DBatchAsync(2, ops, 1, s), CUDA_ERROR_INVALID_VALUE);
  ops[1].src.op.ptr.rowLength = 29;
  CF_EXPECT(h, cuMemcpy3DBatchAsync(2, ops, 0, s), CUDA_ERROR_INVALID_VALUE);
  ops[1].src.type = CU_MEMCPY_OPERAND_TYPE_ARRAY; /* a device address is no array */
  CF_EXPECT(h, cuMemcpy3DBatchAsync(2, ops, 0, s), CUDA_ERROR_INVALID_HANDLE);
  CF_EXPECT(h, cuMemcpy3DBatchAsync(0, ops, 0, s), CUDA_ERROR_INVALID_VALUE);
  CF_CHECK(h, cuMemFree(d));
  CF_CHECK(h, cuMemFree(d2));
}

/* The CUDA 12.8 batch forms: the _v2 ABI plus a failIdx, under the names
 * cuda.h maps to _v2 (so declared here after undoing that). */
#undef cuMemcpyBatchAsync
#undef cuMemcpy3DBatchAsync
CUresult CUDAAPI cuMemcpyBatchAsync(CUdeviceptr *dsts, CUdeviceptr *srcs, size_t *sizes,
                                    size_t count, CUmemcpyAttributes *attrs, size_t *attrsIdxs,
                                    size_t numAttrs, size_t *failIdx, CUstream hStream);
CUresult CUDAAPI cuMemcpy3DBatchAsync(size_t numOps, CUDA_MEMCPY3D_BATCH_OP *opList,
                                      size_t *failIdx, unsigned long long flags,
                                      CUstream hStream);
CUresult CUDAAPI cuMemcpyBatchAsync_ptsz(CUdeviceptr *dsts, CUdeviceptr *srcs, size_t *sizes,
                                         size_t count, CUmemcpyAttributes *attrs,
                                         size_t *attrsIdxs, size_t numAttrs, size_t *failIdx,
                                         CUstream hStream);
CUresult CUDAAPI cuMemcpy3DBatchAsync_ptsz(size_t numOps, CUDA_MEMCPY3D_BATCH_OP *opList,
                                           size_t *failIdx, unsigned long long flags,
                                           CUstream hStream);

static void fail_idx_is(struct cf_host *h, const char *label, size_t got, size_t want)
{
  cf_host_result(h, got == want, label, "failIdx %zu, want %zu", got, want);
}

static void batches_v1(struct cf_host *h, CUstream s)
{
  enum { N = 2048 };
  static uint8_t a[N], b[N], got[N], want[N];
  CUdeviceptr d;
  size_t fi;

  fill(a, N, 21);
  fill(b, N, 22);
  CF_CHECK(h, cuMemAlloc(&d, N));
  CUdeviceptr dsts[3] = { d, d + 1024, (CUdeviceptr)(uintptr_t)got };
  CUdeviceptr srcs[3] = { (CUdeviceptr)(uintptr_t)a, (CUdeviceptr)(uintptr_t)b, d };
  size_t sizes[3] = { 1024, 1024, N };
  CUmemcpyAttributes at[1];
  size_t idx[1] = { 0 };
  memset(at, 0, sizeof at);
  at[0].srcAccessOrder = CU_MEMCPY_SRC_ACCESS_ORDER_DURING_API_CALL;
  fi = 7;
  CF_CHECK(h, cuMemcpyBatchAsync(dsts, srcs, sizes, 2, at, idx, 1, &fi, s));
  memset(got, 0, N);
  CF_CHECK(h, cuMemcpyBatchAsync_ptsz(dsts + 2, srcs + 2, sizes + 2, 1, at, idx, 1, &fi, s));
  CF_CHECK(h, cuStreamSynchronize(s));
  memcpy(want, a, 1024);
  memcpy(want + 1024, b, 1024);
  check_image(h, "copy3d.batch_v1", got, want, N);

  /* A NULL source in the second copy: the first is made, the second named. */
  srcs[1] = 0;
  fi = 7;
  CF_EXPECT(h, cuMemcpyBatchAsync(dsts, srcs, sizes, 2, at, idx, 1, &fi, s),
            CUDA_ERROR_INVALID_VALUE);
  fail_idx_is(h, "copy3d.batch_v1.failidx_copy", fi, 1);
  srcs[1] = (CUdeviceptr)(uintptr_t)b;
  /* Errors of the call as a whole name no copy. */
  fi = 7;
  CF_EXPECT(h, cuMemcpyBatchAsync(dsts, srcs, sizes, 2, at, idx, 1, &fi, NULL),
            CUDA_ERROR_INVALID_VALUE);
  fail_idx_is(h, "copy3d.batch_v1.failidx_stream", fi, SIZE_MAX);
  fi = 7;
  CF_EXPECT(h, cuMemcpyBatchAsync(dsts, srcs, sizes, 0, at, idx, 1, &fi, s),
            CUDA_ERROR_INVALID_VALUE);
  fail_idx_is(h, "copy3d.batch_v1.failidx_count", fi, SIZE_MAX);

  /* 3D: a 16 x 4 x 2 box, host to device and back. */
  CUDA_MEMCPY3D_BATCH_OP ops[3];
  memset(ops, 0, sizeof ops);
  ops[0].src.type = CU_MEMCPY_OPERAND_TYPE_POINTER;
  ops[0].src.op.ptr.ptr = (CUdeviceptr)(uintptr_t)a;
  ops[0].src.op.ptr.rowLength = 20;
  ops[0].dst.type = CU_MEMCPY_OPERAND_TYPE_POINTER;
  ops[0].dst.op.ptr.ptr = d;
  ops[0].extent = (CUextent3D){ 16, 4, 2 };
  ops[0].srcAccessOrder = CU_MEMCPY_SRC_ACCESS_ORDER_STREAM;
  ops[1] = ops[0];
  ops[1].src = ops[0].dst;
  ops[1].dst.op.ptr.ptr = (CUdeviceptr)(uintptr_t)got;
  ops[1].dst.op.ptr.rowLength = 0;
  ops[2] = ops[1];
  fi = 7;
  CF_CHECK(h, cuMemcpy3DBatchAsync(1, ops, &fi, 0, s));
  memset(got, 0, N);
  CF_CHECK(h, cuMemcpy3DBatchAsync_ptsz(1, ops + 1, &fi, 0, s));
  CF_CHECK(h, cuStreamSynchronize(s));
  memset(want, 0, N);
  for (int y = 0; y < 8; y++)
    memcpy(want + y * 16, a + y * 20, 16);
  check_image(h, "copy3d.batch3d_v1", got, want, N);
  ops[2].extent.height = 0;
  fi = 7;
  CF_EXPECT(h, cuMemcpy3DBatchAsync(3, ops, &fi, 0, s), CUDA_ERROR_INVALID_VALUE);
  fail_idx_is(h, "copy3d.batch3d_v1.failidx_extent", fi, 2);
  ops[2].extent.height = 4;
  ops[2].dst.type = CU_MEMCPY_OPERAND_TYPE_ARRAY;
  fi = 7;
  CF_EXPECT(h, cuMemcpy3DBatchAsync(3, ops, &fi, 0, s), CUDA_ERROR_INVALID_HANDLE);
  fail_idx_is(h, "copy3d.batch3d_v1.failidx_array", fi, 2);
  fi = 7;
  CF_EXPECT(h, cuMemcpy3DBatchAsync(2, ops, &fi, 1, s), CUDA_ERROR_INVALID_VALUE);
  fail_idx_is(h, "copy3d.batch3d_v1.failidx_flags", fi, SIZE_MAX);
  CF_CHECK(h, cuStreamSynchronize(s));
  CF_CHECK(h, cuMemFree(d));
}

static void errors(struct cf_host *h)
{
  struct vol hs = host_vol(64, 8, 2, 11), d = dev_vol(h, 64, 8, 2);
  struct box b0 = { 0, 0, 0 };
  uint8_t *got = malloc(vol_bytes(&d));
  CUDA_MEMCPY3D c = desc(&hs, b0, &d, b0, 64, 8, 2);

  CF_EXPECT(h, cuMemcpy3D(NULL), CUDA_ERROR_INVALID_VALUE);
  c.dstMemoryType = CU_MEMORYTYPE_ARRAY; /* with a NULL array */
  CF_EXPECT(h, cuMemcpy3D(&c), CUDA_ERROR_INVALID_VALUE);
  c.dstMemoryType = (CUmemorytype)7;
  CF_EXPECT(h, cuMemcpy3D(&c), CUDA_ERROR_INVALID_VALUE);
  c.dstMemoryType = CU_MEMORYTYPE_DEVICE;
  c.WidthInBytes = 65; /* wider than the pitches */
  CF_EXPECT(h, cuMemcpy3D(&c), CUDA_ERROR_INVALID_VALUE);
  c.WidthInBytes = 60;
  c.dstXInBytes = 5; /* offset + width over the pitch */
  CF_EXPECT(h, cuMemcpy3D(&c), CUDA_ERROR_INVALID_VALUE);
  c.dstXInBytes = 0;
  c.dstY = 1; /* offset + height over the slice height */
  CF_EXPECT(h, cuMemcpy3D(&c), CUDA_ERROR_INVALID_VALUE);
  c.dstY = 0;
  c.dstZ = 1; /* past the end of the allocation */
  CF_EXPECT(h, cuMemcpy3D(&c), CUDA_ERROR_INVALID_VALUE);
  CF_EXPECT(h, cuMemcpy3DAsync(&c, NULL), CUDA_ERROR_INVALID_VALUE);
  c.dstZ = 0;
  c.dstLOD = 1;
  CF_EXPECT(h, cuMemcpy3D(&c), CUDA_ERROR_INVALID_VALUE);
  c.dstLOD = 0;
  c.dstDevice = 0;
  CF_EXPECT(h, cuMemcpy3D(&c), CUDA_ERROR_INVALID_VALUE);
  c.dstDevice = d.dev + 4096 * 1024; /* not an allocation */
  CF_EXPECT(h, cuMemcpy3D(&c), CUDA_ERROR_INVALID_VALUE);
  c.dstDevice = (CUdeviceptr)(uintptr_t)got; /* host memory as DEVICE */
  CF_EXPECT(h, cuMemcpy3D(&c), CUDA_ERROR_INVALID_VALUE);
  c.dstDevice = d.dev;
  c.srcHeight = 7;
  CF_EXPECT(h, cuMemcpy3D(&c), CUDA_ERROR_INVALID_VALUE);
  c.srcHeight = 8;
  c.srcHost = NULL;
  CF_EXPECT(h, cuMemcpy3D(&c), CUDA_ERROR_INVALID_VALUE);
  c.srcHost = hs.host;

  /* Empty extents copy nothing and succeed. */
  c.Depth = 0;
  CF_EXPECT(h, cuMemcpy3D(&c), CUDA_SUCCESS);
  c.Depth = 2;
  c.Height = 0;
  CF_EXPECT(h, cuMemcpy3D(&c), CUDA_SUCCESS);
  c.Height = 8;
  c.WidthInBytes = 0;
  CF_EXPECT(h, cuMemcpy3D(&c), CUDA_SUCCESS);
  read_dev(h, &d, got);
  size_t nz = 0;
  for (size_t i = 0; i < vol_bytes(&d); i++)
    nz += got[i] != 0;
  cf_host_result(h, nz == 0, "copy3d empty extents copy nothing", "%zu bytes changed", nz);
  CF_CHECK(h, cuMemFree(d.dev));
  free(got);
  free(hs.host);
}

int main(int argc, char **argv)
{
  struct cf_host h;
  CUstream s;
  (void)argc;
  (void)argv;
  cf_host_open(&h, "copy3d", NULL);
  CF_CHECK(&h, cuStreamCreate(&s, CU_STREAM_NON_BLOCKING));
  directions(&h, s);
  many_rows(&h);
  large(&h);
  peers(&h, s);
  batches(&h, s);
  batches_v1(&h, s);
  errors(&h);
  CF_CHECK(&h, cuStreamDestroy(s));
  return cf_host_finish(&h);
}
