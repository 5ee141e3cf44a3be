/* The bytes-to-decision part of the client's handshake: what the server's
 * answer to the hello is (a CfWelcome, a CfRefuse or neither). Kept apart
 * from session.c (which owns the connection, the logging and what the
 * welcome sets) so that the fuzz target (tests/unit/server/
 * fuzz_handshake.c) runs the same code on hostile answers. Messages are
 * unpacked with the bounded allocator (cf_proto.h); the frame's size was
 * capped when it was read. No state. */
#include "internal.h"

#include "cf_error.h"
#include "cf_frame.h"
#include "cf_proto.h"

int cf__session_answer_parse(const struct cf_frame *f, CfWelcome **welcome, CfRefuse **refuse)
{
  *welcome = NULL;
  *refuse = NULL;
  if (f->h.type == CF_FRAME_REFUSE) {
    *refuse = cf_refuse__unpack(cf_proto_allocator(), f->h.body_len, f->body);
    return CF_EPERM;
  }
  if (f->h.type != CF_FRAME_WELCOME ||
      !(*welcome = cf_welcome__unpack(cf_proto_allocator(), f->h.body_len, f->body)))
    return CF_EPROTO;
  return 0;
}
