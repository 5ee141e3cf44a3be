// transpose: out (width x height) = in (height x width) transposed, through a
// padded [TILE][TILE + 1] shared tile (the +1 avoids bank conflicts) on a 2D
// grid of TILE x BLOCK_ROWS blocks, each thread moving TILE/BLOCK_ROWS
// elements. Bounds checks handle sizes that are not multiples of TILE.
#define TILE 32
#define BLOCK_ROWS 8

extern "C" __global__ void transpose(float *out, const float *in, int width,
                                     int height)
{
    __shared__ float tile[TILE][TILE + 1];
    int x = blockIdx.x * TILE + threadIdx.x;
    int y = blockIdx.y * TILE + threadIdx.y;
    for (int j = 0; j < TILE; j += BLOCK_ROWS)
        if (x < width && y + j < height)
            tile[threadIdx.y + j][threadIdx.x] = in[(y + j) * width + x];
    __syncthreads();
    x = blockIdx.y * TILE + threadIdx.x;
    y = blockIdx.x * TILE + threadIdx.y;
    for (int j = 0; j < TILE; j += BLOCK_ROWS)
        if (x < height && y + j < width)
            out[(y + j) * height + x] = tile[threadIdx.x][threadIdx.y + j];
}
