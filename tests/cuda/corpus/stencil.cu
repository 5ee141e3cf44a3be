// Stencils with halos: a 1D radius-3 stencil with the halo loaded into
// shared memory by edge threads, a 2D 5-point stencil on 16x16 tiles with a
// one-cell halo, a 2D 3x3 f64 blur reading global memory directly with
// clamped borders, and a 1D convolution with weights in __constant__.
#define R 3
#define BS1 128
#define T2 16

extern "C" __global__ void stencil1d(const float *in, float *out, int n)
{
    __shared__ float s[BS1 + 2 * R];
    int g = blockIdx.x * BS1 + threadIdx.x;
    int l = threadIdx.x + R;
    s[l] = g < n ? in[g] : 0.0f;
    if (threadIdx.x < R) {
        int lo = g - R, hi = g + BS1;
        s[l - R] = lo >= 0 && lo < n ? in[lo] : 0.0f;
        s[l + BS1] = hi < n ? in[hi] : 0.0f;
    }
    __syncthreads();
    if (g < n) {
        float acc = 0.0f;
        for (int k = -R; k <= R; k++)
            acc += s[l + k] * (float)(R + 1 - (k < 0 ? -k : k));
        out[g] = acc;
    }
}

// out = 4*c - n - s - e - w, zero outside the w x h grid.
extern "C" __global__ void stencil2d_5pt(const float *in, float *out, int w,
                                         int h)
{
    __shared__ float s[T2 + 2][T2 + 2];
    int tx = threadIdx.x, ty = threadIdx.y;
    int x = blockIdx.x * T2 + tx, y = blockIdx.y * T2 + ty;
    // Fill the (T2+2)^2 tile cooperatively, halo included.
    for (int k = ty * T2 + tx; k < (T2 + 2) * (T2 + 2); k += T2 * T2) {
        int sy = k / (T2 + 2), sx = k % (T2 + 2);
        int gx = blockIdx.x * T2 + sx - 1, gy = blockIdx.y * T2 + sy - 1;
        s[sy][sx] = gx >= 0 && gx < w && gy >= 0 && gy < h ? in[gy * w + gx]
                                                          : 0.0f;
    }
    __syncthreads();
    if (x < w && y < h)
        out[y * w + x] = 4.0f * s[ty + 1][tx + 1] - s[ty][tx + 1] -
                         s[ty + 2][tx + 1] - s[ty + 1][tx] - s[ty + 1][tx + 2];
}

extern "C" __global__ void blur3x3_f64(const double *in, double *out, int w,
                                       int h)
{
    int x = blockIdx.x * blockDim.x + threadIdx.x;
    int y = blockIdx.y * blockDim.y + threadIdx.y;
    if (x >= w || y >= h)
        return;
    double acc = 0.0;
    for (int dy = -1; dy <= 1; dy++)
        for (int dx = -1; dx <= 1; dx++) {
            int cx = min(max(x + dx, 0), w - 1);
            int cy = min(max(y + dy, 0), h - 1);
            acc += in[cy * w + cx] * ((dx == 0 ? 2.0 : 1.0) *
                                      (dy == 0 ? 2.0 : 1.0));
        }
    out[y * w + x] = acc / 16.0;
}

__constant__ float conv_w[9] = {0.05f, 0.1f, -0.2f, 0.3f, 0.5f,
                                0.3f, -0.2f, 0.1f, 0.05f};

extern "C" __global__ void conv1d_const(const float *in, float *out, int n)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n)
        return;
    float acc = 0.0f;
#pragma unroll
    for (int k = 0; k < 9; k++) {
        int j = i + k - 4;
        if (j >= 0 && j < n)
            acc = fmaf(conv_w[k], in[j], acc);
    }
    out[i] = acc;
}
