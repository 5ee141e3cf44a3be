/* Unit tests for protocol/cf_frame.c: header encode/decode round trips at
 * extreme values, each malformed-header rejection with its code, and
 * cf_frame_send/cf_frame_recv over a socketpair, including the proof that a
 * claimed length over the limit is refused before anything is allocated or
 * read. Large allocations are counted by wrapping malloc at link time
 * (-Wl,--wrap=malloc, see meson.build); single-threaded. */
#include <errno.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cf_error.h"
#include "cf_frame.h"
#include "cf_test.h"

/* ---- malloc counting ------------------------------------------------------ */

#define BIG_ALLOC ((size_t)1 << 20)
static int big_allocs;

#ifdef CF_TEST_WRAP_MALLOC
void *__real_malloc(size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_malloc(size_t n)
{
  if (n >= BIG_ALLOC)
    big_allocs++;
  return __real_malloc(n);
}
#endif

/* ---- helpers -------------------------------------------------------------- */

static const struct cf_frame_limits deflim = {
  CF_FRAME_DEFAULT_MAX_BODY, CF_FRAME_DEFAULT_MAX_BULK
};

static void pair(struct cf_conn **c, int *raw)
{
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  ASSERT_EQ(cf_conn_from_fd("tcp", sv[0], c), 0);
  *raw = sv[1];
}

static void write_all(int fd, const void *p, size_t n)
{
  const uint8_t *b = p;
  while (n) {
    ssize_t w = write(fd, b, n);
    ASSERT(w > 0 || errno == EINTR);
    if (w > 0) {
      b += w;
      n -= (size_t)w;
    }
  }
}

static int64_t now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void valid_header(uint8_t out[CF_FRAME_HEADER_SIZE])
{
  struct cf_frame_header h;
  cf_frame_header_init(&h, CF_FRAME_CALL, 7, 9, 3, 5);
  cf_frame_header_encode(&h, out);
}

/* ---- header codec --------------------------------------------------------- */

static void test_roundtrip_one(const struct cf_frame_header *h,
                               const struct cf_frame_limits *lim)
{
  uint8_t b[CF_FRAME_HEADER_SIZE];
  struct cf_frame_header g;

  cf_frame_header_encode(h, b);
  memset(&g, 0xa5, sizeof g);
  ASSERT_EQ(cf_frame_header_decode(b, lim, &g), 0);
  ASSERT_UEQ(g.magic, h->magic);
  ASSERT_UEQ(g.version, h->version);
  ASSERT_UEQ(g.type, h->type);
  ASSERT_UEQ(g.flags, h->flags);
  ASSERT_UEQ(g.lane, h->lane);
  ASSERT_UEQ(g.op, h->op);
  ASSERT_UEQ(g.seq, h->seq);
  ASSERT_UEQ(g.body_len, h->body_len);
  ASSERT_UEQ(g.bulk_len, h->bulk_len);
}

static void test_header_roundtrip(void)
{
  struct cf_frame_header h;
  struct cf_frame_limits big = { UINT32_MAX, UINT64_MAX - 1 };
  int t;

  for (t = CF_FRAME_HELLO; t <= CF_FRAME_TYPE_MAX_; t++) {
    cf_frame_header_init(&h, (enum cf_frame_type)t, 0, 0, 0, 0);
    test_roundtrip_one(&h, &deflim);
    test_roundtrip_one(&h, NULL); /* NULL: default limits */
  }
  cf_frame_header_init(&h, CF_FRAME_REPLY, UINT32_MAX, UINT64_MAX, UINT32_MAX,
                       UINT64_MAX - 1);
  h.lane = UINT32_MAX;
  test_roundtrip_one(&h, &big);
  cf_frame_header_init(&h, CF_FRAME_CALL, 0x01020304u, 0x0102030405060708ull,
                       CF_FRAME_DEFAULT_MAX_BODY, CF_FRAME_DEFAULT_MAX_BULK);
  h.lane = 0x0a0b0c0du;
  test_roundtrip_one(&h, &deflim);
}

/* The layout is fixed by cf_frame.h; check the bytes, not just symmetry. */
static void test_header_layout(void)
{
  static const uint8_t want[CF_FRAME_HEADER_SIZE] = {
    'C', 'F', 'R', 'Y', 1, 0, 4, 0,
    0x0d, 0x0c, 0x0b, 0x0a, 0x04, 0x03, 0x02, 0x01,
    0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01,
    0x10, 0x00, 0x00, 0x00, 0, 0, 0, 0,
    0x22, 0x11, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
  };
  struct cf_frame_header h;
  uint8_t b[CF_FRAME_HEADER_SIZE];

  cf_frame_header_init(&h, CF_FRAME_CALL, 0x01020304u, 0x0102030405060708ull,
                       0x10, 0x1122);
  h.lane = 0x0a0b0c0du;
  cf_frame_header_encode(&h, b);
  ASSERT_MEM_EQ(b, want, sizeof want);
}

static int decode_mut(size_t off, uint8_t val, struct cf_frame_header *h)
{
  uint8_t b[CF_FRAME_HEADER_SIZE];
  valid_header(b);
  b[off] = val;
  return cf_frame_header_decode(b, &deflim, h);
}

static void test_header_malformed(void)
{
  struct cf_frame_header h;
  uint8_t b[CF_FRAME_HEADER_SIZE];
  size_t i;

  ASSERT_EQ(decode_mut(0, 'X', &h), CF_EMAGIC);
  ASSERT_EQ(decode_mut(3, 0, &h), CF_EMAGIC);

  /* Wrong version: h->version names the peer's. */
  ASSERT_EQ(decode_mut(4, 2, &h), CF_EVERSION);
  ASSERT_UEQ(h.version, 2);
  ASSERT_EQ(decode_mut(5, 1, &h), CF_EVERSION);
  ASSERT_UEQ(h.version, 0x0101);
  ASSERT_EQ(decode_mut(4, 0, &h), CF_EVERSION);
  ASSERT_UEQ(h.version, 0);

  ASSERT_EQ(decode_mut(6, 0, &h), CF_EPROTO);
  ASSERT_EQ(decode_mut(6, CF_FRAME_TYPE_MAX_ + 1, &h), CF_EPROTO);
  ASSERT_EQ(decode_mut(6, 0xff, &h), CF_EPROTO);
  /* Flags: NOREPLY is known on a CALL (valid_header's type), nothing else
   * anywhere, and no flag on other frame types. */
  ASSERT_EQ(decode_mut(7, CF_FRAME_F_NOREPLY, &h), 0);
  ASSERT_UEQ(h.flags, CF_FRAME_F_NOREPLY);
  ASSERT_EQ(decode_mut(7, 2, &h), CF_EPROTO);
  ASSERT_EQ(decode_mut(7, 0x80, &h), CF_EPROTO);
  {
    struct cf_frame_header g;
    cf_frame_header_init(&g, CF_FRAME_REPLY, 7, 9, 3, 5);
    g.flags = CF_FRAME_F_NOREPLY;
    cf_frame_header_encode(&g, b);
    ASSERT_EQ(cf_frame_header_decode(b, &deflim, &h), CF_EPROTO);
  }
  for (i = 28; i < 32; i++)
    ASSERT_EQ(decode_mut(i, 0x80, &h), CF_EPROTO);     /* reserved */

  /* Lengths: exactly at the limit passes, one over fails. */
  {
    struct cf_frame_header g;
    cf_frame_header_init(&g, CF_FRAME_CALL, 0, 0, CF_FRAME_DEFAULT_MAX_BODY + 1, 0);
    cf_frame_header_encode(&g, b);
    ASSERT_EQ(cf_frame_header_decode(b, &deflim, &h), CF_ETOOBIG);
    ASSERT_UEQ(h.body_len, CF_FRAME_DEFAULT_MAX_BODY + 1);
    cf_frame_header_init(&g, CF_FRAME_CALL, 0, 0, 0, CF_FRAME_DEFAULT_MAX_BULK + 1);
    cf_frame_header_encode(&g, b);
    ASSERT_EQ(cf_frame_header_decode(b, &deflim, &h), CF_ETOOBIG);
    cf_frame_header_init(&g, CF_FRAME_CALL, 0, 0, UINT32_MAX, UINT64_MAX);
    cf_frame_header_encode(&g, b);
    ASSERT_EQ(cf_frame_header_decode(b, &deflim, &h), CF_ETOOBIG);
    /* bulk_len == UINT64_MAX is refused even with no limit (bulk_len + 1). */
    {
      struct cf_frame_limits nolim = { UINT32_MAX, UINT64_MAX };
      cf_frame_header_init(&g, CF_FRAME_CALL, 0, 0, 0, UINT64_MAX);
      cf_frame_header_encode(&g, b);
      ASSERT_EQ(cf_frame_header_decode(b, &nolim, &h), CF_ETOOBIG);
    }
    /* A tighter per-session limit. */
    {
      struct cf_frame_limits tight = { 16, 16 };
      cf_frame_header_init(&g, CF_FRAME_HELLO, 0, 0, 17, 0);
      cf_frame_header_encode(&g, b);
      ASSERT_EQ(cf_frame_header_decode(b, &tight, &h), CF_ETOOBIG);
      cf_frame_header_init(&g, CF_FRAME_HELLO, 0, 0, 16, 16);
      cf_frame_header_encode(&g, b);
      ASSERT_EQ(cf_frame_header_decode(b, &tight, &h), 0);
    }
  }
}

/* ---- send / receive -------------------------------------------------------- */

static void test_send_recv(void)
{
  struct cf_conn *a, *b;
  struct cf_frame f;
  int sv[2];
  const char body[] = "hello body";
  uint8_t bulk[1000];
  size_t i;

  for (i = 0; i < sizeof bulk; i++)
    bulk[i] = (uint8_t)(i * 7);
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  ASSERT_EQ(cf_conn_from_fd("tcp", sv[0], &a), 0);
  ASSERT_EQ(cf_conn_from_fd("tcp", sv[1], &b), 0);

  ASSERT_EQ(cf_frame_send(a, CF_FRAME_CALL, 3, 42, 1000, body, sizeof body - 1,
                          bulk, sizeof bulk), 0);
  ASSERT_EQ(cf_frame_recv(b, &deflim, NULL, 0, &f), 0);
  ASSERT_UEQ(f.h.type, CF_FRAME_CALL);
  ASSERT_UEQ(f.h.lane, 3);
  ASSERT_UEQ(f.h.op, 42);
  ASSERT_UEQ(f.h.seq, 1000);
  ASSERT_UEQ(f.h.body_len, sizeof body - 1);
  ASSERT_STR_EQ((const char *)f.body, body); /* NUL pad */
  ASSERT_UEQ(f.h.bulk_len, sizeof bulk);
  ASSERT_MEM_EQ(f.bulk, bulk, sizeof bulk);
  ASSERT_EQ(f.bulk_is_caller_owned, 0);
  ASSERT_EQ(f.bulk[sizeof bulk], 0);
  cf_frame_release(&f);
  ASSERT_NULL(f.body);
  ASSERT_NULL(f.bulk);

  /* Empty frame: no body, no bulk, nothing allocated. */
  ASSERT_EQ(cf_frame_send(a, CF_FRAME_BYE, 0, 0, 2, NULL, 0, NULL, 0), 0);
  ASSERT_EQ(cf_frame_recv(b, &deflim, NULL, 0, &f), 0);
  ASSERT_UEQ(f.h.type, CF_FRAME_BYE);
  ASSERT_NULL(f.body);
  ASSERT_NULL(f.bulk);
  cf_frame_release(&f);

  /* Bulk into the caller's buffer when it fits... */
  {
    uint8_t dst[1000];
    memset(dst, 0, sizeof dst);
    ASSERT_EQ(cf_frame_send(b, CF_FRAME_REPLY, 0, 1, 3, "x", 1, bulk, sizeof bulk), 0);
    ASSERT_EQ(cf_frame_recv(a, &deflim, dst, sizeof dst, &f), 0);
    ASSERT(f.bulk == dst);
    ASSERT_EQ(f.bulk_is_caller_owned, 1);
    ASSERT_MEM_EQ(dst, bulk, sizeof bulk);
    cf_frame_release(&f); /* must not free dst */
    /* ...and allocated when it does not. */
    ASSERT_EQ(cf_frame_send(b, CF_FRAME_REPLY, 0, 1, 4, "x", 1, bulk, sizeof bulk), 0);
    ASSERT_EQ(cf_frame_recv(a, &deflim, dst, sizeof dst - 1, &f), 0);
    ASSERT(f.bulk != dst);
    ASSERT_EQ(f.bulk_is_caller_owned, 0);
    ASSERT_MEM_EQ(f.bulk, bulk, sizeof bulk);
    cf_frame_release(&f);
  }

  /* Argument checks. */
  ASSERT_EQ(cf_frame_send(a, CF_FRAME_CALL, 0, 0, 0, NULL, 5, NULL, 0), CF_EINVAL);
  ASSERT_EQ(cf_frame_recv(a, &deflim, NULL, 0, NULL), CF_EINVAL);

  cf_conn_close(a);
  cf_conn_close(b);
}

/* A header claiming a 4 GiB body (or a 2^62-byte bulk) must fail with
 * CF_ETOOBIG at once: no allocation of the claimed size, and no wait for
 * body bytes the peer never sends (the peer stays open and silent). */
static void test_recv_huge_claim(void)
{
  struct cf_conn *c;
  struct cf_frame f;
  struct cf_frame_header h;
  uint8_t b[CF_FRAME_HEADER_SIZE];
  int raw, before;
  int64_t t0;

  pair(&c, &raw);
  ASSERT_EQ(cf_conn_set_timeout(c, 5000), 0);

  cf_frame_header_init(&h, CF_FRAME_CALL, 0, 0, UINT32_MAX, 0);
  cf_frame_header_encode(&h, b);
  write_all(raw, b, sizeof b);
  before = big_allocs;
  t0 = now_ms();
  ASSERT_EQ(cf_frame_recv(c, &deflim, NULL, 0, &f), CF_ETOOBIG);
  ASSERT_LT(now_ms() - t0, 4000); /* far below the 5 s timeout: it did not wait */
  ASSERT_EQ(big_allocs, before);
  ASSERT_UEQ(f.h.body_len, UINT32_MAX); /* the claim, for the log */
  ASSERT_NULL(f.body);
  ASSERT_NULL(f.bulk);

  cf_frame_header_init(&h, CF_FRAME_CALL, 0, 0, 0, (uint64_t)1 << 62);
  cf_frame_header_encode(&h, b);
  write_all(raw, b, sizeof b);
  t0 = now_ms();
  ASSERT_EQ(cf_frame_recv(c, &deflim, NULL, 0, &f), CF_ETOOBIG);
  ASSERT_LT(now_ms() - t0, 4000); /* far below the 5 s timeout: it did not wait */
  ASSERT_EQ(big_allocs, before);

  /* Bad magic and version also come back before any body read. */
  valid_header(b);
  b[4] = 9;
  write_all(raw, b, sizeof b);
  ASSERT_EQ(cf_frame_recv(c, &deflim, NULL, 0, &f), CF_EVERSION);
  ASSERT_UEQ(f.h.version, 9);

  cf_conn_close(c);
  close(raw);
}

/* A body cut short by EOF: CF_ECLOSED, and the buffer allocated for it is
 * freed (f holds nothing). This also shows the malloc hook sees allocations. */
static void test_recv_truncated(void)
{
  struct cf_conn *c;
  struct cf_frame f;
  struct cf_frame_header h;
  uint8_t b[CF_FRAME_HEADER_SIZE];
  static uint8_t half[BIG_ALLOC];
  int raw, before = big_allocs;
  struct cf_frame_limits lim = { 4 * BIG_ALLOC, 0 };

  pair(&c, &raw);
  cf_frame_header_init(&h, CF_FRAME_CALL, 0, 0, 2 * BIG_ALLOC, 0);
  cf_frame_header_encode(&h, b);
  write_all(raw, b, sizeof b);
  write_all(raw, "abc", 3);
  shutdown(raw, SHUT_WR);
  ASSERT_EQ(cf_frame_recv(c, &lim, NULL, 0, &f), CF_ECLOSED);
  ASSERT_NULL(f.body);
#ifdef CF_TEST_WRAP_MALLOC
  ASSERT_EQ(big_allocs, before + 1);
#else
  (void)before;
#endif
  cf_conn_close(c);
  close(raw);

  /* Truncated bulk into the caller's buffer: nothing to free either. */
  pair(&c, &raw);
  cf_frame_header_init(&h, CF_FRAME_REPLY, 0, 0, 1, sizeof half);
  cf_frame_header_encode(&h, b);
  write_all(raw, b, sizeof b);
  write_all(raw, "b", 1);
  write_all(raw, half, 100);
  close(raw);
  ASSERT_EQ(cf_frame_recv(c, &deflim, half, sizeof half, &f), CF_ECLOSED);
  ASSERT_NULL(f.bulk);
  ASSERT_NULL(f.body);
  cf_conn_close(c);

  /* EOF in the header itself. */
  pair(&c, &raw);
  write_all(raw, b, 10);
  close(raw);
  ASSERT_EQ(cf_frame_recv(c, &deflim, NULL, 0, &f), CF_ECLOSED);
  cf_conn_close(c);
}

int main(void)
{
  test_header_roundtrip();
  test_header_layout();
  test_header_malformed();
  test_send_recv();
  test_recv_huge_claim();
  test_recv_truncated();
  printf("test_frame: ok\n");
  return 0;
}
