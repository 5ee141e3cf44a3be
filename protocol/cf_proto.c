/* The bounded protobuf-c allocator and the pack/unpack helpers (cf_proto.h).
 * The per-unpack budget lives in a thread-local: cf_proto_unpack() opens it,
 * the allocator charges it, and it is closed when the unpack returns, so it
 * never depends on which thread later frees the message. Outside
 * cf_proto_unpack() only the per-allocation cap applies. Frees go straight to
 * free(): nothing is tracked once an unpack is over. */
#include "cf_proto.h"

#include <stdlib.h>

#include "cf_error.h"

/* Bytes the current cf_proto_unpack() on this thread may still allocate;
 * meaningful only while budget_open is set. */
static _Thread_local size_t budget_left;
static _Thread_local int budget_open;

static void *bounded_alloc(void *data, size_t size)
{
  (void)data;
  if (size > CF_PROTO_MAX_ALLOC)
    return NULL;
  if (budget_open) {
    if (size > budget_left)
      return NULL;
    budget_left -= size;
  }
  return malloc(size ? size : 1);
}

static void bounded_free(void *data, void *p)
{
  (void)data;
  free(p);
}

static ProtobufCAllocator allocator = {
  .alloc = bounded_alloc,
  .free = bounded_free,
  .allocator_data = NULL,
};

ProtobufCAllocator *cf_proto_allocator(void)
{
  return &allocator;
}

int cf_proto_unpack(const ProtobufCMessageDescriptor *d, const uint8_t *data,
                    size_t len, ProtobufCMessage **out)
{
  ProtobufCMessage *m;

  if (out)
    *out = NULL;
  if (!d || !out || (len && !data))
    return CF_EINVAL;
  budget_left = CF_PROTO_MAX_UNPACK;
  budget_open = 1;
  m = protobuf_c_message_unpack(d, &allocator, len, data);
  budget_open = 0;
  if (!m)
    return CF_EPROTO;
  *out = m;
  return 0;
}

void cf_proto_free(ProtobufCMessage *m)
{
  if (m)
    protobuf_c_message_free_unpacked(m, &allocator);
}

int cf_proto_pack(const ProtobufCMessage *m, uint8_t **out, size_t *len)
{
  size_t n, w;
  uint8_t *buf;

  if (out)
    *out = NULL;
  if (len)
    *len = 0;
  if (!m || !out || !len)
    return CF_EINVAL;
  n = protobuf_c_message_get_packed_size(m);
  buf = malloc(n ? n : 1);
  if (!buf)
    return CF_ENOMEM;
  w = protobuf_c_message_pack(m, buf);
  if (w != n) { /* protobuf-c promises equality; a mismatch is our bug */
    free(buf);
    return CF_EINVAL;
  }
  *out = buf;
  *len = n;
  return 0;
}
