/* Texture and surface objects on the stub: the caller's resource, texture
 * and view descriptors are flattened into one bulk (common/cf_tex_wire.h),
 * the array or mipmapped array they name travels as a handle, and the
 * replies are rebuilt into the caller's structs. The objects themselves are
 * the server driver's 64-bit values, which kernels take as parameters
 * unchanged; destroying them is a generated row. */
#include <string.h>

#include "cf_client_rpc.h"
#include "cf_tex_wire.h"
#include "internal.h"

/* The handles resource r names; the rest goes into w. */
static void put_resource(const CUDA_RESOURCE_DESC *r, struct cf_tex_wire *w, CUarray *a,
                         CUmipmappedArray *m)
{
  cf_tex_wire_put_res(w, r);
  *a = r->resType == CU_RESOURCE_TYPE_ARRAY ? r->res.array.hArray : NULL;
  *m = r->resType == CU_RESOURCE_TYPE_MIPMAPPED_ARRAY ? r->res.mipmap.hMipmappedArray : NULL;
}

CF_EXPORT CUresult CUDAAPI cuTexObjectCreate(CUtexObject *pTexObject,
                                             const CUDA_RESOURCE_DESC *pResDesc,
                                             const CUDA_TEXTURE_DESC *pTexDesc,
                                             const CUDA_RESOURCE_VIEW_DESC *pResViewDesc)
{
  struct cf_tex_wire w = { 0 };
  CUmipmappedArray m;
  CUarray a;

  if (!pTexObject || !pResDesc || !pTexDesc)
    return CUDA_ERROR_INVALID_VALUE;
  put_resource(pResDesc, &w, &a, &m);
  cf_tex_wire_put_tex(&w, pTexDesc);
  if (pResViewDesc)
    cf_tex_wire_put_view(&w, pResViewDesc);
  return cf__rpc_cuTexObjectCreate(pTexObject, a, m, &w, sizeof w);
}

/* The resource of a texture or surface object, through its row's rpc. */
typedef CUresult (*get_resource_fn)(unsigned long long obj, CUarray *a, CUmipmappedArray *m,
                                    void *desc, size_t bytes);
static CUresult get_resource(get_resource_fn rpc, unsigned long long obj,
                             CUDA_RESOURCE_DESC *out)
{
  struct cf_tex_wire w = { 0 };
  CUmipmappedArray m = NULL;
  CUarray a = NULL;
  CUresult r;

  if (!out)
    return CUDA_ERROR_INVALID_VALUE;
  if ((r = rpc(obj, &a, &m, &w, sizeof w)) == CUDA_SUCCESS)
    cf_tex_wire_get_res(&w, a, m, out);
  return r;
}

CF_EXPORT CUresult CUDAAPI cuTexObjectGetResourceDesc(CUDA_RESOURCE_DESC *pResDesc,
                                                      CUtexObject texObject)
{
  return get_resource(cf__rpc_cuTexObjectGetResourceDesc, texObject, pResDesc);
}

CF_EXPORT CUresult CUDAAPI cuTexObjectGetTextureDesc(CUDA_TEXTURE_DESC *pTexDesc,
                                                     CUtexObject texObject)
{
  struct cf_tex_wire w = { 0 };
  CUresult r;

  if (!pTexDesc)
    return CUDA_ERROR_INVALID_VALUE;
  if ((r = cf__rpc_cuTexObjectGetTextureDesc(texObject, &w, sizeof w)) == CUDA_SUCCESS)
    cf_tex_wire_get_tex(&w, pTexDesc);
  return r;
}

CF_EXPORT CUresult CUDAAPI cuTexObjectGetResourceViewDesc(CUDA_RESOURCE_VIEW_DESC *pResViewDesc,
                                                          CUtexObject texObject)
{
  struct cf_tex_wire w = { 0 };
  CUresult r;

  if (!pResViewDesc)
    return CUDA_ERROR_INVALID_VALUE;
  if ((r = cf__rpc_cuTexObjectGetResourceViewDesc(texObject, &w, sizeof w)) == CUDA_SUCCESS)
    cf_tex_wire_get_view(&w, pResViewDesc);
  return r;
}

CF_EXPORT CUresult CUDAAPI cuSurfObjectCreate(CUsurfObject *pSurfObject,
                                              const CUDA_RESOURCE_DESC *pResDesc)
{
  struct cf_tex_wire w = { 0 };
  CUmipmappedArray m;
  CUarray a;

  if (!pSurfObject || !pResDesc)
    return CUDA_ERROR_INVALID_VALUE;
  put_resource(pResDesc, &w, &a, &m);
  return cf__rpc_cuSurfObjectCreate(pSurfObject, a, m, &w, sizeof w);
}

CF_EXPORT CUresult CUDAAPI cuSurfObjectGetResourceDesc(CUDA_RESOURCE_DESC *pResDesc,
                                                       CUsurfObject surfObject)
{
  return get_resource(cf__rpc_cuSurfObjectGetResourceDesc, surfObject, pResDesc);
}
