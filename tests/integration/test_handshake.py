#!/usr/bin/env python3
"""Handshake over a raw socket: a valid HELLO gets WELCOME (protocol version
1); a HELLO from a version-99 client (header and body say 99) and a HELLO
whose body alone says 99 each get a REFUSE whose reason names both versions,
and the connection is then closed. A HELLO asking for a compression mode
the server does not know is refused, naming it. The server keeps serving
afterwards.

usage: test_handshake.py --cuferryd P"""
import re

import harness as h


def expect_refuse(srv, label, **hdr):
    with h.connect(srv) as s:
        s.sendall(h.frame(h.HELLO, h.hello_body(version=99), **hdr))
        fh, body, _ = h.recv_frame(s)
        h.check(fh['type'] == h.REFUSE, '%s: answered with frame type %d, '
                'expected REFUSE (3)' % (label, fh['type']))
        msg = h.pb_decode(body)
        reason = msg.get(2, [b''])[0].decode('utf-8', 'replace')
        h.log('%s: REFUSE "%s"' % (label, reason))
        h.check(msg.get(1, [None])[0] == h.PROTOCOL_VERSION,
                '%s: REFUSE protocol_version %r, expected %d'
                % (label, msg.get(1), h.PROTOCOL_VERSION))
        h.check(re.search(r'\b99\b', reason) and re.search(r'\b1\b', reason),
                '%s: reason %r does not name both versions (99 and 1)'
                % (label, reason))
        closed, _ = h.wait_closed(s, 5)
        h.check(closed, '%s: connection still open after REFUSE' % label)


def main():
    p = h.parser(__doc__)
    args = p.parse_args()
    if args.skip:
        raise h.Skip(args.skip)
    with h.server(args) as srv:
        with h.connect(srv) as s:
            welcome = h.handshake(s)
            h.check(welcome.get(1) == [h.PROTOCOL_VERSION],
                    'WELCOME protocol_version %r' % welcome.get(1))
            h.log('WELCOME from %s' % welcome.get(5, [b'?'])[0])
            s.sendall(h.frame(h.BYE, seq=1))
            closed, _ = h.wait_closed(s, 5)
            h.check(closed, 'connection still open 5 s after BYE')
        expect_refuse(srv, 'header and body version 99', version=99)
        expect_refuse(srv, 'body version 99')
        with h.connect(srv) as s:
            s.sendall(h.frame(h.HELLO, h.hello_body(compression='gzip')))
            fh, body, _ = h.recv_frame(s)
            reason = h.pb_decode(body).get(2, [b''])[0].decode('utf-8', 'replace')
            h.check(fh['type'] == h.REFUSE and 'gzip' in reason,
                    'HELLO with compression "gzip": frame type %d, reason %r'
                    % (fh['type'], reason))
            h.log('compression "gzip": REFUSE "%s"' % reason)
        with h.connect(srv) as s:
            h.handshake(s)
        h.check(srv.proc.poll() is None, 'cuferryd exited')
        h.check(h.wait_until(lambda: not srv.workers(), h.WORKER_TIMEOUT),
                'workers left after all clients closed: %s' % srv.workers())


if __name__ == '__main__':
    h.main(main)
