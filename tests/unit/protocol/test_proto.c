/* Unit tests for protocol/cf_proto.c: pack/unpack round trips of the session
 * messages, the allocator's per-allocation and per-thread live caps, the
 * per-unpack cap against a small body that expands (many empty repeated
 * sub-messages), frees on another thread than the unpack, and garbage bodies
 * failing cleanly. */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#include "cf_error.h"
#include "cf_proto.h"
#include "cf_session.pb-c.h"
#include "cf_test.h"

static void test_roundtrip(void)
{
  CfHello h = CF_HELLO__INIT, *g;
  CfWelcome w = CF_WELCOME__INIT, *gw;
  CfDevice d = CF_DEVICE__INIT, *dp = &d;
  int32_t attrs[4] = { 0, 1, -2, 2147483647 };
  uint8_t uuid[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
  ProtobufCMessage *m;
  uint8_t *buf;
  size_t len;

  h.protocol_version = 1;
  h.client_name = (char *)"test_proto";
  h.client_pid = 4242;
  h.features = UINT64_MAX;
  ASSERT_EQ(cf_proto_pack(&h.base, &buf, &len), 0);
  ASSERT_GT(len, 0);
  ASSERT_EQ(cf_proto_unpack(&cf_hello__descriptor, buf, len, &m), 0);
  g = (CfHello *)m;
  ASSERT_UEQ(g->protocol_version, 1);
  ASSERT_STR_EQ(g->client_name, "test_proto");
  ASSERT_UEQ(g->client_pid, 4242);
  ASSERT_UEQ(g->features, UINT64_MAX);
  cf_proto_free(m);
  free(buf);

  d.name = (char *)"emu";
  d.total_mem = (uint64_t)80 << 30;
  d.uuid.data = uuid;
  d.uuid.len = sizeof uuid;
  d.cc_major = 9;
  d.n_attributes = 4;
  d.attributes = attrs;
  w.protocol_version = 1;
  w.session_id = 77;
  w.n_devices = 1;
  w.devices = &dp;
  w.server_name = (char *)"cuferryd";
  w.max_body = 1u << 20;
  ASSERT_EQ(cf_proto_pack(&w.base, &buf, &len), 0);
  ASSERT_EQ(cf_proto_unpack(&cf_welcome__descriptor, buf, len, &m), 0);
  gw = (CfWelcome *)m;
  ASSERT_UEQ(gw->n_devices, 1);
  ASSERT_STR_EQ(gw->devices[0]->name, "emu");
  ASSERT_UEQ(gw->devices[0]->uuid.len, 16);
  ASSERT_MEM_EQ(gw->devices[0]->uuid.data, uuid, 16);
  ASSERT_UEQ(gw->devices[0]->n_attributes, 4);
  ASSERT_EQ(gw->devices[0]->attributes[3], 2147483647);
  ASSERT_EQ(gw->devices[0]->attributes[2], -2);
  cf_proto_free(m);
  free(buf);

  /* Empty message: a non-NULL buffer of length 0. */
  {
    CfRefuse r = CF_REFUSE__INIT;
    ASSERT_EQ(cf_proto_pack(&r.base, &buf, &len), 0);
    ASSERT_NOT_NULL(buf);
    ASSERT_EQ(len, 0);
    ASSERT_EQ(cf_proto_unpack(&cf_refuse__descriptor, buf, 0, &m), 0);
    cf_proto_free(m);
    free(buf);
  }
  ASSERT_EQ(cf_proto_pack(NULL, &buf, &len), CF_EINVAL);
  ASSERT_NULL(buf);
  ASSERT_EQ(len, 0);
  cf_proto_free(NULL);
}

static void test_allocator_caps(void)
{
  ProtobufCAllocator *a = cf_proto_allocator();
  void *p;

  ASSERT_NOT_NULL(a);
  ASSERT(a == cf_proto_allocator());
  p = a->alloc(a->allocator_data, 16);
  ASSERT_NOT_NULL(p);
  a->free(a->allocator_data, p);
  p = a->alloc(a->allocator_data, CF_PROTO_MAX_ALLOC);
  ASSERT_NOT_NULL(p);
  a->free(a->allocator_data, p);
  ASSERT_NULL(a->alloc(a->allocator_data, CF_PROTO_MAX_ALLOC + 1));
  ASSERT_NULL(a->alloc(a->allocator_data, SIZE_MAX));
  ASSERT_EQ(cf_proto_live_bytes(), 0);

  /* The per-thread live cap: two max-size blocks fill it, a third (even one
   * byte) is refused until something is freed. */
  {
    void *p1 = a->alloc(a->allocator_data, CF_PROTO_MAX_ALLOC);
    void *p2 = a->alloc(a->allocator_data, CF_PROTO_MAX_LIVE - CF_PROTO_MAX_ALLOC);
    ASSERT_NOT_NULL(p1);
    ASSERT_NOT_NULL(p2);
    ASSERT_UEQ(cf_proto_live_bytes(), CF_PROTO_MAX_LIVE);
    ASSERT_NULL(a->alloc(a->allocator_data, 1));
    memset(p2, 0xee, 64); /* usable memory */
    a->free(a->allocator_data, p2);
    p = a->alloc(a->allocator_data, 1);
    ASSERT_NOT_NULL(p);
    a->free(a->allocator_data, p);
    a->free(a->allocator_data, p1);
    a->free(a->allocator_data, NULL);
    ASSERT_EQ(cf_proto_live_bytes(), 0);
  }
}

/* A message unpacked on one thread and freed on another (after the first has
 * exited, and while it runs): the bytes go back to the unpacking thread's
 * counter, which is then released (LSan in sanitizer builds checks that). */
struct unpack_job {
  const uint8_t *buf;
  size_t len;
  ProtobufCMessage *m;
  size_t live_after;
};

static void *unpack_thread(void *arg)
{
  struct unpack_job *j = arg;
  ASSERT_EQ(cf_proto_unpack(&cf_hello__descriptor, j->buf, j->len, &j->m), 0);
  j->live_after = cf_proto_live_bytes();
  return NULL;
}

static void *free_thread(void *arg)
{
  cf_proto_free(arg);
  return NULL;
}

static void test_cross_thread(void)
{
  CfHello h = CF_HELLO__INIT;
  struct unpack_job j;
  pthread_t t;
  uint8_t *buf;
  size_t len;

  h.client_name = (char *)"cross-thread";
  ASSERT_EQ(cf_proto_pack(&h.base, &buf, &len), 0);

  memset(&j, 0, sizeof j);
  j.buf = buf;
  j.len = len;
  ASSERT_EQ(pthread_create(&t, NULL, unpack_thread, &j), 0);
  ASSERT_EQ(pthread_join(t, NULL), 0);
  ASSERT_GT(j.live_after, 0);
  ASSERT_STR_EQ(((CfHello *)j.m)->client_name, "cross-thread");
  ASSERT_EQ(cf_proto_live_bytes(), 0); /* not charged to this thread */
  cf_proto_free(j.m);                  /* owner gone: frees its counter */

  /* Unpacked here, freed on another thread while this one lives. */
  {
    ProtobufCMessage *m;
    ASSERT_EQ(cf_proto_unpack(&cf_hello__descriptor, buf, len, &m), 0);
    ASSERT_GT(cf_proto_live_bytes(), 0);
    ASSERT_EQ(pthread_create(&t, NULL, free_thread, m), 0);
    ASSERT_EQ(pthread_join(t, NULL), 0);
    ASSERT_EQ(cf_proto_live_bytes(), 0);
  }
  free(buf);
}

/* A CfWelcome body of N empty devices ("22 00" each) is 2N bytes on the wire
 * but costs N device structs plus N pointers once unpacked. */
static uint8_t *empty_devices(size_t n, size_t *len)
{
  uint8_t *b = malloc(2 * n);
  size_t i;
  ASSERT_NOT_NULL(b);
  for (i = 0; i < n; i++) {
    b[2 * i] = 0x22;     /* field 4, length-delimited */
    b[2 * i + 1] = 0x00; /* empty CfDevice */
  }
  *len = 2 * n;
  return b;
}

static void test_unpack_expansion(void)
{
  ProtobufCMessage *m;
  uint8_t *b;
  size_t len;

  /* Small: fine. */
  b = empty_devices(100, &len);
  ASSERT_EQ(cf_proto_unpack(&cf_welcome__descriptor, b, len, &m), 0);
  ASSERT_UEQ(((CfWelcome *)m)->n_devices, 100);
  cf_proto_free(m);
  free(b);

  /* 1 MiB of body (the default frame cap) => 512 Ki devices: refused by the
   * per-unpack cap rather than allocating ~50 MiB. */
  b = empty_devices(512 * 1024, &len);
  ASSERT_EQ(cf_proto_unpack(&cf_welcome__descriptor, b, len, &m), CF_EPROTO);
  ASSERT_NULL(m);
  /* The same through protobuf-c directly with our allocator (as the
   * generated cf_welcome__unpack does): the per-thread live cap stops it. */
  ASSERT_NULL(cf_welcome__unpack(cf_proto_allocator(), len, b));
  free(b);
  /* More devices than the pointer array may hold: the per-allocation cap. */
  b = empty_devices(600 * 1024, &len);
  ASSERT_NULL(protobuf_c_message_unpack(&cf_welcome__descriptor,
                                        cf_proto_allocator(), len, b));
  free(b);
  ASSERT_EQ(cf_proto_live_bytes(), 0); /* failed unpacks freed everything */

  /* The budget closes with each unpack: a later small unpack still works. */
  b = empty_devices(10, &len);
  ASSERT_EQ(cf_proto_unpack(&cf_welcome__descriptor, b, len, &m), 0);
  cf_proto_free(m);
  free(b);
}

static void test_garbage(void)
{
  static const uint8_t bad1[] = { 0x12, 0x05, 'a' };        /* string past end */
  static const uint8_t bad2[] = { 0x0a };                   /* truncated key */
  static const uint8_t bad3[] = { 0x08, 0xff, 0xff, 0xff, 0xff, 0xff,
                                  0xff, 0xff, 0xff, 0xff, 0xff, 0x01 };
  ProtobufCMessage *m = (ProtobufCMessage *)&m;

  ASSERT_EQ(cf_proto_unpack(&cf_hello__descriptor, bad1, sizeof bad1, &m), CF_EPROTO);
  ASSERT_NULL(m);
  ASSERT_EQ(cf_proto_unpack(&cf_hello__descriptor, bad2, sizeof bad2, &m), CF_EPROTO);
  ASSERT_EQ(cf_proto_unpack(&cf_hello__descriptor, bad3, sizeof bad3, &m), CF_EPROTO);
  ASSERT_EQ(cf_proto_unpack(NULL, bad1, 1, &m), CF_EINVAL);
  ASSERT_EQ(cf_proto_unpack(&cf_hello__descriptor, NULL, 1, &m), CF_EINVAL);
}

int main(void)
{
  test_roundtrip();
  test_allocator_caps();
  test_unpack_expansion();
  test_garbage();
  test_cross_thread();
  ASSERT_EQ(cf_proto_live_bytes(), 0);
  printf("test_proto: ok\n");
  return 0;
}
