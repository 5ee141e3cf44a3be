/* A worker's side of the images shared by the sessions of one identity.
 *
 * The session's own images live in image_cache.c. A worker that received
 * an image from its client, and whose driver loaded it, offers it to the
 * supervisor as a sealed memory file (memfd: F_SEAL_WRITE, SHRINK, GROW,
 * SEAL), so that nobody, its writer included, can change the bytes once
 * they are passed. A later session of the same identity that is asked to
 * load an image by a name it does not hold asks the supervisor for it,
 * which passes back the file it keeps for that identity (image_store.c).
 * Over the control channel (admission.c), one record each:
 *   worker: "image-put HEX LEN" with the file   (no answer)
 *   worker: "image-get HEX"
 *   supervisor: "image LEN" with the file | "none"
 *
 * Trust: the file came from another worker, which parsed bytes from a
 * client, so nothing of it is believed: it must be sealed and LEN bytes,
 * its SHA-256 must be the name asked for, and it must pass
 * cf__srv_image_ok, as bytes from a client must. The supervisor keys files
 * by the identity it admitted, so a worker only ever sees its own
 * identity's images.
 *
 * A failing channel turns sharing off for the rest of the session: loads
 * then work as before, with the client sending what is not held here.
 * Worker thread only. */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cf_error.h"
#include "cf_log.h"

#define SHARE_ANSWER_MS 2000
#define SEALS (F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW)

static struct {
  int ctl; /* -1: no sharing */
  uint64_t cap;
} S = { .ctl = -1 };

void cf__image_share_init(int ctl, uint64_t cap)
{
  S.ctl = cap ? ctl : -1;
  S.cap = cap;
  if (!cap && ctl >= 0)
    close(ctl);
}

static void share_off(const char *why, int rc)
{
  cf_warn("images are no longer shared with this identity's other sessions: %s (%s)", why,
          cf_strerror(rc));
  close(S.ctl);
  S.ctl = -1;
}

int cf__image_share_check_file(int fd, uint64_t len)
{
  struct stat st;
  int seals = fcntl(fd, F_GET_SEALS);

  if (seals < 0 || (seals & SEALS) != SEALS || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
      st.st_size < 0 || (uint64_t)st.st_size != len || len == 0)
    return CF_EINVAL;
  return 0;
}

/* Check the file fd of len bytes against hash and keep it in the session's
 * cache. */
static int take(int fd, uint64_t len, const uint8_t hash[static CF_IMAGE_HASH_BYTES])
{
  uint8_t got[CF_IMAGE_HASH_BYTES];
  void *map;
  int rc;

  if (cf__image_share_check_file(fd, len) != 0 || len > S.cap || len > SIZE_MAX)
    return CF_EINVAL;
  if ((map = mmap(NULL, (size_t)len, PROT_READ, MAP_SHARED, fd, 0)) == MAP_FAILED)
    return CF_ENOMEM;
  if ((rc = cf__image_hash(map, len, got)) == 0 &&
      (memcmp(got, hash, sizeof got) != 0 || !cf__srv_image_ok(map, len)))
    rc = CF_EINVAL;
  if (rc == 0)
    rc = cf__image_cache_put_hashed(map, len, hash);
  munmap(map, (size_t)len);
  return rc;
}

int cf__image_share_fetch(const uint8_t hash[static CF_IMAGE_HASH_BYTES])
{
  char hex[CF_IMAGE_HASH_HEX], line[CF_ADMIT_LINE_MAX];
  uint64_t len;
  int fd = -1, used = 0, rc;

  if (S.ctl < 0)
    return CF_ENOTFOUND;
  cf__image_hash_hex(hash, hex);
  snprintf(line, sizeof line, "image-get %s", hex);
  if ((rc = cf__ctl_send(S.ctl, line, -1, 0)) != 0 ||
      (rc = cf__ctl_recv(S.ctl, line, sizeof line, &fd,
                         cf_monotonic_ms() + SHARE_ANSWER_MS)) != 0) {
    share_off("the supervisor did not answer", rc);
    return rc;
  }
  if (!strcmp(line, "none") && fd < 0)
    return CF_ENOTFOUND;
  if (fd < 0 || sscanf(line, "image %" SCNu64 "%n", &len, &used) != 1 || line[used]) {
    if (fd >= 0)
      close(fd);
    share_off("its answer was garbled", CF_EPROTO);
    return CF_EPROTO;
  }
  rc = take(fd, len, hash);
  close(fd);
  if (rc != 0) {
    cf_warn("image %s from this identity's store was not taken (%s); the client will send it",
            hex, cf_strerror(rc));
    return CF_ENOTFOUND;
  }
  return 0;
}

void cf__image_share_offer(const uint8_t *b, uint64_t len,
                           const uint8_t hash[static CF_IMAGE_HASH_BYTES])
{
  char hex[CF_IMAGE_HASH_HEX], line[CF_ADMIT_LINE_MAX];
  uint64_t done = 0;
  int fd, rc;

  if (S.ctl < 0 || len == 0 || len > S.cap)
    return;
  cf__image_hash_hex(hash, hex);
  if ((fd = memfd_create("cuferry-image", MFD_CLOEXEC | MFD_ALLOW_SEALING)) < 0) {
    cf_debug("image %s: not shared: memfd_create: %s", hex, strerror(errno));
    return;
  }
  while (done < len) {
    ssize_t n = write(fd, b + done, len - done > (1u << 30) ? (1u << 30) : (size_t)(len - done));

    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    done += (uint64_t)n;
  }
  if (done != len || fcntl(fd, F_ADD_SEALS, SEALS | F_SEAL_SEAL) != 0) {
    cf_debug("image %s: not shared: cannot fill and seal its file", hex);
    close(fd);
    return;
  }
  snprintf(line, sizeof line, "image-put %s %" PRIu64, hex, len);
  if ((rc = cf__ctl_send(S.ctl, line, fd, 0)) != 0)
    share_off("cannot reach the supervisor", rc);
  else
    cf_debug("image %s: %" PRIu64 " bytes offered to this identity's sessions", hex, len);
  close(fd);
}
