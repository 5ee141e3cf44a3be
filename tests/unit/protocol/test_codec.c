/* Unit tests for bulk compression (protocol/cf_codec.c) and compressed frames
 * (protocol/cf_frame.c): round trips of every mode on zeros, random bytes,
 * a float array, tiny and empty payloads; that nothing is ever sent larger
 * than it is; auto's back-off on incompressible data and its return when the
 * data shrinks again; decoding refuses corrupt and mis-sized data without
 * writing past the buffer; header checks of the codec flag and raw_len; and
 * compressed frames over a socketpair into the caller's buffer and into an
 * allocation. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "cf_codec.h"
#include "cf_error.h"
#include "cf_frame.h"
#include "cf_test.h"

enum kind { ZEROS, RANDOM, FLOATS, TEXT };

static void fill(uint8_t *b, size_t n, enum kind k, uint32_t seed)
{
  uint32_t x = seed | 1;

  for (size_t i = 0; i < n; i++) {
    x ^= x << 13, x ^= x >> 17, x ^= x << 5;
    switch (k) {
    case ZEROS: b[i] = 0; break;
    case RANDOM: b[i] = (uint8_t)x; break;
    case TEXT: b[i] = (uint8_t)("the quick brown fox "[i % 20]); break;
    case FLOATS:
      if (i % 4 == 0 && i + 4 <= n) {
        float v = sinf((float)(i / 4) * 0.001f) * 100.0f;
        memcpy(b + i, &v, 4);
        i += 3;
      } else {
        b[i] = 0;
      }
      break;
    }
  }
}

/* Encode and decode one payload; returns the codec used. */
static enum cf_codec roundtrip(struct cf_compressor *z, const uint8_t *src, size_t n)
{
  const void *out;
  size_t out_len;
  enum cf_codec codec = cf_compress(z, src, n, &out, &out_len);
  uint8_t *back = malloc(n + 16);

  ASSERT_NOT_NULL(back);
  ASSERT(out_len <= n); /* never larger */
  if (codec == CF_CODEC_RAW) {
    ASSERT(out == src);
    ASSERT_UEQ(out_len, n);
  } else {
    ASSERT(out_len < n);
    memset(back, 0xee, n + 16);
    ASSERT_EQ(cf_decompress(codec, out, out_len, back, n), 0);
    ASSERT_MEM_EQ(back, src, n);
    for (size_t i = n; i < n + 16; i++)
      ASSERT_EQ(back[i], 0xee);
  }
  free(back);
  return codec;
}

static void test_parse(void)
{
  enum cf_compress_mode m;
  int level;
  char err[160], s[32];

  ASSERT_EQ(cf_compress_parse("auto", &m, &level, err, sizeof err), 0);
  ASSERT_EQ(m, CF_COMPRESS_AUTO);
  ASSERT_EQ(cf_compress_parse("none", &m, &level, err, sizeof err), 0);
  ASSERT_EQ(m, CF_COMPRESS_NONE);
  ASSERT_EQ(cf_compress_parse("lz4", &m, &level, err, sizeof err), 0);
  ASSERT_EQ(m, CF_COMPRESS_LZ4);
  ASSERT_EQ(cf_compress_parse("zstd", &m, &level, err, sizeof err), 0);
  ASSERT_EQ(m, CF_COMPRESS_ZSTD);
  ASSERT_EQ(level, 1);
  ASSERT_EQ(cf_compress_parse("zstd:7", &m, &level, err, sizeof err), 0);
  ASSERT_EQ(level, 7);
  ASSERT_EQ(cf_compress_parse("zstd:-3", &m, &level, err, sizeof err), 0);
  ASSERT_EQ(level, -3);
  cf_compress_format(m, level, s, sizeof s);
  ASSERT_STR_EQ(s, "zstd:-3");
  {
    static const char *const bad[] = { "gzip", "", "zstd:", "zstd:0", "zstd:20", "zstd:-6",
                                       "zstd:3x", "zstd3", "lz4:1", "AUTO" };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
      ASSERT_EQ(cf_compress_parse(bad[i], &m, &level, err, sizeof err), CF_EINVAL);
  }
  ASSERT(strstr(err, "AUTO") != NULL);
}

static void test_modes(void)
{
  static const size_t sizes[] = { 0, 100, CF_COMPRESS_MIN - 1, CF_COMPRESS_MIN, 65536,
                                  65536 * 5 + 3, (size_t)1 << 20 };
  static const char *const modes[] = { "none", "lz4", "zstd", "zstd:9", "zstd:-5", "auto" };
  uint8_t *buf = malloc((size_t)1 << 20);

  ASSERT_NOT_NULL(buf);
  for (size_t m = 0; m < sizeof modes / sizeof *modes; m++)
    for (int k = ZEROS; k <= TEXT; k++)
      for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
        struct cf_compressor z;
        enum cf_compress_mode mode;
        int level;
        char err[160];
        enum cf_codec codec;

        ASSERT_EQ(cf_compress_parse(modes[m], &mode, &level, err, sizeof err), 0);
        cf_compressor_init(&z, mode, level);
        /* auto on a slow link: its choice then hangs on the data alone. */
        cf_compressor_note_link(&z, 64e6, 0);
        fill(buf, sizes[s], (enum kind)k, (uint32_t)(s + 1));
        codec = roundtrip(&z, buf, sizes[s]);
        if (mode == CF_COMPRESS_NONE || sizes[s] < CF_COMPRESS_MIN || k == RANDOM)
          ASSERT_EQ(codec, CF_CODEC_RAW);
        else if (k == ZEROS || k == TEXT)
          ASSERT_EQ(codec, mode == CF_COMPRESS_LZ4 ? CF_CODEC_LZ4 : CF_CODEC_ZSTD);
        ASSERT_UEQ(z.stats.payloads, 1);
        ASSERT_UEQ(z.stats.raw_bytes, sizes[s]);
        ASSERT(z.stats.wire_bytes <= sizes[s]);
        cf_compressor_release(&z);
        cf_compressor_free(&z);
      }
  free(buf);
}

/* auto on incompressible data probes with a sample, backs off (1, 2, 4 ...
 * up to CF_COMPRESS_BACKOFF_MAX payloads between probes) and never sends a
 * payload compressed; on zeros it compresses again at the next probe. */
static void test_auto_backoff(void)
{
  size_t n = (size_t)1 << 20;
  uint8_t *buf = malloc(n);
  struct cf_compressor z;
  int rounds = 400;

  ASSERT_NOT_NULL(buf);
  cf_compressor_init(&z, CF_COMPRESS_AUTO, 1);
  fill(buf, n, RANDOM, 7);
  for (int i = 0; i < rounds; i++)
    ASSERT_EQ(roundtrip(&z, buf, n), CF_CODEC_RAW);
  ASSERT_UEQ(z.stats.compressed, 0);
  /* 1+2+4+...+64 payloads skipped over the first 7 probes, then one probe
   * every 65 payloads. */
  ASSERT(z.stats.probes >= 7 && z.stats.probes <= (uint64_t)(7 + (rounds - 70) / 65 + 1));
  ASSERT_UEQ(z.stats.wire_bytes, z.stats.raw_bytes);

  /* A slow link, so that the decision does not hang on this machine's load. */
  cf_compressor_note_link(&z, 64e6, 0);
  fill(buf, n, ZEROS, 0);
  {
    int raw_until_probe = 0;

    while (roundtrip(&z, buf, n) == CF_CODEC_RAW)
      ASSERT(++raw_until_probe <= (int)CF_COMPRESS_BACKOFF_MAX);
  }
  /* Paying now: every payload compressed, no probing. */
  {
    uint64_t probes = z.stats.probes;

    for (int i = 0; i < 20; i++)
      ASSERT_EQ(roundtrip(&z, buf, n), CF_CODEC_ZSTD);
    ASSERT_UEQ(z.stats.probes, probes);
  }
  cf_compressor_free(&z);

  /* A slow link makes a modest ratio worth it; a very fast one does not. */
  cf_compressor_init(&z, CF_COMPRESS_AUTO, 1);
  fill(buf, n, TEXT, 0);
  cf_compressor_note_link(&z, 64e6, 0); /* 64 MiB/s */
  ASSERT_EQ(roundtrip(&z, buf, n), CF_CODEC_ZSTD);
  for (int i = 0; i < 50; i++) /* 1 TB/s */
    cf_compressor_note_link(&z, 1e12, 0);
  {
    int raw = 0;
    for (int i = 0; i < 5; i++)
      raw += roundtrip(&z, buf, n) == CF_CODEC_RAW;
    ASSERT(raw >= 4);
  }
  /* A lower bound below the estimate teaches nothing; above it, it does. */
  {
    double before = z.link_bps;
    cf_compressor_note_link(&z, 1e6, 1);
    ASSERT_DBL_EQ(z.link_bps, before);
    cf_compressor_note_link(&z, 4e12, 1);
    ASSERT(z.link_bps > before);
  }
  cf_compressor_free(&z);
  free(buf);
}

static void test_decode_refuses(void)
{
  size_t n = 65536;
  uint8_t *src = malloc(n), *dst = malloc(n + 64);
  struct cf_compressor z;

  ASSERT_NOT_NULL(src);
  ASSERT_NOT_NULL(dst);
  fill(src, n, TEXT, 0);
  for (int c = CF_CODEC_LZ4; c <= CF_CODEC_ZSTD; c++) {
    const void *out;
    size_t len;
    uint8_t *copy;

    cf_compressor_init(&z, c == CF_CODEC_LZ4 ? CF_COMPRESS_LZ4 : CF_COMPRESS_ZSTD, 1);
    ASSERT_EQ(cf_compress(&z, src, n, &out, &len), (enum cf_codec)c);
    copy = malloc(len);
    ASSERT_NOT_NULL(copy);
    memcpy(copy, out, len);
    /* A raw length other than the real one: refused, nothing past it. */
    memset(dst, 0xee, n + 64);
    ASSERT_EQ(cf_decompress((enum cf_codec)c, copy, len, dst, n - 1), CF_EPROTO);
    for (size_t i = n - 1; i < n + 64; i++)
      ASSERT_EQ(dst[i], 0xee);
    ASSERT_EQ(cf_decompress((enum cf_codec)c, copy, len, dst, n + 1), CF_EPROTO);
    /* Truncated and garbled. */
    ASSERT_EQ(cf_decompress((enum cf_codec)c, copy, len / 2, dst, n), CF_EPROTO);
    for (size_t i = 0; i < len; i += 7)
      copy[i] ^= 0x5a;
    memset(dst, 0xee, n + 64);
    ASSERT(cf_decompress((enum cf_codec)c, copy, len, dst, n) != 0 ||
           memcmp(dst, src, n) != 0);
    for (size_t i = n; i < n + 64; i++)
      ASSERT_EQ(dst[i], 0xee);
    free(copy);
    cf_compressor_free(&z);
  }
  ASSERT_EQ(cf_decompress(CF_CODEC_RAW, src, n, dst, n), CF_EPROTO);
  ASSERT_EQ(cf_decompress((enum cf_codec)3, src, n, dst, n), CF_EPROTO);
  free(src);
  free(dst);
}

static int decode_with(uint8_t type, uint8_t flags, uint32_t raw_len, uint64_t bulk_len)
{
  static const struct cf_frame_limits lim = { 1u << 20, (uint64_t)1 << 20 };
  struct cf_frame_header h;
  uint8_t b[CF_FRAME_HEADER_SIZE];

  cf_frame_header_init(&h, (enum cf_frame_type)type, 1, 1, 0, bulk_len);
  h.flags = flags;
  h.raw_len = raw_len;
  cf_frame_header_encode(&h, b);
  return cf_frame_header_decode(b, &lim, &h);
}

static void test_header_codec(void)
{
  uint8_t lz4 = CF_CODEC_LZ4 << CF_FRAME_F_CODEC_SHIFT;
  uint8_t zstd = CF_CODEC_ZSTD << CF_FRAME_F_CODEC_SHIFT;

  ASSERT_EQ(decode_with(CF_FRAME_CALL, lz4, 4096, 100), 0);
  ASSERT_EQ(decode_with(CF_FRAME_CALL, zstd | CF_FRAME_F_NOREPLY, 4096, 100), 0);
  ASSERT_EQ(decode_with(CF_FRAME_REPLY, zstd, 1u << 20, 100), 0);
  ASSERT_EQ(decode_with(CF_FRAME_REPLY, zstd, (1u << 20) + 1, 100), CF_ETOOBIG);
  ASSERT_EQ(decode_with(CF_FRAME_CALL, 3 << CF_FRAME_F_CODEC_SHIFT, 4096, 100), CF_EPROTO);
  ASSERT_EQ(decode_with(CF_FRAME_HELLO, lz4, 4096, 100), CF_EPROTO);
  ASSERT_EQ(decode_with(CF_FRAME_OUTPUT, lz4, 4096, 100), CF_EPROTO);
  ASSERT_EQ(decode_with(CF_FRAME_CALL, lz4, 0, 100), CF_EPROTO);  /* no raw size */
  ASSERT_EQ(decode_with(CF_FRAME_CALL, lz4, 4096, 0), CF_EPROTO); /* no bulk */
  ASSERT_EQ(decode_with(CF_FRAME_CALL, 0, 4096, 100), CF_EPROTO);  /* raw_len, no codec */
}

/* Compressed frames through a socketpair: decoded into the caller's buffer
 * when the raw size fits, else into a NUL-padded allocation; a frame whose
 * payload does not decode to its raw_len is refused. */
static void test_frames(void)
{
  struct cf_conn *a, *b;
  struct cf_compressor z;
  struct cf_frame_header h;
  struct cf_frame f;
  int sv[2];
  size_t n = 65536;
  uint8_t *bulk = malloc(n), *dst = malloc(n);

  ASSERT_NOT_NULL(bulk);
  ASSERT_NOT_NULL(dst);
  fill(bulk, n, TEXT, 0);
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  ASSERT_EQ(cf_conn_from_fd("tcp", sv[0], &a), 0);
  ASSERT_EQ(cf_conn_from_fd("tcp", sv[1], &b), 0);
  for (int mode = CF_COMPRESS_NONE; mode <= CF_COMPRESS_AUTO; mode++) {
    cf_compressor_init(&z, (enum cf_compress_mode)mode, 3);
    cf_frame_header_init(&h, CF_FRAME_REPLY, 9, 5, 1, n);
    ASSERT_EQ(cf_frame_send_packed(a, &z, &h, "x", bulk), 0);
    memset(dst, 0, n);
    ASSERT_EQ(cf_frame_recv(b, NULL, dst, n, &f), 0);
    ASSERT(f.bulk == dst);
    ASSERT_UEQ(f.h.bulk_len, n);
    ASSERT_EQ(cf_frame_codec(&f.h), CF_CODEC_RAW);
    ASSERT_UEQ(f.h.raw_len, 0);
    if (mode == CF_COMPRESS_NONE)
      ASSERT_UEQ(f.wire_bulk_len, n);
    else
      ASSERT(f.wire_bulk_len < n / 10);
    ASSERT_MEM_EQ(dst, bulk, n);
    cf_frame_release(&f);

    /* No room in the caller's buffer: allocated, NUL after the bulk. */
    ASSERT_EQ(cf_frame_send_packed(a, &z, &h, "x", bulk), 0);
    ASSERT_EQ(cf_frame_recv(b, NULL, dst, n - 1, &f), 0);
    ASSERT(f.bulk != dst);
    ASSERT_MEM_EQ(f.bulk, bulk, n);
    ASSERT_EQ(f.bulk[n], 0);
    cf_frame_release(&f);
    cf_compressor_free(&z);
  }

  /* A frame claiming more raw bytes than its payload decodes to. */
  {
    uint8_t hdr[CF_FRAME_HEADER_SIZE];
    const void *out;
    size_t len;

    cf_compressor_init(&z, CF_COMPRESS_ZSTD, 1);
    ASSERT_EQ(cf_compress(&z, bulk, n, &out, &len), CF_CODEC_ZSTD);
    cf_frame_header_init(&h, CF_FRAME_CALL, 9, 6, 0, len);
    h.flags = CF_CODEC_ZSTD << CF_FRAME_F_CODEC_SHIFT;
    h.raw_len = (uint32_t)n + 1;
    cf_frame_header_encode(&h, hdr);
    {
      struct iovec iov[2] = { { hdr, sizeof hdr }, { (void *)out, len } };
      ASSERT_EQ(cf_conn_writev(a, iov, 2), 0);
    }
    ASSERT_EQ(cf_frame_recv(b, NULL, NULL, 0, &f), CF_EPROTO);
    ASSERT_NULL(f.bulk);
    cf_compressor_free(&z);
  }
  cf_conn_close(a);
  cf_conn_close(b);
  free(bulk);
  free(dst);
}

int main(void)
{
  test_parse();
  test_modes();
  test_auto_backoff();
  test_decode_refuses();
  test_header_codec();
  test_frames();
  printf("test_codec: ok\n");
  return 0;
}
