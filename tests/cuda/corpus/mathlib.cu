// Math-library calls and conversions: single-precision libm (sqrtf,
// rsqrtf, expf, logf, sinf, cosf, tanhf, powf, erff and exact
// floorf/ceilf/truncf/rintf/fmaf), double precision (sqrt, sin, cos, exp,
// log, pow), the fast intrinsics (__expf, __logf, __sinf, __cosf,
// __fdividef), and conversions with every rounding mode and saturation.

// out[k*n+i], k = 0..13.
extern "C" __global__ void math_f32(const float *x, const float *y,
                                    float *out, int n)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n)
        return;
    float a = x[i], b = y[i], p = fabsf(a) + 0.001f;
    out[0 * n + i] = sqrtf(p);
    out[1 * n + i] = rsqrtf(p);
    out[2 * n + i] = expf(a);
    out[3 * n + i] = logf(p);
    out[4 * n + i] = sinf(a);
    out[5 * n + i] = cosf(a);
    out[6 * n + i] = tanhf(a);
    out[7 * n + i] = powf(p, b);
    out[8 * n + i] = erff(a);
    out[9 * n + i] = floorf(a * 3.0f);
    out[10 * n + i] = ceilf(a * 3.0f);
    out[11 * n + i] = truncf(a * 3.0f);
    out[12 * n + i] = rintf(a * 3.0f);
    out[13 * n + i] = fmaf(a, b, -a);
}

// out[k*n+i], k = 0..5.
extern "C" __global__ void math_f64(const double *x, const double *y,
                                    double *out, int n)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n)
        return;
    double a = x[i], b = y[i], p = fabs(a) + 0.001;
    out[0 * n + i] = sqrt(p);
    out[1 * n + i] = sin(a);
    out[2 * n + i] = cos(a);
    out[3 * n + i] = exp(a);
    out[4 * n + i] = log(p);
    out[5 * n + i] = pow(p, b);
}

// Fast intrinsics: out[k*n+i], k = 0..4 (x in [-pi, pi]).
extern "C" __global__ void math_fast(const float *x, const float *y,
                                     float *out, int n)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n)
        return;
    float a = x[i], b = y[i];
    out[0 * n + i] = __expf(a);
    out[1 * n + i] = __logf(fabsf(b) + 0.5f);
    out[2 * n + i] = __sinf(a);
    out[3 * n + i] = __cosf(a);
    out[4 * n + i] = __fdividef(a, b + 2.0f);
}

// Conversions of f[i] (float) and d[i] (double); iout[k*n+i] 32-bit
// results, lout 64-bit results, fout float results.
extern "C" __global__ void convert(const float *f, const double *d,
                                   const int *iv, const long long *lv,
                                   unsigned *iout, unsigned long long *lout,
                                   float *fout, double *dout, int n)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n)
        return;
    float x = f[i];
    double y = d[i];
    int v = iv[i];
    long long w = lv[i];
    iout[0 * n + i] = (unsigned)__float2int_rn(x);
    iout[1 * n + i] = (unsigned)__float2int_rz(x);
    iout[2 * n + i] = (unsigned)__float2int_ru(x);
    iout[3 * n + i] = (unsigned)__float2int_rd(x);
    iout[4 * n + i] = __float2uint_rn(x);
    iout[5 * n + i] = (unsigned)__double2int_rn(y);
    iout[6 * n + i] = (unsigned)__double2int_rz(y);
    iout[7 * n + i] = __double2uint_rd(y);
    lout[0 * n + i] = (unsigned long long)__float2ll_rn(x);
    lout[1 * n + i] = (unsigned long long)__double2ll_rz(y);
    lout[2 * n + i] = __double2ull_ru(y);
    fout[0 * n + i] = __int2float_rn(v);
    fout[1 * n + i] = __int2float_rz(v);
    fout[2 * n + i] = __int2float_ru(v);
    fout[3 * n + i] = __int2float_rd(v);
    fout[4 * n + i] = __uint2float_rn((unsigned)v);
    fout[5 * n + i] = __ll2float_rn(w);
    fout[6 * n + i] = __double2float_rn(y);
    fout[7 * n + i] = __double2float_rz(y);
    fout[8 * n + i] = __double2float_ru(y);
    fout[9 * n + i] = __double2float_rd(y);
    fout[10 * n + i] = __saturatef(x);
    dout[0 * n + i] = (double)x;
    dout[1 * n + i] = __ll2double_rn(w);
    dout[2 * n + i] = (double)v;
}
