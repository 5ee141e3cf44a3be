/* Fuzz target for the decoders that read network bytes in the protocol
 * piece: the frame header decoder (with a re-encode check: whatever decodes
 * must encode back to the same 40 bytes) and protobuf-c unpacking of the
 * session messages through cf_proto_unpack (a success must re-pack), plus
 * cf_url_parse on the input as a string. Built as a libFuzzer target when
 * compiled with -DCF_FUZZ_LIBFUZZER -fsanitize=fuzzer (meson -Dfuzz=true);
 * otherwise main() replays the corpus directory and deterministic mutations
 * of it (cf_fuzz_replay.h), so `meson test --suite fuzz` exercises the same
 * code on every build. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cf_error.h"
#include "cf_fuzz_replay.h"
#include "cf_frame.h"
#include "cf_proto.h"
#include "cf_session.pb-c.h"
#include "cf_transport.h"

static void check(int ok, const char *what)
{
  if (!ok) {
    fprintf(stderr, "fuzz_frame: invariant failed: %s\n", what);
    abort();
  }
}

static void fuzz_header(const uint8_t *data, size_t size)
{
  static const struct cf_frame_limits lim = {
    CF_FRAME_DEFAULT_MAX_BODY, CF_FRAME_DEFAULT_MAX_BULK
  };
  struct cf_frame_header h;
  uint8_t again[CF_FRAME_HEADER_SIZE];
  int rc;

  if (size < CF_FRAME_HEADER_SIZE)
    return;
  rc = cf_frame_header_decode(data, &lim, &h);
  check(rc == 0 || rc == CF_EMAGIC || rc == CF_EVERSION || rc == CF_EPROTO ||
        rc == CF_ETOOBIG, "decode returns a known code");
  if (rc == 0) {
    check(h.body_len <= lim.max_body && h.bulk_len <= lim.max_bulk,
          "accepted lengths are within limits");
    check(h.type >= CF_FRAME_HELLO && h.type <= CF_FRAME_TYPE_MAX_, "type range");
    cf_frame_header_encode(&h, again);
    check(!memcmp(again, data, CF_FRAME_HEADER_SIZE), "decode/encode round trip");
  }
}

static void fuzz_message(const ProtobufCMessageDescriptor *d,
                         const uint8_t *data, size_t size)
{
  ProtobufCMessage *m;
  uint8_t *buf;
  size_t len;

  if (cf_proto_unpack(d, data, size, &m) != 0)
    return;
  check(cf_proto_pack(m, &buf, &len) == 0, "unpacked message packs");
  free(buf);
  cf_proto_free(m);
}

static void fuzz_url(const uint8_t *data, size_t size)
{
  char s[300], back[300];
  struct cf_url u, v;

  if (size >= sizeof s)
    size = sizeof s - 1;
  memcpy(s, data, size);
  s[size] = '\0';
  if (cf_url_parse(s, &u) != 0)
    return;
  cf_url_format(&u, back, sizeof back);
  if (cf_url_parse(back, &v) != 0 || strcmp(u.host, v.host))
    fprintf(stderr, "fuzz_frame: \"%s\" formats as \"%s\"\n", s, back);
  check(cf_url_parse(back, &v) == 0 && !strcmp(u.host, v.host) &&
        u.port == v.port && !strcmp(u.scheme, v.scheme), "url format round trip");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  fuzz_header(data, size);
  /* The body follows the header in a frame; try both the whole input and
   * what follows a header-sized prefix, so header seeds also feed bodies. */
  fuzz_message(&cf_hello__descriptor, data, size);
  fuzz_message(&cf_welcome__descriptor, data, size);
  fuzz_message(&cf_refuse__descriptor, data, size);
  if (size > CF_FRAME_HEADER_SIZE) {
    fuzz_message(&cf_hello__descriptor, data + CF_FRAME_HEADER_SIZE,
                 size - CF_FRAME_HEADER_SIZE);
    fuzz_message(&cf_welcome__descriptor, data + CF_FRAME_HEADER_SIZE,
                 size - CF_FRAME_HEADER_SIZE);
  }
  fuzz_url(data, size);
  return 0;
}

#ifndef CF_FUZZ_LIBFUZZER
/* Interesting bytes for header and varint fields, and values for the
 * header's length fields. */
static const char *const dict[] = { "\x80", "\xff", "\x7f", "CFRY", "\x0a", "\x12",
                                    "\x22", "\x08", "tls://", "[::1]:", "" };
static const uint64_t values[] = { 0, 1, 0x7f, 0x80, 0xffff, 0x10000, 0xffffffffu,
                                   0x100000000ull, 0xffffffffffffffffull };

static const struct cf_fuzz_replay replay = {
  .name = "fuzz_frame", .mutations = 1000, .cut_dense = 64,
  .dict = dict, .n_dict = sizeof dict / sizeof *dict,
  .values = values, .n_values = sizeof values / sizeof *values,
};

int main(int argc, char **argv)
{
  return cf_fuzz_replay_main(argc, argv, &replay);
}
#endif
