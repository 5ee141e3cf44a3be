/* Facts about CUDA array formats that the emulator (which stores arrays)
 * and the stub (which sizes copies to and from them) share. Header only. */
#ifndef CF_ARRAY_H
#define CF_ARRAY_H

#include <stddef.h>

#include <cuda.h>

/* Bytes of one channel of format f; 0 for a format cuferry does not store
 * (block-compressed, planar video and packed formats). */
static inline size_t cf_array_format_bytes(CUarray_format f)
{
  switch (f) {
  case CU_AD_FORMAT_UNSIGNED_INT8:
  case CU_AD_FORMAT_SIGNED_INT8:
    return 1;
  case CU_AD_FORMAT_UNSIGNED_INT16:
  case CU_AD_FORMAT_SIGNED_INT16:
  case CU_AD_FORMAT_HALF:
    return 2;
  case CU_AD_FORMAT_UNSIGNED_INT32:
  case CU_AD_FORMAT_SIGNED_INT32:
  case CU_AD_FORMAT_FLOAT:
    return 4;
  default:
    return 0;
  }
}

/* Bytes of one element (all its channels); 0 when the format is not
 * stored or channels is not 1, 2 or 4. */
static inline size_t cf_array_elem_bytes(CUarray_format f, unsigned channels)
{
  if (channels != 1 && channels != 2 && channels != 4)
    return 0;
  return cf_array_format_bytes(f) * channels;
}

#endif
