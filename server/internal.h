/* Declarations shared by the files of cuferryd, grouped by subsystem. The
 * daemon runs as two kinds of process from one binary:
 *   - the supervisor (supervisor.c, handshake.c): a libuv loop that listens,
 *     reads each client's hello and hands the connection to a new worker
 *     process; it never loads the driver;
 *   - a worker (worker.c, driver.c, welcome.c, lanes.c, handles.c, call.c,
 *     launch.c, waits.c): one per session, replaying the client's calls on
 *     the driver on one thread; only the blocking waits of synchronising
 *     calls that would block go to helper threads (waits.c), so one lane's
 *     wait does not hold up the others.
 * Nothing here is visible outside server/. dispatch.h is the fixed contract
 * with the generated dispatch (server/gen/). */
#ifndef CF_SERVER_INTERNAL_H
#define CF_SERVER_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <uv.h>

#include "cf_frame.h"
#include "cf_session.pb-c.h"
#include "cf_transport.h"
#include "dispatch.h"

/* ---- Options (options.c, config_file.c) --------------------------------- */

/* Caps on the limits an operator may configure. */
#define CF_SRV_MIN_BODY 1024u
#define CF_SRV_MAX_BODY (1u << 30)
#define CF_SRV_MIN_BULK ((uint64_t)4096)
#define CF_SRV_MAX_BULK ((uint64_t)1 << 40)
#define CF_SRV_MIN_HANDLES ((uint64_t)64)
#define CF_SRV_MAX_HANDLES ((uint64_t)1 << 24)
#define CF_SRV_MAX_SESSIONS_CAP 100000u
#define CF_SRV_MAX_QUOTAS 4096

/* Defaults for a shared server (--help shows them). */
#define CF_SRV_DEFAULT_MAX_SESSIONS 64u
#define CF_SRV_DEFAULT_MAX_SESSIONS_PER_IDENTITY 8u
#define CF_SRV_DEFAULT_MAX_HANDLES ((uint64_t)1 << 20)
#define CF_SRV_DEFAULT_CONFIG "/etc/cuferry/cuferryd.conf" /* for --help */

/* The hello a client sends first is small; anything bigger is not a client. */
#define CF_SRV_MAX_HELLO_BODY (64u * 1024u)

/* Room for a worker's whole argv (its own flags and
 * cf__srv_options_worker_args's). */
#define CF_SRV_WORKER_ARGS_MAX 48

/* A per-identity device-memory quota ([quota] in the config file). */
struct cf_srv_quota {
  char identity[64];
  uint64_t bytes;           /* 0: none */
};

/* Every string is owned by the options (free with cf__srv_options_free). */
struct cf_srv_options {
  /* What to do. */
  int help;                 /* --help: print usage, exit 0 */
  int version;              /* --version: print version, exit 0 */
  int worker;               /* --worker: internal, run one session on fd 3 */
  int check_config;         /* --check-config: validate, explain, exit */
  int hash_token;           /* --hash-token: hash a token read on stdin */
  const char *new_token;    /* --new-token NAME: make a token for NAME */
  const char *config;       /* --config FILE, or NULL */
  /* Listening and TLS. */
  int insecure;             /* --insecure: plain tcp://, anonymous clients */
  int have_listen;
  struct cf_url listen;     /* --listen, parsed (tls:// or tcp://) */
  int have_rdma;
  struct cf_url rdma_listen; /* --listen rdma://ADDR:0: where workers offer
                               clients an RDMA endpoint (rdma_offer.c) */
  const char *tls_cert;     /* --tls-cert: PEM chain, or NULL */
  const char *tls_key;      /* --tls-key: PEM private key, or NULL */
  const char *tls_client_ca; /* --tls-client-ca: CAs for client certs */
  /* Authentication. */
  const char *tokens;       /* --tokens: the tokens file, or NULL */
  /* Limits (0 means none where noted). */
  struct cf_frame_limits lim; /* --max-body / --max-bulk */
  uint64_t memory_quota;    /* --memory-quota: bytes per session; 0 none */
  struct cf_srv_quota *quotas; /* [quota] overrides, n_quotas of them */
  size_t n_quotas;
  uint32_t max_sessions;    /* --max-sessions: in total; 0 none */
  uint32_t max_sessions_per_identity; /* 0 none */
  uint64_t max_handles;     /* --max-handles: per session */
  uint64_t image_cache;     /* --image-cache: bytes of images kept per
                               identity (and per session); 0 keeps none */
  /* Driver, workers, logging. */
  const char *driver;       /* --driver: "emu" or a library path; NULL means
                               the NVIDIA driver (CF_SRV_DEFAULT_DRIVER) */
  const char *user;         /* --user: workers drop to it; NULL: stay */
  int log_level;            /* --log-level: enum cf_log_level */
  int log_level_set;        /* given in the file or on the command line */
  /* Worker only. */
  uint64_t session_id;      /* --session */
  long parent_pid;          /* --parent */
  /* Private to options.c: text of the worker's numeric arguments. */
  char warg_[8][32];
  char wlisten_[320];
  char wrdma_[320];
};

#define CF_SRV_DEFAULT_DRIVER "libcuda.so.1"

/* Parse argv (argv[0] is skipped) into *o, which is cleared on entry and
 * filled with the defaults. Accepts "--opt VALUE" and "--opt=VALUE". With
 * --config FILE the file is read first (config_file.c) and the command
 * line overrides it, whatever the order. Numbers are parsed whole with range
 * checks; byte sizes take an optional K, M or G suffix (powers of 1024).
 * Cross-option rules are checked at the end (see finish() in options.c):
 * a server needs --listen; tcp:// needs --insecure; tls:// needs
 * --tls-cert and --tls-key, and --tokens or --tls-client-ca unless
 * --insecure; TLS files with tcp:// are refused; a second --listen
 * rdma://ADDR:0 (port 0: each worker takes its own) needs a tls:// one;
 * a worker needs --session and --parent. --hash-token and --new-token need
 * nothing else. Returns 0, or CF_EINVAL/CF_ENOTFOUND/CF_ENOMEM with a
 * one-line message in err, naming the option (or "FILE:LINE: [section]
 * key") and quoting the value; then *o holds nothing to free. On success
 * free *o with cf__srv_options_free. */
int cf__srv_options_parse(int argc, char *const argv[],
                          struct cf_srv_options *o, char *err, size_t errlen);

/* Free the strings of *o and clear it. NULL is ignored. */
void cf__srv_options_free(struct cf_srv_options *o);

/* Set one option as if flag ("--memory-quota") had been given with val
 * (flags without a value, like --insecure, take NULL or a yes/no word:
 * yes, no, true, false, on, off, 1, 0). shown names the option in messages
 * ("[limits] memory_quota"). Used by config_file.c. Returns 0, or CF_EINVAL
 * with "SHOWN: \"VAL\" reason" in err (CF_ENOTFOUND for an unknown flag). */
int cf__srv_option_set(struct cf_srv_options *o, const char *flag,
                       const char *val, const char *shown, char *err,
                       size_t errlen);

/* Add the per-identity quota identity = size (a size as --memory-quota
 * takes). Returns 0; CF_EINVAL (bad identity or size; reason in err);
 * CF_EEXIST when identity already has one; CF_ETOOBIG past
 * CF_SRV_MAX_QUOTAS; CF_ENOMEM. */
int cf__srv_options_add_quota(struct cf_srv_options *o, const char *identity,
                              const char *size, char *err, size_t errlen);

/* The device-memory quota of a session of identity: its [quota] entry, else
 * --memory-quota. 0 means none. */
uint64_t cf__srv_options_quota(const struct cf_srv_options *o,
                               const char *identity);

/* Write into args (room for max pointers; no NULL is added) the flags a
 * worker needs to rebuild o's settings: the effective values, not the
 * config file, so a worker never re-reads a file that may have changed or
 * that it may no longer be allowed to read. --worker, --session and
 * --parent are the caller's. Returns the number written (never more than
 * max; everything fits in CF_SRV_WORKER_ARGS_MAX - 8). The strings live as
 * long as *o. */
int cf__srv_options_worker_args(const struct cf_srv_options *o, char **args,
                                size_t max);

/* Read the INI file at path into *o (config_file.c): sections [listen],
 * [tls], [auth], [limits], [quota], [driver], [server], [logging]; each key
 * is also a flag (see --help). Returns 0 or a CF_E* code with "PATH:LINE:
 * ..." (or "PATH: cannot open: ...") in err. */
int cf__srv_config_load(struct cf_srv_options *o, const char *path, char *err,
                        size_t errlen);

/* Print the --help text to f. */
void cf__srv_usage(FILE *f);

/* The driver as shown to users: "emu", the path, or the default name. A static
 * string or o->driver. */
const char *cf__srv_driver_label(const char *driver);

/* ---- Supervisor (supervisor.c, sessions.c) ------------------------------ */

struct cf_session; /* sessions.c */

/* The supervisor's state: one per process, on the loop's thread. */
struct cf_supervisor {
  uv_loop_t *loop;
  uv_tcp_t listener;
  uv_signal_t sigterm, sigint;
  uv_timer_t kill_timer;
  const struct cf_srv_options *o;
  uint64_t next_session;
  struct cf_session *sessions; /* every live worker, admitted or not */
  size_t n_sessions;
  size_t n_pending;            /* workers not admitted yet */
  struct cf_image_store *images; /* images shared per identity, or NULL */
  int stopping;
};

/* Run the supervisor until SIGTERM/SIGINT: listen, print the "listening"
 * line, accept, hand sessions to workers. Returns the process exit status
 * (0 after an orderly shutdown, 1 when it could not start). */
int cf__srv_supervisor_run(const struct cf_srv_options *o);

/* A client must be authenticated and its session admitted within this
 * time of connecting (the worker gives the TLS handshake and the hello
 * CF_SRV_HELLO_TIMEOUT_MS); at most CF_SRV_MAX_PENDING connections wait
 * for that at once, later ones are closed at accept. */
#define CF_SRV_HELLO_TIMEOUT_MS 10000
#define CF_SRV_ADMIT_TIMEOUT_MS (CF_SRV_HELLO_TIMEOUT_MS + 5000)
#define CF_SRV_MAX_PENDING 64

/* Accept one connection from server and start its worker at once, with the
 * client's socket as fd 3 and the control channel as fd 4 (admission.c).
 * The supervisor reads nothing from the client. */
void cf__srv_session_accept(struct cf_supervisor *sv, uv_stream_t *server);

/* Shutdown: SIGTERM (sig) every worker. */
void cf__srv_sessions_signal(struct cf_supervisor *sv, int sig);

/* Called when the last session has gone during shutdown (supervisor.c). */
void cf__srv_supervisor_finish(struct cf_supervisor *sv);

/* Pack a CfRefuse{ours, reason} body. *out is malloc'd (free it); returns 0 or
 * CF_ENOMEM. */
int cf__srv_refuse_pack(const char *reason, uint8_t **out, size_t *len);

/* ---- Admission (admission.c) and identity (auth.c) ---------------------- */

/* A worker's request to be admitted, as the supervisor parsed it. */
#define CF_ADMIT_LINE_MAX 256
struct cf_admit_request {
  char identity[64];
  char client[64];
  uint32_t pid;
};

/* Copy src into dst (len bytes) as printable ASCII without spaces ('_' for
 * anything else; "-" when empty): safe in a log line and as one field. */
void cf__admit_sanitise(char *dst, size_t len, const char *src);

/* Parse a worker's "admit IDENTITY PID CLIENT" line (no newline). Returns 0
 * or CF_EPROTO. */
int cf__admit_parse(const char *line, struct cf_admit_request *out);

/* Send line (no newline; shorter than CF_ADMIT_LINE_MAX) as one record on
 * the control channel fd, with pass_fd attached unless it is -1 (the
 * caller keeps it). dontwait: fail with CF_ETIMEDOUT rather than block.
 * Returns 0 or a CF_E* code. */
int cf__ctl_send(int fd, const char *line, int pass_fd, int dontwait);

/* Receive one record from the control channel fd into line (len bytes,
 * NUL-terminated) and the descriptor it carries into *got_fd (-1: none; the
 * caller closes it). Waits until deadline_ms (cf_monotonic_ms), or with -1
 * only takes what is waiting (CF_ETIMEDOUT when nothing is). Returns 0,
 * CF_ECLOSED at the end, CF_EPROTO for a record that is too long, carries
 * more than one descriptor or holds a NUL (nothing kept), or CF_EIO. */
int cf__ctl_recv(int fd, char *line, size_t len, int *got_fd, int64_t deadline_ms);

/* Worker side: ask the supervisor on fd to admit identity and wait at most
 * timeout_ms for the answer. Returns 0 with the session's memory quota (0:
 * none), CF_EPERM with the supervisor's reason in why, or another CF_E*
 * code when the channel failed (why says so). */
int cf__admit_ask(int fd, const char *identity, uint32_t pid, const char *client,
                  int timeout_ms, uint64_t *quota, char *why, size_t whylen);

/* What a worker knows to authenticate its client (see auth.c). */
struct cf_tokens;
struct cf_srv_auth {
  const struct cf_tokens *tokens; /* the tokens file, or NULL */
  int client_certs;               /* the TLS context requires client certificates */
  int anonymous;                  /* neither: admit as "anonymous" (--insecure) */
};

/* The identity of the client on conn, which sent token in its hello (may be
 * NULL or ""), into identity. Returns 0, or CF_EPERM when it proved none. */
int cf__srv_identify(const struct cf_srv_auth *a, const struct cf_conn *conn,
                     const char *token, char *identity, size_t len);

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
 * memory, uuid, capability and attributes, and pack the CfWelcome body
 * (features: the CF_FEATURE_* bits this session offers; rdma: the RDMA
 * endpoint and secret for a client that asked, else NULL).
 * *out is malloc'd (free it). Returns 0, or CF_EIO with a message in err when
 * the driver fails a query the client cannot do without, or CF_ENOMEM. */
struct cf_rdma_offer;
int cf__welcome_pack(const struct cf_driver *drv, uint64_t session_id,
                     const char *server_name,
                     const struct cf_frame_limits *lim, const char *identity,
                     uint64_t quota, uint64_t features, const struct cf_rdma_offer *rdma,
                     uint8_t **out, size_t *len, char *err, size_t errlen);

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

/* Ids the client mints (client/minted.c): this bit set, the kind bits 0. */
#define CF_HANDLE_CLIENT_BIT (UINT64_C(1) << 63)

/* Whether id is a client-minted id not in use. */
int cf__handles_minted_free(const struct cf_handles *t, uint64_t id);

/* Register real as kind under the client's id; 0 (nothing registered) when
 * id is not a free client-minted id, real is registered already, or the
 * table is full. */
uint64_t cf__handles_register_minted(struct cf_handles *t, enum cf_handle_kind kind,
                                     void *real, uint64_t parent_id, uint64_t id);

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

/* The number of lanes the session has used so far (lanes live until it
 * ends); 0 for NULL. */
size_t cf__lanes_count(const struct cf_lanes *l);

/* A context was destroyed: drop it from every saved stack so it is never
 * made current again. */
void cf__lanes_context_gone(struct cf_lanes *l, void *ctx);
/* *real = the current lane's default stream in the current context (see
 * lanes.c), made on first use; CU_STREAM_PER_THREAD itself when the current
 * context is not the session's. Returns CUDA_SUCCESS, or OUT_OF_MEMORY. */
CUresult cf__lanes_per_thread_stream(struct cf_call *c, void **real);

/* ---- Worker (worker.c, call.c, launch.c) -------------------------------- */

/* ---- Waits off the worker's thread (waits.c) ---------------------------- */

/* Most calls parked at once (each on a waiter thread); past it a wait call
 * runs inline on the worker's thread. */
#define CF_WAITS_MAX 16

struct cf_waits;
struct cf_worker;

/* An empty set of parked calls, with its eventfd and no thread yet. drv
 * must outlive it. Returns 0, CF_ENOMEM or CF_EIO. */
int cf__waits_new(const struct cf_driver *drv, struct cf_waits **out);

/* End the session's waits: stop the waiter threads and join them, giving
 * those still in the driver a bounded time (then they are left to process
 * exit, and so is *ws); free the frames of calls never served. NULL is
 * ignored. */
void cf__waits_free(struct cf_waits *ws);

/* Before the call of frame f runs: when it is a wait (cuStreamSynchronize,
 * cuEventSynchronize, cuCtxSynchronize[_v2]) that would block now, switch to
 * its lane and hand the wait to a waiter thread. Returns 1 when parked: f's
 * body and bulk now belong to w->waits and *f is cleared; cf__waits_take
 * gives the frame back once the wait is over. Returns 0 when the call is to
 * run inline as usual (not a wait, would not block, anything about it
 * failed, CF_WAITS_MAX parked already); f is untouched. Worker thread. */
int cf__waits_park(struct cf_worker *w, struct cf_frame *f);

/* Calls parked and not yet taken (their replies not sent). Worker thread. */
size_t cf__waits_parked(const struct cf_waits *ws);

/* 1 when lane has a parked call not yet taken. Worker thread. */
int cf__waits_lane_parked(const struct cf_waits *ws, uint32_t lane);

/* The eventfd that becomes readable when a wait ends (poll it for POLLIN;
 * -1 for NULL ws). Reset it with cf__waits_ack before taking. */
int cf__waits_fd(const struct cf_waits *ws);

/* 1 when some wait has ended and its call is not yet taken; no system
 * call. */
int cf__waits_any_done(struct cf_waits *ws);

/* Reset the eventfd (a non-blocking read). Call before cf__waits_take, so a
 * wait that ends after the takes leaves the fd readable. */
void cf__waits_ack(struct cf_waits *ws);

/* Take the call whose wait ended first: returns 1 with *f its frame (the
 * caller serves it and frees it with cf_frame_release) and *waited what the
 * driver's wait returned, or 0 (and *f cleared) when none has ended.
 * Worker thread. */
int cf__waits_take(struct cf_waits *ws, struct cf_frame *f, CUresult *waited);

/* ---- Device output (output.c) -------------------------------------------- */

struct cf_output;

/* Point fd 1 at a pipe that a reader thread keeps drained. Returns 0 and
 * *out (lives until the process exits), CF_ENOMEM or CF_EIO. */
int cf__output_capture(struct cf_output **out);

/* Send what the driver printed since the last flush as CF_FRAME_OUTPUT
 * frames of at most max_body bytes. With drain, first take what the pipe
 * holds right now (a synchronising call, whose kernels have finished, must
 * be answered after their output); without, only what the reader thread has
 * already taken, which costs no system call. NULL o sends nothing. Returns
 * 0 or a cf_frame_send error. */
int cf__output_flush(struct cf_output *o, struct cf_conn *conn, uint32_t max_body, int drain);

struct cf_worker {
  struct cf_conn *conn;
  struct cf_tls_ctx *tls;    /* conn's TLS context, freed after it */
  struct cf_output *output;  /* the driver's stdout, forwarded */
  struct cf_driver drv;
  struct cf_handles *handles;
  struct cf_lanes *lanes;
  struct cf_waits *waits;    /* calls parked off the worker's thread */
  struct cf_frame_limits lim;
  uint64_t session_id;
  char peer[96];
  char identity[64];        /* who the client authenticated as */
  char client[64];          /* its program name, sanitised */
  uint64_t quota;           /* device memory it may hold; 0: no quota */
  struct cf_quota_map *quota_map; /* what it holds (quota.c); NULL until then */
  uint32_t logged_ops[64];  /* unknown ops already logged */
  size_t n_logged_ops;
  struct {
    void *ctx;              /* the context current at the failed call */
    CUresult err;
  } latched[8];             /* asynchronous errors not yet reported (latch.c) */
  size_t n_latched;
  struct cf_compressor z;   /* compresses replies' bulk as the client asked */
  int wants_rdma;           /* the hello asked for RDMA (CF_FEATURE_RDMA) */
  struct cf_rdma_listener *rdma_listener; /* between offer and join */
};

/* The zstd level a client may ask of the server for its replies: higher ones
 * cost the server's CPU more than they save on any link. */
#define CF_SRV_MAX_ZSTD_LEVEL 9

/* Compress replies as the client's hello or cfSetCompression asks (s: a
 * cf_compress_parse form; "" is auto). Returns 0, or CF_EINVAL with the
 * reason in why (the mode is then unchanged). */
int cf__worker_set_compression(struct cf_worker *w, const char *s, char *why, size_t whylen);

/* ---- Latched asynchronous errors (latch.c) ------------------------------ */

/* A call sent without waiting for its reply failed with r in ctx (the
 * context current for it, NULL for none): keep r for ctx's next
 * synchronising call, unless ctx already has an error pending. */
void cf__latch_set(struct cf_worker *w, void *ctx, CUresult r);

/* The error pending for ctx, now reported and forgotten; CUDA_SUCCESS when
 * there is none. */
CUresult cf__latch_take(struct cf_worker *w, void *ctx);

/* The driver destroyed ctx: forget its pending error. */
void cf__latch_context_gone(struct cf_worker *w, void *ctx);

/* ---- Device-memory quota (quota.c) ------------------------------------- */

/* What cf__quota_record keys an allocation by: a device address, or the
 * driver's handle of an array or mipmapped array. */
enum cf_quota_kind { CF_QUOTA_MEMORY, CF_QUOTA_ARRAY };

/* Most allocations one session's accounting holds (its default handle
 * limit); past it cf__quota_record refuses. */
#define CF_QUOTA_MAX_ENTRIES CF_HANDLES_DEFAULT_CAP

/* CUDA_SUCCESS when w may allocate bytes more (always without a quota),
 * else CUDA_ERROR_OUT_OF_MEMORY. Changes nothing: call it before the driver
 * allocates, and cf__quota_record once it has. */
CUresult cf__quota_charge(const struct cf_worker *w, uint64_t bytes);

/* Count bytes at (kind, key), just allocated by the driver, against c's
 * session, with the context current now as its owner. An entry still
 * recorded at the same key is dropped first (the driver reused the address
 * of an object that went without the session being told). Returns
 * CUDA_SUCCESS (also without a quota, recording nothing, and for key 0), or
 * CUDA_ERROR_OUT_OF_MEMORY when the quota, CF_QUOTA_MAX_ENTRIES or memory is
 * exceeded: nothing is recorded and the caller frees the allocation. */
CUresult cf__quota_record(struct cf_call *c, enum cf_quota_kind kind, uint64_t key,
                          uint64_t bytes);

/* The allocation at (kind, key) is gone: give its bytes back. Unknown keys
 * are ignored. */
void cf__quota_release(struct cf_worker *w, enum cf_quota_kind kind, uint64_t key);

/* The driver destroyed ctx and everything allocated in it: release each
 * allocation recorded with ctx as its owner. NULL is ignored. */
void cf__quota_context_gone(struct cf_worker *w, void *ctx);

/* The bytes w holds now (0 without a quota). */
uint64_t cf__quota_used(const struct cf_worker *w);

/* Free w's accounting (at the end of the session); w->quota_map is NULL
 * afterwards. */
void cf__quota_free(struct cf_worker *w);

/* An estimate of the device memory of an array: width * height * depth
 * elements (a 0 extent counts as 1) of the format's size times channels,
 * summed over levels (each halving every extent, at least 1; 0 levels count
 * as 1). Saturates at UINT64_MAX. */
uint64_t cf__quota_array_bytes(uint64_t width, uint64_t height, uint64_t depth, int32_t format,
                               uint32_t channels, uint32_t levels);

/* Greet the client on fd (worker_hello.c): drop privileges, TLS (unless
 * --insecure), hello, authentication, admission by the supervisor. Fills
 * w->conn, peer, identity, client and quota. Returns 0, or a CF_E* code
 * after logging and, where the client can read it, refusing; fd is closed
 * or owned by w->conn either way. */
int cf__worker_greet(struct cf_worker *w, const struct cf_srv_options *o, int fd);

/* Log reason and send the client a CfRefuse with it (best effort). */
void cf__worker_refuse(struct cf_worker *w, const char *reason);

/* ---- Moving a session to RDMA (rdma_offer.c) ---------------------------- */

/* What the welcome offers a client that asked for RDMA. */
struct cf_rdma_offer {
  char host[256];           /* "" : the host the client reached us at */
  uint16_t port;
  uint8_t secret[CF_RDMA_SECRET_LEN];
};

/* Listen for RDMA on where (its port 0: a port of this worker's own) and
 * make a secret. Returns 0 with *offer filled and w->rdma_listener set, or
 * a CF_E* code with the reason in err (nothing left open). */
int cf__rdma_offer_open(struct cf_worker *w, const struct cf_url *where,
                        struct cf_rdma_offer *offer, char *err, size_t errlen);

/* How long a client has to join over RDMA after the welcome. */
#define CF_SRV_RDMA_JOIN_TIMEOUT_MS 15000

/* After the welcome went out: accept RDMA connections until one presents
 * the offer's secret (others are dropped) or timeout_ms pass; then
 * make it w->conn, closing the TLS connection. The listener is freed and
 * the secret wiped either way. Returns 0, or a CF_E* code (logged) that
 * ends the session. */
int cf__rdma_offer_join(struct cf_worker *w, struct cf_rdma_offer *offer, int timeout_ms);

/* What the worker makes of the client's first frame (hello.c), without I/O:
 * rc is what cf_frame_recv returned for it (read with CF_SRV_MAX_HELLO_BODY
 * and no bulk) and f the frame it filled. Returns 0 with *out the hello
 * (free with cf_hello__free_unpacked(*out, cf_proto_allocator())),
 * CF_EVERSION with the refusal to send in why (the frame's or the hello's
 * version is not ours), CF_EPROTO when the frame is not a hello, or rc for
 * any other receive error. *out is NULL on failure; f is left to the
 * caller to release. */
int cf__srv_hello_parse(int rc, const struct cf_frame *f, CfHello **out, char *why,
                        size_t whylen);

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

/* ---- Module images kept for the session (image_cache.c) ---------------- */

#define CF_IMAGE_HASH_BYTES 32 /* SHA-256 */
#define CF_IMAGE_HASH_HEX (2 * CF_IMAGE_HASH_BYTES + 1)
#define CF_IMAGE_CACHE_DEFAULT ((uint64_t)256 << 20)
#define CF_IMAGE_CACHE_MAX ((uint64_t)64 << 30)

/* The cap of the session's image cache in bytes (--image-cache; 0 keeps
 * nothing). Until it is called the cap is CF_IMAGE_CACHE_DEFAULT. */
void cf__image_cache_configure(uint64_t cap);

/* SHA-256 of len bytes at b into hash. Returns 0 or CF_EIO. */
int cf__image_hash(const uint8_t *b, uint64_t len, uint8_t hash[static CF_IMAGE_HASH_BYTES]);

/* Parse 64 lowercase hex digits (all of hex) into hash. Returns 0 or
 * CF_EINVAL (hash zeroed). */
int cf__image_hash_parse(const char *hex, uint8_t hash[static CF_IMAGE_HASH_BYTES]);

/* hash as 64 lowercase hex digits and a NUL. */
void cf__image_hash_hex(const uint8_t hash[static CF_IMAGE_HASH_BYTES],
                        char hex[static 2 * CF_IMAGE_HASH_BYTES + 1]);

/* The image kept under hash (a hash this process computed), made the most
 * recently used, with *len its size; NULL (and *len 0) when none is. The
 * bytes are followed by a NUL and stay valid until the next
 * cf__image_cache_put. */
const uint8_t *cf__image_cache_get(const uint8_t hash[static CF_IMAGE_HASH_BYTES],
                                   uint64_t *len);

/* Keep a copy of the len bytes at b under their SHA-256, computed here and
 * written to hash (zeroed when not computed), evicting the least recently
 * used images past the cap. Returns 0 (also when held already), CF_ETOOBIG
 * when len is over the cap (nothing kept, nothing hashed), CF_ENOMEM or
 * CF_EIO. */
int cf__image_cache_put(const uint8_t *b, uint64_t len, uint8_t hash[static CF_IMAGE_HASH_BYTES]);

/* The same, with hash the SHA-256 of the bytes as the caller computed it. */
int cf__image_cache_put_hashed(const uint8_t *b, uint64_t len,
                               const uint8_t hash[static CF_IMAGE_HASH_BYTES]);

/* Bytes of images kept now. */
uint64_t cf__image_cache_used(void);

/* ---- Images shared by the sessions of one identity ---------------------- */

/* Worker side (image_share.c). After admission the worker hands its
 * control channel here (ctl -1: no sharing); cap is --image-cache. */
void cf__image_share_init(int ctl, uint64_t cap);

/* Ask the supervisor for the image named hash, kept by another session of
 * this identity; on success it is in this session's cache (check it with
 * cf__image_cache_get). Returns 0, CF_ENOTFOUND when the supervisor holds
 * none (or none that hashes to the name and passes cf__srv_image_ok), or
 * another CF_E* code when the channel failed (sharing is then off). */
int cf__image_share_fetch(const uint8_t hash[static CF_IMAGE_HASH_BYTES]);

/* Offer the len bytes at b, whose SHA-256 is hash and which the driver
 * loaded, to the identity's later sessions. Failing costs a resend later:
 * nothing is returned. */
void cf__image_share_offer(const uint8_t *b, uint64_t len,
                           const uint8_t hash[static CF_IMAGE_HASH_BYTES]);

/* 0 when fd is a regular file of len (> 0) bytes sealed against writes,
 * shrinking and growing; CF_EINVAL otherwise. */
int cf__image_share_check_file(int fd, uint64_t len);

/* Supervisor side (image_store.c): sealed memory files of images, keyed by
 * identity and hash, read by nobody here. */
struct cf_image_store;

/* A store keeping at most cap bytes per identity and max_files files in
 * all, least recently used out first. NULL when out of memory. */
struct cf_image_store *cf__image_store_new(uint64_t cap, size_t max_files);
void cf__image_store_free(struct cf_image_store *st);

/* Keep fd, a memory file of len bytes sealed against writes and resizing,
 * as the image hex (64 lowercase hex digits) of identity. Takes fd: it is
 * closed unless kept. Returns 0 (also when held already), CF_EINVAL for a
 * bad name or a file that is not sealed or not len bytes, CF_ETOOBIG past
 * the cap, or CF_ENOMEM. */
int cf__image_store_put(struct cf_image_store *st, const char *identity, const char *hex,
                        int fd, uint64_t len);

/* The file kept as the image hex of identity, and its size in *len, made the
 * most recently used: the store's own descriptor (do not close it), or -1. */
int cf__image_store_get(struct cf_image_store *st, const char *identity, const char *hex,
                        uint64_t *len);

/* Bytes and files kept now, in all. */
void cf__image_store_usage(const struct cf_image_store *st, uint64_t *bytes, size_t *files);

#endif
