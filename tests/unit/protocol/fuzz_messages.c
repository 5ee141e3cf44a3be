/* Fuzz target for every per-call wire message: the request of each op in
 * protocol/api/cuda_api.def (what the server unpacks) and its reply (what
 * the client unpacks), both through cf_proto_unpack, the bounded allocator
 * every peer's bytes go through.
 *
 * Input: two bytes pick the message (big-endian; bit 0: reply, the rest
 * modulo the number of ops: a row of the generated cf_api_fuzz_table.h),
 * the rest is its body. Invariants:
 *   - whatever unpacks packs (cf_proto_pack);
 *   - the packed bytes unpack again, and that message packs to the same
 *     bytes: pack(unpack(pack(unpack(x)))) == pack(unpack(x)).
 *     Not x itself: protobuf-c drops what proto3 does not keep (fields
 *     given twice: the last wins; zero scalars are not sent; packed and
 *     unpacked repeated fields read alike; over-long varints and 64-bit
 *     values in 32-bit fields are narrowed) and writes unknown fields after
 *     the known ones. One round normalises all of that, so the second must
 *     be exact. (protobuf-c alone breaks this on a field numbered 0 written
 *     in two bytes, "80 00": it keeps it and writes it back as "00", which
 *     it refuses; cf_proto_unpack refuses such bytes);
 *   - every byte the allocator handed out comes back (cf_proto_live_bytes).
 *
 * Built with -DCF_FUZZ_LIBFUZZER -fsanitize=fuzzer (meson -Dfuzz=true) it is
 * a libFuzzer target; otherwise main() replays the seeds (corpus folder
 * named on the command line, plus one request and one reply per op built
 * from the descriptors) and mutations of them (cf_fuzz_replay.h).
 * `fuzz_messages --write-seeds DIR` writes those built seeds as files. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cf_api_fuzz_table.h"
#include "cf_error.h"
#include "cf_fuzz_replay.h"
#include "cf_proto.h"

/* The input being run, shown (in hex, up to 128 bytes) when a check fails. */
static const uint8_t *cur;
static size_t cur_len;

static void check(int ok, const struct cf_api_fuzz_row *row, int rep, const char *what)
{
  if (!ok) {
    char line[512];
    int n = snprintf(line, sizeof line, "fuzz_messages: op %u %s %s: invariant failed: %s\n"
                     "  input (%zu bytes):", (unsigned)row->op, row->name,
                     rep ? "reply" : "request", what, cur_len);
    for (size_t i = 0; i < cur_len && i < 128 && n > 0 && (size_t)n < sizeof line - 4; i++)
      n += snprintf(line + n, sizeof line - (size_t)n, " %02x", cur[i]);
    if (n > 0 && (size_t)n < sizeof line - 1)
      line[n++] = '\n';
    if (n > 0 && write(cf_fuzz_report_fd, line, (size_t)n) < 0)
      abort();
    abort();
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  ProtobufCMessage *m1 = NULL, *m2 = NULL;
  uint8_t *b1 = NULL, *b2 = NULL;
  size_t n1 = 0, n2 = 0;

  if (size < 2)
    return 0;
  cur = data;
  cur_len = size;
  unsigned pick = (unsigned)data[0] << 8 | data[1];
  const struct cf_api_fuzz_row *row = &cf_api_fuzz_rows[(pick >> 1) % CF_API_FUZZ_ROWS];
  int rep = pick & 1;
  const ProtobufCMessageDescriptor *d = rep ? row->rep : row->req;

  if (cf_proto_unpack(d, data + 2, size - 2, &m1) != 0) {
    check(m1 == NULL, row, rep, "a failed unpack gives no message");
    check(cf_proto_live_bytes() == 0, row, rep, "a failed unpack frees what it took");
    return 0;
  }
  check(m1->descriptor == d, row, rep, "the message is of the type asked for");
  check(cf_proto_pack(m1, &b1, &n1) == 0, row, rep, "an unpacked message packs");
  /* m1 goes first, so the second unpack has the whole live-bytes cap. */
  cf_proto_free(m1);
  check(cf_proto_unpack(d, b1, n1, &m2) == 0, row, rep, "packed bytes unpack again");
  check(cf_proto_pack(m2, &b2, &n2) == 0, row, rep, "the second message packs");
  check(n1 == n2 && !memcmp(b1, b2, n1), row, rep, "the second round packs the same bytes");
  free(b1);
  free(b2);
  cf_proto_free(m2);
  check(cf_proto_live_bytes() == 0, row, rep, "freeing returns every byte");
  return 0;
}

#ifndef CF_FUZZ_LIBFUZZER

#include <errno.h>

/* ---- Seeds built from the descriptors -------------------------------------
 * Every field set once (repeated ones twice), in wire format written by
 * hand, so the seeds do not depend on protobuf-c's packer being right. */

struct wbuf {
  uint8_t b[4096];
  size_t len;
};

static void put_byte(struct wbuf *w, uint8_t v)
{
  if (w->len < sizeof w->b)
    w->b[w->len++] = v;
}

static void put_varint(struct wbuf *w, uint64_t v)
{
  while (v >= 0x80) {
    put_byte(w, (uint8_t)(v | 0x80));
    v >>= 7;
  }
  put_byte(w, (uint8_t)v);
}

static void put_tag(struct wbuf *w, unsigned id, unsigned wire)
{
  put_varint(w, (uint64_t)id << 3 | wire);
}

static void put_fixed(struct wbuf *w, uint64_t v, int n)
{
  for (int i = 0; i < n; i++)
    put_byte(w, (uint8_t)(v >> (8 * i)));
}

static void build(const ProtobufCMessageDescriptor *d, unsigned salt, int depth,
                  struct wbuf *w);

static void put_field(const ProtobufCFieldDescriptor *f, unsigned salt, int depth,
                      struct wbuf *w)
{
  uint64_t v = (uint64_t)salt * 0x1001 + f->id;

  switch (f->type) {
  case PROTOBUF_C_TYPE_INT32: case PROTOBUF_C_TYPE_UINT32:
  case PROTOBUF_C_TYPE_INT64: case PROTOBUF_C_TYPE_UINT64:
  case PROTOBUF_C_TYPE_ENUM:
    put_tag(w, f->id, 0);
    put_varint(w, v);
    break;
  case PROTOBUF_C_TYPE_BOOL:
    put_tag(w, f->id, 0);
    put_varint(w, 1);
    break;
  case PROTOBUF_C_TYPE_SINT32: case PROTOBUF_C_TYPE_SINT64:
    put_tag(w, f->id, 0);
    put_varint(w, v * 2 + 1);           /* zigzag: a negative value */
    break;
  case PROTOBUF_C_TYPE_FIXED32: case PROTOBUF_C_TYPE_SFIXED32:
  case PROTOBUF_C_TYPE_FLOAT:
    put_tag(w, f->id, 5);
    put_fixed(w, v, 4);
    break;
  case PROTOBUF_C_TYPE_FIXED64: case PROTOBUF_C_TYPE_SFIXED64:
  case PROTOBUF_C_TYPE_DOUBLE:
    put_tag(w, f->id, 1);
    put_fixed(w, v, 8);
    break;
  case PROTOBUF_C_TYPE_STRING: case PROTOBUF_C_TYPE_BYTES: {
    char s[32];
    int n = snprintf(s, sizeof s, "%s", f->name);
    put_tag(w, f->id, 2);
    put_varint(w, (uint64_t)n);
    for (int i = 0; i < n; i++)
      put_byte(w, (uint8_t)s[i]);
    break;
  }
  case PROTOBUF_C_TYPE_MESSAGE: {
    struct wbuf inner = { .len = 0 };
    if (depth > 3)
      break;
    build(f->descriptor, salt + 1, depth + 1, &inner);
    put_tag(w, f->id, 2);
    put_varint(w, inner.len);
    for (size_t i = 0; i < inner.len; i++)
      put_byte(w, inner.b[i]);
    break;
  }
  }
}

static void build(const ProtobufCMessageDescriptor *d, unsigned salt, int depth,
                  struct wbuf *w)
{
  for (unsigned i = 0; i < d->n_fields; i++) {
    const ProtobufCFieldDescriptor *f = &d->fields[i];
    put_field(f, salt, depth, w);
    if (f->label == PROTOBUF_C_LABEL_REPEATED)
      put_field(f, salt + 7, depth, w);
  }
}

/* Seed k: row k / 2, reply when k is odd. */
static void seed(unsigned k, struct wbuf *w)
{
  const struct cf_api_fuzz_row *row = &cf_api_fuzz_rows[k / 2];
  unsigned pick = k;                    /* (row << 1 | rep) */

  w->len = 0;
  put_byte(w, (uint8_t)(pick >> 8));
  put_byte(w, (uint8_t)pick);
  build(k & 1 ? row->rep : row->req, row->op, 0, w);
}

static void builtin(void)
{
  struct wbuf w;

  for (unsigned k = 0; k < 2 * CF_API_FUZZ_ROWS; k++) {
    seed(k, &w);
    cf_fuzz_add_seed(w.b, w.len);
  }
}

static int write_seeds(const char *dir)
{
  struct wbuf w;

  for (unsigned k = 0; k < 2 * CF_API_FUZZ_ROWS; k++) {
    char path[4096];
    FILE *f;

    seed(k, &w);
    snprintf(path, sizeof path, "%s/op%03u_%s.bin", dir, (unsigned)cf_api_fuzz_rows[k / 2].op,
             k & 1 ? "rep" : "req");
    if (!(f = fopen(path, "wb")) || fwrite(w.b, 1, w.len, f) != w.len || fclose(f) != 0) {
      fprintf(stderr, "fuzz_messages: %s: %s\n", path, strerror(errno));
      return 1;
    }
  }
  return 0;
}

static const char *const dict[] = { "\x80", "\xff", "\x7f", "\x08", "\x10", "\x0a", "\x12",
                                    "\x1a", "\x0d", "\x09", "" };

static const struct cf_fuzz_replay replay = {
  .name = "fuzz_messages", .mutations = 60, .cut_dense = 8,
  .dict = dict, .n_dict = sizeof dict / sizeof *dict, .builtin = builtin,
};

int main(int argc, char **argv)
{
  if (argc == 3 && !strcmp(argv[1], "--write-seeds"))
    return write_seeds(argv[2]);
  return cf_fuzz_replay_main(argc, argv, &replay);
}
#endif
