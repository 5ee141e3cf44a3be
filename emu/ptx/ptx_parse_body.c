/* PTX parser, function bodies: { } scopes, register declarations (with <N>
 * ranges), .shared, .local and .param variables, labels, guards and operand
 * syntax (with the texture forms [handle, {coords}] and {d, ..}|%p). Each instruction is handed to the decoder (ptx_decode.c) as soon
 * as it is read, with every name already resolved to a register-file slot,
 * a symbol or a label, and appended to the function's code; call sequences
 * go to ptx_parse_call.c. Branch targets are patched when the function is
 * finished (ptx_parse_func.c). Single-threaded. */
#include <stdlib.h>
#include <string.h>

#include "ptx_parse.h"

/* ---- declarations ---- */

static int parse_reg_decl(struct parser *p) {
  TRY(cf__ptx_adv(p));   /* .reg */
  uint8_t cls = 0, bits = 0;
  int have = 0;
  while (p->t.kind == CF__PTX_TK_DIR) {
    if (is_dir(&p->t, ".v2") || is_dir(&p->t, ".v4"))
      return PUNSUP(p, "unsupported vector register declaration");
    int r = cf__ptx_type_from(p->t.s + 1, p->t.len - 1, &cls, &bits);
    if (r < 0)
      return PUNSUP(p, "unsupported type '%.*s'", (int)p->t.len, p->t.s);
    if (r == 0 || have)
      return PERR(p, "bad .reg declaration at '%.*s'", (int)p->t.len, p->t.s);
    have = 1;
    TRY(cf__ptx_adv(p));
  }
  if (!have)
    return PERR(p, ".reg without a type");
  for (;;) {
    if (p->t.kind != CF__PTX_TK_IDENT)
      return PERR(p, "expected a register name");
    const char *s = p->t.s;
    uint32_t n = p->t.len;
    TRY(cf__ptx_adv(p));
    uint64_t count = 1;
    int range = 0;
    if (is_p(&p->t, '<')) {
      TRY(cf__ptx_adv(p));
      TRY(cf__ptx_parse_uint(p, CF__PTX_MAX_SLOTS, &count));
      TRY(cf__ptx_expect(p, '>'));
      range = 1;
    }
    uint32_t base = p->fn.nslots;
    if (count > CF__PTX_MAX_SLOTS - base)
      return PERR(p, "too many registers");
    for (uint64_t i = 0; i < count; i++)
      if (cf__ptx_new_slot(&p->fn, cls, bits, 0, p->t.line) == UINT32_MAX)
        return p->d->rc;
    p->k->nregs += (uint32_t)count;
    if (cf__ptx_names_put(&p->regs, s, n, range ? TAG_RANGE : TAG_REG,
                          p->depth, base, count) != 0)
      return NOMEM(p);
    if (is_p(&p->t, ',')) {
      TRY(cf__ptx_adv(p));
      continue;
    }
    return cf__ptx_expect(p, ';');
  }
}

/* .shared / .local inside a function body. */
static int parse_fn_var(struct parser *p, int space, int is_extern) {
  struct decl dl;
  TRY(cf__ptx_parse_decl(p, &dl));
  if (is_p(&p->t, '='))
    return PUNSUP(p, "unsupported initialiser in a function");
  struct cf__ptx_sym s;
  uint64_t size = dl.count * dl.elem;
  if (space == CF__PTX_SP_SHARED) {
    if (dl.unsized && !is_extern)
      return PERR(p, "unsized .shared array must be .extern");
    if (!is_extern && !p->k->is_entry)
      return PUNSUP(p, "unsupported .shared variable in a .func");
    TRY(cf__ptx_layout_shared(p, size, dl.align, is_extern, &s));
  } else {
    if (dl.unsized || is_extern)
      return PERR(p, "unsized .local array");
    memset(&s, 0, sizeof s);
    s.kind = CF__PTX_SYM_LOCAL;
    uint64_t o = (p->local_cur + dl.align - 1) & ~(uint64_t)(dl.align - 1);
    if (o > CF__PTX_MAX_LOCAL || size > CF__PTX_MAX_LOCAL - o)
      return PERR(p, ".local too large");
    s.offset = o;
    s.size = size;
    p->local_cur = o + size;
    if (dl.align > p->local_align)
      p->local_align = dl.align;
  }
  uint32_t idx;
  TRY(cf__ptx_add_sym(p, &s, &idx));
  if (cf__ptx_names_put(&p->regs, dl.name, dl.namelen, TAG_SYM, p->depth, idx,
                        0) != 0)
    return NOMEM(p);
  return cf__ptx_expect(p, ';');
}

/* ---- instructions ---- */

static int parse_ident_opnd(struct parser *p, struct cf__ptx_opnd *o) {
  const char *s = p->t.s;
  uint32_t n = p->t.len;
  o->name = s;
  o->namelen = n;
  int ds;
  uint32_t slot = cf__ptx_find_reg(p, s, n, &ds);
  if (slot != UINT32_MAX) {
    o->kind = CF__PTX_OK_SLOT;
    o->slot = slot;
    o->dsreg = ds;
    return cf__ptx_adv(p);
  }
  if (n == 7 && memcmp(s, "WARP_SZ", 7) == 0) {   /* a predefined constant */
    o->kind = CF__PTX_OK_IMM;
    o->num.kind = CF__PTX_NUM_INT;
    o->num.bits = 32;
    return cf__ptx_adv(p);
  }
  uint32_t sym;
  TRY(cf__ptx_find_sym(p, s, n, &sym));
  if (sym != UINT32_MAX) {
    o->kind = CF__PTX_OK_SYM;
    o->sym = sym;
    return cf__ptx_adv(p);
  }
  o->kind = CF__PTX_OK_LABEL;
  TRY(cf__ptx_label_ref(p, s, n, &o->label));
  return cf__ptx_adv(p);
}

/* {a, b, ...}: up to 4 registers or literals (a literal becomes a
 * constant slot holding its bits) into o->vslot; the current token is
 * the '{'. */
static int parse_vec(struct parser *p, struct cf__ptx_opnd *o) {
  TRY(cf__ptx_adv(p));
  o->kind = CF__PTX_OK_VEC;
  for (;;) {
    if (o->nvec >= 4)
      return PUNSUP(p, "unsupported vector of more than 4 elements");
    struct cf__ptx_opnd e;
    memset(&e, 0, sizeof e);
    int neg = is_p(&p->t, '-');
    if (neg)
      TRY(cf__ptx_adv(p));
    if (p->t.kind == CF__PTX_TK_NUM) {
      /* a literal element ({0, %rs1}, st.v2 [a], {%f1, 0f00000000}) */
      struct cf__ptx_num n;
      if (cf__ptx_num_parse(&p->t, neg, &n) != 0 ||
          n.kind == CF__PTX_NUM_DBL)
        return PERR(p, "bad vector element '%.*s'", (int)p->t.len, p->t.s);
      uint32_t c = cf__ptx_fn_const(&p->fn, n.bits, p->t.line);
      if (c == UINT32_MAX)
        return p->d->rc;
      o->vslot[o->nvec++] = c;
      TRY(cf__ptx_adv(p));
    } else {
      if (neg || p->t.kind != CF__PTX_TK_IDENT)
        return PERR(p, "expected a register in vector");
      TRY(parse_ident_opnd(p, &e));
      if (e.kind != CF__PTX_OK_SLOT || e.dsreg)
        return cf__ptx_fail(p->d, CF_EPROTO, p->t.line,
                            "unknown register '%.*s'", (int)e.namelen, e.name);
      o->vslot[o->nvec++] = e.slot;
    }
    if (is_p(&p->t, ',')) {
      TRY(cf__ptx_adv(p));
      continue;
    }
    return cf__ptx_expect(p, '}');
  }
}

/* The rest of a texture or surface operand after "[handle": ", c]" with
 * c a coordinate vector or a single register (1d), into o->vslot. The
 * independent texture mode's "[tex, sampler, c]" is not supported. */
static int parse_tex_coords(struct parser *p, struct cf__ptx_opnd *o) {
  TRY(cf__ptx_adv(p));   /* ',' */
  o->kind = CF__PTX_OK_TEX;
  struct cf__ptx_opnd c;
  memset(&c, 0, sizeof c);
  if (is_p(&p->t, '{')) {
    TRY(parse_vec(p, &c));
  } else if (p->t.kind == CF__PTX_TK_IDENT) {
    TRY(parse_ident_opnd(p, &c));
    if (is_p(&p->t, ','))
      return PUNSUP(p, "unsupported independent texture mode (sampler)");
    if (c.kind != CF__PTX_OK_SLOT || c.dsreg)
      return cf__ptx_fail(p->d, CF_EPROTO, p->t.line,
                          "unknown register '%.*s'", (int)c.namelen, c.name);
    c.vslot[0] = c.slot;
    c.nvec = 1;
  } else {
    return PERR(p, "expected texture coordinates");
  }
  memcpy(o->vslot, c.vslot, sizeof o->vslot);
  o->nvec = c.nvec;
  return cf__ptx_expect(p, ']');
}

static int parse_operand(struct parser *p, struct cf__ptx_opnd *o) {
  memset(o, 0, sizeof *o);
  o->slot2 = UINT32_MAX;
  if (is_p(&p->t, '!')) {
    o->neg = 1;
    TRY(cf__ptx_adv(p));
    if (p->t.kind != CF__PTX_TK_IDENT)
      return PERR(p, "expected a predicate after '!'");
  }
  if (is_p(&p->t, '-') || p->t.kind == CF__PTX_TK_NUM) {
    int neg = is_p(&p->t, '-');
    if (neg)
      TRY(cf__ptx_adv(p));
    if (cf__ptx_num_parse(&p->t, neg, &o->num) != 0)
      return PERR(p, "bad number '%.*s'", (int)p->t.len, p->t.s);
    o->kind = CF__PTX_OK_IMM;
    return cf__ptx_adv(p);
  }
  if (is_p(&p->t, '[')) {
    TRY(cf__ptx_adv(p));
    o->kind = CF__PTX_OK_ADDR;
    o->base_kind = CF__PTX_OK_IMM;
    if (p->t.kind == CF__PTX_TK_IDENT) {
      struct cf__ptx_opnd b;
      memset(&b, 0, sizeof b);
      TRY(parse_ident_opnd(p, &b));
      if (b.kind == CF__PTX_OK_LABEL || b.dsreg)
        return cf__ptx_fail(p->d, CF_EPROTO, p->t.line,
                            "unknown address '%.*s'", (int)b.namelen, b.name);
      o->base_kind = b.kind;
      o->slot = b.slot;
      o->sym = b.sym;
      o->name = b.name;
      o->namelen = b.namelen;
      if (is_p(&p->t, ','))       /* [tex, {x, y}] */
        return parse_tex_coords(p, o);
      if (is_p(&p->t, '+') || is_p(&p->t, '-')) {
        int neg = is_p(&p->t, '-');
        TRY(cf__ptx_adv(p));
        if (is_p(&p->t, '-')) {
          neg = !neg;
          TRY(cf__ptx_adv(p));
        }
        struct cf__ptx_num n;
        if (cf__ptx_num_parse(&p->t, neg, &n) != 0 || n.kind != CF__PTX_NUM_INT)
          return PERR(p, "bad address offset '%.*s'", (int)p->t.len, p->t.s);
        o->off = (int64_t)n.bits;
        TRY(cf__ptx_adv(p));
      }
    } else {
      struct cf__ptx_num n;
      if (cf__ptx_num_parse(&p->t, 0, &n) != 0 || n.kind != CF__PTX_NUM_INT)
        return PERR(p, "bad address '%.*s'", (int)p->t.len, p->t.s);
      o->off = (int64_t)n.bits;
      TRY(cf__ptx_adv(p));
    }
    return cf__ptx_expect(p, ']');
  }
  if (is_p(&p->t, '{')) {
    TRY(parse_vec(p, o));
    if (is_p(&p->t, '|')) {       /* tex {d0, d1, d2, d3}|%p */
      struct cf__ptx_opnd q;
      memset(&q, 0, sizeof q);
      TRY(cf__ptx_adv(p));
      if (p->t.kind != CF__PTX_TK_IDENT)
        return PERR(p, "expected a predicate after '|'");
      TRY(parse_ident_opnd(p, &q));
      if (q.kind != CF__PTX_OK_SLOT || q.dsreg)
        return PERR(p, "bad '|' operand");
      o->slot2 = q.slot;
    }
    return 0;
  }
  if (p->t.kind != CF__PTX_TK_IDENT)
    return PERR(p, "unexpected '%.*s' in operands", (int)p->t.len, p->t.s);
  TRY(parse_ident_opnd(p, o));
  if (is_p(&p->t, '|')) {
    TRY(cf__ptx_adv(p));
    struct cf__ptx_opnd q;
    memset(&q, 0, sizeof q);
    if (p->t.kind != CF__PTX_TK_IDENT)
      return PERR(p, "expected a predicate after '|'");
    TRY(parse_ident_opnd(p, &q));
    if (q.kind != CF__PTX_OK_SLOT || o->kind != CF__PTX_OK_SLOT)
      return PERR(p, "bad '|' operand");
    o->slot2 = q.slot;
  }
  return 0;
}

int cf__ptx_emit(struct parser *p, const struct cf__ptx_insn *i) {
  if (p->ncode == p->capcode) {
    uint32_t cap = p->capcode ? p->capcode * 2 : 256;
    if (p->ncode + 1 >= CF__PTX_MAX_INSNS)
      return PERR(p, "too many instructions");
    struct cf__ptx_insn *c = realloc(p->code, cap * sizeof *c);
    if (c == NULL)
      return NOMEM(p);
    p->code = c;
    p->capcode = cap;
  }
  p->code[p->ncode++] = *i;
  return 0;
}

static int parse_insn(struct parser *p) {
  struct cf__ptx_raw r;
  memset(&r, 0, sizeof r);
  r.guard = CF__PTX_SLOT_TRUE;
  r.line = p->t.line;
  if (is_p(&p->t, '@')) {
    TRY(cf__ptx_adv(p));
    struct cf__ptx_opnd g;
    if (!is_p(&p->t, '!') && p->t.kind != CF__PTX_TK_IDENT)
      return PERR(p, "expected a predicate after '@'");
    TRY(parse_operand(p, &g));
    if (g.kind != CF__PTX_OK_SLOT || g.dsreg || g.slot2 != UINT32_MAX ||
        p->fn.slotty[g.slot].cls != CF__PTX_CLS_PRED)
      return cf__ptx_fail(p->d, CF_EPROTO, r.line, "guard is not a predicate");
    r.guard = g.slot;
    r.gneg = g.neg;
  }
  if (p->t.kind != CF__PTX_TK_IDENT)
    return PERR(p, "expected an instruction, got '%.*s'", (int)p->t.len,
                p->t.s);
  if (p->t.len >= sizeof r.opname)
    return PERR(p, "instruction name too long");
  memcpy(r.opname, p->t.s, p->t.len);
  r.opname[p->t.len] = '\0';
  TRY(cf__ptx_adv(p));
  if (strncmp(r.opname, "call", 4) == 0 &&
      (r.opname[4] == '\0' || r.opname[4] == '.'))
    return cf__ptx_parse_call(p, &r);
  while (!is_p(&p->t, ';')) {
    if (r.nop >= CF__PTX_MAX_OPNDS)
      return PERR(p, "too many operands");
    TRY(parse_operand(p, &r.op[r.nop]));
    r.nop++;
    if (is_p(&p->t, ','))
      TRY(cf__ptx_adv(p));
    else if (!is_p(&p->t, ';'))
      return PERR(p, "expected ',' or ';' after operand");
  }
  TRY(cf__ptx_adv(p));
  struct cf__ptx_insn ins;
  memset(&ins, 0, sizeof ins);
  TRY(cf__ptx_decode(&p->fn, &r, &ins));
  return cf__ptx_emit(p, &ins);
}

/* ---- the body ---- */

int cf__ptx_parse_body(struct parser *p) {
  TRY(cf__ptx_expect(p, '{'));
  p->depth = 1;
  for (;;) {
    struct cf__ptx_tok *t = &p->t;
    if (t->kind == CF__PTX_TK_EOF)
      return PERR(p, "unexpected end of text in function body");
    if (is_p(t, '}')) {
      p->depth--;
      cf__ptx_names_pop(&p->regs, p->depth);
      p->fparam_cur = p->fparam_at[p->depth];
      TRY(cf__ptx_adv(p));
      if (p->depth == 0)
        return 0;
      continue;
    }
    if (is_p(t, '{')) {
      if (p->depth + 1 > CF__PTX_MAX_DEPTH)
        return PERR(p, "blocks nested too deeply");
      p->fparam_at[p->depth] = p->fparam_cur;
      p->depth++;
      TRY(cf__ptx_adv(p));
      continue;
    }
    if (t->kind == CF__PTX_TK_DIR) {
      if (is_dir(t, ".reg")) {
        TRY(parse_reg_decl(p));
      } else if (is_dir(t, ".shared") || is_dir(t, ".local")) {
        int sp = is_dir(t, ".shared") ? CF__PTX_SP_SHARED : CF__PTX_SP_LOCAL;
        TRY(cf__ptx_adv(p));
        TRY(parse_fn_var(p, sp, 0));
      } else if (is_dir(t, ".extern")) {
        TRY(cf__ptx_adv(p));
        if (!is_dir(&p->t, ".shared"))
          return PUNSUP(p, "unsupported .extern in a function");
        TRY(cf__ptx_adv(p));
        TRY(parse_fn_var(p, CF__PTX_SP_SHARED, 1));
      } else if (is_dir(t, ".pragma")) {
        TRY(cf__ptx_skip_to_semi(p));
      } else if (is_dir(t, ".loc") || is_dir(t, ".file")) {
        TRY(cf__ptx_skip_line(p));
      } else if (is_dir(t, ".param")) {
        struct decl dl;
        uint32_t off;
        TRY(cf__ptx_adv(p));
        TRY(cf__ptx_parse_decl(p, &dl));
        if (dl.unsized || is_p(&p->t, '='))
          return PERR(p, "bad .param variable");
        TRY(cf__ptx_def_fparam(p, &dl, &off));
        TRY(cf__ptx_expect(p, ';'));
      } else {
        return PUNSUP(p, "unsupported directive '%.*s'", (int)t->len, t->s);
      }
      continue;
    }
    if (t->kind == CF__PTX_TK_IDENT && is_p(&p->nt, ':')) {
      uint32_t idx;
      TRY(cf__ptx_label_ref(p, t->s, t->len, &idx));
      if (p->fn.label_pc[idx] != UINT32_MAX)
        return PERR(p, "label '%.*s' defined twice", (int)t->len, t->s);
      p->fn.label_pc[idx] = p->ncode;
      struct cf__ptx_tok name = *t;
      TRY(cf__ptx_adv(p));
      TRY(cf__ptx_adv(p));
      if (is_dir(&p->t, ".callprototype"))
        TRY(cf__ptx_parse_proto(p, &name));
      continue;
    }
    TRY(parse_insn(p));
  }
}
