/* The device printf of the PTX interpreter: vprintf(fmt, args) as nvcc
 * calls it, and __assertfail for device-side assert().
 *
 * nvcc packs printf's arguments into a local buffer and passes its generic
 * address: each argument at its natural alignment, ints and chars (and
 * anything shorter, promoted) as 4 bytes, long, long long, pointers and
 * doubles (float is promoted) as 8. The format string and %s strings are
 * read from device memory (any space, through the generic accessor), each
 * at most PF_MAX_STR bytes; the formatted text is cut at PF_MAX_OUT bytes
 * and written to stdout with one fwrite and an fflush per call, under a
 * process-wide lock so lines from worker threads do not interleave. Each
 * conversion is passed to the host snprintf only after it has been rebuilt
 * from checked parts (flags, clamped width and precision, a whitelisted
 * conversion), so a hostile format cannot reach the host's printf
 * machinery. Returns what CUDA documents for printf: the number of
 * arguments consumed (-1 for a NULL format), not a character count. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "ptx_internal.h"
#include "ptx_mem.h"

#define PF_MAX_STR   4096   /* bytes read from one format or %s string */
#define PF_MAX_OUT   8192   /* bytes written by one printf */
#define PF_MAX_WIDTH 512    /* width and precision are clamped to this */

static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;

struct pf {
  struct cf__ptx_block *b;
  struct cf__ptx_thread *t;
  const struct cf__ptx_insn *i;
  uint64_t ap;             /* next argument (generic address) */
  char out[PF_MAX_OUT];
  size_t n;
};

static void put(struct pf *f, const char *s, size_t n) {
  if (n > sizeof f->out - f->n)
    n = sizeof f->out - f->n;
  memcpy(f->out + f->n, s, n);
  f->n += n;
}

/* A NUL-terminated string at generic address a, at most max bytes, into
 * buf (max + 1 bytes). Returns its length or -1 when unreadable. */
static long rd_str(struct pf *f, uint64_t a, char *buf, size_t max) {
  size_t n = 0;
  while (n < max) {
    const uint8_t *p = cf__ptx_mem(f->b, f->t, CF__PTX_SP_GENERIC, a + n, 1, 0);
    if (p == NULL)
      return -1;
    if (*p == 0)
      break;
    buf[n++] = (char)*p;
  }
  buf[n] = '\0';
  return (long)n;
}

/* The next argument of size bytes (4 or 8), aligned; 0 or -1. */
static int arg(struct pf *f, unsigned size, uint64_t *v) {
  uint64_t a = (f->ap + size - 1) & ~(uint64_t)(size - 1);
  const uint8_t *p = cf__ptx_mem(f->b, f->t, CF__PTX_SP_GENERIC, a, size, 0);
  *v = 0;
  if (p == NULL)
    return -1;
  memcpy(v, p, size);
  f->ap = a + size;
  return 0;
}

static int clamp(long v) {
  return v > PF_MAX_WIDTH ? PF_MAX_WIDTH : v < -PF_MAX_WIDTH ? -PF_MAX_WIDTH
                                                             : (int)v;
}

/* One conversion at fmt[*k] (after the '%'). Returns 0, 1 when it consumed
 * no argument (text copied as is), or -1 for an unreadable argument. */
static int conv(struct pf *f, const char *fmt, size_t *k, int *nargs) {
  size_t start = *k - 1, j = *k;
  char flags[8];
  size_t nf = 0;
  while (fmt[j] != '\0' && strchr("-+ #0", fmt[j]) != NULL) {
    if (nf < sizeof flags - 1)
      flags[nf++] = fmt[j];
    j++;
  }
  flags[nf] = '\0';
  int width = -1, prec = -1;
  uint64_t v;
  if (fmt[j] == '*') {
    if (arg(f, 4, &v) != 0)
      return -1;
    (*nargs)++;
    width = clamp((int32_t)v);
    j++;
  } else {
    long w = -1;
    for (; fmt[j] >= '0' && fmt[j] <= '9'; j++)
      w = w < 0 ? fmt[j] - '0' : w < 99999 ? w * 10 + (fmt[j] - '0') : w;
    width = w < 0 ? -1 : clamp(w);
  }
  if (fmt[j] == '.') {
    j++;
    if (fmt[j] == '*') {
      if (arg(f, 4, &v) != 0)
        return -1;
      (*nargs)++;
      int32_t pv = (int32_t)v;
      prec = pv < 0 ? -1 : clamp(pv);
      j++;
    } else {
      long p = 0;
      for (; fmt[j] >= '0' && fmt[j] <= '9'; j++)
        p = p < 99999 ? p * 10 + (fmt[j] - '0') : p;
      prec = clamp(p);
    }
  }
  int wide = 0, half = 0;   /* 8-byte integer; h (1) or hh (2) */
  for (;;) {
    char c = fmt[j];
    if (c == 'l' || c == 'L' || c == 'z' || c == 'j' || c == 't' || c == 'q')
      wide = 1;
    else if (c == 'h')
      half++;
    else
      break;
    j++;
  }
  char c = fmt[j];
  if (c == '\0' || strchr("diuxXocsfFeEgGaAp", c) == NULL) {
    /* not a conversion we know: copy the text, consume nothing */
    size_t end = c == '\0' ? j : j + 1;
    put(f, fmt + start, end - start);
    *k = end;
    return 1;
  }
  *k = j + 1;
  char spec[48], tmp[PF_MAX_STR + 2 * PF_MAX_WIDTH + 64];
  int n = snprintf(spec, sizeof spec, "%%%s", flags);
  if (width >= 0)
    n += snprintf(spec + n, sizeof spec - (size_t)n, "%d", width);
  else if (width < -1)
    n += snprintf(spec + n, sizeof spec - (size_t)n, "-%d", -width);
  if (prec >= 0)
    n += snprintf(spec + n, sizeof spec - (size_t)n, ".%d", prec);
  int len = 0;
  (*nargs)++;
  switch (c) {
  case 'd': case 'i': {
    if (arg(f, wide ? 8 : 4, &v) != 0)
      return -1;
    long long x = wide ? (long long)(int64_t)v : (long long)(int32_t)v;
    if (half == 1)
      x = (short)x;
    else if (half >= 2)
      x = (signed char)x;
    snprintf(spec + n, sizeof spec - (size_t)n, "ll%c", c);
    len = snprintf(tmp, sizeof tmp, spec, x);
    break;
  }
  case 'u': case 'x': case 'X': case 'o': {
    if (arg(f, wide ? 8 : 4, &v) != 0)
      return -1;
    unsigned long long x = wide ? v : (uint32_t)v;
    if (half == 1)
      x = (unsigned short)x;
    else if (half >= 2)
      x = (unsigned char)x;
    snprintf(spec + n, sizeof spec - (size_t)n, "ll%c", c);
    len = snprintf(tmp, sizeof tmp, spec, x);
    break;
  }
  case 'c':
    if (arg(f, 4, &v) != 0)
      return -1;
    snprintf(spec + n, sizeof spec - (size_t)n, "c");
    len = snprintf(tmp, sizeof tmp, spec, (int)(unsigned char)v);
    break;
  case 's': {
    if (arg(f, 8, &v) != 0)
      return -1;
    char s[PF_MAX_STR + 1];
    if (v == 0)
      strcpy(s, "(null)");
    else if (rd_str(f, v, s, prec >= 0 ? (size_t)prec : PF_MAX_STR) < 0)
      return -1;
    snprintf(spec + n, sizeof spec - (size_t)n, "s");
    len = snprintf(tmp, sizeof tmp, spec, s);
    break;
  }
  case 'p':
    if (arg(f, 8, &v) != 0)
      return -1;
    snprintf(spec + n, sizeof spec - (size_t)n, "p");
    len = snprintf(tmp, sizeof tmp, spec, (void *)(uintptr_t)v);
    break;
  default: {   /* f F e E g G a A: a double */
    if (arg(f, 8, &v) != 0)
      return -1;
    double d;
    memcpy(&d, &v, 8);
    snprintf(spec + n, sizeof spec - (size_t)n, "%c", c);
    len = snprintf(tmp, sizeof tmp, spec, d);
    break;
  }
  }
  if (len > 0)
    put(f, tmp, (size_t)len < sizeof tmp ? (size_t)len : sizeof tmp - 1);
  return 0;
}

int cf__ptx_vprintf(struct cf__ptx_block *b, struct cf__ptx_thread *t,
                    const struct cf__ptx_insn *i, uint64_t fmt, uint64_t args,
                    int32_t *ret) {
  *ret = 0;
  if (fmt == 0) {
    *ret = -1;
    return 0;
  }
  static _Thread_local struct pf f;
  static _Thread_local char text[PF_MAX_STR + 1];
  f.b = b;
  f.t = t;
  f.i = i;
  f.ap = args;
  f.n = 0;
  if (rd_str(&f, fmt, text, PF_MAX_STR) < 0)
    return cf__ptx_fault(b, i, 700, "printf format at 0x%llx is unreadable",
                         (unsigned long long)fmt);
  int nargs = 0;
  for (size_t k = 0; text[k] != '\0';) {
    if (text[k] != '%') {
      size_t e = k;
      while (text[e] != '\0' && text[e] != '%')
        e++;
      put(&f, text + k, e - k);
      k = e;
      continue;
    }
    if (text[k + 1] == '%') {
      put(&f, "%", 1);
      k += 2;
      continue;
    }
    k++;
    if (conv(&f, text, &k, &nargs) < 0)
      return cf__ptx_fault(b, i, 700, "printf argument %d at 0x%llx is "
                           "unreadable", nargs, (unsigned long long)f.ap);
  }
  pthread_mutex_lock(&out_lock);
  fwrite(f.out, 1, f.n, stdout);
  fflush(stdout);
  pthread_mutex_unlock(&out_lock);
  *ret = nargs;
  return 0;
}

int cf__ptx_assertfail(struct cf__ptx_block *b, struct cf__ptx_thread *t,
                       const struct cf__ptx_insn *i, const uint64_t a[5]) {
  static _Thread_local struct pf f;
  static _Thread_local char msg[256], file[256], func[256];
  f.b = b;
  f.t = t;
  if (rd_str(&f, a[0], msg, sizeof msg - 1) < 0)
    strcpy(msg, "?");
  if (rd_str(&f, a[1], file, sizeof file - 1) < 0)
    strcpy(file, "?");
  if (rd_str(&f, a[3], func, sizeof func - 1) < 0)
    strcpy(func, "?");
  const uint64_t *s = t->r + CF__PTX_SLOT_SREG0;
  pthread_mutex_lock(&out_lock);
  fprintf(stderr, "%s:%u: %s: block: [%u,%u,%u], thread: [%u,%u,%u] "
          "Assertion `%s` failed.\n", file, (unsigned)a[2], func,
          (unsigned)s[CF__PTX_SR_CTAID_X], (unsigned)s[CF__PTX_SR_CTAID_Y],
          (unsigned)s[CF__PTX_SR_CTAID_Z], (unsigned)s[CF__PTX_SR_TID_X],
          (unsigned)s[CF__PTX_SR_TID_Y], (unsigned)s[CF__PTX_SR_TID_Z], msg);
  fflush(stderr);
  pthread_mutex_unlock(&out_lock);
  return cf__ptx_fault(b, i, 710, "assertion `%s` failed at %s:%u", msg, file,
                       (unsigned)a[2]);
}
