/* Stands in for test_ptx_half.c where the compiler has no _Float16, the
 * CPU reference that test checks the interpreter's half precision against
 * (tests/unit/ptx/meson.build chooses): a skip that names its reason. */
#include <stdio.h>

int main(void)
{
  printf("skipped: this compiler has no _Float16 (test_ptx_half's reference)\n");
  return 77;
}
