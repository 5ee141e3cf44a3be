/* Private to the PTX parser (ptx_parse*.c); nothing else includes it, which
 * is why its tags and macros go without the cf__ptx_ prefix. The parser
 * reads the text once, front to back, with one token of lookahead: module
 * scope in ptx_parse.c, function headers and the function being built in
 * ptx_parse_func.c, bodies in ptx_parse_body.c, call sequences in
 * ptx_parse_call.c, and the names, symbols and register slots all of them
 * resolve in ptx_parse_syms.c. Each instruction is decoded (ptx_decode.c)
 * as soon as it is read, with every name already resolved, so the decoded
 * function never sees text.
 *
 * Every function here returns 0 or the diagnostic's error code (CF_EPROTO,
 * CF_EUNSUP, CF_ENOMEM) with p->d set by cf__ptx_fail: the first error
 * wins and stops the parse. */
#ifndef CF_PTX_PARSE_H
#define CF_PTX_PARSE_H

#include <stdint.h>
#include <string.h>

#include "cf_error.h"
#include "ptx_internal.h"
#include "ptx_names.h"

/* Name-table tags: registers, symbols and labels are per function (regs,
 * labels), variables and functions per module (mod). */
enum { TAG_REG = 1, TAG_RANGE, TAG_SYM, TAG_LABEL, TAG_VAR, TAG_MSHARED,
       TAG_FUNC, TAG_PROTO };

/* The parser: the token cursor (t, and nt for lookahead), the module being
 * built, and the state of the function being built, which
 * cf__ptx_fn_reset frees. */
struct parser {
  struct cf__ptx_lex lx;
  struct cf__ptx_tok t, nt;
  struct cf__ptx_diag *d;
  struct cf_ptx_module *m;
  struct cf__ptx_names mod;
  /* the function being parsed */
  struct cf__ptx_names regs, labels;
  struct cf__ptx_fn fn;
  struct cf_ptx_kernel *k;
  uint32_t depth;
  struct cf__ptx_insn *code;
  uint32_t ncode, capcode;
  uint32_t *label_line;
  uint32_t caplabels;
  uint32_t *var_sym, *msh_sym;
  uint32_t capsyms;
  uint64_t shared_cur;
  uint32_t dyn_align;
  uint64_t local_cur;
  uint32_t local_align;
  /* the frame's .param area: call-sequence .param variables are scoped,
   * so a block's space is reused after its closing brace */
  uint64_t fparam_cur, fparam_max;
  uint64_t fparam_at[CF__PTX_MAX_DEPTH + 2];
  uint32_t capcalls, capcargs, caplp, capdp;
  /* .callprototype signatures of this function (TAG_PROTO names) */
  struct proto { uint32_t nret, narg; struct cf__ptx_parg *a; } *protos;
  uint32_t nprotos;
};

#define TRY(x)                                                               \
  do {                                                                      \
    int rc_ = (x);                                                          \
    if (rc_ != 0)                                                           \
      return rc_;                                                           \
  } while (0)

#define PERR(p, ...) cf__ptx_fail((p)->d, CF_EPROTO, (p)->t.line, __VA_ARGS__)
#define PUNSUP(p, ...) cf__ptx_fail((p)->d, CF_EUNSUP, (p)->t.line, __VA_ARGS__)
#define NOMEM(p) cf__ptx_fail((p)->d, CF_ENOMEM, (p)->t.line, "out of memory")

/* ---- Token cursor (ptx_parse.c) ---- */

/* Token predicates: is t the punctuation c, the text s, the directive s. */
static inline int is_p(const struct cf__ptx_tok *t, char c) {
  return t->kind == CF__PTX_TK_PUNCT && t->s[0] == c;
}
static inline int tok_eq(const struct cf__ptx_tok *t, const char *s) {
  size_t n = strlen(s);
  return t->len == n && memcmp(t->s, s, n) == 0;
}
static inline int is_dir(const struct cf__ptx_tok *t, const char *s) {
  return t->kind == CF__PTX_TK_DIR && tok_eq(t, s);
}

/* Move to the next token (at EOF, stay there). */
int cf__ptx_adv(struct parser *p);
/* Consume the punctuation c, or fail naming what stands there instead. */
int cf__ptx_expect(struct parser *p, char c);
/* Skip past the next ';' (.pragma and kin). */
int cf__ptx_skip_to_semi(struct parser *p);
/* Skip the rest of the current line, stopping before a '}' (.loc, .file). */
int cf__ptx_skip_line(struct parser *p);
/* An integer literal no larger than max into *out, consumed. */
int cf__ptx_parse_uint(struct parser *p, uint64_t max, uint64_t *out);

/* ---- Declarations (ptx_parse.c) ---- */

struct decl {
  uint8_t cls, bits;
  uint32_t align, vec;
  uint64_t elem;       /* bytes of one scalar */
  uint64_t count;      /* scalars */
  int unsized;         /* name[] */
  const char *name;
  uint32_t namelen;
};

/* One parameter of a function header or .callprototype, as written. */
struct pdecl {
  int is_reg;
  struct decl dl;
};

/* [.align N] [.vN] [.ptr ...] .type name[dims] into *dl (dl->name points
 * into the text); stops before '=' or ';'. */
int cf__ptx_parse_decl(struct parser *p, struct decl *dl);

/* ---- Slots, symbols and names (ptx_parse_syms.c) ---- */

/* A new register-file slot of class cls with initial value val. Returns the
 * slot, or UINT32_MAX with the diagnostic set (too many, no memory). */
uint32_t cf__ptx_new_slot(struct cf__ptx_fn *f, uint8_t cls, uint8_t bits,
                          uint64_t val, uint32_t line);
/* Append *s to the function's symbols; its index into *idx. */
int cf__ptx_add_sym(struct parser *p, const struct cf__ptx_sym *s,
                    uint32_t *idx);
/* Fill *s for a .shared variable: placed in this kernel's static layout,
 * or (is_extern) marked as the dynamic area. */
int cf__ptx_layout_shared(struct parser *p, uint64_t size, uint32_t align,
                          int is_extern, struct cf__ptx_sym *s);
/* Register slot for name (declared, range element, special register, '_'),
 * or UINT32_MAX. *dsreg is 1 + CF__PTX_DS_* for %clock and kin (slot
 * SINK), else 0. */
uint32_t cf__ptx_find_reg(struct parser *p, const char *s, uint32_t n,
                          int *dsreg);
/* Symbol index for name (function scope, then module variables, functions
 * and .shared) into *out, or UINT32_MAX when there is none. */
int cf__ptx_find_sym(struct parser *p, const char *s, uint32_t n,
                     uint32_t *out);
/* Label index for name into *out, created undefined on first use. */
int cf__ptx_label_ref(struct parser *p, const char *s, uint32_t n,
                      uint32_t *out);

/* ---- Functions (ptx_parse_func.c) ---- */

/* ( .param decl, ... ) into a new array *out with *n entries; the caller
 * frees *out, also on error. */
int cf__ptx_parse_plist(struct parser *p, struct pdecl **out, uint32_t *n);
/* Kinds and sizes of a parameter list into out[n] (where is left 0). */
void cf__ptx_sig_from(const struct pdecl *pl, uint32_t n,
                      struct cf__ptx_parg *out);
/* 1 when the n parameters agree in kind and size, else 0. */
int cf__ptx_sig_equal(const struct cf__ptx_parg *a,
                      const struct cf__ptx_parg *b, uint32_t n);
/* A .param variable of the frame, named at the current depth; its offset
 * in the frame's .param area into *off. */
int cf__ptx_def_fparam(struct parser *p, const struct decl *dl,
                       uint32_t *off);
/* .entry / .func: the token after the directive, through the body. */
int cf__ptx_parse_entry(struct parser *p);
int cf__ptx_parse_func(struct parser *p, int is_extern);
/* Free the state of the function being built (safe to call twice). */
void cf__ptx_fn_reset(struct parser *p);

/* ---- Bodies and calls (ptx_parse_body.c, ptx_parse_call.c) ---- */

/* { body }: statements until the matching '}'. */
int cf__ptx_parse_body(struct parser *p);
/* Append a decoded instruction to the function's code. */
int cf__ptx_emit(struct parser *p, const struct cf__ptx_insn *i);
/* call[.uni]: the token after the opcode, through ';'. */
int cf__ptx_parse_call(struct parser *p, const struct cf__ptx_raw *r);
/* A .callprototype after the label name and ':'; name is the label. */
int cf__ptx_parse_proto(struct parser *p, const struct cf__ptx_tok *name);

#endif
