/* Bulk compression: the codecs and auto's policy (the model is in cf_codec.h). */
#include "cf_codec.h"

#include <errno.h>
#include <limits.h>
#include <lz4.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "cf_error.h"
#include "cf_transport.h"

#define KEEP_BYTES (((size_t)4 << 20) + ((size_t)64 << 10)) /* one default piece's bound */
#define GAIN 0.9 /* compress only when the model says at least 10% faster */

/* ---- Modes ---------------------------------------------------------------- */

int cf_compress_parse(const char *s, enum cf_compress_mode *mode, int *level, char *err,
                      size_t errlen)
{
  *level = 1;
  if (!strcmp(s, "none")) {
    *mode = CF_COMPRESS_NONE;
  } else if (!strcmp(s, "lz4")) {
    *mode = CF_COMPRESS_LZ4;
  } else if (!strcmp(s, "auto")) {
    *mode = CF_COMPRESS_AUTO;
  } else if (!strncmp(s, "zstd", 4) && (s[4] == 0 || s[4] == ':')) {
    *mode = CF_COMPRESS_ZSTD;
    if (s[4] == ':') {
      char *end;
      long v;

      errno = 0;
      v = strtol(s + 5, &end, 10);
      if (errno || end == s + 5 || *end || v < CF_COMPRESS_LEVEL_MIN ||
          v > CF_COMPRESS_LEVEL_MAX || v == 0)
        return cf_fail(err, errlen, CF_EINVAL, "\"%s\": the zstd level must be %d to -1 or "
                       "1 to %d", s, CF_COMPRESS_LEVEL_MIN, CF_COMPRESS_LEVEL_MAX);
      *level = (int)v;
    }
  } else {
    return cf_fail(err, errlen, CF_EINVAL, "\"%s\" is not auto, none, lz4 or zstd[:LEVEL]", s);
  }
  return 0;
}

void cf_compress_format(enum cf_compress_mode mode, int level, char *out, size_t outlen)
{
  switch (mode) {
  case CF_COMPRESS_NONE: snprintf(out, outlen, "none"); break;
  case CF_COMPRESS_LZ4: snprintf(out, outlen, "lz4"); break;
  case CF_COMPRESS_ZSTD: snprintf(out, outlen, "zstd:%d", level); break;
  default: snprintf(out, outlen, "auto"); break;
  }
}

void cf_compressor_init(struct cf_compressor *z, enum cf_compress_mode mode, int level)
{
  memset(z, 0, sizeof *z);
  z->backoff = 1;
  cf_compressor_set(z, mode, level);
}

void cf_compressor_set(struct cf_compressor *z, enum cf_compress_mode mode, int level)
{
  z->mode = mode;
  z->level = level;
  z->paying = 0;
  z->skip = 0;
  z->backoff = 1;
}

void cf_compressor_free(struct cf_compressor *z)
{
  ZSTD_freeCCtx(z->zwhole);
  ZSTD_freeCCtx(z->zprobe);
  free(z->buf);
  memset(z, 0, sizeof *z);
}

void cf_compressor_release(struct cf_compressor *z)
{
  if (z->cap > KEEP_BYTES) {
    free(z->buf);
    z->buf = NULL;
    z->cap = 0;
  }
}

/* ---- Encoding ------------------------------------------------------------- */

static int reserve(struct cf_compressor *z, size_t need)
{
  if (z->cap < need) {
    uint8_t *b = malloc(need);

    if (!b)
      return -1;
    free(z->buf);
    z->buf = b;
    z->cap = need;
  }
  return 0;
}

/* Encode src[0, len) into dst (room cap) with codec, Zstandard in the
 * context zctx; the encoded length, or 0 when it failed or would not be
 * smaller. */
static size_t encode(enum cf_codec codec, void *zctx, int level, const void *src, size_t len,
                     void *dst, size_t cap)
{
  if (codec == CF_CODEC_LZ4) {
    int n;

    if (len > LZ4_MAX_INPUT_SIZE)
      return 0;
    n = LZ4_compress_default(src, dst, (int)len, cap > INT_MAX ? INT_MAX : (int)cap);
    return n > 0 && (size_t)n < len ? (size_t)n : 0;
  } else {
    size_t n = ZSTD_compressCCtx(zctx, dst, cap, src, len, level);
    return !ZSTD_isError(n) && n < len ? n : 0;
  }
}

static size_t bound(enum cf_codec codec, size_t len)
{
  return codec == CF_CODEC_LZ4 ? (size_t)LZ4_compressBound(len > LZ4_MAX_INPUT_SIZE ? 0 : (int)len)
                               : ZSTD_compressBound(len);
}

/* Whether the model says compressing pays at the measured speed and ratio. */
static int pays(const struct cf_compressor *z)
{
  double link = z->link_bps > 0 ? z->link_bps : CF_COMPRESS_LINK_GUESS;
  double raw = 1.0 / link;
  double packed = 1.0 / z->codec_bps + z->ratio / link;

  return z->codec_bps > 0 && packed < raw * GAIN;
}

/* Learn the codec's speed from encoding in bytes in ns nanoseconds. Smoothed:
 * one payload preempted must not stop compression. */
static void learn_speed(struct cf_compressor *z, size_t in, uint64_t ns)
{
  double bps = (double)in * 1e9 / (double)(ns ? ns : 1);

  z->codec_bps = z->codec_bps > 0 ? 0.5 * z->codec_bps + 0.5 * bps : bps;
}

static void back_off(struct cf_compressor *z)
{
  z->paying = 0;
  z->skip = z->backoff;
  z->backoff = z->backoff * 2 > CF_COMPRESS_BACKOFF_MAX ? CF_COMPRESS_BACKOFF_MAX
                                                       : z->backoff * 2;
}

/* auto's probe of a payload longer than the sample: CF_COMPRESS_SAMPLE bytes
 * from its middle, in a context of its own. Zstandard sets a context up
 * again, at many times the cost of compressing, whenever the input size
 * changes; so probes and whole payloads keep separate contexts, and the
 * first probe runs twice, timed the second time. */
static void probe(struct cf_compressor *z, const uint8_t *src, size_t len)
{
  const uint8_t *at = src + (len - CF_COMPRESS_SAMPLE) / 2;
  uint64_t t0;
  size_t n;

  z->stats.probes++;
  if (!z->probe_warm) {
    (void)encode(CF_CODEC_ZSTD, z->zprobe, 1, at, CF_COMPRESS_SAMPLE, z->buf, z->cap);
    z->probe_warm = 1;
  }
  t0 = cf_monotonic_ns();
  n = encode(CF_CODEC_ZSTD, z->zprobe, 1, at, CF_COMPRESS_SAMPLE, z->buf, z->cap);
  learn_speed(z, CF_COMPRESS_SAMPLE, cf_monotonic_ns() - t0);
  z->ratio = n ? (double)n / CF_COMPRESS_SAMPLE : 1.0;
}

/* auto: whole payloads while compressing pays, probes and back-off while it
 * does not. Returns the encoded length or 0 (send raw). */
static size_t compress_auto(struct cf_compressor *z, const void *src, size_t len)
{
  void *ctx = len > CF_COMPRESS_SAMPLE ? z->zwhole : z->zprobe;
  uint64_t t0;
  size_t n;
  int warmed;

  if (!z->paying) {
    if (z->skip) {
      z->skip--;
      return 0;
    }
    if (len > CF_COMPRESS_SAMPLE) {
      probe(z, src, len);
      if (!pays(z)) {
        back_off(z);
        return 0;
      }
    } else {
      z->stats.probes++;
    }
  }
  /* A size other than the last one's sets the context up again, so its
   * time says nothing of the codec's speed. With no speed known yet (a
   * small payload, which no probe measured), set it up untimed first. */
  warmed = !z->codec_bps && len != z->last_len;
  if (warmed)
    (void)encode(CF_CODEC_ZSTD, ctx, 1, src, len, z->buf, z->cap);
  t0 = cf_monotonic_ns();
  n = encode(CF_CODEC_ZSTD, ctx, 1, src, len, z->buf, z->cap);
  if (len == z->last_len || warmed)
    learn_speed(z, len, cf_monotonic_ns() - t0);
  z->last_len = len;
  z->ratio = n ? (double)n / (double)len : 1.0;
  if (pays(z)) {
    z->paying = 1;
    z->backoff = 1;
  } else {
    back_off(z);
  }
  return n;
}

enum cf_codec cf_compress(struct cf_compressor *z, const void *src, size_t len,
                          const void **out, size_t *out_len)
{
  enum cf_codec codec = z->mode == CF_COMPRESS_LZ4 ? CF_CODEC_LZ4 : CF_CODEC_ZSTD;
  size_t n;

  *out = src;
  *out_len = len;
  z->stats.payloads++;
  z->stats.raw_bytes += len;
  if (z->mode == CF_COMPRESS_NONE || len < CF_COMPRESS_MIN ||
      reserve(z, bound(codec, len)) != 0 ||
      (codec == CF_CODEC_ZSTD && !z->zwhole && !(z->zwhole = ZSTD_createCCtx())) ||
      (z->mode == CF_COMPRESS_AUTO && !z->zprobe && !(z->zprobe = ZSTD_createCCtx())))
    goto raw;
  n = z->mode == CF_COMPRESS_AUTO ? compress_auto(z, src, len)
                                  : encode(codec, z->zwhole, z->level, src, len, z->buf, z->cap);
  if (n) {
    *out = z->buf;
    *out_len = n;
    z->stats.compressed++;
    z->stats.wire_bytes += n;
    return codec;
  }
raw:
  z->stats.wire_bytes += len;
  return CF_CODEC_RAW;
}

void cf_compressor_note_link(struct cf_compressor *z, double bytes_per_s, int lower_bound)
{
  if (bytes_per_s <= 0 || (lower_bound && bytes_per_s <= z->link_bps))
    return;
  z->link_bps = z->link_bps > 0 ? 0.5 * z->link_bps + 0.5 * bytes_per_s : bytes_per_s;
}

/* ---- Decoding ------------------------------------------------------------- */

int cf_decompress(enum cf_codec codec, const void *src, size_t len, void *dst, size_t raw_len)
{
  if (codec == CF_CODEC_LZ4) {
    int n;

    if (len > INT_MAX || raw_len > INT_MAX)
      return CF_EPROTO;
    n = LZ4_decompress_safe(src, dst, (int)len, (int)raw_len);
    return n >= 0 && (size_t)n == raw_len ? 0 : CF_EPROTO;
  }
  if (codec == CF_CODEC_ZSTD) {
    size_t n = ZSTD_decompress(dst, raw_len, src, len);

    return !ZSTD_isError(n) && n == raw_len ? 0 : CF_EPROTO;
  }
  return CF_EPROTO;
}
