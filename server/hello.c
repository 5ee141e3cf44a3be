/* The bytes-to-decision part of reading a client's hello, kept apart from
 * worker_hello.c (which owns the socket, the deadline, logging and the
 * refusal) so that the fuzz target (tests/unit/server/fuzz_handshake.c)
 * runs exactly the code the worker does on a hostile first frame. The hello
 * is unpacked with the bounded allocator (cf_proto.h); the frame's
 * CF_SRV_MAX_HELLO_BODY cap was applied when it was read. No state, no
 * threads of its own. */
#include "internal.h"

#include <stdio.h>

#include "cf_error.h"
#include "cf_proto.h"

int cf__srv_hello_parse(int rc, const struct cf_frame *f, CfHello **out, char *why,
                        size_t whylen)
{
  *out = NULL;
  if (rc == CF_EVERSION) {
    snprintf(why, whylen, "protocol version mismatch: client speaks %u, server speaks %u",
             (unsigned)f->h.version, (unsigned)CF_PROTOCOL_VERSION);
    return rc;
  }
  if (rc)
    return rc;
  if (f->h.type != CF_FRAME_HELLO ||
      !(*out = cf_hello__unpack(cf_proto_allocator(), f->h.body_len, f->body)))
    return CF_EPROTO;
  if ((*out)->protocol_version != CF_PROTOCOL_VERSION) {
    snprintf(why, whylen, "protocol version mismatch: client speaks %u, server speaks %u",
             (unsigned)(*out)->protocol_version, (unsigned)CF_PROTOCOL_VERSION);
    cf_hello__free_unpacked(*out, cf_proto_allocator());
    *out = NULL;
    return CF_EVERSION;
  }
  return 0;
}
