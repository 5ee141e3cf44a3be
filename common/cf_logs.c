/* The cuLogs* log buffer and callbacks; see cf_logs.h. One ring of lines
 * and one list of callbacks per process, each under one mutex. Dumps copy
 * what they need under the lock and write outside it; callbacks are
 * copied out of the list under the lock and called outside it, so a
 * callback may register, unregister or dump, and one unregistered while a
 * line is being passed on may see that line. */
#include "cf_logs.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct CUlogsCallbackEntry_st {
  CUlogsCallback fn;
  void *data;
  struct CUlogsCallbackEntry_st *next;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
  CUlogLevel level;
  char text[CF_LOGS_LINE_MAX];
} ring[CF_LOGS_KEEP];
static uint32_t next_seq;   /* lines ever kept, mod 2^32 */
static uint32_t kept;       /* lines in the ring, at most CF_LOGS_KEEP */
static struct CUlogsCallbackEntry_st *callbacks;
static unsigned n_callbacks;
static _Thread_local int in_callback;

void cf_logs_capture(enum cf_log_level lvl, const char *line)
{
  struct { CUlogsCallback fn; void *data; } calls[CF_LOGS_CALLBACKS_MAX];
  char text[CF_LOGS_LINE_MAX];
  CUlogLevel level = lvl == CF_LOG_ERROR ? CU_LOG_LEVEL_ERROR : CU_LOG_LEVEL_WARNING;
  unsigned n = 0;

  if (lvl > CF_LOG_WARN || !line)
    return;
  snprintf(text, sizeof text, "%s", line);
  pthread_mutex_lock(&lock);
  ring[next_seq % CF_LOGS_KEEP].level = level;
  memcpy(ring[next_seq % CF_LOGS_KEEP].text, text, sizeof text);
  next_seq++;
  if (kept < CF_LOGS_KEEP)
    kept++;
  if (!in_callback)
    for (struct CUlogsCallbackEntry_st *e = callbacks; e; e = e->next) {
      calls[n].fn = e->fn;
      calls[n++].data = e->data;
    }
  pthread_mutex_unlock(&lock);
  in_callback = 1;
  for (unsigned i = 0; i < n; i++) {
    char copy[CF_LOGS_LINE_MAX]; /* the callback's message is not const */
    memcpy(copy, text, sizeof copy);
    calls[i].fn(calls[i].data, level, copy, strlen(copy));
  }
  in_callback = 0;
}

CUresult cf_logs_register(CUlogsCallback fn, void *data, CUlogsCallbackHandle *callback_out)
{
  struct CUlogsCallbackEntry_st *e, **tail;

  if (!fn)
    return CUDA_ERROR_INVALID_VALUE;
  if (!(e = calloc(1, sizeof *e)))
    return CUDA_ERROR_OUT_OF_MEMORY;
  e->fn = fn;
  e->data = data;
  pthread_mutex_lock(&lock);
  if (n_callbacks >= CF_LOGS_CALLBACKS_MAX) {
    pthread_mutex_unlock(&lock);
    free(e);
    return CUDA_ERROR_OUT_OF_MEMORY;
  }
  for (tail = &callbacks; *tail; tail = &(*tail)->next)
    ; /* in registration order */
  *tail = e;
  n_callbacks++;
  pthread_mutex_unlock(&lock);
  if (callback_out)
    *callback_out = e;
  return CUDA_SUCCESS;
}

CUresult cf_logs_unregister(CUlogsCallbackHandle callback)
{
  struct CUlogsCallbackEntry_st **p;

  pthread_mutex_lock(&lock);
  for (p = &callbacks; *p && *p != callback; p = &(*p)->next)
    ;
  if (!callback || !*p) {
    pthread_mutex_unlock(&lock);
    return CUDA_ERROR_INVALID_VALUE;
  }
  *p = callback->next;
  n_callbacks--;
  pthread_mutex_unlock(&lock);
  free(callback);
  return CUDA_SUCCESS;
}

CUresult cf_logs_current(CUlogIterator *iterator_out, unsigned int flags)
{
  if (!iterator_out || flags != 0)
    return CUDA_ERROR_INVALID_VALUE;
  pthread_mutex_lock(&lock);
  *iterator_out = next_seq;
  pthread_mutex_unlock(&lock);
  return CUDA_SUCCESS;
}

/* A dump's lines, copied out of the ring under the lock: n lines from the
 * oldest, after lost ones that were overwritten. */
struct snapshot {
  uint32_t end, lost;
  unsigned n;
  char text[CF_LOGS_KEEP][CF_LOGS_LINE_MAX];
};

/* Fills s with the lines from *iterator (all kept when NULL); 0 when the
 * iterator is ahead of the log. */
static int take(const CUlogIterator *iterator, struct snapshot *s)
{
  pthread_mutex_lock(&lock);
  uint32_t behind = iterator ? next_seq - *iterator : kept;
  if (behind > UINT32_MAX / 2) { /* ahead of the log, not far behind it */
    pthread_mutex_unlock(&lock);
    return 0;
  }
  s->end = next_seq;
  s->lost = behind > kept ? behind - kept : 0;
  s->n = behind > kept ? kept : behind;
  for (unsigned i = 0; i < s->n; i++)
    memcpy(s->text[i], ring[(uint32_t)(next_seq - s->n + i) % CF_LOGS_KEEP].text,
           CF_LOGS_LINE_MAX);
  pthread_mutex_unlock(&lock);
  return 1;
}

CUresult cf_logs_dump_to_file(CUlogIterator *iterator, const char *pathToFile,
                              unsigned int flags)
{
  struct snapshot *s;
  CUresult r = CUDA_SUCCESS;
  FILE *f;

  if (!pathToFile || flags != 0)
    return CUDA_ERROR_INVALID_VALUE;
  if (!(s = malloc(sizeof *s)))
    return CUDA_ERROR_OUT_OF_MEMORY;
  if (!take(iterator, s) || !(f = fopen(pathToFile, "w"))) {
    free(s);
    return CUDA_ERROR_INVALID_VALUE;
  }
  if (s->lost)
    fprintf(f, "cuferry: %u earlier log messages were overwritten\n", (unsigned)s->lost);
  for (unsigned i = 0; i < s->n; i++)
    fprintf(f, "%s\n", s->text[i]);
  if (fclose(f) != 0)
    r = CUDA_ERROR_INVALID_VALUE;
  if (r == CUDA_SUCCESS && iterator)
    *iterator = s->end;
  free(s);
  return r;
}

CUresult cf_logs_dump_to_memory(CUlogIterator *iterator, char *buffer, size_t *size,
                                unsigned int flags)
{
  struct snapshot *s;
  char head[96];
  size_t room, need = 0, hlen = 0, at = 0;
  unsigned first;

  if (!buffer || !size || flags != 0)
    return CUDA_ERROR_INVALID_VALUE;
  if (!(s = malloc(sizeof *s)))
    return CUDA_ERROR_OUT_OF_MEMORY;
  if (!take(iterator, s)) {
    free(s);
    return CUDA_ERROR_INVALID_VALUE;
  }
  room = *size ? *size - 1 : 0; /* the NUL is always written */
  if (s->n == 0) {
    if (*size)
      buffer[0] = '\0';
    *size = 0;
    if (iterator)
      *iterator = s->end;
    free(s);
    return CUDA_SUCCESS;
  }
  if (s->lost)
    hlen = (size_t)snprintf(head, sizeof head,
                            "cuferry: %u earlier log messages were overwritten\n",
                            (unsigned)s->lost);
  for (unsigned i = 0; i < s->n; i++)
    need += strlen(s->text[i]) + 1;
  first = 0;
  if (hlen + need > room) {
    /* Keep the newest lines that fit after a line saying some are left out. */
    size_t fit = 0;
    first = s->n;
    while (first > 0 && strlen(s->text[first - 1]) + 1 + fit <= room) {
      fit += strlen(s->text[first - 1]) + 1;
      first--;
    }
    hlen = (size_t)snprintf(head, sizeof head,
                            "cuferry: %u log messages did not fit the buffer\n",
                            (unsigned)(first + s->lost));
    while (first < s->n && hlen + fit > room) { /* make room for that line */
      fit -= strlen(s->text[first]) + 1;
      first++;
      hlen = (size_t)snprintf(head, sizeof head,
                              "cuferry: %u log messages did not fit the buffer\n",
                              (unsigned)(first + s->lost));
    }
    if (first == s->n) { /* the note does not fit with the newest line */
      first = s->n - 1;
      hlen = 0;
      if (strlen(s->text[first]) + 1 > room) {
        if (*size)
          buffer[0] = '\0';
        *size = 0;
        free(s);
        return CUDA_ERROR_INVALID_VALUE;
      }
    }
  }
  memcpy(buffer, head, hlen);
  at = hlen;
  for (unsigned i = first; i < s->n; i++) {
    size_t len = strlen(s->text[i]);
    memcpy(buffer + at, s->text[i], len);
    buffer[at + len] = '\n';
    at += len + 1;
  }
  buffer[at] = '\0';
  *size = at;
  if (iterator)
    *iterator = s->end;
  free(s);
  return CUDA_SUCCESS;
}
