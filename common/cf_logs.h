/* CUDA's error log management API (cuLogs*, CUDA 12.9) over cuferry's own
 * log lines: cf_logs_capture, set as cf_log's hook (cf_log_set_hook) by
 * the client stub and by the emulator, keeps every error and warning line
 * in a bounded ring (the newest CF_LOGS_KEEP lines of at most
 * CF_LOGS_LINE_MAX bytes each, 25600 bytes in all, as the driver reserves)
 * and passes it to the registered callbacks. The cf_logs_* functions
 * below are the cuLogs* entry points' bodies, with the arguments and
 * results cuda.h documents for them. Thread-safe; callbacks run on the
 * logging thread, outside any lock, and may call these functions; lines
 * logged during a callback are kept but not passed to callbacks again.
 *
 * An iterator is the number of lines logged before the one it points at
 * (mod 2^32). A dump from an iterator older than the oldest line kept
 * starts with a line saying how many were overwritten; a memory dump too
 * small for every line starts with a line saying so and keeps the newest
 * lines that fit. Each line ends with '\n'. */
#ifndef CF_LOGS_H
#define CF_LOGS_H

#include <stddef.h>

#include <cuda.h>

#include "cf_log.h"

#define CF_LOGS_KEEP 100
#define CF_LOGS_LINE_MAX 256 /* a longer line is cut to 255 bytes */
#define CF_LOGS_CALLBACKS_MAX 64

/* The hook for cf_log_set_hook: keep the line and call the callbacks. */
void cf_logs_capture(enum cf_log_level lvl, const char *line);

/* cuLogsRegisterCallback: INVALID_VALUE for a NULL function,
 * OUT_OF_MEMORY past CF_LOGS_CALLBACKS_MAX callbacks or without memory.
 * *callback_out (optional) is the handle to unregister with. */
CUresult cf_logs_register(CUlogsCallback fn, void *data, CUlogsCallbackHandle *callback_out);

/* cuLogsUnregisterCallback: INVALID_VALUE for a handle not registered. */
CUresult cf_logs_unregister(CUlogsCallbackHandle callback);

/* cuLogsCurrent: the iterator of the next line. INVALID_VALUE for a NULL
 * out or nonzero flags. */
CUresult cf_logs_current(CUlogIterator *iterator_out, unsigned int flags);

/* cuLogsDumpToFile: the lines from *iterator (every line kept when
 * iterator is NULL) written to a new pathToFile; *iterator then points
 * past them. INVALID_VALUE for a NULL path, nonzero flags, an iterator
 * ahead of the log or a file that cannot be written. */
CUresult cf_logs_dump_to_file(CUlogIterator *iterator, const char *pathToFile,
                              unsigned int flags);

/* cuLogsDumpToMemory: the lines from *iterator into buffer, NUL-terminated,
 * at most *size bytes with the NUL; *size becomes the bytes written
 * without it (0 and CUDA_SUCCESS when there are no lines; 0 and
 * INVALID_VALUE when not even the newest line fits). INVALID_VALUE too for
 * NULL buffer or size, nonzero flags or an iterator ahead of the log. */
CUresult cf_logs_dump_to_memory(CUlogIterator *iterator, char *buffer, size_t *size,
                                unsigned int flags);

#endif
