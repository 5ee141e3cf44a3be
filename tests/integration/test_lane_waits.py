#!/usr/bin/env python3
"""Waits off the worker's thread (server/waits.c): while one lane (client
thread) waits in a synchronising call, the session's other lanes are still
served, as other threads go on on a local GPU. Sent by hand (rawcall.py),
so the test says exactly which frames go on which lane and when.

A kernel spins on a flag in device memory (ld.volatile.global) until it is
non-zero, then writes 1 to a result word; after a time bound (%globaltimer)
it gives up and writes 2. A time rather than an iteration bound, since the
emulator's speed differs tenfold between plain and sanitizer builds. If
parking is broken the worker blocks in the wait, the flag is only set once
the kernel has given up, and the checks below fail within SPIN_S seconds
rather than hang:

 - lane 1 launches it on a non-blocking stream and sends cuStreamSynchronize
   without reading the reply; lane 2's synchronous copy that sets the flag
   is answered first; then lane 1's sync, with CUDA_SUCCESS; the result
   word reads 1;
 - the same with cuEventSynchronize on an event recorded after the kernel,
   and with cuCtxSynchronize (which parks once the session has two lanes);
 - a second frame on lane 1 sent while lane 1's sync is parked is answered
   only after that sync;
 - a session with one lane runs cuCtxSynchronize, and cuStreamSynchronize
   on a stream with nothing to do, inline (the server's debug log shows no
   parked wait) and gets the right answers;
 - a client that hangs up while a wait is parked on a kernel that would
   spin for a minute leaves no worker behind for long;
 - every worker exits cleanly (status 0: in a sanitized build, no leak of
   parked frames or waiter state).

The two-lane checks run over TLS and over plain TCP (the worker's loop reads
what the transport already holds before it polls the socket).

usage: test_lane_waits.py --cuferryd P --client-dir D --emu SO --proto CF_API_PROTO"""
import re
import struct
import time

import harness as h
from rawcall import Session, by_name, parse_proto

SUCCESS = 0
NON_BLOCKING = 1        # CU_STREAM_NON_BLOCKING
SPIN_S = 4.0            # the kernel gives up after this long
SHORT_S = 1.0           # ... or this, where nobody will set the flag
FOREVER_S = 60.0        # a kernel that outlives its session
CALL_TIMEOUT = 30.0     # s for one reply
WORKER_GONE_S = 15.0    # a hung-up session's worker must exit within this
PARKED_LOG = "waits off the worker's thread"  # waits.c, at debug level
L1, L2 = 1, 2

SPIN_PTX = b"""
.version 7.0
.target sm_70
.address_size 64

// Spin until *flag != 0 (then *result = 1) or limit_ns pass (*result = 2).
.visible .entry spin(.param .u64 flag, .param .u64 result, .param .u64 limit_ns)
{
  .reg .pred %p<3>;
  .reg .b32 %r<3>;
  .reg .b64 %rd<8>;

  ld.param.u64 %rd1, [flag];
  ld.param.u64 %rd2, [result];
  ld.param.u64 %rd3, [limit_ns];
  cvta.to.global.u64 %rd1, %rd1;
  cvta.to.global.u64 %rd2, %rd2;
  mov.u64 %rd4, %globaltimer;
  add.u64 %rd5, %rd4, %rd3;
LOOP:
  ld.volatile.global.u32 %r1, [%rd1];
  setp.ne.u32 %p1, %r1, 0;
  @%p1 bra SAW;
  mov.u64 %rd6, %globaltimer;
  setp.lt.u64 %p2, %rd6, %rd5;
  @%p2 bra LOOP;
  mov.u32 %r2, 2;
  st.global.u32 [%rd2], %r2;
  ret;
SAW:
  mov.u32 %r2, 1;
  st.global.u32 [%rd2], %r2;
  ret;
}
"""


class Lanes:
    """Calls on a rawcall Session, each on a lane of our choosing."""

    def __init__(self, srv, ops):
        self.ops = ops
        self.s = Session(srv, ops, CALL_TIMEOUT)

    def op(self, api):
        o = by_name(self.ops, api)
        h.check(o is not None, '%s is not in the proto' % api)
        return o

    def fields(self, api, values):
        return [(n, t, values.get(f, '' if t == 'string' else 0))
                for n, t, f in self.ops[self.op(api)][1]]

    def send(self, lane, api, bulk=b'', noreply=False, **values):
        """Send the CUDA call api on lane (values: its request fields);
        returns its seq."""
        return self.s.send(self.op(api), self.fields(api, values), bulk, lane, noreply)

    def reply(self, what):
        try:
            return self.s.recv_reply()
        except h.Failure as e:
            raise h.Failure('%s: %s' % (what, e))

    def call(self, lane, api, bulk=b'', want=SUCCESS, **values):
        """Send and read the reply, which must be this call's and say want."""
        seq = self.send(lane, api, bulk, **values)
        got_seq, got_lane, result, rep = self.reply(api)
        h.check(got_seq == seq and got_lane == lane,
                '%s (seq %d, lane %d) answered by the reply to seq %d on lane %d'
                % (api, seq, lane, got_seq, got_lane))
        h.check(result == want, '%s on lane %d returned %d, want %d'
                % (api, lane, result, want))
        return rep

    def close(self):
        self.s.close()


def setup(c, lanes):
    """Context (current on every lane), module, spin function, memory:
    {ctx, fn, flag, result}."""
    first = lanes[0]
    ctx = c.call(first, 'cuCtxCreate_v2', flags=0, dev=0)['pctx']
    for lane in lanes[1:]:
        c.call(lane, 'cuCtxSetCurrent', ctx=ctx)
    mod = c.call(first, 'cuModuleLoadData', SPIN_PTX, imageSize=len(SPIN_PTX))['module']
    fn = c.call(first, 'cuModuleGetFunction', hmod=mod, name='spin')['hfunc']
    mem = c.call(first, 'cuMemAlloc_v2', bytesize=8)['dptr']
    return dict(ctx=ctx, fn=fn, flag=mem, result=mem + 4)


def reset(c, lane, env):
    c.call(lane, 'cuMemcpyHtoD_v2', b'\0' * 8, dstDevice=env['flag'], ByteCount=8)


def launch(c, lane, env, stream, limit_s):
    """The spin kernel on stream, sent without waiting (an async call)."""
    params = struct.pack('<QQQ', env['flag'], env['result'], int(limit_s * 1e9))
    c.send(lane, 'cuLaunchKernel', params, noreply=True, f=env['fn'], gridDimX=1,
           gridDimY=1, gridDimZ=1, blockDimX=1, blockDimY=1, blockDimZ=1,
           hStream=stream, paramsSize=len(params))


def result_word(c, lane, env):
    c.call(lane, 'cuMemcpyDtoH_v2', srcDevice=env['result'], ByteCount=4)
    return struct.unpack('<I', c.s.last_bulk)[0]


def other_lane_goes_on(c, env, what, wait_name, **wait_values):
    """Lane 1 launches the spin kernel on stream 1 (then records the event,
    for an event wait) and sends wait_name without reading; lane 2 sets the
    flag and must be answered first."""
    reset(c, L2, env)
    launch(c, L1, env, env['s1'], SPIN_S)
    if wait_name == 'cuEventSynchronize':
        c.send(L1, 'cuEventRecord', noreply=True, hEvent=env['ev'], hStream=env['s1'])
    t0 = time.monotonic()
    seq_wait = c.send(L1, wait_name, **wait_values)
    seq_set = c.send(L2, 'cuMemcpyHtoD_v2', struct.pack('<I', 1),
                     dstDevice=env['flag'], ByteCount=4)
    seq, lane, result, _ = c.reply('%s: the first reply' % what)
    took = time.monotonic() - t0
    h.check(seq == seq_set,
            '%s: the reply to seq %d (lane %d) came first, after %.1f s; lane 2\'s '
            'copy (seq %d) should have been answered while lane 1 waited: the worker '
            'blocked in the wait' % (what, seq, lane, took, seq_set))
    h.check(result == SUCCESS, '%s: lane 2\'s copy returned %d' % (what, result))
    seq, lane, result, _ = c.reply('%s: lane 1\'s reply' % what)
    h.check(seq == seq_wait and lane == L1,
            '%s: expected lane 1\'s reply (seq %d), got seq %d lane %d'
            % (what, seq_wait, seq, lane))
    h.check(result == SUCCESS, '%s returned %d, want CUDA_SUCCESS' % (what, result))
    got = result_word(c, L2, env)
    h.check(got == 1, '%s: the kernel wrote %d, want 1 (it saw the flag)' % (what, got))
    h.log('%s: lane 2 answered after %.2f s while lane 1 waited' % (what, took))


def lane_order(c, env):
    """A frame sent on lane 1 while lane 1's sync is parked waits for it."""
    reset(c, L2, env)
    launch(c, L1, env, env['s1'], SHORT_S)
    t0 = time.monotonic()
    seq_wait = c.send(L1, 'cuStreamSynchronize', hStream=env['s1'])
    seq_next = c.send(L1, 'cuCtxGetCurrent')
    seq, lane, result, _ = c.reply('lane order: the first reply')
    took = time.monotonic() - t0
    h.check(seq == seq_wait,
            'lane order: seq %d (lane %d) answered before lane 1\'s parked sync '
            '(seq %d)' % (seq, lane, seq_wait))
    h.check(result == SUCCESS, 'lane order: the sync returned %d' % result)
    seq, lane, result, _ = c.reply('lane order: the second reply')
    h.check(seq == seq_next and result == SUCCESS,
            'lane order: expected seq %d with CUDA_SUCCESS, got seq %d result %d'
            % (seq_next, seq, result))
    got = result_word(c, L1, env)
    h.check(got == 2, 'lane order: the kernel wrote %d, want 2 (nobody set the flag)' % got)
    h.log('lane order: lane 1\'s next frame waited for its sync (%.2f s)' % took)


def parked_count(srv):
    return srv.stderr_text().count(PARKED_LOG)


def one_lane(srv, ops):
    """One lane: the waits run inline and answer as before."""
    before = parked_count(srv)
    c = Lanes(srv, ops)
    env = setup(c, [0])
    s = c.call(0, 'cuStreamCreate', Flags=NON_BLOCKING)['phStream']
    reset(c, 0, env)
    launch(c, 0, env, s, SHORT_S)
    t0 = time.monotonic()
    c.call(0, 'cuCtxSynchronize')
    took = time.monotonic() - t0
    got = result_word(c, 0, env)
    h.check(got == 2, 'one lane: the kernel wrote %d, want 2' % got)
    c.call(0, 'cuStreamSynchronize', hStream=s)
    c.call(0, 'cuStreamSynchronize', hStream=0)
    c.close()
    time.sleep(0.2)
    h.check(parked_count(srv) == before,
            'one lane: a wait was parked (the log says "%s"); with one lane '
            'cuCtxSynchronize and waits that do not block run inline' % PARKED_LOG)
    h.log('one lane: cuCtxSynchronize ran inline (%.2f s for the kernel)' % took)


def hang_up(srv, ops):
    """A client that goes away while its wait is parked on a kernel that
    would spin for a minute: the worker still exits."""
    c = Lanes(srv, ops)
    env = setup(c, [L1, L2])
    s1 = c.call(L1, 'cuStreamCreate', Flags=NON_BLOCKING)['phStream']
    reset(c, L1, env)
    launch(c, L1, env, s1, FOREVER_S)
    c.send(L1, 'cuStreamSynchronize', hStream=s1)
    # Parked: lane 2 is still answered.
    c.call(L2, 'cuCtxGetCurrent')
    t0 = time.monotonic()
    c.close()
    gone = h.wait_until(lambda: not srv.workers(), WORKER_GONE_S)
    h.check(gone, 'a worker is still there %.0f s after its client hung up with a '
            'wait parked' % WORKER_GONE_S)
    h.log('hang-up with a wait parked: the worker left after %.1f s'
          % (time.monotonic() - t0))


def two_lanes(srv, ops):
    """The waits of one lane while the other goes on, and order in a lane."""
    c = Lanes(srv, ops)
    env = setup(c, [L1, L2])
    env['s1'] = c.call(L1, 'cuStreamCreate', Flags=NON_BLOCKING)['phStream']
    env['s2'] = c.call(L2, 'cuStreamCreate', Flags=NON_BLOCKING)['phStream']
    env['ev'] = c.call(L1, 'cuEventCreate', Flags=0)['phEvent']
    before = parked_count(srv)
    other_lane_goes_on(c, env, 'cuStreamSynchronize', 'cuStreamSynchronize',
                       hStream=env['s1'])
    other_lane_goes_on(c, env, 'cuEventSynchronize', 'cuEventSynchronize',
                       hEvent=env['ev'])
    other_lane_goes_on(c, env, 'cuCtxSynchronize', 'cuCtxSynchronize')
    lane_order(c, env)
    # Nothing left to wait for: inline, answered at once.
    c.call(L1, 'cuStreamSynchronize', hStream=env['s1'])
    c.call(L2, 'cuEventSynchronize', hEvent=env['ev'])
    c.close()
    h.wait_until(lambda: not srv.workers(), WORKER_GONE_S)
    h.check(parked_count(srv) - before == 4,
            'expected 4 parked waits in the log, found %d' % (parked_count(srv) - before))


def workers_ended_well(srv):
    """Every session's worker exited cleanly: status 0, no signal, nothing
    from a sanitizer (a sanitized build reports leaks at the worker's exit,
    e.g. of parked frames or the waits' state)."""
    h.check(h.wait_until(lambda: not srv.workers(), WORKER_GONE_S),
            'workers still alive: %s' % srv.workers())
    text = srv.stderr_text()
    bad = [l for l in text.splitlines()
           if re.search(r'session \d+ ended: .*(exit status|signal)', l) or
           'Sanitizer' in l or 'runtime error' in l]
    h.check(not bad, 'a worker did not end cleanly:\n  %s' % '\n  '.join(bad[:10]))


def main():
    p = h.parser(__doc__)
    p.add_argument('--proto', required=True)
    args = p.parse_args()
    if args.skip:
        raise h.Skip(args.skip)
    ops = parse_proto(args.proto)

    # TLS (as users run it: frames may wait decrypted in OpenSSL, which the
    # worker must read before it polls the socket) and plain TCP.
    with h.server(args, extra_args=['--log-level=debug']) as srv:
        h.log('-- over TLS')
        one_lane(srv, ops)
        two_lanes(srv, ops)
        hang_up(srv, ops)
        workers_ended_well(srv)
    with h.server(args, transport='tcp', extra_args=['--log-level=debug']) as srv:
        h.log('-- over plain TCP')
        two_lanes(srv, ops)
        workers_ended_well(srv)


if __name__ == '__main__':
    h.main(main)
