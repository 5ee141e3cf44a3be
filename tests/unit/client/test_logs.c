/* The error log API (cuLogs*): first the shared ring and callbacks
 * (common/cf_logs.c) behind the logger's hook, line by line; then the
 * client stub's entry points, whose warning for an unimplemented call must
 * reach a registered callback and a dump.
 * argv[1]: the stub (libcuda.so.1). */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cf_logs.h"
#include "cf_test.h"

static int seen;
static CUlogLevel seen_level;
static char seen_text[512];
static CUlogsCallbackHandle self;

static void CUDA_CB on_line(void *data, CUlogLevel level, char *message, size_t length)
{
  seen += *(int *)data;
  seen_level = level;
  ASSERT_EQ(length, strlen(message));
  snprintf(seen_text, sizeof seen_text, "%s", message);
}

/* Logs while being called back (not passed on again) and unregisters
 * itself. */
static void CUDA_CB reentrant(void *data, CUlogLevel level, char *message, size_t length)
{
  (void)level;
  (void)message;
  (void)length;
  (*(int *)data)++;
  cf_warn("from a callback");
  ASSERT_EQ(cf_logs_unregister(self), CUDA_SUCCESS);
}

static void test_ring(void)
{
  CUlogIterator it, it2;
  CUlogsCallbackHandle h, h2;
  char buf[30000];
  size_t size;
  int one = 1, calls = 0;

  cf_log_init("test");
  cf_log_set_level(CF_LOG_ERROR); /* warnings are kept, not printed */
  cf_log_set_hook(cf_logs_capture);

  /* Nothing yet: empty dumps succeed. */
  size = sizeof buf;
  ASSERT_EQ(cf_logs_dump_to_memory(NULL, buf, &size, 0), CUDA_SUCCESS);
  ASSERT_EQ(size, 0);
  ASSERT_STR_EQ(buf, "");
  ASSERT_EQ(cf_logs_current(&it, 0), CUDA_SUCCESS);
  ASSERT_EQ(it, 0);
  ASSERT_EQ(cf_logs_current(&it, 1), CUDA_ERROR_INVALID_VALUE);
  ASSERT_EQ(cf_logs_current(NULL, 0), CUDA_ERROR_INVALID_VALUE);

  /* Callbacks see errors and warnings, not info. */
  ASSERT_EQ(cf_logs_register(NULL, NULL, &h), CUDA_ERROR_INVALID_VALUE);
  ASSERT_EQ(cf_logs_register(on_line, &one, &h), CUDA_SUCCESS);
  cf_warn("first %d", 1);
  ASSERT_EQ(seen, 1);
  ASSERT_EQ(seen_level, CU_LOG_LEVEL_WARNING);
  ASSERT_STR_EQ(seen_text, "test: first 1");
  cf_error_f("second");
  ASSERT_EQ(seen, 2);
  ASSERT_EQ(seen_level, CU_LOG_LEVEL_ERROR);
  ASSERT_STR_EQ(seen_text, "test: test_ring: second");
  cf_info("not kept");
  ASSERT_EQ(seen, 2);

  /* Dumps: all, from an iterator, which then advances. */
  size = sizeof buf;
  ASSERT_EQ(cf_logs_dump_to_memory(NULL, buf, &size, 0), CUDA_SUCCESS);
  ASSERT_STR_EQ(buf, "test: first 1\ntest: test_ring: second\n");
  ASSERT_EQ(size, strlen(buf));
  it = 1;
  size = sizeof buf;
  ASSERT_EQ(cf_logs_dump_to_memory(&it, buf, &size, 0), CUDA_SUCCESS);
  ASSERT_STR_EQ(buf, "test: test_ring: second\n");
  ASSERT_EQ(it, 2);
  size = sizeof buf;
  ASSERT_EQ(cf_logs_dump_to_memory(&it, buf, &size, 0), CUDA_SUCCESS);
  ASSERT_EQ(size, 0);
  it = 5; /* ahead of the log */
  size = sizeof buf;
  ASSERT_EQ(cf_logs_dump_to_memory(&it, buf, &size, 0), CUDA_ERROR_INVALID_VALUE);
  size = sizeof buf;
  ASSERT_EQ(cf_logs_dump_to_memory(NULL, buf, &size, 1), CUDA_ERROR_INVALID_VALUE);
  ASSERT_EQ(cf_logs_dump_to_memory(NULL, NULL, &size, 0), CUDA_ERROR_INVALID_VALUE);
  ASSERT_EQ(cf_logs_dump_to_memory(NULL, buf, NULL, 0), CUDA_ERROR_INVALID_VALUE);

  /* Too small a buffer for the note too: the newest line alone; none fit:
   * 0 and INVALID_VALUE. */
  size = 30;
  ASSERT_EQ(cf_logs_dump_to_memory(NULL, buf, &size, 0), CUDA_SUCCESS);
  ASSERT_STR_EQ(buf, "test: test_ring: second\n");
  size = 10;
  ASSERT_EQ(cf_logs_dump_to_memory(NULL, buf, &size, 0), CUDA_ERROR_INVALID_VALUE);
  ASSERT_EQ(size, 0);

  /* Unregistering. */
  ASSERT_EQ(cf_logs_unregister(h), CUDA_SUCCESS);
  ASSERT_EQ(cf_logs_unregister(h), CUDA_ERROR_INVALID_VALUE);
  ASSERT_EQ(cf_logs_unregister(NULL), CUDA_ERROR_INVALID_VALUE);
  cf_warn("third");
  ASSERT_EQ(seen, 2);

  /* A callback that logs and unregisters itself; another still called. */
  ASSERT_EQ(cf_logs_register(reentrant, &calls, &self), CUDA_SUCCESS);
  ASSERT_EQ(cf_logs_register(on_line, &one, &h2), CUDA_SUCCESS);
  cf_warn("fourth");
  ASSERT_EQ(calls, 1);
  ASSERT_EQ(seen, 3);
  ASSERT_STR_EQ(seen_text, "test: fourth"); /* not "from a callback" */
  cf_warn("fifth");
  ASSERT_EQ(calls, 1);
  ASSERT_EQ(seen, 4);
  ASSERT_EQ(cf_logs_unregister(h2), CUDA_SUCCESS);

  /* Overwritten lines: 150 more, the ring keeps 100. */
  ASSERT_EQ(cf_logs_current(&it, 0), CUDA_SUCCESS);
  ASSERT_EQ(it, 6); /* 1, 2, third, fourth, from a callback, fifth */
  for (int i = 0; i < 150; i++)
    cf_warn("line %d", i);
  size = sizeof buf;
  ASSERT_EQ(cf_logs_dump_to_memory(&it, buf, &size, 0), CUDA_SUCCESS);
  ASSERT(!strncmp(buf, "cuferry: 50 earlier log messages were overwritten\ntest: line 50\n",
                  strlen("cuferry: 50 earlier log messages were overwritten\ntest: line 50\n")));
  ASSERT(strstr(buf, "test: line 149\n") && !strstr(buf, "test: line 49\n"));
  ASSERT_EQ(it, 156);
  size = 120; /* the note and the newest 4 lines */
  ASSERT_EQ(cf_logs_dump_to_memory(NULL, buf, &size, 0), CUDA_SUCCESS);
  ASSERT_STR_EQ(buf, "cuferry: 96 log messages did not fit the buffer\ntest: line 146\n"
                     "test: line 147\ntest: line 148\ntest: line 149\n");
  ASSERT_EQ(size, strlen(buf));

  /* A long line is cut, not lost. */
  char longer[600];
  memset(longer, 'x', sizeof longer - 1);
  longer[sizeof longer - 1] = '\0';
  cf_warn("%s", longer);
  ASSERT_EQ(cf_logs_current(&it2, 0), CUDA_SUCCESS);
  ASSERT_EQ(it2, 157);
  size = sizeof buf;
  ASSERT_EQ(cf_logs_dump_to_memory(&it, buf, &size, 0), CUDA_SUCCESS);
  ASSERT_EQ(size, CF_LOGS_LINE_MAX);

  /* To a file: the same lines. */
  char path[] = "/tmp/cf_test_logsXXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  close(fd);
  it = 150;
  ASSERT_EQ(cf_logs_dump_to_file(&it, path, 0), CUDA_SUCCESS);
  ASSERT_EQ(it, 157);
  FILE *f = fopen(path, "r");
  ASSERT_NOT_NULL(f);
  size = fread(buf, 1, sizeof buf - 1, f);
  buf[size] = '\0';
  fclose(f);
  unlink(path);
  ASSERT(!strncmp(buf, "test: line 144\ntest: line 145\n", 30));
  ASSERT_EQ(cf_logs_dump_to_file(&it, NULL, 0), CUDA_ERROR_INVALID_VALUE);
  ASSERT_EQ(cf_logs_dump_to_file(&it, "/nonexistent-dir/x", 0), CUDA_ERROR_INVALID_VALUE);
  ASSERT_EQ(cf_logs_dump_to_file(&it, path, 2), CUDA_ERROR_INVALID_VALUE);
  cf_log_set_hook(NULL);
}

typedef CUresult (*reg_fn)(CUlogsCallback, void *, CUlogsCallbackHandle *);
typedef CUresult (*unreg_fn)(CUlogsCallbackHandle);
typedef CUresult (*cur_fn)(CUlogIterator *, unsigned);
typedef CUresult (*mem_fn)(CUlogIterator *, char *, size_t *, unsigned);
typedef CUresult (*managed_fn)(CUdeviceptr *, size_t, unsigned int);

static void test_stub(const char *path)
{
  void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  CUlogsCallbackHandle h;
  CUlogIterator it;
  char buf[4096];
  size_t size = sizeof buf;
  int one = 1;

  if (!lib)
    CF_FAIL_("dlopen: %s", dlerror());
  reg_fn reg = (reg_fn)dlsym(lib, "cuLogsRegisterCallback");
  unreg_fn unreg = (unreg_fn)dlsym(lib, "cuLogsUnregisterCallback");
  cur_fn cur = (cur_fn)dlsym(lib, "cuLogsCurrent");
  mem_fn mem = (mem_fn)dlsym(lib, "cuLogsDumpToMemory");
  ASSERT(reg && unreg && cur && mem && dlsym(lib, "cuLogsDumpToFile"));

  seen = 0;
  ASSERT_EQ(cur(&it, 0), CUDA_SUCCESS);
  ASSERT_EQ(reg(on_line, &one, &h), CUDA_SUCCESS);
  ASSERT_EQ(((managed_fn)dlsym(lib, "cuMemAllocManaged"))(NULL, 0, 0), CUDA_ERROR_NOT_SUPPORTED);
  ASSERT_EQ(seen, 1);
  ASSERT_EQ(seen_level, CU_LOG_LEVEL_WARNING);
  ASSERT(strstr(seen_text, "cuMemAllocManaged is not supported"));
  ASSERT_EQ(mem(&it, buf, &size, 0), CUDA_SUCCESS);
  ASSERT(strstr(buf, "cuMemAllocManaged is not supported") && buf[size - 1] == '\n');
  ASSERT_EQ(unreg(h), CUDA_SUCCESS);
  ASSERT_EQ(unreg(h), CUDA_ERROR_INVALID_VALUE);
  dlclose(lib);
}

int main(int argc, char **argv)
{
  ASSERT_EQ(argc, 2);
  unsetenv("CUFERRY_SERVER");
  test_ring();
  test_stub(argv[1]);
  printf("logs: ok\n");
  return 0;
}
