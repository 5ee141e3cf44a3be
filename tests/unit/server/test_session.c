/* The supervisor/worker path of cuferryd end to end, against the fake driver
 * (fake_driver.c), with no emulator and no GPU: start the daemon on port 0,
 * read its "listening" line, then drive sessions by hand with the frame API:
 * the welcome's device table, an unknown op, per-lane context stacks, stable
 * handle ids, launch argument marshalling, version refusals, garbage and
 * malformed frames (which end one session while another goes on), the
 * client-stub refusal, a driver that does not exist, and SIGTERM.
 *
 * Usage: test_session CUFERRYD FAKE_DRIVER FAKE_STUB */
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cf_api.pb-c.h"
#include "cf_api_ops.h"
#include "cf_error.h"
#include "cf_frame.h"
#include "cf_proto.h"
#include "cf_session.pb-c.h"
#include "cf_test.h"
#include "cf_transport.h"

#include <cuda.h>

static const char *cuferryd;
static uint64_t next_seq = 1;
static pid_t server_pid;

/* A failed assertion exits: never leave a daemon behind. */
static void kill_server(void)
{
  if (server_pid > 0)
    kill(server_pid, SIGKILL);
}

/* Start cuferryd with the given driver; returns its pid and port. */
static pid_t start_server(const char *driver, uint16_t *port)
{
  int p[2];
  pid_t pid;
  char line[256];
  size_t n = 0;
  unsigned v = 0;

  ASSERT_EQ(pipe(p), 0);
  pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    dup2(p[1], 1);
    close(p[0]);
    close(p[1]);
    execl(cuferryd, cuferryd, "--listen", "tcp://127.0.0.1:0", "--driver",
          driver, "--insecure", (char *)NULL);
    _exit(127);
  }
  close(p[1]);
  server_pid = pid;
  while (n + 1 < sizeof line) {
    struct pollfd pfd = { .fd = p[0], .events = POLLIN };
    ssize_t r;

    ASSERT_EQ(poll(&pfd, 1, 10000), 1);
    r = read(p[0], line + n, 1);
    ASSERT_EQ(r, 1);
    if (line[n] == '\n')
      break;
    n++;
  }
  line[n] = '\0';
  close(p[0]);
  ASSERT_EQ(sscanf(line, "listening tcp://127.0.0.1:%u", &v), 1);
  ASSERT(v > 0 && v < 65536);
  *port = (uint16_t)v;
  return pid;
}

/* Wait for pid up to ms; returns its wait status, or -1 on timeout. */
static int wait_for(pid_t pid, int ms)
{
  int st;

  for (int i = 0; i < ms / 10; i++) {
    if (waitpid(pid, &st, WNOHANG) == pid)
      return st;
    usleep(10000);
  }
  return -1;
}

static struct cf_conn *dial(uint16_t port)
{
  struct cf_url u;
  struct cf_conn *c = NULL;
  char url[64], err[128];

  snprintf(url, sizeof url, "tcp://127.0.0.1:%u", port);
  ASSERT_EQ(cf_url_parse(url, &u), 0);
  ASSERT_EQ(cf_conn_connect(&u, 5000, &c, err, sizeof err), 0);
  ASSERT_EQ(cf_conn_set_timeout(c, 10000), 0);
  return c;
}

static void send_msg(struct cf_conn *c, enum cf_frame_type type,
                     uint32_t lane, uint32_t op, uint64_t seq,
                     const ProtobufCMessage *m, const void *bulk,
                     size_t bulk_len)
{
  uint8_t *body = NULL;
  size_t len = 0;

  ASSERT_EQ(cf_proto_pack(m, &body, &len), 0);
  ASSERT_EQ(cf_frame_send(c, type, lane, op, seq, body, len, bulk, bulk_len),
            0);
  free(body);
}

static void hello(struct cf_conn *c, uint32_t version)
{
  CfHello h = CF_HELLO__INIT;

  h.protocol_version = version;
  h.client_name = "test_session\x1b[31m"; /* control bytes: sanitised */
  h.client_pid = (uint32_t)getpid();
  send_msg(c, CF_FRAME_HELLO, 0, 0, 0, &h.base, NULL, 0);
}

static void recv_frame(struct cf_conn *c, struct cf_frame *f)
{
  const struct cf_frame_limits lim = { 1u << 20, (uint64_t)1 << 20 };

  ASSERT_EQ(cf_frame_recv(c, &lim, NULL, 0, f), 0);
}

/* The connection was closed by the server. */
static void expect_closed(struct cf_conn *c)
{
  const struct cf_frame_limits lim = { 1u << 20, (uint64_t)1 << 20 };
  struct cf_frame f;
  int r = cf_frame_recv(c, &lim, NULL, 0, &f);

  if (r == 0)
    cf_frame_release(&f);
  ASSERT(r == CF_ECLOSED || r == CF_EIO);
}

static CfWelcome *welcome(struct cf_conn *c)
{
  struct cf_frame f;
  ProtobufCMessage *m = NULL;

  hello(c, CF_PROTOCOL_VERSION);
  recv_frame(c, &f);
  ASSERT_EQ(f.h.type, CF_FRAME_WELCOME);
  ASSERT_EQ(cf_proto_unpack(&cf_welcome__descriptor, f.body, f.h.body_len, &m),
            0);
  cf_frame_release(&f);
  return (CfWelcome *)m;
}

static CfRefuse *refused(struct cf_conn *c)
{
  struct cf_frame f;
  ProtobufCMessage *m = NULL;

  recv_frame(c, &f);
  ASSERT_EQ(f.h.type, CF_FRAME_REFUSE);
  ASSERT_EQ(cf_proto_unpack(&cf_refuse__descriptor, f.body, f.h.body_len, &m),
            0);
  cf_frame_release(&f);
  return (CfRefuse *)m;
}

/* One call: send req on lane, wait for the reply, unpack it as rd. The reply
 * bulk, if any, is copied to bulk_out (up to *bulk_len; set to its length). */
static ProtobufCMessage *call(struct cf_conn *c, uint32_t lane, uint32_t op,
                              const ProtobufCMessage *req, const void *bulk,
                              size_t bulk_len,
                              const ProtobufCMessageDescriptor *rd,
                              void *bulk_out, size_t *out_len)
{
  struct cf_frame f;
  ProtobufCMessage *m = NULL;
  uint64_t seq = next_seq++;

  send_msg(c, CF_FRAME_CALL, lane, op, seq, req, bulk, bulk_len);
  recv_frame(c, &f);
  ASSERT_EQ(f.h.type, CF_FRAME_REPLY);
  ASSERT_UEQ(f.h.seq, seq);
  ASSERT_UEQ(f.h.op, op);
  ASSERT_UEQ(f.h.lane, lane);
  ASSERT_EQ(cf_proto_unpack(rd, f.body, f.h.body_len, &m), 0);
  if (out_len) {
    ASSERT_LE(f.h.bulk_len, *out_len);
    if (f.h.bulk_len)
      memcpy(bulk_out, f.bulk, (size_t)f.h.bulk_len);
    *out_len = (size_t)f.h.bulk_len;
  } else {
    ASSERT_UEQ(f.h.bulk_len, 0);
  }
  cf_frame_release(&f);
  return m;
}

/* Each reply message starts with its result; read it generically. */
static int32_t result_of(ProtobufCMessage *m)
{
  int32_t r;

  memcpy(&r, (char *)m + m->descriptor->fields[0].offset, sizeof r);
  cf_proto_free(m);
  return r;
}

static uint64_t ctx_get_current(struct cf_conn *c, uint32_t lane)
{
  CuCtxGetCurrentReq q = CU_CTX_GET_CURRENT_REQ__INIT;
  CuCtxGetCurrentRep *r = (CuCtxGetCurrentRep *)call(
      c, lane, CF_OP_cuCtxGetCurrent, &q.base, NULL, 0,
      &cu_ctx_get_current_rep__descriptor, NULL, NULL);
  uint64_t id = r->pctx;

  ASSERT_EQ(r->result, CUDA_SUCCESS);
  cf_proto_free(&r->base);
  return id;
}

static void check_welcome(CfWelcome *w)
{
  ASSERT_EQ(w->protocol_version, CF_PROTOCOL_VERSION);
  ASSERT(w->session_id > 0);
  ASSERT_EQ(w->driver_version, 12080);
  ASSERT_NOT_NULL(strstr(w->server_name, "cuferryd "));
  ASSERT_NOT_NULL(strstr(w->server_name, "(driver: "));
  ASSERT_UEQ(w->max_body, CF_FRAME_DEFAULT_MAX_BODY);
  ASSERT_UEQ(w->max_bulk, CF_FRAME_DEFAULT_MAX_BULK);
  ASSERT_UEQ(w->n_devices, 1);
  ASSERT_STR_EQ(w->devices[0]->name, "cuferry fake GPU");
  ASSERT_UEQ(w->devices[0]->total_mem, (uint64_t)6 << 30);
  ASSERT_UEQ(w->devices[0]->uuid.len, 16);
  ASSERT_EQ(w->devices[0]->uuid.data[3], 0xa3);
  ASSERT_EQ(w->devices[0]->cc_major, 8);
  ASSERT_EQ(w->devices[0]->cc_minor, 6);
  ASSERT_UEQ(w->devices[0]->n_attributes, CU_DEVICE_ATTRIBUTE_MAX);
  ASSERT_UEQ(w->devices[0]->n_attr_error, CU_DEVICE_ATTRIBUTE_MAX);
  ASSERT_EQ(w->devices[0]->attributes[CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK], 1024);
  ASSERT_EQ(w->devices[0]->attributes[CU_DEVICE_ATTRIBUTE_WARP_SIZE], 32);
  ASSERT_EQ(w->devices[0]->attr_error[CU_DEVICE_ATTRIBUTE_WARP_SIZE], 0);
  ASSERT_EQ(w->devices[0]->attributes[120], 0);
  ASSERT_EQ(w->devices[0]->attr_error[120], CUDA_ERROR_INVALID_VALUE);
}

static void test_unknown_op(struct cf_conn *c)
{
  CfStatus q = CF_STATUS__INIT;
  ProtobufCMessage *m;

  m = call(c, 7, 0xfffff0u, &q.base, NULL, 0, &cf_status__descriptor, NULL,
           NULL);
  ASSERT_EQ(result_of(m), CUDA_ERROR_NOT_SUPPORTED);
  /* The answer is meant to parse as any reply: the wire types must agree. */
  ASSERT_EQ(cf_status__descriptor.fields[0].type,
            cu_ctx_get_current_rep__descriptor.fields[0].type);
}

/* What the driver prints on stdout reaches the client as OUTPUT frames
 * before the reply, and never the server's own stdout. */
static void test_output(struct cf_conn *c)
{
  CuCtxSynchronizeReq q = CU_CTX_SYNCHRONIZE_REQ__INIT;
  struct cf_frame f;
  char text[256] = "";
  size_t len = 0;
  uint64_t seq = next_seq++;

  send_msg(c, CF_FRAME_CALL, 1, CF_OP_cuCtxSynchronize, seq, &q.base, NULL, 0);
  for (;;) {
    recv_frame(c, &f);
    if (f.h.type != CF_FRAME_OUTPUT)
      break;
    ASSERT_LT(len + f.h.body_len, sizeof text);
    memcpy(text + len, f.body, f.h.body_len);
    len += f.h.body_len;
    cf_frame_release(&f);
  }
  ASSERT_EQ(f.h.type, CF_FRAME_REPLY);
  ASSERT_UEQ(f.h.seq, seq);
  cf_frame_release(&f);
  ASSERT_NOT_NULL(strstr(text, "fake device output"));
}

/* Contexts on two lanes: each lane keeps its own stack. */
static uint64_t test_lanes(struct cf_conn *c)
{
  CuDevicePrimaryCtxRetainReq pr = CU_DEVICE_PRIMARY_CTX_RETAIN_REQ__INIT;
  CuCtxSetCurrentReq sc = CU_CTX_SET_CURRENT_REQ__INIT;
  CuCtxCreateV2Req cc = CU_CTX_CREATE_V2_REQ__INIT;
  CuCtxPopCurrentV2Req pop = CU_CTX_POP_CURRENT_V2_REQ__INIT;
  CuDevicePrimaryCtxRetainRep *prr;
  CuCtxCreateV2Rep *ccr;
  CuCtxPopCurrentV2Rep *popr;
  uint64_t primary, primary2, created;

  prr = (CuDevicePrimaryCtxRetainRep *)call(
      c, 1, CF_OP_cuDevicePrimaryCtxRetain, &pr.base, NULL, 0,
      &cu_device_primary_ctx_retain_rep__descriptor, NULL, NULL);
  ASSERT_EQ(prr->result, 0);
  primary = prr->pctx;
  cf_proto_free(&prr->base);
  ASSERT(primary > 2);
  prr = (CuDevicePrimaryCtxRetainRep *)call(
      c, 2, CF_OP_cuDevicePrimaryCtxRetain, &pr.base, NULL, 0,
      &cu_device_primary_ctx_retain_rep__descriptor, NULL, NULL);
  primary2 = prr->pctx;
  cf_proto_free(&prr->base);
  ASSERT_UEQ(primary2, primary); /* same driver handle, same id */

  sc.ctx = primary;
  ASSERT_EQ(result_of(call(c, 1, CF_OP_cuCtxSetCurrent, &sc.base, NULL, 0,
                           &cu_ctx_set_current_rep__descriptor, NULL, NULL)),
            0);
  sc.ctx = 0x7777770;
  ASSERT_EQ(result_of(call(c, 1, CF_OP_cuCtxSetCurrent, &sc.base, NULL, 0,
                           &cu_ctx_set_current_rep__descriptor, NULL, NULL)),
            CUDA_ERROR_INVALID_CONTEXT);
  ccr = (CuCtxCreateV2Rep *)call(c, 1, CF_OP_cuCtxCreate_v2, &cc.base, NULL,
                                 0, &cu_ctx_create_v2_rep__descriptor, NULL,
                                 NULL);
  ASSERT_EQ(ccr->result, 0);
  created = ccr->pctx;
  cf_proto_free(&ccr->base);
  ASSERT(created > 2 && created != primary);

  /* Lane 1's stack is [primary, created]; lane 2 (and a new lane 3) have
   * none, and lane 1 keeps both levels across the switches. */
  ASSERT_UEQ(ctx_get_current(c, 2), 0);
  ASSERT_UEQ(ctx_get_current(c, 1), created);
  ASSERT_UEQ(ctx_get_current(c, 3), 0);
  popr = (CuCtxPopCurrentV2Rep *)call(c, 1, CF_OP_cuCtxPopCurrent_v2,
                                      &pop.base, NULL, 0,
                                      &cu_ctx_pop_current_v2_rep__descriptor,
                                      NULL, NULL);
  ASSERT_EQ(popr->result, 0);
  ASSERT_UEQ(popr->pctx, created);
  cf_proto_free(&popr->base);
  ASSERT_UEQ(ctx_get_current(c, 2), 0);
  ASSERT_UEQ(ctx_get_current(c, 1), primary);
  return created;
}

/* A module, a function, its parameter layout and launches. */
static void test_launch(struct cf_conn *c, uint64_t created)
{
  static const char image[] = "fake module";
  CuModuleLoadDataReq ml = CU_MODULE_LOAD_DATA_REQ__INIT;
  CuModuleGetFunctionReq gf = CU_MODULE_GET_FUNCTION_REQ__INIT;
  CfFuncGetParamLayoutReq pl = CF_FUNC_GET_PARAM_LAYOUT_REQ__INIT;
  CuLaunchKernelReq lk = CU_LAUNCH_KERNEL_REQ__INIT;
  CuCtxDestroyV2Req cd = CU_CTX_DESTROY_V2_REQ__INIT;
  CuModuleLoadDataRep *mlr;
  CuModuleGetFunctionRep *gfr;
  CfFuncGetParamLayoutRep *plr;
  uint8_t layout[64], params[24];
  size_t layout_len = sizeof layout;
  uint64_t a = 0x1122334455667788ULL, mod, fn;
  uint32_t b = 42;
  double d = 2.5;
  static const uint8_t want[24] = { 0, 0, 0, 0, 8, 0, 0, 0, 8, 0, 0, 0,
                                    4, 0, 0, 0, 16, 0, 0, 0, 8, 0, 0, 0 };

  /* The image goes without its NUL: the worker's bulk is NUL-padded. */
  ml.imagesize = sizeof image - 1;
  mlr = (CuModuleLoadDataRep *)call(c, 1, CF_OP_cuModuleLoadData, &ml.base,
                                    image, sizeof image - 1,
                                    &cu_module_load_data_rep__descriptor,
                                    NULL, NULL);
  ASSERT_EQ(mlr->result, 0);
  mod = mlr->module;
  cf_proto_free(&mlr->base);
  gf.hmod = mod;
  gf.name = "kern";
  gfr = (CuModuleGetFunctionRep *)call(c, 1, CF_OP_cuModuleGetFunction,
                                       &gf.base, NULL, 0,
                                       &cu_module_get_function_rep__descriptor,
                                       NULL, NULL);
  ASSERT_EQ(gfr->result, 0);
  fn = gfr->hfunc;
  cf_proto_free(&gfr->base);

  pl.f = fn;
  pl.layoutbytes = sizeof layout;
  plr = (CfFuncGetParamLayoutRep *)call(
      c, 1, CF_OP_cfFuncGetParamLayout, &pl.base, NULL, 0,
      &cf_func_get_param_layout_rep__descriptor, layout, &layout_len);
  ASSERT_EQ(plr->result, 0);
  ASSERT_UEQ(plr->count, 3);
  cf_proto_free(&plr->base);
  /* only the three parameters' bytes, not the whole offered buffer */
  ASSERT_UEQ(layout_len, 3 * 8);
  ASSERT_MEM_EQ(layout, want, sizeof want);
  pl.f = 0x5550;
  layout_len = sizeof layout;
  ASSERT_EQ(result_of(call(c, 1, CF_OP_cfFuncGetParamLayout, &pl.base, NULL,
                           0, &cf_func_get_param_layout_rep__descriptor,
                           layout, &layout_len)),
            CUDA_ERROR_INVALID_HANDLE);

  memcpy(params, &a, 8);
  memcpy(params + 8, &b, 4);
  memset(params + 12, 0, 4);
  memcpy(params + 16, &d, 8);
  lk.f = fn;
  lk.griddimx = 2;
  lk.griddimy = lk.griddimz = 1;
  lk.blockdimx = 32;
  lk.blockdimy = lk.blockdimz = 1;
  lk.hstream = 1; /* CU_STREAM_LEGACY */
  lk.paramssize = sizeof params;
  ASSERT_EQ(result_of(call(c, 1, CF_OP_cuLaunchKernel, &lk.base, params,
                           sizeof params, &cu_launch_kernel_rep__descriptor,
                           NULL, NULL)), CUDA_SUCCESS);
  /* paramsSize disagreeing with the bulk, a bulk too short for the layout,
   * an unknown function or stream: refused before the driver runs. */
  lk.paramssize = 20;
  ASSERT_EQ(result_of(call(c, 1, CF_OP_cuLaunchKernel, &lk.base, params,
                           sizeof params, &cu_launch_kernel_rep__descriptor,
                           NULL, NULL)), CUDA_ERROR_INVALID_VALUE);
  ASSERT_EQ(result_of(call(c, 1, CF_OP_cuLaunchKernel, &lk.base, params, 20,
                           &cu_launch_kernel_rep__descriptor, NULL, NULL)),
            CUDA_ERROR_INVALID_VALUE);
  lk.paramssize = sizeof params;
  lk.hstream = 0x999990;
  ASSERT_EQ(result_of(call(c, 1, CF_OP_cuLaunchKernel, &lk.base, params,
                           sizeof params, &cu_launch_kernel_rep__descriptor,
                           NULL, NULL)), CUDA_ERROR_INVALID_HANDLE);
  lk.hstream = 0;
  lk.f = mod; /* a module id is not a function */
  ASSERT_EQ(result_of(call(c, 1, CF_OP_cuLaunchKernel, &lk.base, params,
                           sizeof params, &cu_launch_kernel_rep__descriptor,
                           NULL, NULL)), CUDA_ERROR_INVALID_HANDLE);
  lk.f = fn;
  b = 41; /* the fake checks the values arrive */
  memcpy(params + 8, &b, 4);
  ASSERT_EQ(result_of(call(c, 1, CF_OP_cuLaunchKernel, &lk.base, params,
                           sizeof params, &cu_launch_kernel_rep__descriptor,
                           NULL, NULL)), CUDA_ERROR_ILLEGAL_ADDRESS);

  /* Destroying the created context forgets it. */
  cd.ctx = created;
  ASSERT_EQ(result_of(call(c, 2, CF_OP_cuCtxDestroy_v2, &cd.base, NULL, 0,
                           &cu_ctx_destroy_v2_rep__descriptor, NULL, NULL)), 0);
  ASSERT_EQ(result_of(call(c, 2, CF_OP_cuCtxDestroy_v2, &cd.base, NULL, 0,
                           &cu_ctx_destroy_v2_rep__descriptor, NULL, NULL)),
            CUDA_ERROR_INVALID_CONTEXT);
}

static void test_refusals(uint16_t port)
{
  struct cf_conn *c;
  CfRefuse *r;
  struct cf_frame_header h;
  uint8_t hdr[CF_FRAME_HEADER_SIZE];
  struct iovec iov = { hdr, sizeof hdr };

  /* A hello body with another version. */
  c = dial(port);
  hello(c, 7);
  r = refused(c);
  ASSERT_EQ(r->protocol_version, CF_PROTOCOL_VERSION);
  ASSERT_NOT_NULL(strstr(r->reason, "protocol version mismatch"));
  ASSERT_NOT_NULL(strstr(r->reason, "client speaks 7, server speaks 1"));
  cf_proto_free(&r->base);
  expect_closed(c);
  cf_conn_close(c);

  /* A frame header with another version. */
  c = dial(port);
  cf_frame_header_init(&h, CF_FRAME_HELLO, 0, 0, 0, 0);
  h.version = 99;
  cf_frame_header_encode(&h, hdr);
  ASSERT_EQ(cf_conn_writev(c, &iov, 1), 0);
  r = refused(c);
  ASSERT_NOT_NULL(strstr(r->reason, "client speaks 99, server speaks 1"));
  cf_proto_free(&r->base);
  cf_conn_close(c);

  /* Garbage instead of a hello: closed without an answer. */
  c = dial(port);
  memset(hdr, 'G', sizeof hdr);
  ASSERT_EQ(cf_conn_writev(c, &iov, 1), 0);
  expect_closed(c);
  cf_conn_close(c);

  /* A header that claims a huge hello body. */
  c = dial(port);
  cf_frame_header_init(&h, CF_FRAME_HELLO, 0, 0, 1u << 30, 0);
  cf_frame_header_encode(&h, hdr);
  ASSERT_EQ(cf_conn_writev(c, &iov, 1), 0);
  expect_closed(c);
  cf_conn_close(c);
}

/* A session that sends a malformed request ends; returns nothing. */
static void test_malformed_call(uint16_t port)
{
  struct cf_conn *c = dial(port);
  static const uint8_t junk[] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
  CfWelcome *w = welcome(c);

  cf_proto_free(&w->base);
  ASSERT_EQ(cf_frame_send(c, CF_FRAME_CALL, 0, CF_OP_cuCtxSetCurrent, 1, junk,
                          sizeof junk, NULL, 0), 0);
  expect_closed(c);
  cf_conn_close(c);

  /* A hello after the handshake is a protocol error too. */
  c = dial(port);
  w = welcome(c);
  cf_proto_free(&w->base);
  hello(c, CF_PROTOCOL_VERSION);
  expect_closed(c);
  cf_conn_close(c);
}

static void test_stub_refused(const char *stub)
{
  uint16_t port;
  pid_t pid = start_server(stub, &port);
  struct cf_conn *c = dial(port);
  CfRefuse *r;

  hello(c, CF_PROTOCOL_VERSION);
  r = refused(c);
  ASSERT_NOT_NULL(strstr(r->reason, "client stub"));
  cf_proto_free(&r->base);
  cf_conn_close(c);
  kill(pid, SIGTERM);
  ASSERT_EQ(wait_for(pid, 10000), 0);
  server_pid = 0;
}

static void test_missing_driver(void)
{
  pid_t pid = fork();

  ASSERT_GE(pid, 0);
  if (pid == 0) {
    execl(cuferryd, cuferryd, "--listen", "tcp://127.0.0.1:0", "--driver",
          "/nonexistent/libcuda.so.1", "--insecure", (char *)NULL);
    _exit(127);
  }
  ASSERT_EQ(wait_for(pid, 10000), 1 << 8);
}

int main(int argc, char **argv)
{
  struct cf_conn *a, *idle;
  CfWelcome *w;
  uint64_t created;
  uint16_t port;
  pid_t pid;

  if (argc != 4) {
    fprintf(stderr, "usage: %s CUFERRYD FAKE_DRIVER FAKE_STUB\n", argv[0]);
    return 1;
  }
  cuferryd = argv[1];
  signal(SIGPIPE, SIG_IGN);
  atexit(kill_server);

  pid = start_server(argv[2], &port);
  a = dial(port);
  w = welcome(a);
  check_welcome(w);
  cf_proto_free(&w->base);

  test_unknown_op(a);
  test_output(a);
  created = test_lanes(a);
  test_launch(a, created);
  test_refusals(port);
  test_malformed_call(port);
  /* Session a outlived every bad client. */
  ASSERT(ctx_get_current(a, 1) > 2);

  /* Bye ends a session in order. */
  ASSERT_EQ(cf_frame_send(a, CF_FRAME_BYE, 0, 0, next_seq++, NULL, 0, NULL, 0),
            0);
  expect_closed(a);
  cf_conn_close(a);

  /* SIGTERM with a session still open: the worker is stopped and the
   * daemon exits 0. */
  idle = dial(port);
  w = welcome(idle);
  cf_proto_free(&w->base);
  kill(pid, SIGTERM);
  ASSERT_EQ(wait_for(pid, 10000), 0);
  server_pid = 0;
  expect_closed(idle);
  cf_conn_close(idle);

  test_stub_refused(argv[3]);
  test_missing_driver();
  printf("ok\n");
  return 0;
}
