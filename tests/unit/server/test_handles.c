/* Unit tests for the server's handle table (server/handles.c) and the
 * dispatch.h wrappers around it (server/call.c): id minting, lookups of
 * unknown and wrong-kind ids, the special stream ids, stable reverse
 * lookups, cascade forgetting, aux data, the per-session cap, and growth. */
#include "internal.h"

#include "cf_error.h"
#include "cf_test.h"

/* Fake objects: distinct addresses. */
static char obj[64];
#define REAL(i) ((void *)&obj[i])

static void test_special_ids(void)
{
  struct cf_handles *t;
  void *real = REAL(0);

  ASSERT_EQ(cf__handles_new(16, &t), 0);
  for (int k = CF_HK_CONTEXT; k < CF_HK_MAX_; k++) {
    real = REAL(0);
    ASSERT_EQ(cf__handles_lookup(t, 0, (enum cf_handle_kind)k, &real),
              CUDA_SUCCESS);
    ASSERT_NULL(real);
  }
  ASSERT_EQ(cf__handles_lookup(t, 1, CF_HK_STREAM, &real), CUDA_SUCCESS);
  ASSERT(real == (void *)CU_STREAM_LEGACY);
  ASSERT_EQ(cf__handles_lookup(t, 2, CF_HK_STREAM, &real), CUDA_SUCCESS);
  ASSERT(real == (void *)CU_STREAM_PER_THREAD);
  /* 1 and 2 mean nothing for the other kinds. */
  ASSERT_EQ(cf__handles_lookup(t, 1, CF_HK_CONTEXT, &real),
            CUDA_ERROR_INVALID_CONTEXT);
  ASSERT_NULL(real);
  ASSERT_EQ(cf__handles_lookup(t, 2, CF_HK_EVENT, &real),
            CUDA_ERROR_INVALID_HANDLE);
  /* Registering the special streams gives the special ids, and NULL 0. */
  ASSERT_UEQ(cf__handles_register(t, CF_HK_STREAM, (void *)CU_STREAM_LEGACY, 0), 1);
  ASSERT_UEQ(cf__handles_register(t, CF_HK_STREAM, (void *)CU_STREAM_PER_THREAD, 0), 2);
  ASSERT_UEQ(cf__handles_register(t, CF_HK_CONTEXT, NULL, 0), 0);
  ASSERT_UEQ(cf__handles_count(t), 0);
  cf__handles_free(t);
}

static void test_unknown_and_wrong_kind(void)
{
  struct cf_handles *t;
  void *real;
  uint64_t ctx, mod;

  ASSERT_EQ(cf__handles_new(16, &t), 0);
  real = REAL(0);
  ASSERT_EQ(cf__handles_lookup(t, 0x12345, CF_HK_CONTEXT, &real),
            CUDA_ERROR_INVALID_CONTEXT);
  ASSERT_NULL(real);
  for (int k = CF_HK_MODULE; k < CF_HK_MAX_; k++)
    ASSERT_EQ(cf__handles_lookup(t, 0x12345, (enum cf_handle_kind)k, &real),
              CUDA_ERROR_INVALID_HANDLE);

  ctx = cf__handles_register(t, CF_HK_CONTEXT, REAL(1), 0);
  mod = cf__handles_register(t, CF_HK_MODULE, REAL(2), ctx);
  ASSERT(ctx > 2 && mod > 2 && ctx != mod);
  ASSERT_EQ(cf__handles_lookup(t, ctx, CF_HK_CONTEXT, &real), CUDA_SUCCESS);
  ASSERT(real == REAL(1));
  ASSERT_EQ(cf__handles_lookup(t, ctx, CF_HK_MODULE, &real),
            CUDA_ERROR_INVALID_HANDLE);
  ASSERT_NULL(real);
  ASSERT_EQ(cf__handles_lookup(t, mod, CF_HK_CONTEXT, &real),
            CUDA_ERROR_INVALID_CONTEXT);
  ASSERT_EQ(cf__handles_lookup(t, mod, CF_HK_STREAM, &real),
            CUDA_ERROR_INVALID_HANDLE);
  /* A kind out of range is refused, never indexed. */
  ASSERT_EQ(cf__handles_lookup(t, mod, CF_HK_MAX_, &real),
            CUDA_ERROR_INVALID_HANDLE);
  ASSERT_UEQ(cf__handles_register(t, CF_HK_MAX_, REAL(3), 0), 0);
  ASSERT_UEQ(cf__handles_register(t, (enum cf_handle_kind)0, REAL(3), 0), 0);
  cf__handles_free(t);
}

static void test_reverse_lookup(void)
{
  struct cf_handles *t;
  uint64_t a, b, c;

  ASSERT_EQ(cf__handles_new(16, &t), 0);
  a = cf__handles_register(t, CF_HK_CONTEXT, REAL(1), 0);
  ASSERT_UEQ(cf__handles_register(t, CF_HK_CONTEXT, REAL(1), 0), a);
  ASSERT_UEQ(cf__handles_register(t, CF_HK_CONTEXT, REAL(1), 0), a);
  ASSERT_UEQ(cf__handles_find(t, CF_HK_CONTEXT, REAL(1)), a);
  ASSERT_UEQ(cf__handles_count(t), 1);
  /* The same pointer as another kind is another object. */
  b = cf__handles_register(t, CF_HK_STREAM, REAL(1), 0);
  ASSERT(b != a && b > 2);
  ASSERT_UEQ(cf__handles_find(t, CF_HK_STREAM, REAL(1)), b);
  ASSERT_UEQ(cf__handles_find(t, CF_HK_EVENT, REAL(1)), 0);
  /* Ids are never reused, even for a pointer the driver hands out again. */
  cf__handles_forget(t, a, NULL, NULL);
  ASSERT_UEQ(cf__handles_find(t, CF_HK_CONTEXT, REAL(1)), 0);
  c = cf__handles_register(t, CF_HK_CONTEXT, REAL(1), 0);
  ASSERT(c != a && c != b && c > 2);
  cf__handles_forget(t, 0x99999, NULL, NULL); /* unknown: ignored */
  cf__handles_forget(t, 0, NULL, NULL);
  ASSERT_UEQ(cf__handles_count(t), 2);
  cf__handles_free(t);
}

struct gone_log {
  int n;
  void *real[16];
  enum cf_handle_kind kind[16];
};

static void on_gone(void *arg, enum cf_handle_kind kind, void *real)
{
  struct gone_log *g = arg;

  ASSERT_LT(g->n, 16);
  g->kind[g->n] = kind;
  g->real[g->n++] = real;
}

static int aux_freed;
static void aux_free(void *p)
{
  (void)p;
  aux_freed++;
}

static int gone_index(const struct gone_log *g, void *real)
{
  for (int i = 0; i < g->n; i++)
    if (g->real[i] == real)
      return i;
  return -1;
}

static void test_cascade(void)
{
  struct cf_handles *t;
  struct gone_log g = { 0 };
  uint64_t ctx, ctx2, mod, fn1, fn2, st, ev, st2;
  void *real;

  ASSERT_EQ(cf__handles_new(64, &t), 0);
  ctx = cf__handles_register(t, CF_HK_CONTEXT, REAL(1), 0);
  ctx2 = cf__handles_register(t, CF_HK_CONTEXT, REAL(2), 0);
  mod = cf__handles_register(t, CF_HK_MODULE, REAL(3), ctx);
  fn1 = cf__handles_register(t, CF_HK_FUNCTION, REAL(4), mod);
  fn2 = cf__handles_register(t, CF_HK_FUNCTION, REAL(5), mod);
  st = cf__handles_register(t, CF_HK_STREAM, REAL(6), ctx);
  ev = cf__handles_register(t, CF_HK_EVENT, REAL(7), ctx);
  st2 = cf__handles_register(t, CF_HK_STREAM, REAL(8), ctx2);
  ASSERT_UEQ(cf__handles_count(t), 8);
  ASSERT_EQ(cf__handles_set_aux(t, fn1, &g, aux_free), 0);
  ASSERT(cf__handles_aux(t, fn1) == &g);
  ASSERT_NULL(cf__handles_aux(t, fn2));
  ASSERT_EQ(cf__handles_set_aux(t, 0x4242, &g, aux_free), CF_ENOTFOUND);

  /* Forgetting the module takes its functions (and their aux) only. */
  cf__handles_forget(t, mod, on_gone, &g);
  ASSERT_EQ(g.n, 3);
  ASSERT_EQ(aux_freed, 1);
  ASSERT(g.real[2] == REAL(3) && g.kind[2] == CF_HK_MODULE);
  ASSERT_EQ(cf__handles_lookup(t, fn1, CF_HK_FUNCTION, &real),
            CUDA_ERROR_INVALID_HANDLE);
  ASSERT_EQ(cf__handles_lookup(t, fn2, CF_HK_FUNCTION, &real),
            CUDA_ERROR_INVALID_HANDLE);
  ASSERT_EQ(cf__handles_lookup(t, st, CF_HK_STREAM, &real), CUDA_SUCCESS);
  ASSERT_UEQ(cf__handles_count(t), 5);

  /* A new module under ctx, then forget ctx: everything under it goes,
   * children before parents; ctx2 and its stream stay. */
  g.n = 0;
  mod = cf__handles_register(t, CF_HK_MODULE, REAL(9), ctx);
  fn1 = cf__handles_register(t, CF_HK_FUNCTION, REAL(10), mod);
  cf__handles_forget(t, ctx, on_gone, &g);
  ASSERT_EQ(g.n, 5);
  ASSERT(g.real[4] == REAL(1) && g.kind[4] == CF_HK_CONTEXT);
  ASSERT_LT(gone_index(&g, REAL(10)), gone_index(&g, REAL(9)));
  ASSERT_GE(gone_index(&g, REAL(6)), 0);
  ASSERT_GE(gone_index(&g, REAL(7)), 0);
  ASSERT_EQ(cf__handles_lookup(t, ev, CF_HK_EVENT, &real),
            CUDA_ERROR_INVALID_HANDLE);
  ASSERT_EQ(cf__handles_lookup(t, ctx, CF_HK_CONTEXT, &real),
            CUDA_ERROR_INVALID_CONTEXT);
  ASSERT_EQ(cf__handles_lookup(t, st2, CF_HK_STREAM, &real), CUDA_SUCCESS);
  ASSERT(real == REAL(8));
  ASSERT_UEQ(cf__handles_count(t), 2);

  /* Aux data still attached when the table goes is freed too. */
  ASSERT_EQ(cf__handles_set_aux(t, st2, &g, aux_free), 0);
  cf__handles_free(t);
  ASSERT_EQ(aux_freed, 2);
}

static void test_cap(void)
{
  struct cf_handles *t;
  uint64_t ids[4];

  ASSERT_EQ(cf__handles_new(4, &t), 0);
  for (int i = 0; i < 4; i++)
    ASSERT((ids[i] = cf__handles_register(t, CF_HK_EVENT, REAL(i), 0)) != 0);
  ASSERT_UEQ(cf__handles_register(t, CF_HK_EVENT, REAL(4), 0), 0);
  /* An existing one is still found when full. */
  ASSERT_UEQ(cf__handles_register(t, CF_HK_EVENT, REAL(2), 0), ids[2]);
  cf__handles_forget(t, ids[1], NULL, NULL);
  ASSERT(cf__handles_register(t, CF_HK_EVENT, REAL(4), 0) != 0);
  cf__handles_free(t);
}

/* Enough entries to grow the array and rehash several times. */
static void test_many(void)
{
  enum { N = 100000 };
  static uint64_t ids[N];
  static char many[N];
  struct cf_handles *t;
  void *real;
  uint64_t root;

  ASSERT_EQ(cf__handles_new(CF_HANDLES_DEFAULT_CAP, &t), 0);
  root = cf__handles_register(t, CF_HK_CONTEXT, REAL(0), 0);
  for (int i = 0; i < N; i++) {
    ids[i] = cf__handles_register(t, CF_HK_STREAM, &many[i], root);
    ASSERT(ids[i] > 2);
    if (i)
      ASSERT(ids[i] > ids[i - 1]);
  }
  for (int i = 0; i < N; i += 2)
    cf__handles_forget(t, ids[i], NULL, NULL);
  for (int i = 0; i < N; i++) {
    CUresult r = cf__handles_lookup(t, ids[i], CF_HK_STREAM, &real);

    if (i % 2) {
      ASSERT_EQ(r, CUDA_SUCCESS);
      ASSERT(real == &many[i]);
      ASSERT_UEQ(cf__handles_find(t, CF_HK_STREAM, &many[i]), ids[i]);
    } else {
      ASSERT_EQ(r, CUDA_ERROR_INVALID_HANDLE);
    }
  }
  ASSERT_UEQ(cf__handles_count(t), N / 2 + 1);
  cf__handles_forget(t, root, NULL, NULL);
  ASSERT_UEQ(cf__handles_count(t), 0);
  cf__handles_free(t);
}

/* The dispatch.h wrappers: a module registered with parent 0 belongs to the
 * context current in the driver. */
static CUcontext fake_current;
static CUresult fake_ctx_get_current(CUcontext *c)
{
  *c = fake_current;
  return CUDA_SUCCESS;
}

static void test_wrappers(void)
{
  struct cf_worker w;
  struct cf_call c;
  uint64_t ctx, mod, fn;
  void *real;

  memset(&w, 0, sizeof w);
  memset(&c, 0, sizeof c);
  w.drv.cuCtxGetCurrent = fake_ctx_get_current;
  ASSERT_EQ(cf__handles_new(64, &w.handles), 0);
  ASSERT_EQ(cf__lanes_new(&w.drv, &w.lanes), 0);
  c.w = &w;
  c.drv = &w.drv;

  ctx = cf__handle_register(&c, CF_HK_CONTEXT, REAL(1), 0);
  fake_current = (CUcontext)REAL(1);
  mod = cf__handle_register(&c, CF_HK_MODULE, REAL(2), 0);
  fn = cf__handle_register(&c, CF_HK_FUNCTION, REAL(3), mod);
  ASSERT_EQ(cf__handle_lookup(&c, fn, CF_HK_FUNCTION, &real), CUDA_SUCCESS);
  cf__handle_forget(&c, ctx);
  ASSERT_EQ(cf__handle_lookup(&c, mod, CF_HK_MODULE, &real),
            CUDA_ERROR_INVALID_HANDLE);
  ASSERT_EQ(cf__handle_lookup(&c, fn, CF_HK_FUNCTION, &real),
            CUDA_ERROR_INVALID_HANDLE);

  /* Reply bulk buffers respect the session's bulk limit. */
  w.lim.max_bulk = 4096;
  ASSERT_NOT_NULL(cf__call_bulk_out(&c, 4096));
  ASSERT_UEQ(c.bulk_out_len, 4096);
  ASSERT_NULL(cf__call_bulk_out(&c, 4097));
  ASSERT_UEQ(c.bulk_out_len, 0);
  cf__call_reset(&c);
  cf__lanes_free(w.lanes);
  cf__handles_free(w.handles);
}

/* Ids the client mints: only in its half of the id space, kind bits clear,
 * not in use, for an object not registered already; found like any other,
 * with their kind checked, and forgotten with their context. */
static void test_minted(void)
{
  struct cf_handles *t;
  uint64_t ctx, id = CF_HANDLE_CLIENT_BIT | 0x10, id2 = CF_HANDLE_CLIENT_BIT | 0x20;
  void *real;

  ASSERT_EQ(cf__handles_new(8, &t), 0);
  ctx = cf__handles_register(t, CF_HK_CONTEXT, REAL(1), 0);
  ASSERT(cf__handles_minted_free(t, id));
  ASSERT(!cf__handles_minted_free(t, 0x10));                       /* the server's half */
  ASSERT(!cf__handles_minted_free(t, CF_HANDLE_CLIENT_BIT | 0x13)); /* kind bits */
  ASSERT(!cf__handles_minted_free(t, ctx));
  ASSERT_UEQ(cf__handles_register_minted(t, CF_HK_STREAM, REAL(2), ctx, id), id);
  ASSERT(!cf__handles_minted_free(t, id));
  ASSERT_UEQ(cf__handles_register_minted(t, CF_HK_EVENT, REAL(3), ctx, id), 0); /* in use */
  ASSERT_UEQ(cf__handles_register_minted(t, CF_HK_STREAM, REAL(2), ctx, id2), 0); /* known */
  ASSERT_UEQ(cf__handles_register_minted(t, CF_HK_STREAM, REAL(4), ctx, 0x40), 0);
  ASSERT_EQ(cf__handles_lookup(t, id, CF_HK_STREAM, &real), CUDA_SUCCESS);
  ASSERT(real == REAL(2));
  ASSERT_EQ(cf__handles_lookup(t, id, CF_HK_EVENT, &real), CUDA_ERROR_INVALID_HANDLE);
  ASSERT_UEQ(cf__handles_find(t, CF_HK_STREAM, REAL(2)), id);
  ASSERT_UEQ(cf__handles_register_minted(t, CF_HK_EVENT, REAL(3), ctx, id2), id2);
  cf__handles_forget(t, ctx, NULL, NULL);
  ASSERT_UEQ(cf__handles_count(t), 0);
  ASSERT_EQ(cf__handles_lookup(t, id, CF_HK_STREAM, &real), CUDA_ERROR_INVALID_HANDLE);
  ASSERT(cf__handles_minted_free(t, id2));
  cf__handles_free(t);
}

int main(void)
{
  test_special_ids();
  test_unknown_and_wrong_kind();
  test_reverse_lookup();
  test_cascade();
  test_cap();
  test_many();
  test_wrappers();
  test_minted();
  printf("ok\n");
  return 0;
}
