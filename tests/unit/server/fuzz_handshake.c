/* Fuzz target for both ends of the handshake, from bytes to decision:
 *   - the server's reading of the client's first frame: the frame header
 *     under the hello limits, cf__srv_hello_parse (server/hello.c, what
 *     worker_hello.c runs), then what the worker does with the hello before
 *     admission: the client name sanitised for logs, and cf__srv_identify
 *     (auth.c) with a tokens file, with anonymous access, and with neither;
 *   - the client's reading of the answer: the header under the default
 *     limits and cf__session_answer_parse (client/handshake.c, what
 *     session.c runs), then the fields the client uses.
 *
 * Input: byte 0 bit 0 picks the side (0 server, 1 client); the rest is the
 * frame as it arrives: a 40-byte header, its body and its bulk. A frame cut
 * short is a receive error, as on the socket.
 *
 * Built with -DCF_FUZZ_LIBFUZZER -fsanitize=fuzzer (meson -Dfuzz=true) it is
 * a libFuzzer target; otherwise main() replays the corpus folder named on
 * the command line and mutations of it (cf_fuzz_replay.h). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cf_error.h"
#include "cf_frame.h"
#include "cf_fuzz_replay.h"
#include "cf_proto.h"
#include "cf_token.h"
#include "internal.h"

/* client/internal.h's, which this file cannot include next to the
 * server's internal.h (the names of their sections collide). */
int cf__session_answer_parse(const struct cf_frame *f, CfWelcome **welcome, CfRefuse **refuse);

/* The token the seeds carry, and the tokens file that names it. */
#define FUZZ_TOKEN "cft_fuzz-handshake-token-0123456789"

static void fail(const char *what)
{
  size_t n = strlen(what);
  if (write(cf_fuzz_report_fd, "fuzz_handshake: invariant failed: ", 34) < 0 ||
      write(cf_fuzz_report_fd, what, n) < 0 || write(cf_fuzz_report_fd, "\n", 1) < 0)
    abort();
  abort();
}

static const struct cf_tokens *tokens(void)
{
  static struct cf_tokens *t;
  char hash[CF_TOKEN_HASH_SIZE], text[256], err[256];

  if (t)
    return t;
  if (cf_token_hash(FUZZ_TOKEN, hash, err, sizeof err) != 0)
    fail(err);
  snprintf(text, sizeof text, "# fuzz\nalice:%s\n", hash);
  if (cf_tokens_parse("fuzz-tokens", text, strlen(text), &t, err, sizeof err) != 0)
    fail(err);
  return t;
}

/* cf_frame_recv on data (size bytes arrived before the peer closed). */
static int recv_frame(const uint8_t *data, size_t size, const struct cf_frame_limits *lim,
                      struct cf_frame *f)
{
  int rc;

  memset(f, 0, sizeof *f);
  if (size < CF_FRAME_HEADER_SIZE)
    return CF_EIO;
  if ((rc = cf_frame_header_decode(data, lim, &f->h)) != 0)
    return rc;
  data += CF_FRAME_HEADER_SIZE;
  size -= CF_FRAME_HEADER_SIZE;
  if (f->h.body_len > size || f->h.bulk_len > size - f->h.body_len)
    return CF_EIO;
  if (f->h.body_len) {
    if (!(f->body = malloc((size_t)f->h.body_len + 1)))
      abort();
    memcpy(f->body, data, f->h.body_len);
    f->body[f->h.body_len] = 0;
  }
  return 0;
}

static void server_side(const uint8_t *data, size_t size)
{
  const struct cf_frame_limits lim = { CF_SRV_MAX_HELLO_BODY, 0 };
  struct cf_frame f;
  CfHello *hello = (CfHello *)1;
  char why[128], client[64], identity[128];
  int rc = recv_frame(data, size, &lim, &f), r;

  memset(why, 'x', sizeof why);
  r = cf__srv_hello_parse(rc, &f, &hello, why, sizeof why);
  cf_frame_release(&f);
  if (r == CF_EVERSION) {
    if (hello || !memchr(why, '\0', sizeof why))
      fail("a version refusal has a reason and no hello");
    return;
  }
  if (r) {
    if (hello || (rc && r != rc) || (!rc && r != CF_EPROTO))
      fail("a failure is the receive error or CF_EPROTO, with no hello");
    return;
  }
  if (!hello || hello->protocol_version != CF_PROTOCOL_VERSION || !hello->client_name ||
      !hello->token)
    fail("an accepted hello is complete and of our version");
  cf__admit_sanitise(client, sizeof client, hello->client_name);
  if (!memchr(client, '\0', sizeof client) || strchr(client, ' '))
    fail("the sanitised name is one NUL-terminated field");
  for (int mode = 0; mode < 3; mode++) {
    struct cf_srv_auth a = { mode == 0 ? tokens() : NULL, 0, mode == 1 };
    memset(identity, 'x', sizeof identity);
    r = cf__srv_identify(&a, NULL, hello->token, identity, sizeof identity);
    if (r == 0 && !memchr(identity, '\0', sizeof identity))
      fail("an identity is NUL-terminated");
    if (mode == 0 && r == 0 && (strcmp(identity, "alice") || strcmp(hello->token, FUZZ_TOKEN)))
      fail("only the token in the tokens file names its identity");
    if (mode == 1 && (r != 0 || strcmp(identity, "anonymous")))
      fail("an insecure server without tokens admits anyone as anonymous");
    if (mode == 2 && r == 0)
      fail("no tokens, no certificates and not insecure admits nobody");
  }
  cf_hello__free_unpacked(hello, cf_proto_allocator());
}

static void client_side(const uint8_t *data, size_t size)
{
  const struct cf_frame_limits lim = { CF_FRAME_DEFAULT_MAX_BODY, CF_FRAME_DEFAULT_MAX_BULK };
  struct cf_frame f;
  CfWelcome *w = NULL;
  CfRefuse *no = NULL;

  if (recv_frame(data, size, &lim, &f) != 0)
    return;
  int r = cf__session_answer_parse(&f, &w, &no);
  cf_frame_release(&f);
  if (r == CF_EPERM) {
    if (w || (no && !no->reason))
      fail("a refusal gives no welcome and a reason string when it unpacks");
    if (no)
      cf_refuse__free_unpacked(no, cf_proto_allocator());
    return;
  }
  if (r) {
    if (w || no || r != CF_EPROTO)
      fail("a malformed answer is CF_EPROTO with no message");
    return;
  }
  if (!w || no || !w->server_name || !w->identity || (w->n_devices && !w->devices))
    fail("a welcome is complete");
  for (size_t i = 0; i < w->n_devices; i++) {
    const CfDevice *d = w->devices[i];
    if (!d || !d->name || (d->uuid.len && !d->uuid.data) ||
        (d->n_attributes && !d->attributes) || (d->n_attr_error && !d->attr_error))
      fail("every device row is complete");
  }
  cf_welcome__free_unpacked(w, cf_proto_allocator());
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (size < 1)
    return 0;
  if (data[0] & 1)
    client_side(data + 1, size - 1);
  else
    server_side(data + 1, size - 1);
  return 0;
}

#ifndef CF_FUZZ_LIBFUZZER
static const uint64_t values[] = { 0, 1, 2, 3, 0x7f, 0x80, 0xffff, 0x10000, 0x10001,
                                   0xffffffffu, 0xffffffffffffffffull };

static const struct cf_fuzz_replay replay = {
  .name = "fuzz_handshake", .mutations = 2000, .cut_dense = 64,
  .values = values, .n_values = sizeof values / sizeof *values,
};

int main(int argc, char **argv)
{
  return cf_fuzz_replay_main(argc, argv, &replay);
}
#endif
