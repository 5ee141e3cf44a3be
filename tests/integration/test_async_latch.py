#!/usr/bin/env python3
"""Asynchronous calls on the wire: calls sent with the NOREPLY flag get no
answer, run in order with everything else, and an error the server meets in
one is latched for its context and returned by that context's next
synchronising call (and only then, and only once), as CUDA reports an
asynchronous error. Sent by hand (rawcall.py), so the test says exactly what
the server must do whatever the client stub would send:

 - a failing async memset does not disturb a non-synchronising call after
   it; cuCtxSynchronize then returns its error, a second one succeeds;
 - async memsets run in order: a synchronous copy back sees the second
   over the first;
 - of two failing async calls, the first error is the one reported;
 - errors are kept per context: a second context's error is not returned in
   the first, and comes back when the second is current again;
 - an unknown op sent asynchronously latches CUDA_ERROR_NOT_SUPPORTED;
 - a synchronous copy (a synchronising call) returns a latched error and
   no data;
 - a stream or event named by the client is created under its id, also when
   sent without a reply; an id outside the client's half, or in use, is
   refused.

usage: test_async_latch.py --cuferryd P --client-dir D --emu SO --proto CF_API_PROTO"""
import harness as h
from rawcall import Session, by_name, parse_proto

SUCCESS = 0
INVALID_VALUE = 1
NOT_SUPPORTED = 801
INVALID_HANDLE = 400
CLIENT = 1 << 63  # the client's half of the handle id space (client/minted.c)
N = 4096


def main():
    p = h.parser(__doc__)
    p.add_argument('--proto', required=True)
    args = p.parse_args()
    if args.skip:
        raise h.Skip(args.skip)
    ops = parse_proto(args.proto)

    def op(name):
        o = by_name(ops, name)
        h.check(o is not None, '%s is not in %s' % (name, args.proto))
        return o

    def req(name, **values):
        return op(name), [(n, t, values.get(f, 0)) for n, t, f in ops[op(name)][1]]

    with h.server(args) as srv:
        s = Session(srv, ops)

        def call(name, **values):
            r = s.call(*req(name, **values))
            h.check(r is not None, 'the session closed at %s' % name)
            return r

        def noreply(name, **values):
            s.send_noreply(*req(name, **values))

        def expect(name, want, **values):
            got = call(name, **values)
            h.check(got[0] == want, '%s returned %d, want %d' % (name, got[0], want))
            return got[1]

        ctx1 = expect('cuCtxCreate_v2', SUCCESS, flags=0, dev=0)['pctx']
        dptr = expect('cuMemAlloc_v2', SUCCESS, bytesize=N)['dptr']

        # Latched, not reported by a call that does not synchronise, then
        # reported once.
        noreply('cuMemsetD8Async', dstDevice=dptr + N - 10, uc=1, N=20)
        expect('cuCtxGetCurrent', SUCCESS)
        expect('cuCtxSynchronize', INVALID_VALUE)
        expect('cuCtxSynchronize', SUCCESS)
        h.log('latched error: reported at the synchronisation, once')

        # In order with everything else.
        noreply('cuMemsetD8Async', dstDevice=dptr, uc=0x11, N=N)
        noreply('cuMemsetD8Async', dstDevice=dptr + 100, uc=0x22, N=10)
        expect('cuMemcpyDtoH_v2', SUCCESS, srcDevice=dptr, ByteCount=N)
        want = bytearray(b'\x11' * N)
        want[100:110] = b'\x22' * 10
        h.check(s.last_bulk == bytes(want), 'async memsets did not run in order')
        h.log('async calls ran in order')

        # The first error stands (the second would be INVALID_HANDLE).
        noreply('cuMemsetD8Async', dstDevice=dptr - 1, uc=0, N=2)
        noreply('cuMemsetD8Async', dstDevice=dptr, uc=0, N=1, hStream=0x7777777)
        expect('cuStreamSynchronize', INVALID_VALUE)
        expect('cuStreamSynchronize', SUCCESS)

        # Per context: ctx2's error stays with ctx2.
        ctx2 = expect('cuCtxCreate_v2', SUCCESS, flags=0, dev=0)['pctx']  # now current
        noreply('cuMemsetD8Async', dstDevice=dptr, uc=0, N=1)  # ctx1's memory
        expect('cuCtxSetCurrent', SUCCESS, ctx=ctx1)
        expect('cuCtxSynchronize', SUCCESS)
        expect('cuCtxSetCurrent', SUCCESS, ctx=ctx2)
        expect('cuCtxSynchronize', INVALID_VALUE)
        expect('cuCtxSetCurrent', SUCCESS, ctx=ctx1)
        h.log('latched errors are kept per context')

        # An unknown op, sent asynchronously.
        s.send_noreply(60000, [])
        expect('cuCtxSynchronize', NOT_SUPPORTED)

        # A synchronous copy synchronises: the error, and no data.
        noreply('cuMemsetD8Async', dstDevice=dptr + N, uc=0, N=1)
        expect('cuMemcpyDtoH_v2', INVALID_VALUE, srcDevice=dptr, ByteCount=16)
        h.check(s.last_bulk == b'', 'a failed copy carried %d bytes' % len(s.last_bulk))
        expect('cuCtxSynchronize', SUCCESS)

        # Streams and events the client names itself (top bit set, kind
        # bits clear): created under that id and usable at once, even sent
        # without waiting; any other id is refused and creates nothing; an
        # asynchronous creation that fails is latched like any other call.
        sid, eid, bad_eid = CLIENT | 7 << 4, CLIENT | 8 << 4, CLIENT | 9 << 4
        got = expect('cuStreamCreate', SUCCESS, Flags=0, minted=sid)
        h.check(got.get('phStream') == sid, 'minted stream answered as %r' % got)
        expect('cuStreamQuery', SUCCESS, hStream=sid)
        expect('cuStreamCreate', INVALID_VALUE, Flags=0, minted=sid)  # in use
        expect('cuStreamCreate', INVALID_VALUE, Flags=0, minted=7 << 5)  # the server's half
        expect('cuStreamCreate', INVALID_VALUE, Flags=0, minted=CLIENT | 5)  # kind bits
        noreply('cuEventCreate', Flags=0, minted=eid)
        expect('cuEventRecord', SUCCESS, hEvent=eid, hStream=sid)
        expect('cuEventSynchronize', SUCCESS, hEvent=eid)
        noreply('cuEventCreate', Flags=0x40, minted=bad_eid)
        expect('cuCtxSynchronize', INVALID_VALUE)
        expect('cuEventQuery', INVALID_HANDLE, hEvent=bad_eid)
        expect('cuStreamDestroy_v2', SUCCESS, hStream=sid)
        expect('cuStreamQuery', INVALID_HANDLE, hStream=sid)
        h.log('client-named streams and events')
        s.close()


if __name__ == '__main__':
    h.main(main)
