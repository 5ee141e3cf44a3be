/* The control channel between a worker and the supervisor, used once per
 * session: a worker that has authenticated its client asks to be admitted,
 * and the supervisor, which alone sees every session, answers after
 * checking its limits (sessions in total and per identity) with the
 * session's memory quota, or refuses with a reason the worker passes on.
 *
 * The channel is a socketpair (the worker's fd 4). Each side sends one line
 * of at most CF_ADMIT_LINE_MAX bytes:
 *   worker:     "admit IDENTITY PID CLIENT\n"
 *   supervisor: "ok QUOTA\n" | "no REASON\n"
 * IDENTITY and CLIENT are sanitised first (printable ASCII, no spaces), so a
 * client cannot forge a field. The supervisor parses the worker's line with
 * cf__admit_parse; the worker asks with cf__admit_ask, blocking with a
 * deadline. */
#include "internal.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cf_error.h"

void cf__admit_sanitise(char *dst, size_t len, const char *src)
{
  size_t i = 0;

  for (; src && src[i] && i + 1 < len; i++)
    dst[i] = src[i] > 0x20 && src[i] < 0x7f ? src[i] : '_';
  dst[len ? i : 0] = '\0';
  if (len && !i && len > 1)
    snprintf(dst, len, "-");
}

int cf__admit_parse(const char *line, struct cf_admit_request *out)
{
  char ident[sizeof out->identity], client[sizeof out->client];
  unsigned long pid;
  int used = 0;

  memset(out, 0, sizeof *out);
  if (sscanf(line, "admit %63s %lu %63s%n", ident, &pid, client, &used) != 3 ||
      line[used] != '\0' || pid > UINT32_MAX)
    return CF_EPROTO;
  snprintf(out->identity, sizeof out->identity, "%s", ident);
  snprintf(out->client, sizeof out->client, "%s", client);
  out->pid = (uint32_t)pid;
  return 0;
}

/* Write all of buf to fd. */
static int write_all(int fd, const char *buf, size_t len)
{
  while (len) {
    ssize_t n = write(fd, buf, len);

    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return CF_EIO;
    buf += n;
    len -= (size_t)n;
  }
  return 0;
}

/* Read one line (without its '\n') from fd before deadline_ms. */
static int read_line(int fd, char *buf, size_t len, int64_t deadline_ms)
{
  size_t have = 0;

  for (;;) {
    struct pollfd p = { .fd = fd, .events = POLLIN };
    int64_t left = deadline_ms - cf_monotonic_ms();
    ssize_t n;

    if (left <= 0)
      return CF_ETIMEDOUT;
    n = poll(&p, 1, (int)left);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      continue;
    n = read(fd, buf + have, len - 1 - have);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return CF_ECLOSED;
    have += (size_t)n;
    buf[have] = '\0';
    char *nl = memchr(buf, '\n', have);
    if (nl) {
      *nl = '\0';
      return 0;
    }
    if (have == len - 1)
      return CF_EPROTO;
  }
}

int cf__admit_ask(int fd, const char *identity, uint32_t pid, const char *client,
                  int timeout_ms, uint64_t *quota, char *why, size_t whylen)
{
  char ident[64], name[64], line[CF_ADMIT_LINE_MAX];
  uint64_t q;
  int used = 0, r;

  *quota = 0;
  cf__admit_sanitise(ident, sizeof ident, identity);
  cf__admit_sanitise(name, sizeof name, client);
  snprintf(line, sizeof line, "admit %s %" PRIu32 " %s\n", ident, pid, name);
  if ((r = write_all(fd, line, strlen(line))) != 0 ||
      (r = read_line(fd, line, sizeof line, cf_monotonic_ms() + timeout_ms)) != 0) {
    snprintf(why, whylen, "the supervisor did not answer (%s)", cf_strerror(r));
    return r;
  }
  if (sscanf(line, "ok %" SCNu64 "%n", &q, &used) == 1 && line[used] == '\0') {
    *quota = q;
    return 0;
  }
  if (strncmp(line, "no ", 3) == 0) {
    snprintf(why, whylen, "%s", line + 3);
    return CF_EPERM;
  }
  snprintf(why, whylen, "the supervisor's answer was garbled");
  return CF_EPROTO;
}
