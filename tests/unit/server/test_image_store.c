/* The supervisor's store of images shared by the sessions of one identity
 * (server/image_store.c) and the control channel's records (admission.c):
 * only sealed memory files of the stated size are kept, under a valid
 * name; an identity finds only its own; each identity's bytes are capped
 * and the least recently used of its own images go first; past the file
 * limit the oldest of any identity goes; a record carries its descriptor
 * across a socketpair, and an overlong record or a second descriptor is
 * refused. */
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cf_error.h"
#include "cf_test.h"
#include "internal.h"

/* A memory file of n bytes of v, sealed against change when sealed. */
static int image_file(size_t n, char v, int sealed)
{
  int fd = memfd_create("test-image", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  char buf[512];

  ASSERT_GE(fd, 0);
  memset(buf, v, sizeof buf);
  for (size_t done = 0; done < n;) {
    size_t k = n - done < sizeof buf ? n - done : sizeof buf;

    ASSERT_EQ(write(fd, buf, k), (ssize_t)k);
    done += k;
  }
  if (sealed)
    ASSERT_EQ(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL),
              0);
  return fd;
}

static const char *name(char c)
{
  static char hex[CF_IMAGE_HASH_HEX];

  memset(hex, c, CF_IMAGE_HASH_HEX - 1);
  hex[CF_IMAGE_HASH_HEX - 1] = '\0';
  return hex;
}

static int has(struct cf_image_store *st, const char *who, char c)
{
  uint64_t len;

  return cf__image_store_get(st, who, name(c), &len) >= 0;
}

static void store_rules(void)
{
  struct cf_image_store *st = cf__image_store_new(1000, 8);
  uint64_t len, bytes;
  size_t files;
  int fd;

  ASSERT_NOT_NULL(st);
  /* Kept, found by its own identity only, with its size. */
  ASSERT_EQ(cf__image_store_put(st, "alice", name('a'), image_file(400, 'a', 1), 400), 0);
  ASSERT_GE(fd = cf__image_store_get(st, "alice", name('a'), &len), 0);
  ASSERT_UEQ(len, 400);
  ASSERT_EQ(cf__image_share_check_file(fd, 400), 0);
  ASSERT_LT(cf__image_store_get(st, "bob", name('a'), &len), 0);
  ASSERT_UEQ(len, 0);
  /* Refused: not sealed, another size, a bad name, over the cap. */
  ASSERT_EQ(cf__image_store_put(st, "alice", name('b'), image_file(400, 'b', 0), 400), CF_EINVAL);
  ASSERT_EQ(cf__image_store_put(st, "alice", name('b'), image_file(400, 'b', 1), 399), CF_EINVAL);
  ASSERT_EQ(cf__image_store_put(st, "alice", name('B'), image_file(400, 'b', 1), 400), CF_EINVAL);
  ASSERT_EQ(cf__image_store_put(st, "alice", "abc", image_file(400, 'b', 1), 400), CF_EINVAL);
  ASSERT_EQ(cf__image_store_put(st, "alice", name('b'), image_file(1001, 'b', 1), 1001),
            CF_ETOOBIG);
  ASSERT(!has(st, "alice", 'b'));
  /* Each identity's cap: alice's least recently used goes, bob's stays. */
  ASSERT_EQ(cf__image_store_put(st, "alice", name('b'), image_file(400, 'b', 1), 400), 0);
  ASSERT_EQ(cf__image_store_put(st, "bob", name('c'), image_file(400, 'c', 1), 400), 0);
  ASSERT(has(st, "alice", 'a')); /* a is now more recent than b */
  ASSERT_EQ(cf__image_store_put(st, "alice", name('d'), image_file(400, 'd', 1), 400), 0);
  ASSERT(has(st, "alice", 'a'));
  ASSERT(!has(st, "alice", 'b'));
  ASSERT(has(st, "alice", 'd'));
  ASSERT(has(st, "bob", 'c'));
  /* Held already: kept once. */
  ASSERT_EQ(cf__image_store_put(st, "alice", name('d'), image_file(400, 'd', 1), 400), 0);
  cf__image_store_usage(st, &bytes, &files);
  ASSERT_UEQ(bytes, 1200);
  ASSERT_UEQ(files, 3);
  cf__image_store_free(st);

  /* The file limit: the oldest of any identity goes. */
  ASSERT_NOT_NULL(st = cf__image_store_new(1000, 2));
  ASSERT_EQ(cf__image_store_put(st, "bob", name('c'), image_file(10, 'c', 1), 10), 0);
  ASSERT_EQ(cf__image_store_put(st, "alice", name('a'), image_file(10, 'a', 1), 10), 0);
  ASSERT_EQ(cf__image_store_put(st, "alice", name('b'), image_file(10, 'b', 1), 10), 0);
  ASSERT(!has(st, "bob", 'c'));
  ASSERT(has(st, "alice", 'a'));
  ASSERT(has(st, "alice", 'b'));
  cf__image_store_free(st);
}

static void records(void)
{
  char line[CF_ADMIT_LINE_MAX], longer[CF_ADMIT_LINE_MAX + 8];
  int sv[2], fd, got;

  ASSERT_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
  /* Nothing waiting: a non-blocking receive says so. */
  ASSERT_EQ(cf__ctl_recv(sv[1], line, sizeof line, &got, -1), CF_ETIMEDOUT);
  /* A line with a descriptor, then one without. */
  fd = image_file(100, 'x', 1);
  ASSERT_EQ(cf__ctl_send(sv[0], "image 100", fd, 1), 0);
  close(fd);
  ASSERT_EQ(cf__ctl_send(sv[0], "none", -1, 1), 0);
  ASSERT_EQ(cf__ctl_recv(sv[1], line, sizeof line, &got, cf_monotonic_ms() + 1000), 0);
  ASSERT_STR_EQ(line, "image 100");
  ASSERT_GE(got, 0);
  ASSERT_EQ(cf__image_share_check_file(got, 100), 0);
  close(got);
  ASSERT_EQ(cf__ctl_recv(sv[1], line, sizeof line, &got, -1), 0);
  ASSERT_STR_EQ(line, "none");
  ASSERT_EQ(got, -1);
  /* Too long to send; too long to receive (sent by hand); no empty lines. */
  memset(longer, 'x', sizeof longer - 1);
  longer[sizeof longer - 1] = '\0';
  ASSERT_EQ(cf__ctl_send(sv[0], longer, -1, 1), CF_EINVAL);
  ASSERT_EQ(cf__ctl_send(sv[0], "", -1, 1), CF_EINVAL);
  ASSERT_EQ(send(sv[0], longer, strlen(longer), 0), (ssize_t)strlen(longer));
  ASSERT_EQ(cf__ctl_recv(sv[1], line, sizeof line, &got, -1), CF_EPROTO);
  ASSERT_EQ(got, -1);
  /* A NUL inside the record. */
  ASSERT_EQ(send(sv[0], "ok\0x", 4, 0), 4);
  ASSERT_EQ(cf__ctl_recv(sv[1], line, sizeof line, &got, -1), CF_EPROTO);
  /* The end. */
  close(sv[0]);
  ASSERT_EQ(cf__ctl_recv(sv[1], line, sizeof line, &got, cf_monotonic_ms() + 1000), CF_ECLOSED);
  close(sv[1]);
}

int main(void)
{
  store_rules();
  records();
  return 0;
}
