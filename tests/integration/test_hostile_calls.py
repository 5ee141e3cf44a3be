#!/usr/bin/env python3
"""Hostile but well-formed calls against cuferryd: after a valid handshake
and a little real setup (a context, an allocation, a module from PTX, its
function, a stream, an event), send every op of the generated API
(cf_api.proto) many times with arguments drawn from real handles and
extremes: stale and foreign handles, device pointers just past an
allocation, sizes of 0, 2^40 and 2^64-1, block shapes over 1024, strings of
5000 bytes or with a NUL, bulk payloads that disagree with their declared
size, plus unknown ops. Every call must get a REPLY (any result) or have its
session closed; none may hang, and no worker may die by a signal (the server
logs "killed by signal" when one does). Afterwards cuferryd still serves a
real program and no worker remains.

The server runs with CUFERRY_EMU_MEMORY=64 MiB so that allocations of
plausible sizes stay cheap. Launch grids are kept at most 3 blocks so a
"valid" launch of a kernel with garbage pointers finishes quickly (it must
fail with an error, not crash).

usage: test_hostile_calls.py --cuferryd P --client-dir D --proto CF_API_PROTO
                             --ptx VECTOR_ADD_PTX -- PROGRAM ARGS..."""
import random
import re
import struct
import time

import harness as h
from rawcall import Session, by_name, parse_proto

SEED = 20240611
CALLS = 1500
CALLS_PER_SESSION = 30
TIME_BUDGET = 60.0      # s of hostile calls
CALL_TIMEOUT = 20.0     # s for one reply (rawcall.Session)
CLOSE_LOG_WAIT = 3.0    # s for the server to log a closed session's end
U64 = (1 << 64) - 1


def setup(sess, ops, ptx):
    """Real handles for this session: {kind: value}."""
    pool = {}

    def do(name, values, bulk=b''):
        op = by_name(ops, name)
        if op is None:
            return None
        req = [(n, t, values.get(f, '' if t == 'string' else 0))
               for n, t, f in ops[op][1]]
        r = sess.call(op, req, bulk)
        if r is None:
            raise h.Failure('session closed during setup at %s' % name)
        if r[0] != 0:
            h.log('setup: %s returned %d' % (name, r[0]))
        return r[1]

    rep = do('cuCtxCreate_v2', {'flags': 0, 'dev': 0}) or {}
    pool.update({'ctx': v for v in rep.values() if v})
    rep = do('cuMemAlloc_v2', {'bytesize': 4096}) or {}
    pool.update({'dptr': v for v in rep.values() if v})
    rep = do('cuModuleLoadData', {'imageSize': len(ptx)}, ptx) or {}
    pool.update({'module': v for v in rep.values() if v})
    if 'module' in pool:
        rep = do('cuModuleGetFunction', {'hmod': pool['module'],
                                         'name': 'vector_add'}) or {}
        pool.update({'function': v for v in rep.values() if v})
    rep = do('cuStreamCreate', {'Flags': 0}) or {}
    pool.update({'stream': v for v in rep.values() if v})
    rep = do('cuEventCreate', {'Flags': 0}) or {}
    pool.update({'event': v for v in rep.values() if v})
    return pool


# Request fields that name a handle or device pointer: most of the time they
# get this session's real one, so the call gets past the handle checks and
# its sizes and offsets are what is tested.
FIELD_KINDS = {
    'f': 'function', 'hfunc': 'function', 'func': 'function',
    'hmod': 'module', 'ctx': 'ctx', 'hStream': 'stream',
    'hEvent': 'event', 'hStart': 'event', 'hEnd': 'event',
    'dptr': 'dptr', 'dstDevice': 'dptr', 'srcDevice': 'dptr',
}


def hostile_value(rnd, typ, field, pool, op_name):
    handles = list(pool.values())
    dptr = pool.get('dptr', 0x10000000)
    launch = op_name == 'cuLaunchKernel'
    if launch and field.startswith('gridDim'):
        return rnd.choice([0, 1, 1, 3])
    kind = FIELD_KINDS.get(field)
    if kind == 'dptr' and rnd.random() < 0.7:
        return dptr + rnd.choice([0, 0, 4, 4000, 4095, 4096])
    if kind in pool and rnd.random() < 0.7:
        return pool[kind]
    if typ in ('uint64', 'int64'):
        return rnd.choice(handles * 3 + [
            0, 1, U64, 1 << 63, 0xdead0000, 1 << 40, 4096, 4097, 64 << 20,
            dptr + 4000, dptr + 4096, dptr - 8, dptr + (1 << 32)])
    if typ in ('uint32', 'bool', 'enum'):
        return rnd.choice([0, 1, 3, 32, 256, 1024, 1025, 1 << 31, (1 << 32) - 1])
    if typ in ('sint32', 'int32', 'sint64'):
        return rnd.choice([0, 1, -1, 2, 100, (1 << 31) - 1, -(1 << 31)])
    if typ in ('string', 'bytes'):
        return rnd.choice(['', 'vector_add', 'counter', 'x' * 5000,
                           'a\x00b', '\xff\xfe\xfd', 'vector_add\x00'])
    if typ == 'float':
        return float('nan')
    if typ == 'double':
        return float('inf')
    return b'\x08\x01'


def hostile_bulk(rnd, op_name):
    if op_name == 'cuLaunchKernel':
        n = rnd.choice([0, 4, 20, 28, 32, 1000])
    else:
        n = rnd.choice([0, 0, 0, 16, 4096, 70000])
    return bytes(rnd.randrange(256) for _ in range(min(n, 64))) * (
        n // 64) + bytes(n % 64)


def wild_launches(srv, ops, ptx, ended_lines):
    """vector_add launched for real with pointers that are null, foreign or
    run past the end of an allocation: the emulator must report an error
    (CUDA_ERROR_ILLEGAL_ADDRESS on a GPU), not crash or hang. Returns crash
    descriptions."""
    launch = by_name(ops, 'cuLaunchKernel')
    sync = by_name(ops, 'cuCtxSynchronize')
    if launch is None:
        return ['no cuLaunchKernel op in the proto']
    crashes = []
    for a, b, c, n in ((0, 0, 0, 256), (0xdead0000, 0xdead0000, 0xdead0000, 64),
                       ('d', 'd', 'd+4096', 1024), ('d', 'd', 'd-4', 8),
                       ('d', 'd', 'd', -1), ('d', 'd', 1 << 63, 32)):
        sess = Session(srv, ops, CALL_TIMEOUT)
        pool = setup(sess, ops, ptx)
        d = pool.get('dptr', 0)

        def val(x):
            if isinstance(x, str):
                return (d + int(x[1:])) if len(x) > 1 else d
            return x
        params = struct.pack('<QQQi', val(a), val(b), val(c), n)
        fields = [(num, typ, {'f': pool.get('function', 0), 'gridDimX': 4,
                              'blockDimX': 256, 'paramsSize': len(params)}
                   .get(name, 1 if name.startswith(('gridDim', 'blockDim'))
                        else 0))
                  for num, typ, name in ops[launch][1]]
        before = len(ended_lines())
        r = sess.call(launch, fields, params)
        r2 = sess.call(sync, []) if r is not None and sync else None
        h.log('wild launch (%s, %s, %s, %d): launch %s, sync %s'
              % (a, b, c, n, r and r[0], r2 and r2[0]))
        sess.close()
        if r is None or r2 is None:
            h.wait_until(lambda: len(ended_lines()) > before, CLOSE_LOG_WAIT)
            crashes += ['%s after a wild launch (%s, %s, %s, %d)'
                        % (l.strip(), a, b, c, n)
                        for l in ended_lines()[before:] if 'signal' in l]
    return crashes


def main():
    p = h.parser(__doc__)
    p.add_argument('--proto', required=True)
    p.add_argument('--ptx', required=True)
    p.add_argument('program', nargs='+')
    args = p.parse_args()
    if args.skip:
        raise h.Skip(args.skip)
    h.need_file(args.proto, 'generated cf_api.proto')
    h.need_file(args.ptx, 'vector_add PTX')
    h.need_stub(args.client_dir)
    ops = parse_proto(args.proto)
    with open(args.ptx, 'rb') as f:
        ptx = f.read() + b'\0'
    rnd = random.Random(SEED)
    op_list = sorted(ops) + [0, 9, 9999, (1 << 32) - 1]
    stats = {'reply': 0, 'closed': 0, 'sessions': 0}
    crashes = []
    results = {}

    with h.server(args, {'CUFERRY_EMU_MEMORY': str(64 << 20)}) as srv:
        def ended_lines():
            return [l for l in srv.stderr_text().splitlines()
                    if re.search(r'session \d+ ended', l)]

        t0 = time.monotonic()
        sent = 0
        sess = None
        while sent < CALLS and time.monotonic() - t0 < TIME_BUDGET:
            # Short sessions: a random cuCtxDestroy or cuModuleUnload would
            # otherwise leave every later call failing the same early check.
            if sess is None or sess.closed or sent % CALLS_PER_SESSION == 0:
                if sess is not None:
                    sess.close()
                sess = Session(srv, ops, CALL_TIMEOUT)
                stats['sessions'] += 1
                pool = setup(sess, ops, ptx)
                if stats['sessions'] == 1:
                    h.log('setup handles: %s' % {k: hex(v)
                                                 for k, v in pool.items()})
            op = rnd.choice(op_list)
            name, req, _ = ops.get(op, ('unknown op %d' % op, [], []))
            if not req and op not in ops:
                req = [(1, 'uint64', 0), (2, 'string', 'x')]
            fields = [(n, t, hostile_value(rnd, t, f, pool, name))
                      for n, t, f in req if rnd.random() < 0.9]
            bulk = hostile_bulk(rnd, name)
            before = len(ended_lines())
            r = sess.call(op, fields, bulk)
            sent += 1
            if r is not None:
                stats['reply'] += 1
                key = (name, r[0])
                results[key] = results.get(key, 0) + 1
                continue
            stats['closed'] += 1
            h.wait_until(lambda: len(ended_lines()) > before, CLOSE_LOG_WAIT)
            for line in ended_lines()[before:]:
                if 'signal' in line:
                    crashes.append('%s after op %d %s fields %r bulk %d bytes'
                                   % (line.strip(), op, name, fields,
                                      len(bulk)))
                    h.log('CRASH: ' + crashes[-1])
        if sess is not None:
            sess.close()
        crashes += wild_launches(srv, ops, ptx, ended_lines)
        h.log('hostile calls: %d sent in %.1f s over %d sessions; %d replies,'
              ' %d closes' % (sent, time.monotonic() - t0, stats['sessions'],
                              stats['reply'], stats['closed']))
        h.log('results by op: %s' % ', '.join(
            '%s=%d x%d' % (n, r, c) for (n, r), c in sorted(results.items())))
        h.check(srv.proc.poll() is None, 'cuferryd died')
        res = h.run(args.program, h.program_env(args.client_dir, srv.url),
                    timeout=120, label='program after the hostile calls')
        h.expect_pass(res, 'program after the hostile calls')
        h.check(h.wait_until(lambda: not srv.workers(), h.WORKER_TIMEOUT),
                'workers left after all clients closed: %s' % srv.workers())
        late = [l for l in srv.stderr_text().splitlines()
                if 'killed by signal' in l]
    h.check(not crashes and not late,
            '%d worker(s) died by a signal:\n  %s'
            % (max(len(crashes), len(late)),
               '\n  '.join(crashes or late)))


if __name__ == '__main__':
    h.main(main)
