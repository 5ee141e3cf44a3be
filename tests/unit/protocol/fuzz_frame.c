/* Fuzz target for the decoders that read network bytes in the protocol
 * piece: the frame header decoder (with a re-encode check: whatever decodes
 * must encode back to the same 40 bytes) and protobuf-c unpacking of the
 * session messages through cf_proto_unpack (a success must re-pack), plus
 * cf_url_parse on the input as a string. Built as a libFuzzer target when
 * compiled with -DCF_FUZZ_LIBFUZZER -fsanitize=fuzzer; otherwise main() below
 * (dav1d tests/libfuzzer/main.c style) runs every file of a corpus directory
 * and then a few thousand deterministic mutations of them, so `meson test
 * --suite fuzz` exercises the same code on every build. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cf_error.h"
#include "cf_frame.h"
#include "cf_proto.h"
#include "cf_session.pb-c.h"
#include "cf_transport.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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

#define FUZZ_MAX_INPUT (64 * 1024)
#define MAX_SEEDS 64
#define MUTATIONS 10000

struct seed {
  uint8_t *data;
  size_t len;
};

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng(void) /* xorshift64*: deterministic across runs */
{
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return rng_state * 2685821657736338717ull;
}

static size_t load_corpus(const char *dir, struct seed *seeds)
{
  DIR *d = opendir(dir);
  struct dirent *e;
  size_t n = 0;

  if (!d) {
    fprintf(stderr, "fuzz_frame: cannot open corpus %s\n", dir);
    exit(1);
  }
  while ((e = readdir(d)) && n < MAX_SEEDS) {
    char path[4096];
    FILE *f;
    uint8_t *buf;
    size_t len;

    if (e->d_name[0] == '.')
      continue;
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    f = fopen(path, "rb");
    if (!f)
      continue;
    buf = malloc(FUZZ_MAX_INPUT);
    if (!buf) {
      fclose(f);
      exit(1);
    }
    len = fread(buf, 1, FUZZ_MAX_INPUT, f);
    fclose(f);
    seeds[n].data = buf;
    seeds[n].len = len;
    n++;
  }
  closedir(d);
  return n;
}

/* Interesting bytes and lengths for header and varint fields. */
static const uint8_t magic_bytes[] = { 0x00, 0x01, 0x7f, 0x80, 0xff, 0x06, 0x07,
                                       'C', 'F', 'R', 'Y', 0x22, 0x12, 0x0a };

static size_t mutate(uint8_t *buf, size_t len, size_t cap)
{
  int k, rounds = 1 + (int)(rng() % 8);

  for (k = 0; k < rounds; k++) {
    size_t pos = len ? (size_t)(rng() % len) : 0;
    switch (rng() % 7) {
    case 0: /* flip a bit */
      if (len)
        buf[pos] ^= (uint8_t)(1u << (rng() % 8));
      break;
    case 1: /* an interesting byte */
      if (len)
        buf[pos] = magic_bytes[rng() % sizeof magic_bytes];
      break;
    case 2: /* a random byte */
      if (len)
        buf[pos] = (uint8_t)rng();
      break;
    case 3: /* truncate */
      len = pos;
      break;
    case 4: /* insert a byte */
      if (len < cap) {
        memmove(buf + pos + 1, buf + pos, len - pos);
        buf[pos] = (uint8_t)rng();
        len++;
      }
      break;
    case 5: /* delete a byte */
      if (len) {
        memmove(buf + pos, buf + pos + 1, len - pos - 1);
        len--;
      }
      break;
    default: /* a header length field to an extreme */
      if (len >= CF_FRAME_HEADER_SIZE) {
        size_t off = (rng() & 1) ? 24 : 32;
        memset(buf + off, (rng() & 1) ? 0xff : 0x00, (rng() & 1) ? 4 : 8);
      }
      break;
    }
  }
  return len;
}

int main(int argc, char **argv)
{
  struct seed seeds[MAX_SEEDS];
  uint8_t *work;
  size_t n, i;
  int m;

  if (argc < 2) {
    fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
    return 2;
  }
  n = load_corpus(argv[1], seeds);
  if (n == 0) {
    fprintf(stderr, "fuzz_frame: empty corpus %s\n", argv[1]);
    return 1;
  }
  for (i = 0; i < n; i++)
    LLVMFuzzerTestOneInput(seeds[i].data, seeds[i].len);

  work = malloc(FUZZ_MAX_INPUT);
  if (!work)
    return 1;
  for (m = 0; m < MUTATIONS; m++) {
    const struct seed *s = &seeds[rng() % n];
    size_t len = s->len;
    memcpy(work, s->data, len);
    len = mutate(work, len, FUZZ_MAX_INPUT);
    LLVMFuzzerTestOneInput(work, len);
  }
  free(work);
  for (i = 0; i < n; i++)
    free(seeds[i].data);
  printf("fuzz_frame: %zu seeds, %d mutations: ok\n", n, MUTATIONS);
  return 0;
}

#endif
