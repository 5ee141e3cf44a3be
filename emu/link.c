/* JIT linking (cuLinkCreate/AddData/AddFile/Complete/Destroy) for an
 * emulator that runs PTX: the "linked image" is one PTX text that
 * cuModuleLoadData(Ex) of this emulator loads like any other.
 *
 * Inputs are PTX text or fatbins (their best PTX entry, chosen by fatbin.c);
 * cubins, objects, libraries and LTO-IR are refused with a log line naming
 * the type. cuLinkComplete joins the inputs in order under one header (the
 * highest .version and .target among them) and resolves symbols across them
 * the way a linker does, at the level of module-scope PTX statements:
 *  - `.extern .func f` declarations stay: the PTX front end lets a
 *    declaration and a later definition of f share one table entry;
 *  - a symbol with two strong definitions, or one that is declared .extern
 *    and defined nowhere (vprintf and __assertfail are the interpreter's),
 *    fails the link with CUDA_ERROR_INVALID_PTX naming it;
 *  - of .weak/.common definitions the strong one or the first wins; losing
 *    function definitions become declarations, losing variables vanish
 *    (`.extern .shared`, the dynamic shared area, counts as weak);
 *  - the front end has no `.extern` variables, so a variable's winning
 *    definition is moved to where the symbol first appears and its other
 *    declarations are dropped;
 *  - file-local symbols (no .visible/.extern/.weak/.common) that clash with
 *    another input's are renamed in the later input (name$cfN).
 * Dropped text is replaced by as many newlines as it held, so a front-end
 * error's line maps back to the input and line it came from. The joined
 * text is parsed once at cuLinkComplete so that errors surface there, as
 * with a real JIT linker.
 *
 * Inputs are copied at cuLinkAdd*, so callers may free theirs; the image
 * belongs to the link state until cuLinkDestroy. Entry points take the
 * global lock to check the handle; a state must not be used from two
 * threads at once (CUDA says the same). Link states belong to no context. */
#include "internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cf_error.h"
#include "cf_log.h"

#define MAX_INPUTS     4096u
#define MAX_NAME       200u
#define MAX_LINK_BYTES CF_EMU_MAX_IMAGE_BYTES

struct input {
  char *name;           /* for messages: the caller's name or "input N" */
  char *text;           /* NUL-terminated copy */
  size_t len;
};

struct CUlinkState_st {
  struct cf_emu_obj hdr;
  struct cf_emu_jit_opts opts;
  struct input *in;
  unsigned nin;
  size_t total;         /* bytes of all inputs */
  char *image;          /* the linked PTX, NUL-terminated, after Complete */
  size_t image_len;     /* with the NUL */
};

/* ---- A lexer just good enough to find module-scope statements ---------- */

enum tk { T_EOF, T_IDENT, T_DIR, T_NUM, T_STR, T_PUNCT };

struct lexer {
  const char *s;
  size_t pos, end;
};

struct tok {
  enum tk kind;
  size_t off, len;
};

static int id_start(int c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
         c == '$' || c == '%';
}

static int id_char(int c)
{
  return id_start(c) || (c >= '0' && c <= '9');
}

static void lex(struct lexer *lx, struct tok *t)
{
  const char *s = lx->s;
  size_t p = lx->pos, e = lx->end;

  for (;;) {
    while (p < e && (s[p] == ' ' || s[p] == '\t' || s[p] == '\n' ||
                     s[p] == '\r' || s[p] == '\f' || s[p] == '\v'))
      p++;
    if (p + 1 < e && s[p] == '/' && s[p + 1] == '/') {
      while (p < e && s[p] != '\n')
        p++;
    } else if (p + 1 < e && s[p] == '/' && s[p + 1] == '*') {
      p += 2;
      while (p < e && !(s[p] == '*' && p + 1 < e && s[p + 1] == '/'))
        p++;
      p = p < e ? p + 2 : e;
    } else {
      break;
    }
  }
  t->off = p;
  if (p >= e) {
    t->kind = T_EOF;
  } else if (id_start((unsigned char)s[p])) {
    t->kind = T_IDENT;
    while (++p < e && id_char((unsigned char)s[p]))
      ;
  } else if (s[p] == '.' && p + 1 < e && id_start((unsigned char)s[p + 1])) {
    t->kind = T_DIR;
    p++;
    while (++p < e && id_char((unsigned char)s[p]))
      ;
  } else if (s[p] >= '0' && s[p] <= '9') {
    t->kind = T_NUM;
    while (++p < e && (id_char((unsigned char)s[p]) || s[p] == '.'))
      ;
  } else if (s[p] == '"') {
    t->kind = T_STR;
    while (++p < e && s[p] != '"')
      if (s[p] == '\\' && p + 1 < e)
        p++;
    if (p < e)
      p++;
  } else {
    t->kind = T_PUNCT;
    p++;
  }
  t->len = p - t->off;
  lx->pos = p;
}

static int tok_is(const char *s, const struct tok *t, const char *word)
{
  size_t n = strlen(word);
  return t->len == n && !memcmp(s + t->off, word, n);
}

static int punct(const char *s, const struct tok *t, char c)
{
  return t->kind == T_PUNCT && s[t->off] == c;
}

/* ---- Module-scope statements -------------------------------------------- */

enum skind { S_OTHER, S_VERSION, S_TARGET, S_ADDR, S_SKIP, S_ENTRY, S_FUNC,
             S_VAR };

#define L_VISIBLE 1u
#define L_EXTERN  2u
#define L_WEAK    4u
#define L_COMMON  8u

enum action { A_KEEP, A_DROP, A_DECL, A_MOVE };

struct stmt {
  size_t start, end;    /* [start, end) in the input */
  size_t body;          /* a function's '{', or 0 */
  size_t name, name_len;
  enum skind kind;
  unsigned link;
  int shared;           /* a .shared variable */
  unsigned version;     /* .version 9.0 -> 90; .target sm_80 -> 80 */
  enum action act;
  const struct stmt *moved;  /* A_MOVE: the definition emitted here */
  unsigned moved_in;         /* ... and its input */
};

struct scan {
  struct stmt *st;
  unsigned n, cap;
};

static unsigned parse_version(const char *s, const struct tok *t)
{
  unsigned v = 0;
  for (size_t i = 0; i < t->len && v < 100000; i++)
    if (s[t->off + i] >= '0' && s[t->off + i] <= '9')
      v = v * 10 + (unsigned)(s[t->off + i] - '0');
  return v;
}

/* The statement starting with t (not EOF). */
static void scan_stmt(struct lexer *lx, struct tok *t, struct stmt *st)
{
  const char *s = lx->s;
  struct tok u;
  int depth = 0, assign = 0, want_name = 0;

  memset(st, 0, sizeof *st);
  st->start = t->off;
  if (t->kind == T_DIR && (tok_is(s, t, ".version") ||
                           tok_is(s, t, ".address_size"))) {
    st->kind = tok_is(s, t, ".version") ? S_VERSION : S_ADDR;
    lex(lx, &u);
    st->version = u.kind == T_NUM ? parse_version(s, &u) : 0;
    st->end = u.kind == T_EOF ? u.off : u.off + u.len;
    return;
  }
  if (t->kind == T_DIR && tok_is(s, t, ".target")) {
    /* .target sm_80[, option]... */
    st->kind = S_TARGET;
    st->end = t->off + t->len;
    for (;;) {
      lex(lx, &u);
      if (u.kind != T_IDENT)
        break;
      if (u.len > 3 && !memcmp(s + u.off, "sm_", 3))
        st->version = parse_version(s, &u);
      st->end = u.off + u.len;
      size_t save = lx->pos;
      lex(lx, &u);
      if (!punct(s, &u, ',')) {
        lx->pos = save;
        break;
      }
    }
    lx->pos = st->end;
    return;
  }
  if (t->kind == T_DIR && (tok_is(s, t, ".file") || tok_is(s, t, ".loc"))) {
    /* Line directives end at the end of the line, as the front end reads
     * them. */
    size_t p = t->off;
    while (p < lx->end && s[p] != '\n')
      p++;
    st->kind = S_SKIP;
    st->end = lx->pos = p;
    return;
  }
  for (u = *t; u.kind != T_EOF; lex(lx, &u)) {
    st->end = u.off + u.len;
    if (depth == 0 && u.kind == T_DIR && st->kind == S_OTHER && !st->name_len) {
      if (tok_is(s, &u, ".visible")) st->link |= L_VISIBLE;
      else if (tok_is(s, &u, ".extern")) st->link |= L_EXTERN;
      else if (tok_is(s, &u, ".weak")) st->link |= L_WEAK;
      else if (tok_is(s, &u, ".common")) st->link |= L_COMMON;
      else if (tok_is(s, &u, ".entry")) st->kind = S_ENTRY, want_name = 1;
      else if (tok_is(s, &u, ".func")) st->kind = S_FUNC, want_name = 1;
      else if (tok_is(s, &u, ".global") || tok_is(s, &u, ".const") ||
               tok_is(s, &u, ".shared"))
        st->kind = S_VAR, want_name = 1, st->shared = s[u.off + 1] == 's';
    } else if (want_name && depth == 0 && u.kind == T_IDENT) {
      st->name = u.off;
      st->name_len = u.len;
      want_name = 0;
    }
    if (punct(s, &u, '(') || punct(s, &u, '[')) {
      depth++;
    } else if (punct(s, &u, ')') || punct(s, &u, ']')) {
      depth -= depth > 0;
    } else if (punct(s, &u, '{')) {
      if (depth == 0 && !assign && (st->kind == S_ENTRY || st->kind == S_FUNC))
        st->body = u.off;
      depth++;
    } else if (punct(s, &u, '}')) {
      depth -= depth > 0;
      /* A body ends the statement; an initialiser's braces do not. */
      if (depth == 0 && !assign)
        return;
    } else if (punct(s, &u, '=') && depth == 0) {
      assign = 1;
    } else if (punct(s, &u, ';') && depth == 0) {
      return;
    }
  }
}

static CUresult scan_input(const struct input *in, struct scan *sc)
{
  struct lexer lx = { in->text, 0, in->len };
  struct tok t;

  for (lex(&lx, &t); t.kind != T_EOF; lex(&lx, &t)) {
    if (sc->n == sc->cap) {
      unsigned ncap = sc->cap ? sc->cap * 2 : 64;
      struct stmt *n = realloc(sc->st, ncap * sizeof *n);
      if (!n)
        return CUDA_ERROR_OUT_OF_MEMORY;
      sc->st = n;
      sc->cap = ncap;
    }
    scan_stmt(&lx, &t, &sc->st[sc->n++]);
  }
  return CUDA_SUCCESS;
}

/* ---- Symbols across inputs ---------------------------------------------- */

struct occ {
  unsigned in, st;
};

struct sym {
  const char *name;
  size_t len;
  int global;           /* .entry or with linkage: one symbol for all inputs */
  struct occ *occ;      /* the global statements naming it, in order */
  unsigned nocc, capocc;
  unsigned *local_in;   /* inputs where it is file-local, ascending */
  unsigned nlocal, caplocal;
};

struct symtab {
  struct sym *s;
  unsigned n, cap;
  unsigned *slot;       /* open addressing; index + 1, 0 empty */
  size_t nslot;         /* power of two */
};

static size_t hash_name(const char *p, size_t n)
{
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < n; i++)
    h = (h ^ (unsigned char)p[i]) * 1099511628211ull;
  return (size_t)h;
}

static struct sym *sym_find(struct symtab *t, const char *p, size_t n)
{
  if (!t->nslot)
    return NULL;
  for (size_t i = hash_name(p, n) & (t->nslot - 1); t->slot[i];
       i = (i + 1) & (t->nslot - 1)) {
    struct sym *s = &t->s[t->slot[i] - 1];
    if (s->len == n && !memcmp(s->name, p, n))
      return s;
  }
  return NULL;
}

static struct sym *sym_get(struct symtab *t, const char *p, size_t n)
{
  struct sym *s = sym_find(t, p, n);
  if (s)
    return s;
  if ((t->n + 1) * 2 > t->nslot) {
    size_t ns = t->nslot ? t->nslot * 2 : 256;
    unsigned *slot = calloc(ns, sizeof *slot);
    if (!slot)
      return NULL;
    for (unsigned k = 0; k < t->n; k++) {
      size_t i = hash_name(t->s[k].name, t->s[k].len) & (ns - 1);
      while (slot[i])
        i = (i + 1) & (ns - 1);
      slot[i] = k + 1;
    }
    free(t->slot);
    t->slot = slot;
    t->nslot = ns;
  }
  if (t->n == t->cap) {
    unsigned nc = t->cap ? t->cap * 2 : 128;
    struct sym *ns = realloc(t->s, nc * sizeof *ns);
    if (!ns)
      return NULL;
    t->s = ns;
    t->cap = nc;
  }
  s = &t->s[t->n];
  memset(s, 0, sizeof *s);
  s->name = p;
  s->len = n;
  size_t i = hash_name(p, n) & (t->nslot - 1);
  while (t->slot[i])
    i = (i + 1) & (t->nslot - 1);
  t->slot[i] = ++t->n;
  return s;
}

static void symtab_free(struct symtab *t)
{
  for (unsigned i = 0; i < t->n; i++) {
    free(t->s[i].occ);
    free(t->s[i].local_in);
  }
  free(t->s);
  free(t->slot);
}

/* `.extern .shared x[]` names the dynamic shared area: nothing defines it,
 * and each input may declare it, so it counts as a weak definition. */
static int is_def(const struct stmt *st)
{
  return st->kind == S_ENTRY || (st->kind == S_FUNC && st->body) ||
         (st->kind == S_VAR && (st->shared || !(st->link & L_EXTERN)));
}

static int is_weak(const struct stmt *st)
{
  return (st->link & (L_WEAK | L_COMMON)) ||
         (st->shared && (st->link & L_EXTERN));
}

static int is_builtin(const struct sym *s)
{
  return (s->len == 7 && !memcmp(s->name, "vprintf", 7)) ||
         (s->len == 12 && !memcmp(s->name, "__assertfail", 12));
}

/* The link under way. */
struct linker {
  struct CUlinkState_st *ls;
  struct scan *sc;               /* one per input */
  unsigned char *renames;        /* per input: some name of it is renamed */
  struct symtab syms;
  char *err;
  size_t errlen;
};

#define ST(lk, o) (&(lk)->sc[(o).in].st[(o).st])

static CUresult link_fail(struct linker *lk, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static CUresult link_fail(struct linker *lk, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(lk->err, lk->errlen, fmt, ap);
  va_end(ap);
  return CUDA_ERROR_INVALID_PTX;
}

/* Record every named module-scope statement under its symbol. */
static CUresult collect(struct linker *lk)
{
  for (unsigned i = 0; i < lk->ls->nin; i++) {
    const char *text = lk->ls->in[i].text;
    for (unsigned k = 0; k < lk->sc[i].n; k++) {
      struct stmt *st = &lk->sc[i].st[k];
      if (!st->name_len)
        continue;
      /* Internal names are their input's own; they meet the others only to
       * be renamed, so key them per input. */
      int global = st->kind == S_ENTRY || st->link != 0;
      struct sym *s = sym_get(&lk->syms, text + st->name, st->name_len);
      if (!s)
        return CUDA_ERROR_OUT_OF_MEMORY;
      if (global) {
        s->global = 1;
        if (s->nocc == s->capocc) {
          unsigned nc = s->capocc ? s->capocc * 2 : 4;
          struct occ *no = realloc(s->occ, nc * sizeof *no);
          if (!no)
            return CUDA_ERROR_OUT_OF_MEMORY;
          s->occ = no;
          s->capocc = nc;
        }
        s->occ[s->nocc++] = (struct occ){ i, k };
      } else if (!s->nlocal || s->local_in[s->nlocal - 1] != i) {
        if (s->nlocal == s->caplocal) {
          unsigned nc = s->caplocal ? s->caplocal * 2 : 2;
          unsigned *nl = realloc(s->local_in, nc * sizeof *nl);
          if (!nl)
            return CUDA_ERROR_OUT_OF_MEMORY;
          s->local_in = nl;
          s->caplocal = nc;
        }
        s->local_in[s->nlocal++] = i;
      }
    }
  }
  /* Which inputs need renaming at all: most need none and are copied. */
  for (unsigned n = 0; n < lk->syms.n; n++) {
    const struct sym *s = &lk->syms.s[n];
    for (unsigned k = s->global ? 0 : 1; k < s->nlocal; k++)
      lk->renames[s->local_in[k]] = 1;
  }
  return CUDA_SUCCESS;
}

/* Pick each global symbol's definition and decide what becomes of every
 * statement that names it. */
static CUresult resolve(struct linker *lk)
{
  for (unsigned n = 0; n < lk->syms.n; n++) {
    struct sym *s = &lk->syms.s[n];
    const struct occ *win = NULL, *strong = NULL;
    int is_var = 0, is_fn = 0;
    if (!s->global)
      continue;
    for (unsigned k = 0; k < s->nocc; k++) {
      const struct stmt *st = ST(lk, s->occ[k]);
      is_var |= st->kind == S_VAR;
      is_fn |= st->kind != S_VAR;
      if (!is_def(st))
        continue;
      if (!is_weak(st)) {
        if (strong)
          return link_fail(lk, "multiple definitions of '%.*s' (in %s and "
                           "%s)", (int)s->len, s->name,
                           lk->ls->in[strong->in].name,
                           lk->ls->in[s->occ[k].in].name);
        strong = &s->occ[k];
      }
      if (!win)
        win = &s->occ[k];
    }
    if (strong)
      win = strong;
    if (is_var && is_fn)
      return link_fail(lk, "'%.*s' is both a function and a variable",
                       (int)s->len, s->name);
    if (!win) {
      if (is_builtin(s))
        continue;
      return link_fail(lk, "undefined reference to '%.*s' (declared .extern "
                       "in %s)", (int)s->len, s->name,
                       lk->ls->in[s->occ[0].in].name);
    }
    if (is_fn) {
      /* Losing weak definitions turn into declarations. */
      for (unsigned k = 0; k < s->nocc; k++) {
        struct stmt *st = ST(lk, s->occ[k]);
        if (&s->occ[k] != win && is_def(st))
          st->act = A_DECL;
      }
      continue;
    }
    /* A variable: its definition goes where it first appears. */
    for (unsigned k = 0; k < s->nocc; k++)
      ST(lk, s->occ[k])->act = A_DROP;
    if (s->occ[0].in == win->in && s->occ[0].st == win->st) {
      ST(lk, *win)->act = A_KEEP;
    } else {
      struct stmt *first = ST(lk, s->occ[0]);
      first->act = A_MOVE;
      first->moved = ST(lk, *win);
      first->moved_in = win->in;
    }
  }
  return CUDA_SUCCESS;
}

/* Whether an identifier of input `in` gets a suffix: it names a file-local
 * symbol of that input, and a global symbol or an earlier input's file-local
 * one has the name already. */
static int renamed(struct linker *lk, unsigned in, const char *p, size_t n)
{
  const struct sym *s = sym_find(&lk->syms, p, n);
  unsigned lo = 0, hi;
  if (!s || !s->nlocal)
    return 0;
  hi = s->nlocal;
  while (lo < hi) {
    unsigned mid = lo + (hi - lo) / 2;
    if (s->local_in[mid] < in)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo < s->nlocal && s->local_in[lo] == in && (s->global || lo > 0);
}

/* ---- Writing the joined text -------------------------------------------- */

struct out {
  char *b;
  size_t len, cap;
  int failed;
};

static void put(struct out *o, const char *p, size_t n)
{
  if (o->failed)
    return;
  if (n > MAX_LINK_BYTES || o->len > MAX_LINK_BYTES - n) {
    o->failed = 1;
    return;
  }
  if (o->cap - o->len < n + 1) {
    size_t nc = o->cap ? o->cap : 4096;
    while (nc - o->len < n + 1)
      nc *= 2;
    char *nb = realloc(o->b, nc);
    if (!nb) {
      o->failed = 1;
      return;
    }
    o->b = nb;
    o->cap = nc;
  }
  memcpy(o->b + o->len, p, n);
  o->len += n;
  o->b[o->len] = '\0';
}

static void put_s(struct out *o, const char *s) { put(o, s, strlen(s)); }

static void put_newlines(struct out *o, const char *p, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (p[i] == '\n')
      put(o, "\n", 1);
}

/* Copy [from, to) of input `in`, renaming clashing file-local names; with
 * decl set, linkage directives become .extern; with flat set, newlines
 * become spaces (text moved into another input's lines). */
static void put_span(struct linker *lk, struct out *o, unsigned in,
                     size_t from, size_t to, int decl, int flat)
{
  const char *s = lk->ls->in[in].text;
  struct lexer lx = { s, from, to };
  struct tok t;
  size_t at = from;

  if (!decl && !flat && !lk->renames[in]) {
    put(o, s + from, to - from);
    return;
  }
  for (lex(&lx, &t);; lex(&lx, &t)) {
    size_t gap_end = t.kind == T_EOF ? to : t.off;
    for (size_t p = at; p < gap_end; p++)
      put(o, flat && s[p] == '\n' ? " " : s + p, 1);
    if (t.kind == T_EOF)
      break;
    if (t.kind == T_IDENT && renamed(lk, in, s + t.off, t.len)) {
      char suffix[24];
      put(o, s + t.off, t.len);
      snprintf(suffix, sizeof suffix, "$cf%u", in);
      put_s(o, suffix);
    } else if (decl && t.kind == T_DIR &&
               (tok_is(s, &t, ".weak") || tok_is(s, &t, ".visible") ||
                tok_is(s, &t, ".common"))) {
      put_s(o, ".extern");
    } else if (flat) {
      for (size_t p = t.off; p < t.off + t.len; p++)
        put(o, s[p] == '\n' ? " " : s + p, 1);
    } else {
      put(o, s + t.off, t.len);
    }
    at = t.off + t.len;
  }
}

/* Header lines, then every input with its own header dropped. in_line[i]
 * receives the line of the output where input i starts. */
static CUresult emit(struct linker *lk, struct out *o, unsigned *in_line)
{
  const struct stmt *ver = NULL, *tgt = NULL, *addr = NULL;
  unsigned ver_in = 0, tgt_in = 0, addr_in = 0, line = 4;

  for (unsigned i = 0; i < lk->ls->nin; i++)
    for (unsigned k = 0; k < lk->sc[i].n; k++) {
      const struct stmt *st = &lk->sc[i].st[k];
      if (st->kind == S_VERSION && (!ver || st->version > ver->version))
        ver = st, ver_in = i;
      if (st->kind == S_TARGET && (!tgt || st->version > tgt->version))
        tgt = st, tgt_in = i;
      if (st->kind == S_ADDR && !addr)
        addr = st, addr_in = i;
    }
  if (!ver)
    return link_fail(lk, "no input has a .version directive");
  /* Exactly three lines, so input i starts on a known line. */
  put_span(lk, o, ver_in, ver->start, ver->end, 0, 1);
  put_s(o, "\n");
  if (tgt)
    put_span(lk, o, tgt_in, tgt->start, tgt->end, 0, 1);
  put_s(o, "\n");
  if (addr)
    put_span(lk, o, addr_in, addr->start, addr->end, 0, 1);
  put_s(o, "\n");

  for (unsigned i = 0; i < lk->ls->nin; i++) {
    const struct input *in = &lk->ls->in[i];
    size_t at = 0;
    in_line[i] = line;
    for (unsigned k = 0; k < lk->sc[i].n; k++) {
      const struct stmt *st = &lk->sc[i].st[k];
      put_span(lk, o, i, at, st->start, 0, 0);
      if (st->kind == S_VERSION || st->kind == S_TARGET || st->kind == S_ADDR ||
          st->act == A_DROP) {
        put_newlines(o, in->text + st->start, st->end - st->start);
      } else if (st->act == A_DECL) {
        put_span(lk, o, i, st->start, st->body, 1, 0);
        put_s(o, ";");
        put_newlines(o, in->text + st->body, st->end - st->body);
      } else if (st->act == A_MOVE) {
        put_span(lk, o, st->moved_in, st->moved->start, st->moved->end, 0, 1);
        put_newlines(o, in->text + st->start, st->end - st->start);
      } else {
        put_span(lk, o, i, st->start, st->end, 0, 0);
      }
      at = st->end;
    }
    put_span(lk, o, i, at, in->len, 0, 0);
    put_s(o, "\n");
    for (size_t p = 0; p < in->len; p++)
      line += in->text[p] == '\n';
    line++;
  }
  if (o->failed)
    return o->len > MAX_LINK_BYTES / 2 ? link_fail(lk, "linked image too large")
                                       : CUDA_ERROR_OUT_OF_MEMORY;
  return CUDA_SUCCESS;
}

/* "line N: what" from the front end, as "<input>: line M: what". */
static void map_error(struct linker *lk, const unsigned *in_line,
                      const char *perr)
{
  unsigned long n;
  char *end;
  if (strncmp(perr, "line ", 5) || (n = strtoul(perr + 5, &end, 10)) == 0 ||
      *end != ':') {
    snprintf(lk->err, lk->errlen, "linked image: %s", perr);
    return;
  }
  unsigned i = lk->ls->nin;
  while (i > 0 && in_line[i - 1] > n)
    i--;
  if (i == 0)
    snprintf(lk->err, lk->errlen, "linked image header%s", end);
  else
    snprintf(lk->err, lk->errlen, "%s: line %lu%s", lk->ls->in[i - 1].name,
             n - in_line[i - 1] + 1, end);
}

static CUresult do_link(struct CUlinkState_st *ls, char *err, size_t errlen)
{
  struct linker lk = { .ls = ls, .err = err, .errlen = errlen };
  struct out o = { 0 };
  unsigned *in_line = NULL;
  struct cf_ptx_module *pm = NULL;
  char perr[512];
  CUresult r = CUDA_ERROR_OUT_OF_MEMORY;
  int rc;

  if (!(lk.sc = calloc(ls->nin, sizeof *lk.sc)) ||
      !(lk.renames = calloc(ls->nin, 1)) ||
      !(in_line = calloc(ls->nin, sizeof *in_line)))
    goto out;
  for (unsigned i = 0; i < ls->nin; i++)
    if ((r = scan_input(&ls->in[i], &lk.sc[i])) != CUDA_SUCCESS)
      goto out;
  if ((r = collect(&lk)) != CUDA_SUCCESS || (r = resolve(&lk)) != CUDA_SUCCESS ||
      (r = emit(&lk, &o, in_line)) != CUDA_SUCCESS)
    goto out;
  /* Parse once so that errors surface here and not at load. */
  rc = cf_ptx_module_load(o.b, o.len, &pm, perr, sizeof perr);
  if (rc == CF_ENOMEM) {
    r = CUDA_ERROR_OUT_OF_MEMORY;
    goto out;
  }
  if (rc != 0) {
    map_error(&lk, in_line, perr[0] ? perr : cf_strerror(rc));
    r = CUDA_ERROR_INVALID_PTX;
    goto out;
  }
  cf_ptx_module_free(pm);
  ls->image = o.b;
  ls->image_len = o.len + 1;
  o.b = NULL;
  r = CUDA_SUCCESS;
out:
  free(o.b);
  symtab_free(&lk.syms);
  for (unsigned i = 0; lk.sc && i < ls->nin; i++)
    free(lk.sc[i].st);
  free(lk.sc);
  free(lk.renames);
  free(in_line);
  return r;
}

/* ---- Entry points ------------------------------------------------------- */

static void link_free(struct CUlinkState_st *ls)
{
  for (unsigned i = 0; i < ls->nin; i++) {
    free(ls->in[i].name);
    free(ls->in[i].text);
  }
  free(ls->in);
  free(ls->image);
  cf__emu_handle_del(ls);
  free(ls);
}

CF_EMU_EXPORT CUresult CUDAAPI cuLinkCreate_v2(unsigned int numOptions,
                                               CUjit_option *options,
                                               void **optionValues,
                                               CUlinkState *stateOut)
{
  struct CUlinkState_st *ls;
  CUcontext ctx;
  CUresult r;

  if (stateOut)
    *stateOut = NULL;
  if ((r = cf__emu_lock_ctx(&ctx)) != CUDA_SUCCESS)
    return r;
  if (!stateOut) {
    r = CUDA_ERROR_INVALID_VALUE;
  } else if (!(ls = calloc(1, sizeof *ls))) {
    r = CUDA_ERROR_OUT_OF_MEMORY;
  } else if ((r = cf__emu_jit_opts_parse(numOptions, options, optionValues,
                                         &ls->opts)) != CUDA_SUCCESS) {
    free(ls);
  } else if (cf__emu_handle_add(ls, CF_EMU_KIND_LINK) != 0) {
    free(ls);
    r = CUDA_ERROR_OUT_OF_MEMORY;
  } else {
    *stateOut = ls;
  }
  cf__emu_unlock();
  return r;
}

static const char *input_type_name(CUjitInputType type)
{
  switch (type) {
  case CU_JIT_INPUT_CUBIN: return "CU_JIT_INPUT_CUBIN";
  case CU_JIT_INPUT_PTX: return "CU_JIT_INPUT_PTX";
  case CU_JIT_INPUT_FATBINARY: return "CU_JIT_INPUT_FATBINARY";
  case CU_JIT_INPUT_OBJECT: return "CU_JIT_INPUT_OBJECT";
  case CU_JIT_INPUT_LIBRARY: return "CU_JIT_INPUT_LIBRARY";
  case CU_JIT_INPUT_NVVM: return "CU_JIT_INPUT_NVVM (LTO-IR)";
  default: return NULL;
  }
}

/* Add one input (lock held, ls live). size: bytes at data. */
static CUresult add_input(struct CUlinkState_st *ls, CUjitInputType type,
                          const void *data, size_t size, const char *name)
{
  struct cf_emu_ptx_text t;
  struct input *in;
  char what[MAX_NAME + 32], err[512] = "";
  const char *tn = input_type_name(type);
  CUresult r;

  if (ls->image) {
    snprintf(err, sizeof err, "cuLinkAddData after cuLinkComplete");
    r = CUDA_ERROR_INVALID_VALUE;
    goto fail;
  }
  if (!tn) {
    snprintf(err, sizeof err, "unknown link input type %d", (int)type);
    r = CUDA_ERROR_INVALID_VALUE;
    goto fail;
  }
  if (!data || size == 0) {
    r = CUDA_ERROR_INVALID_VALUE;
    goto fail;
  }
  if (ls->nin == MAX_INPUTS) {
    snprintf(err, sizeof err, "more than %u link inputs", MAX_INPUTS);
    r = CUDA_ERROR_INVALID_VALUE;
    goto fail;
  }
  if (name)
    snprintf(what, sizeof what, "link input '%.*s'", (int)MAX_NAME, name);
  else
    snprintf(what, sizeof what, "link input %u", ls->nin + 1);
  if (type != CU_JIT_INPUT_PTX && type != CU_JIT_INPUT_FATBINARY) {
    snprintf(err, sizeof err, "%s: input type %s is not supported; the "
             "emulator links PTX and fatbins holding PTX", what, tn);
    cf_error("%s", err);
    r = CUDA_ERROR_NOT_SUPPORTED;
    goto fail;
  }
  /* Either type may hold either form: fatbin.c tells them apart. */
  r = cf__emu_image_ptx(data, size, what, &t, err, sizeof err);
  if (r == CUDA_ERROR_INVALID_IMAGE)
    cf_error("%s", err);
  if (r != CUDA_SUCCESS)
    goto fail;
  if (t.len > MAX_LINK_BYTES - ls->total) {
    cf__emu_ptx_text_free(&t);
    snprintf(err, sizeof err, "%s: link inputs over %u bytes", what,
             MAX_LINK_BYTES);
    r = CUDA_ERROR_INVALID_VALUE;
    goto fail;
  }
  in = realloc(ls->in, (ls->nin + 1) * sizeof *in);
  if (!in) {
    cf__emu_ptx_text_free(&t);
    return CUDA_ERROR_OUT_OF_MEMORY;
  }
  ls->in = in;
  in = &ls->in[ls->nin];
  in->len = t.len;
  in->text = malloc(t.len + 1);
  in->name = name ? strndup(name, MAX_NAME) : NULL;
  if (!in->name && in->text) {
    char buf[32];
    snprintf(buf, sizeof buf, "input %u", ls->nin + 1);
    in->name = strdup(buf);
  }
  if (!in->text || !in->name) {
    free(in->text);
    free(in->name);
    cf__emu_ptx_text_free(&t);
    return CUDA_ERROR_OUT_OF_MEMORY;
  }
  memcpy(in->text, t.text, t.len);
  in->text[t.len] = '\0';
  cf__emu_ptx_text_free(&t);
  ls->total += in->len;
  ls->nin++;
  return CUDA_SUCCESS;
fail:
  if (err[0])
    cf__emu_jit_opts_report(&ls->opts, err, "");
  return r;
}

CF_EMU_EXPORT CUresult CUDAAPI cuLinkAddData_v2(CUlinkState state,
                                                CUjitInputType type,
                                                void *data, size_t size,
                                                const char *name,
                                                unsigned int numOptions,
                                                CUjit_option *options,
                                                void **optionValues)
{
  struct cf_emu_jit_opts ignored;
  CUresult r = cf__emu_lock_handle(state, CF_EMU_KIND_LINK);
  if (r != CUDA_SUCCESS)
    return r;
  /* Per-input options tune compilation; checked, then ignored. */
  r = cf__emu_jit_opts_parse(numOptions, options, optionValues, &ignored);
  if (r == CUDA_SUCCESS)
    r = add_input(state, type, data, size, name);
  cf__emu_unlock();
  return r;
}

/* Read a whole file of at most MAX_LINK_BYTES, NUL-terminated. */
static CUresult read_file(const char *path, char **out, size_t *len)
{
  FILE *f = fopen(path, "rb");
  char *buf = NULL;
  size_t n = 0, cap = 0;
  CUresult r = CUDA_SUCCESS;

  *out = NULL;
  *len = 0;
  if (!f)
    return CUDA_ERROR_FILE_NOT_FOUND;
  for (;;) {
    if (cap - n < 4097) {
      size_t ncap = cap ? cap * 2 : 65536;
      char *nb;
      if (ncap > (size_t)MAX_LINK_BYTES + 8192) {
        r = CUDA_ERROR_INVALID_IMAGE;
        break;
      }
      if (!(nb = realloc(buf, ncap))) {
        r = CUDA_ERROR_OUT_OF_MEMORY;
        break;
      }
      buf = nb;
      cap = ncap;
    }
    size_t got = fread(buf + n, 1, cap - n - 1, f);
    n += got;
    if (got == 0)
      break;
  }
  if (r == CUDA_SUCCESS && ferror(f))
    r = CUDA_ERROR_FILE_NOT_FOUND;
  fclose(f);
  if (r != CUDA_SUCCESS) {
    free(buf);
    return r;
  }
  buf[n] = '\0';
  *out = buf;
  *len = n;
  return CUDA_SUCCESS;
}

CF_EMU_EXPORT CUresult CUDAAPI cuLinkAddFile_v2(CUlinkState state,
                                                CUjitInputType type,
                                                const char *path,
                                                unsigned int numOptions,
                                                CUjit_option *options,
                                                void **optionValues)
{
  struct cf_emu_jit_opts ignored;
  char *buf = NULL;
  size_t len = 0;
  CUresult r = cf__emu_lock_handle(state, CF_EMU_KIND_LINK);

  if (r != CUDA_SUCCESS)
    return r;
  r = cf__emu_jit_opts_parse(numOptions, options, optionValues, &ignored);
  cf__emu_unlock();
  if (r != CUDA_SUCCESS)
    return r;
  if (!path)
    return CUDA_ERROR_INVALID_VALUE;
  /* Read without the lock; the state is checked again below. */
  if ((r = read_file(path, &buf, &len)) != CUDA_SUCCESS)
    return r;
  if ((r = cf__emu_lock_handle(state, CF_EMU_KIND_LINK)) == CUDA_SUCCESS) {
    r = len == 0 ? CUDA_ERROR_INVALID_IMAGE
                 : add_input(state, type, buf, len, path);
    cf__emu_unlock();
  }
  free(buf);
  return r;
}

CF_EMU_EXPORT CUresult CUDAAPI cuLinkComplete(CUlinkState state,
                                              void **cubinOut,
                                              size_t *sizeOut)
{
  char err[768] = "";
  CUresult r = cf__emu_lock_handle(state, CF_EMU_KIND_LINK);

  if (r != CUDA_SUCCESS)
    return r;
  if (!cubinOut) {
    r = CUDA_ERROR_INVALID_VALUE;
  } else if (state->image) {
    /* Completed before: the same image again. */
  } else if (state->nin == 0) {
    snprintf(err, sizeof err, "cuLinkComplete: no inputs");
    r = CUDA_ERROR_INVALID_VALUE;
  } else if ((r = do_link(state, err, sizeof err)) != CUDA_SUCCESS &&
             err[0]) {
    cf_error("link: %s", err);
  }
  if (r == CUDA_SUCCESS) {
    *cubinOut = state->image;
    if (sizeOut)
      *sizeOut = state->image_len;
  }
  if (cubinOut || err[0])
    cf__emu_jit_opts_report(&state->opts, r == CUDA_SUCCESS ? "" : err,
                            r == CUDA_SUCCESS && state->opts.verbose
                                ? "cuferry-emu: linked PTX for the CPU "
                                  "emulator; no machine code is generated"
                                : "");
  cf__emu_unlock();
  return r;
}

CF_EMU_EXPORT CUresult CUDAAPI cuLinkDestroy(CUlinkState state)
{
  CUresult r = cf__emu_lock_handle(state, CF_EMU_KIND_LINK);
  if (r != CUDA_SUCCESS)
    return r;
  link_free(state);
  cf__emu_unlock();
  return CUDA_SUCCESS;
}
