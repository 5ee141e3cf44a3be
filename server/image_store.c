/* The supervisor's store of module images shared by the sessions of one
 * identity (the worker's side, and why, is image_share.c).
 *
 * The supervisor never reads a client's bytes, and it does not here: it
 * keeps each image as the sealed memory file a worker passed it, checked
 * only for its seals and size, under the identity it admitted that worker
 * as and the name the worker gave. A worker that asks gets back only files
 * of its own identity, and checks them itself.
 *
 * Bounds: at most cap bytes per identity (--image-cache) and max_files
 * files in all (each holds a descriptor), least recently used out first;
 * past max_files the oldest file of any identity goes. The memory is the
 * files' own (kernel shared memory), charged to the workers that wrote
 * them. Lookups walk the list: images are asked for once per load that
 * misses a session's own cache. Supervisor loop thread only. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cf_error.h"

struct stored {
  struct stored *prev, *next; /* most recently used first */
  char identity[64];
  char hex[CF_IMAGE_HASH_HEX];
  uint64_t len;
  int fd;
};

struct cf_image_store {
  uint64_t cap;
  size_t max_files, files;
  uint64_t bytes;
  struct stored *head, *tail;
};

struct cf_image_store *cf__image_store_new(uint64_t cap, size_t max_files)
{
  struct cf_image_store *st = calloc(1, sizeof *st);

  if (st) {
    st->cap = cap;
    st->max_files = max_files;
  }
  return st;
}

static void unlink_stored(struct cf_image_store *st, struct stored *e)
{
  if (e->prev)
    e->prev->next = e->next;
  else
    st->head = e->next;
  if (e->next)
    e->next->prev = e->prev;
  else
    st->tail = e->prev;
  e->prev = e->next = NULL;
}

static void push_front(struct cf_image_store *st, struct stored *e)
{
  e->next = st->head;
  if (st->head)
    st->head->prev = e;
  st->head = e;
  if (!st->tail)
    st->tail = e;
}

static void drop(struct cf_image_store *st, struct stored *e)
{
  unlink_stored(st, e);
  st->files--;
  st->bytes -= e->len;
  close(e->fd);
  free(e);
}

void cf__image_store_free(struct cf_image_store *st)
{
  if (!st)
    return;
  while (st->head)
    drop(st, st->head);
  free(st);
}

static struct stored *find(struct cf_image_store *st, const char *identity, const char *hex)
{
  for (struct stored *e = st->head; e; e = e->next)
    if (!strcmp(e->hex, hex) && !strcmp(e->identity, identity))
      return e;
  return NULL;
}

/* Bytes identity holds. */
static uint64_t held_by(const struct cf_image_store *st, const char *identity)
{
  uint64_t n = 0;

  for (const struct stored *e = st->head; e; e = e->next)
    if (!strcmp(e->identity, identity))
      n += e->len;
  return n;
}

/* Evict identity's least recently used files until len more bytes fit. */
static void make_room(struct cf_image_store *st, const char *identity, uint64_t len)
{
  uint64_t held = held_by(st, identity);

  for (struct stored *e = st->tail, *prev; e && st->cap - held < len; e = prev) {
    prev = e->prev;
    if (!strcmp(e->identity, identity)) {
      held -= e->len;
      drop(st, e);
    }
  }
  while (st->tail && st->files >= st->max_files)
    drop(st, st->tail);
}

int cf__image_store_put(struct cf_image_store *st, const char *identity, const char *hex,
                        int fd, uint64_t len)
{
  uint8_t hash[CF_IMAGE_HASH_BYTES];
  struct stored *e;

  if (cf__image_hash_parse(hex, hash) != 0 || strlen(identity) >= sizeof e->identity ||
      cf__image_share_check_file(fd, len) != 0) {
    close(fd);
    return CF_EINVAL;
  }
  if (len > st->cap || st->max_files == 0) {
    close(fd);
    return CF_ETOOBIG;
  }
  if ((e = find(st, identity, hex))) {
    unlink_stored(st, e); /* held already: keep the first, refresh it */
    push_front(st, e);
    close(fd);
    return 0;
  }
  if (!(e = calloc(1, sizeof *e))) {
    close(fd);
    return CF_ENOMEM;
  }
  make_room(st, identity, len);
  snprintf(e->identity, sizeof e->identity, "%s", identity);
  snprintf(e->hex, sizeof e->hex, "%s", hex);
  e->len = len;
  e->fd = fd;
  push_front(st, e);
  st->files++;
  st->bytes += len;
  return 0;
}

int cf__image_store_get(struct cf_image_store *st, const char *identity, const char *hex,
                        uint64_t *len)
{
  struct stored *e = find(st, identity, hex);

  *len = 0;
  if (!e)
    return -1;
  unlink_stored(st, e);
  push_front(st, e);
  *len = e->len;
  return e->fd;
}

void cf__image_store_usage(const struct cf_image_store *st, uint64_t *bytes, size_t *files)
{
  *bytes = st ? st->bytes : 0;
  *files = st ? st->files : 0;
}
