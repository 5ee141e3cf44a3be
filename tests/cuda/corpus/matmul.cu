// Dense linear algebra: tiled matrix multiply in f32 and f64 (16x16 shared
// tiles, any m, n, k), a naive f32 multiply with fmaf, and transposes
// (naive, and through a padded shared tile to avoid bank conflicts) of f32
// and of f64 matrices. Row-major throughout.
#define TILE 16

extern "C" __global__ void matmul_f32_tiled(const float *a, const float *b,
                                            float *c, int m, int n, int k)
{
    __shared__ float as[TILE][TILE], bs[TILE][TILE];
    int tx = threadIdx.x, ty = threadIdx.y;
    int row = blockIdx.y * TILE + ty, col = blockIdx.x * TILE + tx;
    float acc = 0.0f;
    for (int t0 = 0; t0 < k; t0 += TILE) {
        as[ty][tx] = row < m && t0 + tx < k ? a[row * k + t0 + tx] : 0.0f;
        bs[ty][tx] = col < n && t0 + ty < k ? b[(t0 + ty) * n + col] : 0.0f;
        __syncthreads();
        for (int q = 0; q < TILE; q++)
            acc += as[ty][q] * bs[q][tx];
        __syncthreads();
    }
    if (row < m && col < n)
        c[row * n + col] = acc;
}

extern "C" __global__ void matmul_f64_tiled(const double *a, const double *b,
                                            double *c, int m, int n, int k)
{
    __shared__ double as[TILE][TILE], bs[TILE][TILE];
    int tx = threadIdx.x, ty = threadIdx.y;
    int row = blockIdx.y * TILE + ty, col = blockIdx.x * TILE + tx;
    double acc = 0.0;
    for (int t0 = 0; t0 < k; t0 += TILE) {
        as[ty][tx] = row < m && t0 + tx < k ? a[row * k + t0 + tx] : 0.0;
        bs[ty][tx] = col < n && t0 + ty < k ? b[(t0 + ty) * n + col] : 0.0;
        __syncthreads();
        for (int q = 0; q < TILE; q++)
            acc = fma(as[ty][q], bs[q][tx], acc);
        __syncthreads();
    }
    if (row < m && col < n)
        c[row * n + col] = acc;
}

extern "C" __global__ void matmul_f32_naive(const float *a, const float *b,
                                            float *c, int m, int n, int k)
{
    int row = blockIdx.y * blockDim.y + threadIdx.y;
    int col = blockIdx.x * blockDim.x + threadIdx.x;
    if (row >= m || col >= n)
        return;
    float acc = 0.0f;
    for (int q = 0; q < k; q++)
        acc = fmaf(a[row * k + q], b[q * n + col], acc);
    c[row * n + col] = acc;
}

// out (cols x rows) = in (rows x cols) transposed.
extern "C" __global__ void transpose_naive(const float *in, float *out,
                                           int rows, int cols)
{
    int x = blockIdx.x * blockDim.x + threadIdx.x;
    int y = blockIdx.y * blockDim.y + threadIdx.y;
    if (x < cols && y < rows)
        out[x * rows + y] = in[y * cols + x];
}

// 32x32 tiles, 32x8 threads, each thread moves 4 elements.
extern "C" __global__ void transpose_shared_f64(const double *in, double *out,
                                                int rows, int cols)
{
    __shared__ double tile[32][33];
    int x = blockIdx.x * 32 + threadIdx.x;
    int y = blockIdx.y * 32 + threadIdx.y;
    for (int j = 0; j < 32; j += 8)
        if (x < cols && y + j < rows)
            tile[threadIdx.y + j][threadIdx.x] = in[(y + j) * cols + x];
    __syncthreads();
    x = blockIdx.y * 32 + threadIdx.x;
    y = blockIdx.x * 32 + threadIdx.y;
    for (int j = 0; j < 32; j += 8)
        if (x < rows && y + j < cols)
            out[(y + j) * rows + x] = tile[threadIdx.x][threadIdx.y + j];
}
