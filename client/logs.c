/* The error log management API (cuLogs*, CUDA 12.9) over the stub's own
 * error and warning lines: common/cf_logs.c keeps them and calls the
 * program's callbacks; this file installs it as the logger's hook when the
 * stub is loaded (before any line can be logged) and exports the entry
 * points. Lines of the server and of the driver it runs stay in the
 * server's log. Thread-safe (see cf_logs.h). */
#include "cf_logs.h"
#include "internal.h"

__attribute__((constructor)) static void logs_load(void)
{
  cf_log_set_hook(cf_logs_capture);
}

CF_EXPORT CUresult CUDAAPI cuLogsRegisterCallback(CUlogsCallback callbackFunc, void *userData,
                                                  CUlogsCallbackHandle *callback_out)
{
  return cf_logs_register(callbackFunc, userData, callback_out);
}

CF_EXPORT CUresult CUDAAPI cuLogsUnregisterCallback(CUlogsCallbackHandle callback)
{
  return cf_logs_unregister(callback);
}

CF_EXPORT CUresult CUDAAPI cuLogsCurrent(CUlogIterator *iterator_out, unsigned int flags)
{
  return cf_logs_current(iterator_out, flags);
}

CF_EXPORT CUresult CUDAAPI cuLogsDumpToFile(CUlogIterator *iterator, const char *pathToFile,
                                            unsigned int flags)
{
  return cf_logs_dump_to_file(iterator, pathToFile, flags);
}

CF_EXPORT CUresult CUDAAPI cuLogsDumpToMemory(CUlogIterator *iterator, char *buffer,
                                              size_t *size, unsigned int flags)
{
  return cf_logs_dump_to_memory(iterator, buffer, size, flags);
}
