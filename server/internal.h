/* Declarations shared by the files of cuferryd, grouped by subsystem. The
 * daemon runs as two kinds of process from one binary:
 *   - the supervisor (supervisor.c, handshake.c): a libuv loop that listens,
 *     reads each client's hello and hands the connection to a new worker
 *     process; it never loads the driver;
 *   - a worker (worker.c, driver.c, welcome.c, lanes.c, handles.c, call.c,
 *     launch.c): one per session, blocking and single-threaded, replaying the
 *     client's calls on the driver.
 * Nothing here is visible outside server/. dispatch.h is the fixed contract
 * with the generated dispatch (server/gen/). */
#ifndef CF_SERVER_INTERNAL_H
#define CF_SERVER_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <uv.h>

#include "cf_frame.h"
#include "cf_transport.h"
#include "dispatch.h"

/* ---- Options (options.c) ------------------------------------------------ */

/* Caps on the limits an operator may configure. */
#define CF_SRV_MIN_BODY 1024u
#define CF_SRV_MAX_BODY (1u << 30)
#define CF_SRV_MIN_BULK ((uint64_t)4096)
#define CF_SRV_MAX_BULK ((uint64_t)1 << 40)

/* The hello a client sends first is small; anything bigger is not a client. */
#define CF_SRV_MAX_HELLO_BODY (64u * 1024u)

struct cf_srv_options {
  int help;                 /* --help: print usage, exit 0 */
  int version;              /* --version: print version, exit 0 */
  int worker;               /* --worker: internal, run one session on fd 3 */
  int insecure;             /* --insecure: accept plain tcp:// */
  struct cf_url listen;     /* --listen, parsed */
  const char *driver;       /* --driver: "emu" or a library path; NULL means
                               the NVIDIA driver (CF_SRV_DEFAULT_DRIVER) */
  struct cf_frame_limits lim; /* --max-body / --max-bulk */
  uint64_t session_id;      /* --session (worker only) */
  long parent_pid;          /* --parent (worker only) */
};

#define CF_SRV_DEFAULT_DRIVER "libcuda.so.1"

/* Parse argv (argv[0] is skipped) into *o, which is cleared on entry and
 * filled with the defaults. Accepts "--opt VALUE" and "--opt=VALUE". Numbers
 * are parsed whole with range checks; an optional K, M or G suffix (powers of
 * 1024) is allowed for byte sizes. Cross-option rules are checked at the end:
 * a supervisor needs --listen, plain tcp:// needs --insecure, tls:// and
 * rdma:// are not served yet, a worker needs --session and --parent.
 * Returns 0, or CF_EINVAL with a one-line message naming the option and
 * quoting the value in err. Pointers in *o point into argv. */
int cf__srv_options_parse(int argc, char *const argv[],
                          struct cf_srv_options *o, char *err, size_t errlen);

/* Print the --help text to f. */
void cf__srv_usage(FILE *f);

/* The driver as shown to users: "emu", the path, or the default name. A static
 * string or o->driver. */
const char *cf__srv_driver_label(const char *driver);

/* ---- Supervisor (supervisor.c, handshake.c) ----------------------------- */

struct cf_supervisor; /* supervisor.c */

/* Run the supervisor until SIGTERM/SIGINT: listen, print the "listening"
 * line, accept, hand sessions to workers. Returns the process exit status
 * (0 after an orderly shutdown, 1 when it could not start). */
int cf__srv_supervisor_run(const struct cf_srv_options *o);

/* What the handshake learnt about a client, for the session's log line. */
struct cf_srv_hello_info {
  char peer[96];
  char client_name[64]; /* sanitised: printable ASCII only */
  uint32_t client_pid;
};

/* Accept one connection from server and start reading its hello. When a
 * valid hello has arrived, calls cf__srv_session_start() with the
 * connection's fd and then closes the supervisor's copy. On a version
 * mismatch, or when no worker could be started, it sends a refuse frame
 * and closes; on garbage, a timeout
 * (CF_SRV_HELLO_TIMEOUT_MS) or an error it logs one line and closes. More
 * than CF_SRV_MAX_PENDING connections in their handshake are closed at once.
 * The pending list is process-wide (the supervisor has one loop). */
#define CF_SRV_HELLO_TIMEOUT_MS 10000
#define CF_SRV_MAX_PENDING 256
void cf__srv_handshake_accept(struct cf_supervisor *sv, uv_stream_t *server);

/* Close every connection still in its handshake (shutdown). */
void cf__srv_handshake_close_all(void);

/* Spawn the worker for a connection whose hello was accepted. fd stays owned
 * by the caller (the worker gets a copy). Returns 0 or a CF_E* code (logged). */
int cf__srv_session_start(struct cf_supervisor *sv, int fd,
                          const struct cf_srv_hello_info *hi);

/* Pack a CfRefuse{ours, reason} body. *out is malloc'd (free it); returns 0 or
 * CF_ENOMEM. */
int cf__srv_refuse_pack(const char *reason, uint8_t **out, size_t *len);

/* ---- Driver (driver.c) -------------------------------------------------- */

/* Find the library for a --driver value: "emu" is looked up beside the binary
 * (<dir of /proc/self/exe>/../emu/libcuferry-emu.so, the build tree) and then
 * in CF_EMU_INSTALL_DIR; a path is taken as is; NULL is CF_SRV_DEFAULT_DRIVER
 * (found by the loader's search). Writes the name to dlopen into path.
 * Returns 0, or CF_ENOTFOUND with a message in err. Loads nothing, so the
 * supervisor may call it. */
int cf__driver_find(const char *driver, char *path, size_t pathlen,
                    char *err, size_t errlen);

/* dlopen the driver (RTLD_NOW | RTLD_LOCAL) and resolve every entry point of
 * struct cf_driver (missing ones stay NULL). A library exporting
 * cuferry_client_stub is our own client stub and is refused (CF_EUNSUP),
 * as is one without cuInit (CF_ENOTFOUND). Returns 0 or a CF_E* code with a
 * message in err; on error *drv is cleared and nothing stays loaded. */
int cf__driver_load(const char *driver, struct cf_driver *drv,
                    char *err, size_t errlen);

/* dlclose the library; *drv is cleared. */
void cf__driver_unload(struct cf_driver *drv);

/* ---- Welcome (welcome.c) ------------------------------------------------ */

/* Ask the (initialised) driver for its version and every device's name,
 * memory, uuid, capability and attributes, and pack the CfWelcome body.
 * *out is malloc'd (free it). Returns 0, or CF_EIO with a message in err when
 * the driver fails a query the client cannot do without, or CF_ENOMEM. */
int cf__welcome_pack(const struct cf_driver *drv, uint64_t session_id,
                     const char *server_name,
                     const struct cf_frame_limits *lim, uint8_t **out,
                     size_t *len, char *err, size_t errlen);

/* ---- Handle table (handles.c) ------------------------------------------- */

/* Per-session map between wire ids and driver handles. Ids are minted here:
 * (serial << 4) | kind with serial from 0x100 upwards, so they are never 0, 1
 * or 2 and never reused within the session. Lookups by id and by (kind, real)
 * are hash tables; entries form a tree by parent for cascade forgetting.
 * Single-threaded: the worker's thread only. */
#define CF_HANDLES_DEFAULT_CAP ((size_t)1 << 20)

struct cf_handles;

/* A table of at most cap entries. Returns 0 or CF_ENOMEM. */
int cf__handles_new(size_t cap, struct cf_handles **out);

/* Free the table and every entry's aux data; NULL is ignored. */
void cf__handles_free(struct cf_handles *t);

/* The contract of cf__handle_lookup (dispatch.h), on a table. */
CUresult cf__handles_lookup(const struct cf_handles *t, uint64_t id,
                            enum cf_handle_kind kind, void **real);

/* The id of real as kind, or 0 if it is not registered (no minting). */
uint64_t cf__handles_find(const struct cf_handles *t, enum cf_handle_kind kind,
                          const void *real);

/* The contract of cf__handle_register (dispatch.h), on a table, with
 * parent_id taken literally (0: no parent; an unknown id: no parent). */
uint64_t cf__handles_register(struct cf_handles *t, enum cf_handle_kind kind,
                              void *real, uint64_t parent_id);

/* Called once per entry a forget removes, children before their parent. */
typedef void (*cf_handle_gone_fn)(void *arg, enum cf_handle_kind kind,
                                  void *real);

/* Remove id and its descendants; calls gone (if non-NULL) for each and frees
 * their aux data. Unknown ids are ignored. */
void cf__handles_forget(struct cf_handles *t, uint64_t id,
                        cf_handle_gone_fn gone, void *arg);

/* Remove every descendant of id, keeping id; as cf__handles_forget. */
void cf__handles_forget_children(struct cf_handles *t, uint64_t id,
                                 cf_handle_gone_fn gone, void *arg);

/* Attach data to a live entry, freed by aux_free when the entry goes (or the
 * table is freed). Returns 0, or CF_ENOTFOUND (aux is not taken then). An
 * entry holds one aux; setting again frees the old one. */
int cf__handles_set_aux(struct cf_handles *t, uint64_t id, void *aux,
                        void (*aux_free)(void *));

/* The aux data of a live entry, or NULL. Valid until the entry goes. */
void *cf__handles_aux(const struct cf_handles *t, uint64_t id);

/* Number of live entries. */
size_t cf__handles_count(const struct cf_handles *t);

/* Call fn for every live entry of kind (order unspecified). fn must not
 * change the table. */
void cf__handles_each(const struct cf_handles *t, enum cf_handle_kind kind,
                      void (*fn)(void *arg, uint64_t id, void *real),
                      void *arg);

/* ---- Lanes (lanes.c) ---------------------------------------------------- */

/* Each client thread has a lane; CUDA keeps a context stack per thread, so
 * the worker (one thread serving all lanes) swaps the driver's context stack
 * whenever the lane changes. */
#define CF_LANES_MAX 16384
#define CF_LANE_STACK_MAX 64

struct cf_lanes;

/* Returns 0 or CF_ENOMEM. drv must outlive the lanes. */
int cf__lanes_new(const struct cf_driver *drv, struct cf_lanes **out);
void cf__lanes_free(struct cf_lanes *l);

/* Make lane the current one: save the previous lane's context stack (popping
 * it off the driver's thread) and install lane's (pushing; empty for a new
 * lane). Returns 0, or CF_ETOOBIG when the session has too many lanes. */
int cf__lanes_switch(struct cf_lanes *l, uint32_t lane);

/* A context was destroyed: drop it from every saved stack so it is never
 * made current again. */
void cf__lanes_context_gone(struct cf_lanes *l, void *ctx);
/* *real = the current lane's default stream in the current context (see
 * lanes.c), made on first use; CU_STREAM_PER_THREAD itself when the current
 * context is not the session's. Returns CUDA_SUCCESS, or OUT_OF_MEMORY. */
CUresult cf__lanes_per_thread_stream(struct cf_call *c, void **real);

/* ---- Worker (worker.c, call.c, launch.c) -------------------------------- */

/* ---- Device output (output.c) -------------------------------------------- */

struct cf_output;

/* Point fd 1 at a pipe that a reader thread keeps drained. Returns 0 and
 * *out (lives until the process exits), CF_ENOMEM or CF_EIO. */
int cf__output_capture(struct cf_output **out);

/* Send what the driver printed since the last flush as CF_FRAME_OUTPUT
 * frames of at most max_body bytes. NULL o sends nothing. Returns 0 or a
 * cf_frame_send error. */
int cf__output_flush(struct cf_output *o, struct cf_conn *conn, uint32_t max_body);

struct cf_worker {
  struct cf_conn *conn;
  struct cf_output *output;  /* the driver's stdout, forwarded */
  struct cf_driver drv;
  struct cf_handles *handles;
  struct cf_lanes *lanes;
  struct cf_frame_limits lim;
  uint64_t session_id;
  char peer[96];
  uint32_t logged_ops[64];  /* unknown ops already logged */
  size_t n_logged_ops;
};

/* Run one session on the connection in fd 3 (the --worker mode). Returns
 * the process exit status: 0 for an orderly end (bye or disconnect), 1 when
 * the session ended on an error. */
int cf__worker_run(const struct cf_srv_options *o);

/* Reset the per-call outputs of c (free the reply body and bulk). */
void cf__call_reset(struct cf_call *c);

/* The handlers of the rows the server implements itself (server=custom:
 * primary.c, image.c, link.c, launch.c, memory.c, library.c, stream_ext.c,
 * mempool.c, copy.c), declared from the API table. */
#include "cf_server_custom.h"

/* 1 when a module image of size bytes may be given to the driver: every
 * size and offset in a fatbin or ELF header lies inside it; PTX text (which
 * the frame layer NUL-terminates) always may; a fatbin wrapper never. */
int cf__srv_image_ok(const uint8_t *b, uint64_t size);

/* Strided copies (copy.c): the host side travels packed in the bulk, a
 * device side as its first byte, pitch and height. 1 when a copy of depth slices of height rows of width bytes (each at
 * least 1) may touch the device side [at, ...) with rows pitch bytes apart
 * and slices side_height rows apart: pitch >= width, side_height >=
 * height, and its last byte, at + ((depth-1)*side_height + height-1)*pitch
 * + width - 1, computed without overflow. Else 0. */
int cf__srv_copy_side_ok(uint64_t at, uint64_t pitch, uint64_t side_height, uint64_t width,
                         uint64_t height, uint64_t depth);
/* 1 when width*height*depth (each at least 1) equals len without overflow,
 * i.e. a packed host side of that extent is exactly the bulk. Else 0. */
int cf__srv_copy_packed_ok(uint64_t width, uint64_t height, uint64_t depth, uint64_t len);

/* Upper bound on a kernel's parameter count (the driver caps the parameter
 * space at 32764 bytes). */
#define CF_MAX_KERNEL_PARAMS 32768u

#endif
