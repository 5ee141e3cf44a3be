/* Hand-written memory rows: cuPointerGetAttribute, whose value size depends
 * on the attribute. Only the attributes the client forwards are accepted,
 * at exactly their size (common/cf_pointer_attr.h): the others would hand
 * the client raw server pointers and handles (CONTEXT, HOST_POINTER,
 * MEMPOOL_HANDLE...), which never leave the server. */
#include "internal.h"

#include "cf_pointer_attr.h"

CUresult cf__srv_cuPointerGetAttribute(struct cf_call *c, const CuPointerGetAttributeReq *req,
                                       CuPointerGetAttributeRep *rep)
{
  size_t n = cf_pointer_attr_size((CUpointer_attribute)req->attribute);
  void *data;
  CUresult r;

  (void)rep;
  if (!c->drv->cuPointerGetAttribute)
    return CUDA_ERROR_NOT_SUPPORTED;
  if (n == 0 || req->datasize != n)
    return CUDA_ERROR_INVALID_VALUE;
  if (!(data = cf__call_bulk_out(c, n)))
    return CUDA_ERROR_OUT_OF_MEMORY;
  r = c->drv->cuPointerGetAttribute(data, (CUpointer_attribute)req->attribute,
                                    (CUdeviceptr)req->ptr);
  if (r != CUDA_SUCCESS)
    c->bulk_out_len = 0;
  return r;
}
