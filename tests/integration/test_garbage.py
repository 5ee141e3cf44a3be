#!/usr/bin/env python3
"""Robustness against hostile clients. Over raw sockets: garbage with a bad
magic, a CALL before any HELLO, and, after a valid handshake, random bytes, a
body length of 4 GiB - 1, a bulk length of 2^63, an unknown frame type and a
truncated body followed by a close. Each connection must be closed by the
server (or, for the truncated body, the session must end) without harming
anyone else: a CUDA program run through the stub while a live session is
open, and again after all the garbage, must pass; cuferryd must still be
running; and no worker may remain once every client is gone.

usage: test_garbage.py --cuferryd P --client-dir D -- PROGRAM ARGS..."""
import os
import random

import harness as h

CLOSE_TIMEOUT = 10.0


def expect_closed(srv, label, data, do_handshake=False):
    with h.connect(srv) as s:
        if do_handshake:
            h.handshake(s)
        try:
            s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            h.log('%s: server closed while we were still sending' % label)
            return
        closed, got = h.wait_closed(s, CLOSE_TIMEOUT)
        h.check(closed, '%s: connection still open %.0f s later'
                % (label, CLOSE_TIMEOUT))
        h.log('%s: closed by the server (%d bytes answered first)'
              % (label, len(got)))


def run_prog(srv, args, label):
    res = h.run(args.program, h.program_env(args.client_dir, srv.url),
                timeout=120, label=label)
    h.expect_pass(res, label)


def main():
    p = h.parser(__doc__)
    p.add_argument('program', nargs='+')
    args = p.parse_args()
    if args.skip:
        raise h.Skip(args.skip)
    h.need_stub(args.client_dir)
    h.need_file(args.program[0], 'test program')
    rnd = random.Random(1234)
    junk = bytes(rnd.randrange(256) for _ in range(4096))

    with h.server(args) as srv:
        expect_closed(srv, 'bad magic', b'\xde\xad\xbe\xef' + junk[:252])
        expect_closed(srv, 'CALL before HELLO',
                      h.frame(h.CALL, b'\x08\x01', op=1, seq=1))

        # A session that is alive while the garbage flies.
        live = h.connect(srv)
        try:
            h.handshake(live)
            h.log('live session open; workers now %s' % srv.workers())
            expect_closed(srv, 'random bytes after HELLO', junk, True)
            expect_closed(srv, 'body_len 0xffffffff',
                          h.header(h.CALL, body_len=0xffffffff, op=1, seq=1),
                          True)
            expect_closed(srv, 'bulk_len 2^63',
                          h.header(h.CALL, body_len=2, bulk_len=1 << 63,
                                   op=1, seq=1) + b'\x08\x01', True)
            expect_closed(srv, 'unknown frame type 77',
                          h.frame(77, b'\x08\x01', seq=1), True)
            expect_closed(srv, 'second HELLO',
                          h.frame(h.HELLO, h.hello_body(), seq=1), True)

            # Truncated body, then we hang up: the session must just end.
            with h.connect(srv) as s:
                h.handshake(s)
                s.sendall(h.header(h.CALL, body_len=1000, op=1, seq=1) +
                          junk[:100])

            run_prog(srv, args, 'program during a live raw session')
            h.check(srv.proc.poll() is None, 'cuferryd died')
            # The live session still answers: garbage now closes it.
            expect_closed_sock(live, 'garbage on the live session')
        finally:
            live.close()

        run_prog(srv, args, 'program after the garbage')
        h.check(srv.proc.poll() is None, 'cuferryd died')
        left = h.wait_until(lambda: not srv.workers(), h.WORKER_TIMEOUT)
        h.check(left, 'workers still alive %.0f s after every client left: %s'
                % (h.WORKER_TIMEOUT, srv.workers()))


def expect_closed_sock(sock, label):
    sock.sendall(os.urandom(64))
    closed, _ = h.wait_closed(sock, CLOSE_TIMEOUT)
    h.check(closed, '%s: connection still open' % label)
    h.log('%s: closed by the server' % label)


if __name__ == '__main__':
    h.main(main)
