/* Streams and events the client names itself, so that creating one costs no
 * round trip (DESIGN.md: handles are minted by the client). When the client
 * can vouch for the call (a current context that has not faulted, flags a
 * driver accepts), cuStreamCreate and cuEventCreate pick an id in the
 * client's half of the id space (top bit set; the server's ids never have
 * it), send the creation without waiting for its reply (an asynchronous
 * call: queued and written with the next synchronous one), and return the
 * id at once, vouched for in its context. The server checks the id and
 * creates the object under it (server/minted.c). Should the driver fail the
 * creation (out of resources), that error is latched and comes back at the
 * context's next synchronising call, and every use of the id fails with
 * CUDA_ERROR_INVALID_HANDLE. Otherwise, the call makes its round trip and
 * the server names the handle, as before. */
#include <stdatomic.h>
#include <stdint.h>

#include "cf_api.pb-c.h"
#include "cf_api_ops.h"
#include "cf_client_rpc.h"
#include "internal.h"

#define CLIENT_BIT (UINT64_C(1) << 63)
#define KIND_BITS 4 /* the server keeps a kind there in its own ids; ours leave 0 */

static _Atomic uint64_t serial;

static uint64_t mint(void)
{
  return CLIENT_BIT | (atomic_fetch_add(&serial, 1) + 1) << KIND_BITS;
}

/* Send the creation op req (its flags set) under a new id, written to
 * *minted (req's field); the id, or 0 when sending failed (*r says why). */
static uint64_t create_async(uint32_t op, ProtobufCMessage *req, uint64_t *minted,
                             CUcontext ctx, CUresult *r)
{
  uint64_t id = mint();

  *minted = id;
  if ((*r = cf__client_call_async(op, req, NULL, 0)) != CUDA_SUCCESS)
    return 0;
  cf__vouch_note_handle(ctx, id);
  return id;
}

CF_EXPORT CUresult CUDAAPI cuStreamCreate(CUstream *phStream, unsigned int Flags)
{
  CuStreamCreateReq req = CU_STREAM_CREATE_REQ__INIT;
  CUcontext ctx;
  CUresult r;
  uint64_t id;

  if (!phStream)
    return CUDA_ERROR_INVALID_VALUE;
  if ((Flags & ~(unsigned)CU_STREAM_NON_BLOCKING) || !cf__vouch_context(&ctx))
    return cf__rpc_cuStreamCreate(phStream, Flags, 0);
  req.flags = Flags;
  if ((id = create_async(CF_OP_cuStreamCreate, &req.base, &req.minted, ctx, &r)) != 0)
    *phStream = (CUstream)(uintptr_t)id;
  return r;
}

CF_EXPORT CUresult CUDAAPI cuEventCreate(CUevent *phEvent, unsigned int Flags)
{
  const unsigned known = CU_EVENT_BLOCKING_SYNC | CU_EVENT_DISABLE_TIMING | CU_EVENT_INTERPROCESS;
  CuEventCreateReq req = CU_EVENT_CREATE_REQ__INIT;
  CUcontext ctx;
  CUresult r;
  uint64_t id;

  if (!phEvent)
    return CUDA_ERROR_INVALID_VALUE;
  /* Interprocess events make the round trip: the driver checks more of
   * them (timing disabled, IPC supported). */
  if ((Flags & ~known) || (Flags & CU_EVENT_INTERPROCESS) || !cf__vouch_context(&ctx))
    return cf__rpc_cuEventCreate(phEvent, Flags, 0);
  req.flags = Flags;
  if ((id = create_async(CF_OP_cuEventCreate, &req.base, &req.minted, ctx, &r)) != 0)
    *phEvent = (CUevent)(uintptr_t)id;
  return r;
}
