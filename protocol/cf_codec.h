/* Bulk compression: the codecs a frame's bulk payload may travel in, and the
 * sender's policy that picks one for each payload (a copy piece, a module
 * image, a download's reply).
 *
 * Modes, as the client's `compression` setting names them:
 *   none          every payload raw;
 *   lz4           LZ4 (fast, modest ratios);
 *   zstd[:LEVEL]  Zstandard at LEVEL (default 1; -5 to 19);
 *   auto          the default: Zstandard level 1 while it pays for the link,
 *                 raw otherwise (below).
 * Whatever the mode, a payload under CF_COMPRESS_MIN bytes, or one whose
 * compressed form is not smaller, goes raw: compression never makes a
 * payload bigger.
 *
 * `auto` models a payload's cost both ways and takes the cheaper:
 *   raw:        n / L
 *   compressed: n / C + r n / L
 * with L the link's rate as the connection's TCP measures it
 * (cf_compressor_note_link; until then CF_COMPRESS_LINK_GUESS),
 * C the codec's speed and r its ratio, both measured on this data, and
 * compressed only when that is at least 10% faster. The peer's decompression
 * is left out: Zstandard decodes several times faster than it encodes, and
 * it overlaps the next payload's sending. Compressing does too, in a stream
 * of pieces, which the serial model ignores: it errs towards raw. While
 * compression pays, each payload is compressed whole and its result is the
 * next measurement. Once it does not (data that does not shrink, a fast
 * link), payloads go raw for a back-off count that doubles up to
 * CF_COMPRESS_BACKOFF_MAX payloads, and then a CF_COMPRESS_SAMPLE-byte
 * sample from the middle of the next one probes again. So incompressible
 * data costs one small sample per 64 payloads.
 *
 * A compressor is one sender's state; not thread-safe (the client holds its
 * session lock, a worker has one sending thread). */
#ifndef CF_CODEC_H
#define CF_CODEC_H

#include <stddef.h>
#include <stdint.h>

enum cf_codec { CF_CODEC_RAW = 0, CF_CODEC_LZ4 = 1, CF_CODEC_ZSTD = 2, CF_CODEC_MAX_ = 2 };

enum cf_compress_mode {
  CF_COMPRESS_NONE,
  CF_COMPRESS_LZ4,
  CF_COMPRESS_ZSTD,
  CF_COMPRESS_AUTO,
};

#define CF_COMPRESS_MIN 4096u                  /* smaller payloads go raw */
#define CF_COMPRESS_SAMPLE ((size_t)64 << 10)  /* auto's probe */
#define CF_COMPRESS_BACKOFF_MAX 64u
#define CF_COMPRESS_LINK_GUESS 1.25e9          /* bytes/s: 10 Gbit/s */
#define CF_COMPRESS_LEVEL_MIN (-5)
#define CF_COMPRESS_LEVEL_MAX 19

struct cf_compress_stats {
  uint64_t payloads, compressed; /* payloads seen; those sent compressed */
  uint64_t raw_bytes, wire_bytes;
  uint64_t probes;               /* auto's samples */
};

struct cf_compressor {
  enum cf_compress_mode mode;
  int level;              /* Zstandard's */
  /* auto */
  double link_bps;        /* the link's rate; 0 until TCP measured it */
  double codec_bps;       /* Zstandard's speed on the last data, bytes/s */
  double ratio;           /* its compressed/raw on the last data */
  int paying;             /* compress whole payloads without probing */
  int probe_warm;         /* zprobe has run once */
  size_t last_len;        /* the last payload zwhole compressed */
  uint32_t skip;          /* payloads to send raw before the next probe */
  uint32_t backoff;       /* the next skip */
  void *zwhole, *zprobe;  /* ZSTD_CCtx for payloads and for probes, made on
                             first use */
  uint8_t *buf;           /* compressed output of the last payload */
  size_t cap;
  struct cf_compress_stats stats;
};

/* Parse a mode (the forms above) into *mode and *level. Returns 0, or
 * CF_EINVAL with the reason in err. */
int cf_compress_parse(const char *s, enum cf_compress_mode *mode, int *level, char *err,
                      size_t errlen);

/* Format a mode as cf_compress_parse reads it. */
void cf_compress_format(enum cf_compress_mode mode, int level, char *out, size_t outlen);

void cf_compressor_init(struct cf_compressor *z, enum cf_compress_mode mode, int level);
/* Change the mode; measurements and buffers stay. */
void cf_compressor_set(struct cf_compressor *z, enum cf_compress_mode mode, int level);
void cf_compressor_free(struct cf_compressor *z);

/* Pick a codec for the payload src[0, len) and encode it. Returns the codec;
 * *out and *out_len are what to send: src itself for CF_CODEC_RAW, else the
 * compressor's buffer, valid until the next call or cf_compressor_release. */
enum cf_codec cf_compress(struct cf_compressor *z, const void *src, size_t len,
                          const void **out, size_t *out_len);

/* Drop a large output buffer once its bytes are sent (memory stays bounded
 * by the largest payload in flight, not the largest ever sent). */
void cf_compressor_release(struct cf_compressor *z);

/* The link carries bytes_per_s (as TCP measured it: cf_conn_link_rate);
 * lower_bound: the sender did not keep it busy, so it may be faster, and
 * the measurement only counts when it raises the estimate. */
void cf_compressor_note_link(struct cf_compressor *z, double bytes_per_s, int lower_bound);

/* Decode src[0, len) of codec into dst, which must come out exactly raw_len
 * bytes. Returns 0, or CF_EPROTO for corrupt or mis-sized data (nothing
 * beyond dst[raw_len) is touched). */
int cf_decompress(enum cf_codec codec, const void *src, size_t len, void *dst, size_t raw_len);

#endif
