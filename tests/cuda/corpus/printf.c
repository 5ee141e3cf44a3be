/* Corpus group "printf" (printf.cu): device printf from a few threads of
 * three blocks. The lines must reach this program's stdout at the
 * synchronisation after the launch; the integration test checks them with
 * --expect-stdout (directly on the emulator and through cuferryd). Here the
 * program checks printf's return values (the argument count).
 *
 * usage: corpus_printf MODULE */
#include "corpus.h"

#define B 3
#define T 32

int main(int argc, char **argv)
{
  struct cf_host h;
  int v[B * T], ret[B * T], want[B * T];

  cf_host_usage(argc, argv, 1, "MODULE");
  cf_host_open(&h, "corpus_printf", argv[1]);
  for (int i = 0; i < B * T; i++)
    v[i] = 10 * i + 7;
  CUdeviceptr dv = cx_upload(&h, v, sizeof v), dr = cx_alloc(&h, sizeof ret);
  void *p[] = {&dv, &dr};
  printf("info before launch\n");
  fflush(stdout);
  cx_launch(&h, "printf_lines", B, 1, T, 1, 0, p);
  printf("info after synchronize\n");
  fflush(stdout);
  cx_download(&h, ret, dr, sizeof ret);
  for (int i = 0; i < B * T; i++)
    want[i] = -100;
  for (int b = 0; b < B; b++)
    want[b * T] = 7;
  want[1 * T + 5] = 5;
  want[2 * T + 7] = 0;
  cf_host_cmp_u32(&h, "printf_lines.return", ret, want, B * T);
  cf_host_digest("printf_lines.return", ret, sizeof ret);
  cx_free(&h, dv);
  cx_free(&h, dr);
  return cf_host_finish(&h);
}
