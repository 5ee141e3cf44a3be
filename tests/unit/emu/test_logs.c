/* The emulator's error log API (emu/logs.c over common/cf_logs.c): its own
 * error lines, here a CUFERRY_EMU_CC it cannot parse (the test runs with
 * one), reach a callback registered before cuInit and a dump. */
#include <stdio.h>
#include <string.h>

#include <cuda.h>

#include "cf_test.h"

static int errors;
static char last[512];

static void CUDA_CB on_line(void *data, CUlogLevel level, char *message, size_t length)
{
  (void)data;
  ASSERT_EQ(length, strlen(message));
  if (level == CU_LOG_LEVEL_ERROR)
    errors++;
  snprintf(last, sizeof last, "%s", message);
}

int main(void)
{
  CUlogsCallbackHandle h;
  CUlogIterator it, it2;
  char buf[2048];
  size_t size = sizeof buf;

  ASSERT_EQ(cuLogsCurrent(&it, 0), CUDA_SUCCESS);
  ASSERT_EQ(cuLogsRegisterCallback(on_line, NULL, &h), CUDA_SUCCESS);
  ASSERT_EQ(cuInit(0), CUDA_ERROR_INVALID_VALUE);
  ASSERT_EQ(errors, 1);
  ASSERT(strstr(last, "CUFERRY_EMU_CC=\"bogus\""));
  ASSERT_EQ(cuLogsDumpToMemory(&it, buf, &size, 0), CUDA_SUCCESS);
  ASSERT_EQ(size, strlen(last) + 1);
  ASSERT(!strncmp(buf, last, strlen(last)) && buf[size - 1] == '\n');
  ASSERT_EQ(cuLogsCurrent(&it2, 0), CUDA_SUCCESS);
  ASSERT_EQ(it, it2);
  ASSERT_EQ(cuLogsUnregisterCallback(h), CUDA_SUCCESS);
  printf("emu logs: ok\n");
  return 0;
}
