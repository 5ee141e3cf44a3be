/* Names and messages of CUresult values, as cuGetErrorName and
 * cuGetErrorString answer them (generated from cuda.h into cf_curesult.c).
 * Shared by the client stub and the emulator. */
#ifndef CF_CURESULT_H
#define CF_CURESULT_H

/* "CUDA_ERROR_INVALID_VALUE", or NULL for a value cuda.h does not define.
 * Static strings. */
const char *cf_curesult_name(int value);

/* "invalid argument", or NULL for a value cuda.h does not define. */
const char *cf_curesult_string(int value);

#endif
