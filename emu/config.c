/* The emulator's configuration from the environment:
 *   CUFERRY_EMU_MEMORY  device memory size, "4G", "512M", "1GiB", "65536";
 *   CUFERRY_EMU_CC      compute capability reported, "8.0", "9.0".
 * Parsed once, at cuInit, under the global lock. A value that does not
 * parse is an error naming the variable and quoting the value, never a
 * silent fallback. */
#include "internal.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cf_error.h"
#include "cf_log.h"

int cf__emu_parse_size(const char *s, uint64_t *out)
{
  uint64_t v = 0, mul = 1;
  const char *p = s;

  *out = 0;
  if (!s || !isdigit((unsigned char)*p))
    return CF_EINVAL;
  for (; isdigit((unsigned char)*p); p++) {
    if (v > (UINT64_MAX - 9) / 10)
      return CF_EINVAL;
    v = v * 10 + (uint64_t)(*p - '0');
  }
  switch (toupper((unsigned char)*p)) {
  case 'K': mul = 1ull << 10; p++; break;
  case 'M': mul = 1ull << 20; p++; break;
  case 'G': mul = 1ull << 30; p++; break;
  case 'T': mul = 1ull << 40; p++; break;
  default: break;
  }
  if (mul > 1 && (p[0] == 'i' || p[0] == 'I') && (p[1] == 'B' || p[1] == 'b'))
    p += 2;
  else if (*p == 'B' || *p == 'b')
    p++;
  if (*p != '\0' || v > UINT64_MAX / mul)
    return CF_EINVAL;
  *out = v * mul;
  return 0;
}

static int parse_cc(const char *s, int *major, int *minor)
{
  /* "M.m" with M in 1..99 and m one digit, as in "8.0" or "12.1". */
  char *end;
  errno = 0;
  long ma = strtol(s, &end, 10);
  if (errno || end == s || *end != '.' || ma < 1 || ma > 99 ||
      !isdigit((unsigned char)end[1]) || end[2] != '\0' || !isdigit((unsigned char)*s))
    return CF_EINVAL;
  *major = (int)ma;
  *minor = end[1] - '0';
  return 0;
}

int cf__emu_config_load(struct cf_emu_config *cfg)
{
  const char *mem = getenv("CUFERRY_EMU_MEMORY");
  const char *cc = getenv("CUFERRY_EMU_CC");
  long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

  cfg->memory_bytes = CF_EMU_DEFAULT_MEMORY;
  cfg->cc_major = 8;
  cfg->cc_minor = 0;
  cfg->sm_count = ncpu > 0 ? (int)(ncpu > 1024 ? 1024 : ncpu) : 1;

  if (mem && *mem) {
    uint64_t v;
    if (cf__emu_parse_size(mem, &v) != 0 || v < (1ull << 20) ||
        v > CF_EMU_MAX_MEMORY) {
      cf_error("CUFERRY_EMU_MEMORY=\"%s\": expected a size from 1M to 4T "
               "such as 4G or 512M", mem);
      return CF_EINVAL;
    }
    cfg->memory_bytes = v;
  }
  if (cc && *cc && parse_cc(cc, &cfg->cc_major, &cfg->cc_minor) != 0) {
    cf_error("CUFERRY_EMU_CC=\"%s\": expected a compute capability such as "
             "8.0 or 9.0", cc);
    return CF_EINVAL;
  }
  return 0;
}
