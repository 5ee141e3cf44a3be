/* The plain-build driver shared by every fuzz target (dav1d
 * tests/libfuzzer/main.c style). A target defines LLVMFuzzerTestOneInput
 * and, outside -DCF_FUZZ_LIBFUZZER builds, a struct cf_fuzz_replay and
 *
 *   int main(int argc, char **argv)
 *   { return cf_fuzz_replay_main(argc, argv, &replay); }
 *
 * cf_fuzz_replay_main takes its seeds from the target's built-in list, from
 * every file of each folder named on the command line, and from each plain
 * file named there (or hands those to the target's plain_file hook). Each
 * seed runs as is, cut at every byte of its first cut_dense bytes and at
 * sampled points after that, and then through a fixed number of
 * deterministic mutations (the generic mutator below or the target's own).
 * Every input is passed as an exact-size heap copy, so AddressSanitizer sees
 * a read past its end. Same inputs on every run and every machine: a failure
 * here is reproducible with the same command.
 *
 * With -DCF_FUZZ_LIBFUZZER (the -Dfuzz=true build) libFuzzer provides main
 * and this header only declares the entry point.
 *
 * Single-threaded; everything here is file-static, so include it from one
 * translation unit per program. */
#ifndef CF_FUZZ_REPLAY_H
#define CF_FUZZ_REPLAY_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Where a target writes why it aborts: stderr, or its copy while a quiet
 * replay sends stderr to /dev/null. */
static int cf_fuzz_report_fd __attribute__((unused)) = 2;

#ifndef CF_FUZZ_LIBFUZZER

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CF_FUZZ_MAX_SEEDS 512
#define CF_FUZZ_DEFAULT_MAX_INPUT (64u * 1024)

struct cf_fuzz_seed {
  uint8_t *b;
  size_t len;
};

/* What a target tells the driver; zero fields take the defaults named. */
struct cf_fuzz_replay {
  const char *name;           /* for messages: "fuzz_frame" */
  size_t max_input;           /* bytes kept of a seed file; 0: 64 KiB */
  unsigned mutations;         /* per seed */
  size_t cut_dense;           /* cut at every byte below this ... */
  unsigned cut_samples;       /* ... and at about this many points after */
  const char *const *dict;    /* tokens the generic mutator inserts */
  size_t n_dict;
  const uint64_t *values;     /* values it writes into 1/2/4/8-byte fields */
  size_t n_values;
  void (*builtin)(void);      /* adds built-in seeds (cf_fuzz_add_seed) */
  /* A plain file named on the command line; NULL: it is a seed. */
  void (*plain_file)(const uint8_t *b, size_t len);
  void (*prepare)(void);      /* after loading, before the first run */
  /* Mutate b (len bytes of seed s, cap bytes of room); returns the new
   * length. NULL: cf_fuzz_mutate. */
  size_t (*mutate)(uint8_t *b, size_t len, size_t cap, const struct cf_fuzz_seed *s);
  int quiet;                  /* stderr to /dev/null while running */
  void (*summary)(char *buf, size_t len); /* extra words for the last line */
};

static struct cf_fuzz_seed cf_fuzz_seeds[CF_FUZZ_MAX_SEEDS];
static unsigned cf_fuzz_nseeds;
static const struct cf_fuzz_replay *cf_fuzz_cfg;
static uint64_t cf_fuzz_rng_state = 0x9E3779B97F4A7C15ull;

/* xorshift64: the same sequence on every run. */
static inline uint32_t cf_fuzz_rng(void)
{
  cf_fuzz_rng_state ^= cf_fuzz_rng_state << 13;
  cf_fuzz_rng_state ^= cf_fuzz_rng_state >> 7;
  cf_fuzz_rng_state ^= cf_fuzz_rng_state << 17;
  return (uint32_t)(cf_fuzz_rng_state >> 11);
}

/* Copy n bytes at p into the seed list; ignored once it is full. */
static inline void cf_fuzz_add_seed(const void *p, size_t n)
{
  if (cf_fuzz_nseeds == CF_FUZZ_MAX_SEEDS)
    return;
  uint8_t *b = malloc(n ? n : 1);
  if (!b)
    abort();
  if (n)
    memcpy(b, p, n);
  cf_fuzz_seeds[cf_fuzz_nseeds].b = b;
  cf_fuzz_seeds[cf_fuzz_nseeds++].len = n;
}

/* The whole file at path (at most max bytes) in a malloc'd buffer. Exits
 * when it cannot be read: a missing seed is a broken test. */
static inline uint8_t *cf_fuzz_read_file(const char *path, size_t max, size_t *len)
{
  FILE *f = fopen(path, "rb");
  uint8_t *b = malloc(max ? max : 1);

  if (!f || !b) {
    fprintf(stderr, "%s: cannot read %s\n", cf_fuzz_cfg->name, path);
    exit(1);
  }
  *len = fread(b, 1, max, f);
  fclose(f);
  return b;
}

static inline void cf_fuzz_put_le(uint8_t *p, uint64_t v, int n)
{
  for (int i = 0; i < n; i++)
    p[i] = (uint8_t)(v >> (8 * i));
}

/* Delete up to 32 bytes at at; returns the new length. */
static inline size_t cf_fuzz_delete_run(uint8_t *b, size_t len, size_t at)
{
  size_t k = 1 + cf_fuzz_rng() % 32;

  if (k > len - at)
    k = len - at;
  memmove(b + at, b + at + k, len - at - k);
  return len - k;
}

/* Copy a run of up to 64 bytes from a random place to at (if cap allows);
 * returns the new length. */
static inline size_t cf_fuzz_duplicate_run(uint8_t *b, size_t len, size_t cap, size_t at)
{
  size_t from = len ? cf_fuzz_rng() % len : 0, k = 1 + cf_fuzz_rng() % 64;

  if (k > len - from)
    k = len - from;
  if (len + k <= cap) {
    memmove(b + at + k, b + at, len - at);
    memmove(b + at, b + from + (from >= at ? k : 0), k);
    len += k;
  }
  return len;
}

/* Insert the k bytes at w at at (if cap allows); returns the new length. */
static inline size_t cf_fuzz_insert(uint8_t *b, size_t len, size_t cap, size_t at,
                                    const void *w, size_t k)
{
  if (len + k <= cap) {
    memmove(b + at + k, b + at, len - at);
    memcpy(b + at, w, k);
    len += k;
  }
  return len;
}

/* The generic mutator: one to four edits of bits, bytes, fields (values),
 * runs (deleted, duplicated, copied from another seed), tokens (dict) and
 * the end (truncation). */
static inline size_t cf_fuzz_mutate(uint8_t *b, size_t len, size_t cap,
                                    const struct cf_fuzz_seed *s)
{
  const struct cf_fuzz_replay *r = cf_fuzz_cfg;
  unsigned edits = 1 + cf_fuzz_rng() % 4;

  (void)s;
  for (unsigned e = 0; e < edits; e++) {
    size_t at = len ? cf_fuzz_rng() % len : 0;
    switch (cf_fuzz_rng() % 9) {
    case 0:                             /* flip a bit */
      if (len)
        b[at] ^= (uint8_t)(1u << (cf_fuzz_rng() % 8));
      break;
    case 1:                             /* a random byte */
      if (len)
        b[at] = (uint8_t)cf_fuzz_rng();
      break;
    case 2: {                           /* a field gets an edge value */
      static const uint64_t edge[] = { 0, 1, 0x7f, 0x80, 0xff, 0xffff, 0x7fffffff,
                                       0x80000000u, 0xffffffffu,
                                       0xffffffffffffffffull };
      const uint64_t *v = r->n_values ? r->values : edge;
      size_t nv = r->n_values ? r->n_values : sizeof edge / sizeof *edge;
      int w = 1 << (cf_fuzz_rng() % 4);
      at &= ~(size_t)(w - 1);           /* fields sit at multiples of their width */
      if (at + (size_t)w <= len)
        cf_fuzz_put_le(b + at, v[cf_fuzz_rng() % nv] + (cf_fuzz_rng() % 3) - 1, w);
      break;
    }
    case 3:                             /* truncate */
      len = at;
      break;
    case 4:                             /* delete a run */
      len = cf_fuzz_delete_run(b, len, at);
      break;
    case 5:                             /* duplicate a run */
      len = cf_fuzz_duplicate_run(b, len, cap, at);
      break;
    case 6: {                           /* insert a run of another seed */
      const struct cf_fuzz_seed *o = &cf_fuzz_seeds[cf_fuzz_rng() % cf_fuzz_nseeds];
      size_t k = 1 + cf_fuzz_rng() % 128, from = o->len ? cf_fuzz_rng() % o->len : 0;
      if (k > o->len - from)
        k = o->len - from;
      if (len + k <= cap) {
        memmove(b + at + k, b + at, len - at);
        memcpy(b + at, o->b + from, k);
        len += k;
      }
      break;
    }
    default: {                          /* insert a token (or a byte) */
      char one = (char)cf_fuzz_rng();
      const char *w = r->n_dict ? r->dict[cf_fuzz_rng() % r->n_dict] : &one;
      size_t k = r->n_dict ? strlen(w) : 1;
      if (k == 0)
        k = 1;                          /* "" in a dict: a NUL byte */
      len = cf_fuzz_insert(b, len, cap, at, w, k);
      break;
    }
    }
  }
  return len;
}

/* One input, as an exact-size copy. */
static inline void cf_fuzz_run(const uint8_t *p, size_t n)
{
  uint8_t *c = malloc(n ? n : 1);

  if (!c)
    abort();
  memcpy(c, p, n);
  LLVMFuzzerTestOneInput(c, n);
  free(c);
}

static inline void cf_fuzz_add_path(const char *path)
{
  const struct cf_fuzz_replay *r = cf_fuzz_cfg;
  size_t max = r->max_input ? r->max_input : CF_FUZZ_DEFAULT_MAX_INPUT, len;
  DIR *d = opendir(path);
  struct dirent *e;
  uint8_t *b;

  if (!d) {
    b = cf_fuzz_read_file(path, max, &len);
    if (r->plain_file)
      r->plain_file(b, len);
    else
      cf_fuzz_add_seed(b, len);
    free(b);
    return;
  }
  while ((e = readdir(d))) {
    char p[4096];

    if (e->d_name[0] == '.')
      continue;
    snprintf(p, sizeof p, "%s/%s", path, e->d_name);
    b = cf_fuzz_read_file(p, max, &len);
    cf_fuzz_add_seed(b, len);
    free(b);
  }
  closedir(d);
}

/* Load the seeds, run them, their cuts and their mutations; prints one
 * summary line. Returns 0 (an invariant failure aborts), 1 when there is
 * nothing to run. */
static inline int cf_fuzz_replay_main(int argc, char **argv, const struct cf_fuzz_replay *r)
{
  extern void __sanitizer_set_report_fd(void *fd) __attribute__((weak));
  size_t max = r->max_input ? r->max_input : CF_FUZZ_DEFAULT_MAX_INPUT;
  size_t cap = max + 4096;
  unsigned long runs = 0;
  char extra[256] = "";
  int saved = -1;

  cf_fuzz_cfg = r;
  if (r->builtin)
    r->builtin();
  for (int i = 1; i < argc; i++)
    cf_fuzz_add_path(argv[i]);
  if (r->prepare)
    r->prepare();
  if (cf_fuzz_nseeds == 0) {
    fprintf(stderr, "%s: no seeds (usage: %s [CORPUS_DIR | FILE]...)\n", r->name,
            argv[0]);
    return 1;
  }
  if (r->quiet) {
    /* Corrupt inputs log a line each: keep a copy of stderr for sanitizer
     * reports and invariant failures, and send the rest to /dev/null. */
    int null = open("/dev/null", O_WRONLY);
    fflush(stderr);
    saved = dup(2);
    if (saved >= 0)
      cf_fuzz_report_fd = saved;
    if (__sanitizer_set_report_fd && saved >= 0)
      __sanitizer_set_report_fd((void *)(intptr_t)saved);
    if (null >= 0 && saved >= 0)
      dup2(null, 2);
    if (null >= 0)
      close(null);
  }

  uint8_t *b = malloc(cap);
  if (!b)
    abort();
  unsigned base = cf_fuzz_nseeds;      /* mutations may not add seeds */
  for (unsigned i = 0; i < base; i++) {
    const struct cf_fuzz_seed *s = &cf_fuzz_seeds[i];
    size_t step = s->len / (r->cut_samples ? r->cut_samples : 16) + 1;

    cf_fuzz_run(s->b, s->len), runs++;
    for (size_t cut = 0; cut < s->len; cut += cut < r->cut_dense ? 1 : step)
      cf_fuzz_run(s->b, cut), runs++;
    for (unsigned m = 0; m < r->mutations; m++) {
      size_t n = s->len < cap ? s->len : cap;
      memcpy(b, s->b, n);
      n = (r->mutate ? r->mutate : cf_fuzz_mutate)(b, n, cap, s);
      cf_fuzz_run(b, n), runs++;
    }
  }
  free(b);
  for (unsigned i = 0; i < cf_fuzz_nseeds; i++)
    free(cf_fuzz_seeds[i].b);
  if (saved >= 0) {
    dup2(saved, 2);
    close(saved);
    cf_fuzz_report_fd = 2;
  }
  if (r->summary)
    r->summary(extra, sizeof extra);
  printf("%s: %u seeds, %lu runs%s%s: ok\n", r->name, base, runs, *extra ? ", " : "",
         extra);
  return 0;
}

#endif /* !CF_FUZZ_LIBFUZZER */
#endif
