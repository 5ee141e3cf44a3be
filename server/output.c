/* What the driver prints on its stdout (device-side printf: NVIDIA's driver
 * and the emulator both write it there) belongs to the client's program, not
 * to the server's terminal. The worker points fd 1 at a pipe; a reader thread
 * keeps the pipe drained into a bounded buffer (so a kernel printing a lot
 * never blocks on a full pipe), and before every reply the worker sends what
 * it holds as CF_FRAME_OUTPUT frames, which the client writes to its own
 * stdout. Before the reply to a synchronising call (or one that ends a
 * context or module) the worker also empties the pipe itself, so that reply
 * follows everything its kernels printed, as on a local GPU; other replies
 * skip that system call.
 *
 * Threads: the reader thread and the worker's thread share the pipe and the
 * buffer under one mutex. Output beyond the cap between two replies is
 * dropped and replaced by one marker line. */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cf_error.h"
#include "cf_log.h"

#define OUTPUT_CAP (4u << 20) /* bytes held between two replies */

static const char truncated[] = "\n[cuferry: device output truncated]\n";

struct cf_output {
  int rfd;
  pthread_mutex_t lock;
  pthread_t reader;
  char *buf;
  size_t len;
  int dropped;
};

/* Move what the pipe holds into the buffer; lock held. Returns 0 when the
 * pipe is empty now, -1 when it is closed or broken. */
static int pull(struct cf_output *o)
{
  char chunk[16384];

  for (;;) {
    ssize_t n = read(o->rfd, chunk, sizeof chunk);
    if (n > 0) {
      size_t k = (size_t)n;
      if (o->len + k > OUTPUT_CAP) {
        k = OUTPUT_CAP - o->len;
        o->dropped = 1;
      }
      memcpy(o->buf + o->len, chunk, k);
      o->len += k;
      continue;
    }
    if (n < 0 && errno == EINTR)
      continue;
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -1;
  }
}

static void *reader_main(void *arg)
{
  struct cf_output *o = arg;
  struct pollfd p = { .fd = o->rfd, .events = POLLIN };

  for (;;) {
    int gone;
    if (poll(&p, 1, -1) < 0 && errno != EINTR)
      break;
    pthread_mutex_lock(&o->lock);
    gone = pull(o);
    pthread_mutex_unlock(&o->lock);
    if (gone)
      break;
  }
  return NULL;
}

int cf__output_capture(struct cf_output **out)
{
  struct cf_output *o;
  int fds[2];

  *out = NULL;
  if (!(o = calloc(1, sizeof *o)) || !(o->buf = malloc(OUTPUT_CAP))) {
    free(o);
    return CF_ENOMEM;
  }
  if (pipe2(fds, O_CLOEXEC) != 0 || dup2(fds[1], STDOUT_FILENO) < 0) {
    free(o->buf);
    free(o);
    return CF_EIO;
  }
  close(fds[1]);
  o->rfd = fds[0];
  fcntl(o->rfd, F_SETFL, fcntl(o->rfd, F_GETFL) | O_NONBLOCK);
  pthread_mutex_init(&o->lock, NULL);
  if (pthread_create(&o->reader, NULL, reader_main, o) != 0) {
    close(o->rfd);
    free(o->buf);
    free(o);
    return CF_ENOMEM;
  }
  pthread_detach(o->reader);
  *out = o;
  return 0;
}

int cf__output_flush(struct cf_output *o, struct cf_conn *conn, uint32_t max_body, int drain)
{
  int r = 0;

  if (!o)
    return 0;
  fflush(stdout); /* what the driver left in stdio's buffer */
  pthread_mutex_lock(&o->lock);
  if (drain)
    pull(o);
  if (o->dropped && o->len + sizeof truncated - 1 <= OUTPUT_CAP) {
    memcpy(o->buf + o->len, truncated, sizeof truncated - 1);
    o->len += sizeof truncated - 1;
  }
  for (size_t at = 0; r == 0 && at < o->len;) {
    size_t k = o->len - at < max_body ? o->len - at : max_body;
    r = cf_frame_send(conn, CF_FRAME_OUTPUT, 0, 0, 0, o->buf + at, k, NULL, 0);
    at += k;
  }
  o->len = 0;
  o->dropped = 0;
  pthread_mutex_unlock(&o->lock);
  return r;
}
