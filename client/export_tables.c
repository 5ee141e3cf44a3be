/* cuGetExportTable: the private tables NVIDIA's CUDA runtime (cudart)
 * asks the driver for by UUID, and the small ones among them: the cudart
 * interface (slot 2 gives a device's primary context), the tools hooks and
 * tools TLS, and the context checks. Context-local storage lives in
 * ctx_local.c and the integrity check in integrity.c. The layouts are the
 * measured ones of ../shared/reference/cudart-on-a-replacement-driver.md;
 * a slot cudart is not known to call logs once and answers
 * CUDA_ERROR_NOT_SUPPORTED, never a crash.
 *
 * Every table is static data for the life of the process: cudart keeps the
 * pointers. Nothing here takes a lock except the once-per-UUID log. */
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "cf_log.h"
#include "internal.h"

#define SIZE_WORD(n) ((const void *)(uintptr_t)((n) * sizeof(void *)))

/* --- CUDART_INTERFACE (6bd5fb6c): size word, 13 slots ------------------ */

static CUresult primary_context(CUcontext *out, CUdevice dev)
{
  if (!out)
    return CUDA_ERROR_INVALID_VALUE;
  *out = NULL;
  return cuDevicePrimaryCtxRetain(out, dev);
}

CF_EXPORT_SLOT_UNSUPPORTED(CUDART_INTERFACE, 1)
CF_EXPORT_SLOT_UNSUPPORTED(CUDART_INTERFACE, 3)
CF_EXPORT_SLOT_UNSUPPORTED(CUDART_INTERFACE, 4)
CF_EXPORT_SLOT_UNSUPPORTED(CUDART_INTERFACE, 5)
CF_EXPORT_SLOT_UNSUPPORTED(CUDART_INTERFACE, 6)
CF_EXPORT_SLOT_UNSUPPORTED(CUDART_INTERFACE, 7)
CF_EXPORT_SLOT_UNSUPPORTED(CUDART_INTERFACE, 8)
CF_EXPORT_SLOT_UNSUPPORTED(CUDART_INTERFACE, 9)
CF_EXPORT_SLOT_UNSUPPORTED(CUDART_INTERFACE, 10)
CF_EXPORT_SLOT_UNSUPPORTED(CUDART_INTERFACE, 11)
CF_EXPORT_SLOT_UNSUPPORTED(CUDART_INTERFACE, 12)

const void *cf__export_cudart_interface[13] = {
  SIZE_WORD(13),
  (const void *)CUDART_INTERFACE_slot_1,
  (const void *)primary_context,
  (const void *)CUDART_INTERFACE_slot_3,
  (const void *)CUDART_INTERFACE_slot_4,
  (const void *)CUDART_INTERFACE_slot_5,
  (const void *)CUDART_INTERFACE_slot_6,
  (const void *)CUDART_INTERFACE_slot_7,
  (const void *)CUDART_INTERFACE_slot_8,
  (const void *)CUDART_INTERFACE_slot_9,
  (const void *)CUDART_INTERFACE_slot_10,
  (const void *)CUDART_INTERFACE_slot_11,
  (const void *)CUDART_INTERFACE_slot_12,
};

/* --- TOOLS_RUNTIME_CALLBACK_HOOKS (a094798c): size word, 7 slots -------- */

/* cudart asks slots 2 and 6 for a buffer and its size and never frees it.
 * The sizes are the ones that worked when measured (1024 bytes, 14 u32);
 * the buffers are larger than announced in case cudart counts in other
 * units than we guess, and stay zero for the life of the process unless
 * cudart itself writes them. */
static _Alignas(16) unsigned char hooks_buf2[8192];
static _Alignas(16) unsigned char hooks_buf6[512];

static void hooks_buffer2(void **buf, size_t *size)
{
  if (buf)
    *buf = hooks_buf2;
  if (size)
    *size = 1024;
}

static void hooks_buffer6(void **buf, size_t *size)
{
  if (buf)
    *buf = hooks_buf6;
  if (size)
    *size = 14 * sizeof(uint32_t);
}

CF_EXPORT_SLOT_UNSUPPORTED(TOOLS_RUNTIME_CALLBACK_HOOKS, 1)
CF_EXPORT_SLOT_UNSUPPORTED(TOOLS_RUNTIME_CALLBACK_HOOKS, 3)
CF_EXPORT_SLOT_UNSUPPORTED(TOOLS_RUNTIME_CALLBACK_HOOKS, 4)
CF_EXPORT_SLOT_UNSUPPORTED(TOOLS_RUNTIME_CALLBACK_HOOKS, 5)

static const void *tools_hooks[7] = {
  SIZE_WORD(7),
  (const void *)TOOLS_RUNTIME_CALLBACK_HOOKS_slot_1,
  (const void *)hooks_buffer2,
  (const void *)TOOLS_RUNTIME_CALLBACK_HOOKS_slot_3,
  (const void *)TOOLS_RUNTIME_CALLBACK_HOOKS_slot_4,
  (const void *)TOOLS_RUNTIME_CALLBACK_HOOKS_slot_5,
  (const void *)hooks_buffer6,
};

/* --- TOOLS_TLS (42d85a81): only a size word ----------------------------- */

/* cudart only checks that the table exists and calls nothing in it. */
static const void *tools_tls[1] = { SIZE_WORD(1) };

/* --- CONTEXT_CHECKS (263e8860): size word, 4 slots ---------------------- */

/* Slot 2 reports something about ctx that the real driver always answers
 * with 0 and NULL; slot 3 is a check that answers 0 at initialisation. */
static CUresult context_check(CUcontext ctx, uint32_t *flags, void **data)
{
  (void)ctx;
  if (flags)
    *flags = 0;
  if (data)
    *data = NULL;
  return CUDA_SUCCESS;
}

static uint32_t context_check_init(void)
{
  return 0;
}

CF_EXPORT_SLOT_UNSUPPORTED(CONTEXT_CHECKS, 1)

static const void *context_checks[4] = {
  SIZE_WORD(4),
  (const void *)CONTEXT_CHECKS_slot_1,
  (const void *)context_check,
  (const void *)context_check_init,
};

/* --- lookup --------------------------------------------------------------- */

static const struct export_table {
  uint8_t uuid[16];
  const char *name;
  const void **table; /* NULL: known, declined without a log line */
} tables[] = {
  { { 0x6b, 0xd5, 0xfb, 0x6c, 0x5b, 0xf4, 0xe7, 0x4a,
      0x89, 0x87, 0xd9, 0x39, 0x12, 0xfd, 0x9d, 0xf9 },
    "CUDART_INTERFACE", cf__export_cudart_interface },
  { { 0xa0, 0x94, 0x79, 0x8c, 0x2e, 0x74, 0x2e, 0x74,
      0x93, 0xf2, 0x08, 0x00, 0x20, 0x0c, 0x0a, 0x66 },
    "TOOLS_RUNTIME_CALLBACK_HOOKS", tools_hooks },
  { { 0x42, 0xd8, 0x5a, 0x81, 0x23, 0xf6, 0xcb, 0x47,
      0x82, 0x98, 0xf6, 0xe7, 0x8a, 0x3a, 0xec, 0xdc },
    "TOOLS_TLS", tools_tls },
  { { 0xc6, 0x93, 0x33, 0x6e, 0x11, 0x21, 0xdf, 0x11,
      0xa8, 0xc3, 0x68, 0xf3, 0x55, 0xd8, 0x95, 0x93 },
    "CONTEXT_LOCAL_STORAGE", cf__export_ctx_local },
  { { 0x26, 0x3e, 0x88, 0x60, 0x7c, 0xd2, 0x61, 0x43,
      0x92, 0xf6, 0xbb, 0xd5, 0x00, 0x6d, 0xfa, 0x7e },
    "CONTEXT_CHECKS", context_checks },
  { { 0xd4, 0x08, 0x20, 0x55, 0xbd, 0xe6, 0x70, 0x4b,
      0x8d, 0x34, 0xba, 0x12, 0x3c, 0x66, 0xe1, 0xf2 },
    "INTEGRITY_CHECK", cf__export_integrity },
  /* Asked for first by every cudart 13 program, which goes on without it
   * when refused; what it holds is unknown. Declining it quietly keeps
   * every run's log clean. */
  { { 0xf8, 0xcf, 0xf9, 0x51, 0x21, 0x46, 0x8b, 0x4e,
      0xb9, 0xe2, 0xfb, 0x46, 0x9e, 0x7c, 0x0d, 0xd9 },
    "f8cff951 (unknown, optional)", NULL },
};

/* The UUIDs already logged as unknown. A program asks for a handful at
 * most; past the cap an unknown UUID is refused without a line. */
#define MAX_LOGGED 64
static pthread_mutex_t logged_lock = PTHREAD_MUTEX_INITIALIZER;
static uint8_t logged[MAX_LOGGED][16];
static unsigned n_logged;

static void log_unknown(const uint8_t id[static 16])
{
  int first = 0;
  char hex[33];

  pthread_mutex_lock(&logged_lock);
  unsigned i = 0;
  while (i < n_logged && memcmp(logged[i], id, 16) != 0)
    i++;
  if (i == n_logged && n_logged < MAX_LOGGED) {
    memcpy(logged[n_logged++], id, 16);
    first = 1;
  }
  pthread_mutex_unlock(&logged_lock);
  if (!first)
    return;
  for (int k = 0; k < 16; k++) {
    static const char digits[] = "0123456789abcdef";
    hex[2 * k] = digits[id[k] >> 4];
    hex[2 * k + 1] = digits[id[k] & 15];
  }
  hex[32] = '\0';
  cf_warn("cuGetExportTable: export table %s is not supported yet", hex);
}

CF_EXPORT CUresult CUDAAPI cuGetExportTable(const void **ppExportTable,
                                            const CUuuid *pExportTableId)
{
  const uint8_t *id;

  if (!ppExportTable || !pExportTableId)
    return CUDA_ERROR_INVALID_VALUE;
  *ppExportTable = NULL;
  id = (const uint8_t *)pExportTableId->bytes;
  for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
    if (memcmp(tables[i].uuid, id, 16) != 0)
      continue;
    if (!tables[i].table) {
      cf_debug("declining export table %s", tables[i].name);
      return CUDA_ERROR_NOT_SUPPORTED;
    }
    *ppExportTable = tables[i].table;
    return CUDA_SUCCESS;
  }
  log_unknown(id);
  return CUDA_ERROR_NOT_SUPPORTED;
}
