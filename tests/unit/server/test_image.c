/* Module image checks made before the driver sees an image from the
 * network: fatbin containers and ELF files whose headers point outside the
 * bytes sent are refused; PTX text and well-formed images pass.
 * argv[1]: any ELF64 file with sections (the test's own executable). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cf_test.h"
#include "internal.h"

static void put_le(uint8_t *p, uint64_t v, int n)
{
  for (int i = 0; i < n; i++)
    p[i] = (uint8_t)(v >> (8 * i));
}

/* A container of one entry: 16-byte header, 64-byte entry header, payload. */
static size_t make_fatbin(uint8_t *b, uint64_t payload)
{
  memset(b, 0, 16 + 64 + payload);
  put_le(b, 0xBA55ED50u, 4);
  put_le(b + 4, 1, 2);
  put_le(b + 6, 16, 2);
  put_le(b + 8, 64 + payload, 8);
  put_le(b + 16, 1, 2);          /* kind: PTX */
  put_le(b + 16 + 4, 64, 4);     /* entry header size */
  put_le(b + 16 + 8, payload, 8);
  return 16 + 64 + payload;
}

static uint8_t *read_file(const char *path, size_t *n)
{
  FILE *f = fopen(path, "rb");
  uint8_t *b;
  ASSERT_NOT_NULL(f);
  fseek(f, 0, SEEK_END);
  *n = (size_t)ftell(f);
  fseek(f, 0, SEEK_SET);
  ASSERT_NOT_NULL(b = malloc(*n));
  ASSERT_EQ(fread(b, 1, *n, f), *n);
  fclose(f);
  return b;
}

int main(int argc, char **argv)
{
  static uint8_t fb[4096];
  const char *ptx = ".version 8.0\n.target sm_80\n";
  uint8_t wrapper[24] = { 0xb1, 0x43, 0x62, 0x46 };
  size_t n, elf_n;
  uint8_t *elf;

  ASSERT_EQ(argc, 2);
  ASSERT(cf__srv_image_ok((const uint8_t *)ptx, strlen(ptx)));
  ASSERT(cf__srv_image_ok((const uint8_t *)"x", 1));
  ASSERT(!cf__srv_image_ok((const uint8_t *)"", 0));
  ASSERT(!cf__srv_image_ok(wrapper, sizeof wrapper));

  n = make_fatbin(fb, 100);
  ASSERT(cf__srv_image_ok(fb, n));
  ASSERT(!cf__srv_image_ok(fb, n - 1));               /* body runs past the end */
  put_le(fb + 16 + 8, 1u << 30, 8);                   /* entry payload too big */
  ASSERT(!cf__srv_image_ok(fb, n));
  n = make_fatbin(fb, 100);
  put_le(fb + 8, UINT64_MAX - 8, 8);                  /* overflowing body size */
  ASSERT(!cf__srv_image_ok(fb, n));
  n = make_fatbin(fb, 100);
  put_le(fb + 6, 8, 2);                               /* header shorter than itself */
  ASSERT(!cf__srv_image_ok(fb, n));
  n = make_fatbin(fb, 100);
  put_le(fb + 16 + 4, 8, 4);                          /* entry header too short */
  ASSERT(!cf__srv_image_ok(fb, n));

  elf = read_file(argv[1], &elf_n);
  ASSERT(cf__srv_image_ok(elf, elf_n));
  ASSERT(!cf__srv_image_ok(elf, elf_n / 2));          /* sections cut off */
  ASSERT(!cf__srv_image_ok(elf, 40));                 /* shorter than its header */
  put_le(elf + 0x28, UINT64_MAX - 16, 8);             /* e_shoff far away */
  ASSERT(!cf__srv_image_ok(elf, elf_n));
  free(elf);
  printf("image checks ok\n");
  return 0;
}
