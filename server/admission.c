/* The control channel between a worker and the supervisor. A worker that
 * has authenticated its client first asks to be admitted, and the
 * supervisor, which alone sees every session, answers after checking its
 * limits (sessions in total and per identity) with the session's memory
 * quota, or refuses with a reason the worker passes on. After that the
 * channel carries the images shared by the sessions of one identity
 * (image_share.c, image_store.c).
 *
 * The channel is a SOCK_SEQPACKET socketpair (the worker's fd 4): every
 * message is one record, a line of at most CF_ADMIT_LINE_MAX bytes with no
 * newline, carrying at most one file descriptor:
 *   worker:     "admit IDENTITY PID CLIENT"
 *   supervisor: "ok QUOTA" | "no REASON"
 * IDENTITY and CLIENT are sanitised first (printable ASCII, no spaces), so a
 * client cannot forge a field. The supervisor parses the worker's line with
 * cf__admit_parse; the worker asks with cf__admit_ask, blocking with a
 * deadline. cf__ctl_send and cf__ctl_recv move one record each way. */
#include "internal.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
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

int cf__ctl_send(int fd, const char *line, int pass_fd, int dontwait)
{
  size_t len = strlen(line);
  struct iovec iov = { .iov_base = (void *)line, .iov_len = len };
  union {
    struct cmsghdr h;
    char buf[CMSG_SPACE(sizeof(int))];
  } cm;
  struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
  ssize_t n;

  if (len == 0 || len >= CF_ADMIT_LINE_MAX)
    return CF_EINVAL;
  if (pass_fd >= 0) {
    memset(&cm, 0, sizeof cm);
    m.msg_control = cm.buf;
    m.msg_controllen = sizeof cm.buf;
    cm.h.cmsg_level = SOL_SOCKET;
    cm.h.cmsg_type = SCM_RIGHTS;
    cm.h.cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(&cm.h), &pass_fd, sizeof(int));
  }
  do
    n = sendmsg(fd, &m, MSG_NOSIGNAL | (dontwait ? MSG_DONTWAIT : 0));
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return errno == EAGAIN || errno == EWOULDBLOCK ? CF_ETIMEDOUT : CF_EIO;
  return (size_t)n == len ? 0 : CF_EIO;
}

int cf__ctl_recv(int fd, char *line, size_t len, int *got_fd, int64_t deadline_ms)
{
  struct iovec iov = { .iov_base = line, .iov_len = len - 1 };
  union {
    struct cmsghdr h;
    char buf[CMSG_SPACE(sizeof(int))];
  } cm;
  struct msghdr m;
  ssize_t n;

  *got_fd = -1;
  for (;;) {
    struct pollfd p = { .fd = fd, .events = POLLIN };
    int64_t left = deadline_ms < 0 ? 0 : deadline_ms - cf_monotonic_ms();

    if (deadline_ms >= 0 && left <= 0)
      return CF_ETIMEDOUT;
    n = poll(&p, 1, deadline_ms < 0 ? 0 : (int)left);
    if (n < 0 && errno == EINTR)
      continue;
    if (n == 0 && deadline_ms < 0)
      return CF_ETIMEDOUT; /* nothing waiting */
    if (n <= 0)
      continue;
    memset(&m, 0, sizeof m);
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = cm.buf;
    m.msg_controllen = sizeof cm.buf;
    n = recvmsg(fd, &m, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
    if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
      continue;
    break;
  }
  if (n <= 0)
    return n == 0 ? CF_ECLOSED : CF_EIO;
  for (struct cmsghdr *h = CMSG_FIRSTHDR(&m); h; h = CMSG_NXTHDR(&m, h))
    if (h->cmsg_level == SOL_SOCKET && h->cmsg_type == SCM_RIGHTS &&
        h->cmsg_len == CMSG_LEN(sizeof(int)))
      memcpy(got_fd, CMSG_DATA(h), sizeof(int));
  line[n] = '\0';
  /* A record cut short, more than one descriptor, or a NUL inside the
   * line: the peer does not speak this protocol. */
  if ((m.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) || strlen(line) != (size_t)n) {
    if (*got_fd >= 0)
      close(*got_fd);
    *got_fd = -1;
    return CF_EPROTO;
  }
  return 0;
}

int cf__admit_ask(int fd, const char *identity, uint32_t pid, const char *client,
                  int timeout_ms, uint64_t *quota, char *why, size_t whylen)
{
  char ident[64], name[64], line[CF_ADMIT_LINE_MAX];
  uint64_t q;
  int used = 0, passed = -1, r;

  *quota = 0;
  cf__admit_sanitise(ident, sizeof ident, identity);
  cf__admit_sanitise(name, sizeof name, client);
  snprintf(line, sizeof line, "admit %s %" PRIu32 " %s", ident, pid, name);
  if ((r = cf__ctl_send(fd, line, -1, 0)) != 0 ||
      (r = cf__ctl_recv(fd, line, sizeof line, &passed, cf_monotonic_ms() + timeout_ms)) != 0) {
    snprintf(why, whylen, "the supervisor did not answer (%s)", cf_strerror(r));
    return r;
  }
  if (passed >= 0)
    close(passed); /* the answer carries none */
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
