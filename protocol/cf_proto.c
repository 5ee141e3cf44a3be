/* The bounded protobuf-c allocator and the pack/unpack helpers (cf_proto.h).
 *
 * Two caps, both checked before malloc: one per allocation
 * (CF_PROTO_MAX_ALLOC) and one on the bytes a thread has live through this
 * allocator (CF_PROTO_MAX_LIVE), which bounds what one hostile body can make
 * protobuf-c allocate however the caller invokes the unpack. cf_proto_unpack()
 * adds a third, per-unpack budget kept in a thread-local.
 *
 * Ownership and threads: every block carries a small header naming its size
 * and the allocating thread's counter (struct owner), so a message unpacked on
 * one thread may be freed on another and the bytes go back to the right
 * counter. The counter is created on a thread's first allocation and freed by
 * whichever comes last: the thread's exit (a pthread key destructor) or the
 * free of its last live block; one atomic word with a "gone" bit decides
 * which. Only the owning thread ever adds to its counter, so the check-then-add
 * in alloc cannot be raced past the cap. Memory from this allocator must be
 * freed through it, never with free() or protobuf-c's default allocator. */
#include "cf_proto.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>

#include "cf_error.h"

#define OWNER_GONE ((uint64_t)1 << 63)

struct owner {
  _Atomic uint64_t state; /* live bytes, | OWNER_GONE once the thread exited */
};

/* Prefix of every block; the union keeps the user part max-aligned. */
union block_hdr {
  struct {
    struct owner *owner;
    size_t size;
  } h;
  max_align_t align_;
};

static pthread_once_t owner_once = PTHREAD_ONCE_INIT;
static pthread_key_t owner_key;
static int owner_key_ok;
static _Thread_local struct owner *my_owner;

/* Bytes the current cf_proto_unpack() on this thread may still allocate;
 * meaningful only while budget_open is set. */
static _Thread_local size_t budget_left;
static _Thread_local int budget_open;

static void owner_thread_exit(void *p)
{
  struct owner *o = p;
  uint64_t prev = atomic_fetch_or(&o->state, OWNER_GONE);

  my_owner = NULL;
  if ((prev & ~OWNER_GONE) == 0)
    free(o); /* nothing live: no free will come back for it */
}

static void owner_key_init(void)
{
  owner_key_ok = pthread_key_create(&owner_key, owner_thread_exit) == 0;
}

static struct owner *get_owner(void)
{
  struct owner *o;

  if (my_owner)
    return my_owner;
  pthread_once(&owner_once, owner_key_init);
  if (!owner_key_ok)
    return NULL;
  o = malloc(sizeof *o);
  if (!o)
    return NULL;
  atomic_init(&o->state, 0);
  if (pthread_setspecific(owner_key, o) != 0) {
    free(o);
    return NULL;
  }
  my_owner = o;
  return o;
}

static void *bounded_alloc(void *data, size_t size)
{
  struct owner *o;
  union block_hdr *b;
  uint64_t live;

  (void)data;
  if (size > CF_PROTO_MAX_ALLOC)
    return NULL;
  if (budget_open && size > budget_left)
    return NULL;
  o = get_owner();
  if (!o)
    return NULL;
  /* Other threads only subtract, so this read can only overstate. */
  live = atomic_load(&o->state);
  if (live > CF_PROTO_MAX_LIVE || size > CF_PROTO_MAX_LIVE - live)
    return NULL;
  b = malloc(sizeof *b + size); /* size <= CF_PROTO_MAX_ALLOC: no overflow */
  if (!b)
    return NULL;
  b->h.owner = o;
  b->h.size = size;
  atomic_fetch_add(&o->state, (uint64_t)size);
  if (budget_open)
    budget_left -= size;
  return b + 1;
}

static void bounded_free(void *data, void *p)
{
  union block_hdr *b;
  struct owner *o;
  size_t size;
  uint64_t prev;

  (void)data;
  if (!p)
    return;
  b = (union block_hdr *)p - 1;
  o = b->h.owner;
  size = b->h.size;
  free(b);
  prev = atomic_fetch_sub(&o->state, (uint64_t)size);
  if ((prev & OWNER_GONE) && (prev & ~OWNER_GONE) == size)
    free(o); /* the thread is gone and this was its last block */
}

static ProtobufCAllocator allocator = {
  .alloc = bounded_alloc,
  .free = bounded_free,
  .allocator_data = NULL,
};

ProtobufCAllocator *cf_proto_allocator(void)
{
  return &allocator;
}

size_t cf_proto_live_bytes(void)
{
  return my_owner ? (size_t)(atomic_load(&my_owner->state) & ~OWNER_GONE) : 0;
}

/* Does m, or a message inside it, hold an unknown field numbered 0?
 * protobuf-c 1.4 refuses a tag byte of field 0 but takes one written in more
 * bytes than it needs ("80 00"), keeps it as an unknown field, and packs it
 * back as "00", which it then refuses to unpack. Field 0 is invalid
 * protobuf, so such bytes are refused here (found by the messages fuzz
 * target: its pack/unpack round trip broke on them). depth bounds the
 * recursion whatever the descriptors say. */
static int has_field_zero(const ProtobufCMessage *m, int depth)
{
  const ProtobufCMessageDescriptor *d = m->descriptor;

  if (depth > 32)
    return 1;
  for (unsigned i = 0; i < m->n_unknown_fields; i++)
    if (m->unknown_fields[i].tag == 0)
      return 1;
  for (unsigned i = 0; i < d->n_fields; i++) {
    const ProtobufCFieldDescriptor *f = &d->fields[i];
    const char *base = (const char *)m;

    if (f->type != PROTOBUF_C_TYPE_MESSAGE)
      continue;
    if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
        *(const uint32_t *)(base + f->quantifier_offset) != f->id)
      continue; /* another member of the oneof owns the storage */
    if (f->label == PROTOBUF_C_LABEL_REPEATED) {
      size_t n = *(const size_t *)(base + f->quantifier_offset);
      ProtobufCMessage *const *sub = *(ProtobufCMessage *const *const *)(base + f->offset);

      for (size_t k = 0; k < n; k++)
        if (sub[k] && has_field_zero(sub[k], depth + 1))
          return 1;
    } else {
      const ProtobufCMessage *sub = *(const ProtobufCMessage *const *)(base + f->offset);

      if (sub && has_field_zero(sub, depth + 1))
        return 1;
    }
  }
  return 0;
}

int cf_proto_unpack(const ProtobufCMessageDescriptor *d, const uint8_t *data,
                    size_t len, ProtobufCMessage **out)
{
  ProtobufCMessage *m;

  if (out)
    *out = NULL;
  if (!d || !out || (len && !data))
    return CF_EINVAL;
  budget_left = CF_PROTO_MAX_UNPACK;
  budget_open = 1;
  m = protobuf_c_message_unpack(d, &allocator, len, data);
  budget_open = 0;
  if (!m)
    return CF_EPROTO;
  if (has_field_zero(m, 0)) {
    protobuf_c_message_free_unpacked(m, &allocator);
    return CF_EPROTO;
  }
  *out = m;
  return 0;
}

void cf_proto_free(ProtobufCMessage *m)
{
  if (m)
    protobuf_c_message_free_unpacked(m, &allocator);
}

int cf_proto_pack(const ProtobufCMessage *m, uint8_t **out, size_t *len)
{
  size_t n, w;
  uint8_t *buf;

  if (out)
    *out = NULL;
  if (len)
    *len = 0;
  if (!m || !out || !len)
    return CF_EINVAL;
  n = protobuf_c_message_get_packed_size(m);
  buf = malloc(n ? n : 1);
  if (!buf)
    return CF_ENOMEM;
  w = protobuf_c_message_pack(m, buf);
  if (w != n) { /* protobuf-c promises equality; a mismatch is our bug */
    free(buf);
    return CF_EINVAL;
  }
  *out = buf;
  *len = n;
  return 0;
}
