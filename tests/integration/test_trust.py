#!/usr/bin/env python3
"""Who may use a server, and what each refusal says: cuInit through the stub
(the probe) against TLS and plain servers, with every way of getting it
wrong, and the session limits.

  - the right CA and token: cuInit succeeds; the server logs the identity;
  - a plain tcp:// client on a TLS port, a tls:// client on a plain port,
    an unknown CA, a certificate for another host, a wrong token, no token:
    cuInit fails with CUDA_ERROR_NO_DEVICE and the stub says why in one
    line; the server stays up;
  - mutual TLS: a client certificate signed by the client CA gives identity
    "alice"; none, or one from another CA, is refused;
  - --max-sessions-per-identity 1: a second session of the same identity is
    refused with a reason while the first lives;
  - a worker killed with SIGKILL ends its own session only;
  - with --user nobody (when run as root), workers run as nobody;
  - rdma:// to a server that does not listen for RDMA, or whose machine has
    no RDMA device, is refused with the reason.

usage: test_trust.py --cuferryd P --client-dir D --emu SO -- PROBE"""
import os
import pwd
import re
import signal
import stat
import subprocess
import time

import harness as h

NO_DEVICE = 100


def probe(args, srv_url, extra, label):
    env = h.program_env(args.client_dir, srv_url, extra)
    res = h.run([args.probe], env, timeout=60, label=label)
    h.check(res.returncode >= 0, '%s: probe crashed: %s'
            % (label, h.describe_exit(res.returncode)))
    return res


def expect_ok(args, srv, label, extra=None):
    res = probe(args, srv.url, extra, label)
    h.check(res.returncode == 0, '%s: cuInit returned %d, expected 0; stderr:\n%s'
            % (label, res.returncode, res.stderr))


def expect_refused(args, url, label, pattern, extra=None):
    t0 = time.monotonic()
    res = probe(args, url, extra, label)
    took = time.monotonic() - t0
    h.check(res.returncode == NO_DEVICE, '%s: cuInit returned %d, expected '
            'CUDA_ERROR_NO_DEVICE (100)' % (label, res.returncode))
    lines = [l for l in res.stderr.splitlines() if l.strip()]
    h.check(any(re.search(pattern, l) for l in lines),
            '%s: no stub line matches %r:\n%s' % (label, pattern, res.stderr))
    h.check(took < 20, '%s: took %.1f s to fail' % (label, took))
    h.log('%s: %s' % (label, [l for l in lines if re.search(pattern, l)][0]))


def server_log_has(srv, pattern):
    return h.wait_until(lambda: re.search(pattern, srv.stderr_text()), 5)


def others_can_read(path):
    """Can a user who owns nothing here read path (the worker loads it)?"""
    path = os.path.abspath(path)
    if not os.stat(path).st_mode & stat.S_IROTH:
        return False
    d = os.path.dirname(path)
    while True:
        if not os.stat(d).st_mode & stat.S_IXOTH:
            return False
        if d == '/':
            return True
        d = os.path.dirname(d)


def check_rdma_refusals(args):
    """rdma:// asks the server to move the session to RDMA: a server that
    does not listen for RDMA refuses, saying so, and so does one that does
    but whose machine has no RDMA device (this one: the real joins run in
    the soft-RoCE guest, tests/rdma/). The server keeps serving."""
    probe_cmd = [args.cuferryd, '--listen', 'tcp://127.0.0.1:0', '--insecure',
                 '--listen', 'rdma://127.0.0.1:0']
    res = subprocess.run(probe_cmd, capture_output=True, text=True, timeout=30)
    h.check(res.returncode != 0, 'cuferryd accepted rdma:// beside plain tcp://')
    if 'built without libibverbs' in res.stderr:
        h.log('note: this cuferryd has no RDMA; RDMA offers not checked')
        built = False
    else:
        h.check('also listen on tls://' in res.stderr,
                'rdma:// beside tcp://: unexpected message %r' % res.stderr)
        built = True
    with h.server(args) as srv:
        rdma_url = srv.url.replace('tls://', 'rdma://')
        expect_refused(args, rdma_url, 'rdma:// to a server without RDMA',
                       r'refused the session: this server does not serve RDMA',
                       dict(srv.client_env, CUFERRY_SERVER=rdma_url))
        expect_ok(args, srv, 'tls:// beside the refused rdma:// client')
    if not built:
        return
    with h.server(args, extra_args=['--listen', 'rdma://127.0.0.1:0']) as srv:
        rdma_url = srv.url.replace('tls://', 'rdma://')
        expect_refused(args, rdma_url, 'rdma:// on a machine without RDMA',
                       r'refused the session: cannot offer RDMA on 127\.0\.0\.1: .*RDMA device',
                       dict(srv.client_env, CUFERRY_SERVER=rdma_url))
        expect_ok(args, srv, 'tls:// on a server that also offers RDMA')


def main():
    p = h.parser(__doc__)
    p.add_argument('probe')
    args = p.parse_args()
    if args.skip:
        raise h.Skip(args.skip)
    h.need_stub(args.client_dir)
    h.need_file(args.probe, 'cuinit_probe')
    t = h.tls_material()

    with h.server(args) as srv:
        expect_ok(args, srv, 'ca and token')
        h.check(server_log_has(srv, r'session \d+ started: 127\.0\.0\.1:\d+, identity tester'),
                'the server did not log the session with its identity')
        plain_url = srv.url.replace('tls://', 'tcp://')
        expect_refused(args, plain_url, 'plain client on a TLS port', r'TLS only.*tls://')
        expect_refused(args, srv.url, 'unknown CA', r'not signed by a CA',
                       {'CUFERRY_CA': t['other_ca']})
        expect_refused(args, srv.url, 'wrong token', r'authentication failed',
                       {'CUFERRY_TOKEN': 'cft_' + 'x' * 43})
        expect_refused(args, srv.url, 'no token', r'authentication failed',
                       {'CUFERRY_TOKEN': ''})
        h.check(srv.proc.poll() is None, 'cuferryd died refusing clients')
        expect_ok(args, srv, 'still serving after the refusals')

    check_rdma_refusals(args)

    with h.server(args, transport='tcp') as srv:
        tls_url = srv.url.replace('tcp://', 'tls://')
        expect_refused(args, tls_url, 'TLS client on a plain port',
                       r'did not answer with TLS', {'CUFERRY_CA': t['ca']})
        expect_ok(args, srv, 'plain client on an --insecure server')

    with h.server(args, extra_args=['--tls-cert', t['wronghost_cert'],
                                    '--tls-key', t['wronghost_key']]) as srv:
        expect_refused(args, srv.url, 'certificate for another host',
                       r'not for 127\.0\.0\.1')

    mtls = ['--tls-client-ca', t['client_ca']]
    # With both a client CA and tokens, the token must name the
    # certificate's identity: a tokens file with alice's.
    alice_token = 'cft_' + 'a' * 43
    tokens = os.path.join(t['dir'], 'tokens_alice')
    with open(tokens, 'w') as f:
        f.write('alice:%s\n' % h.token_hash(alice_token))
    with h.server(args, extra_args=mtls + ['--tokens', tokens]) as srv:
        alice = {'CUFERRY_CERT': t['client_cert'], 'CUFERRY_KEY': t['client_key'],
                 'CUFERRY_TOKEN': alice_token}
        expect_ok(args, srv, 'mutual TLS as alice', alice)
        h.check(server_log_has(srv, r'identity alice'),
                'the server did not log identity alice')
        expect_refused(args, srv.url, 'no client certificate',
                       r'requires a client certificate|refused|certificate',
                       {'CUFERRY_TOKEN': alice_token})
        expect_refused(args, srv.url, 'client certificate from another CA',
                       r'certificate|refused|lost the connection|handshake',
                       {'CUFERRY_CERT': t['mallory_cert'], 'CUFERRY_KEY': t['mallory_key'],
                        'CUFERRY_TOKEN': alice_token})
        expect_refused(args, srv.url, 'certificate without its token',
                       r'authentication failed',
                       {'CUFERRY_CERT': t['client_cert'], 'CUFERRY_KEY': t['client_key'],
                        'CUFERRY_TOKEN': h._default_token})

    with h.server(args, extra_args=['--max-sessions-per-identity', '1']) as srv:
        with h.connect(srv) as first:
            h.handshake(first)
            with h.connect(srv) as second:
                second.sendall(h.frame(h.HELLO, h.hello_body()))
                fh, body, _ = h.recv_frame(second)
                h.check(fh['type'] == h.REFUSE, 'second session of one identity: '
                        'frame type %d, expected REFUSE' % fh['type'])
                reason = h.pb_decode(body).get(2, [b''])[0].decode()
                h.check('tester' in reason and 'sessions' in reason,
                        'refusal reason %r does not explain the limit' % reason)
                h.log('second session refused: %s' % reason)
            # The first session still works, and a killed worker ends only
            # its own session.
            # (the refused worker may still be exiting: slow under ASan)
            h.wait_until(lambda: len(srv.workers()) == 1, h.WORKER_TIMEOUT)
            victims = srv.workers()
            h.check(len(victims) == 1, 'expected one worker, found %s' % victims)
            os.kill(victims[0], signal.SIGKILL)
            closed, _ = h.wait_closed(first, 5)
            h.check(closed, 'the killed worker\'s client was not disconnected')
        h.check(server_log_has(srv, r'killed by signal 9'),
                'the server did not log the killed worker')
        expect_ok(args, srv, 'a new session after a worker was killed')

    # Workers drop to --user once they have read the key and the tokens
    # (only root can; elsewhere this part is skipped, saying so).
    try:
        nobody = pwd.getpwnam('nobody').pw_uid
    except KeyError:
        nobody = None
    if os.geteuid() != 0 or nobody is None or not others_can_read(args.emu):
        h.log('note: not root, no user nobody, or the build is not readable by '
              'others: --user not checked')
        return
    with h.server(args, extra_args=['--user', 'nobody']) as srv:
        with h.connect(srv) as s:
            h.handshake(s)
            h.wait_until(lambda: len(srv.workers()) == 1, h.WORKER_TIMEOUT)
            workers = srv.workers()
            h.check(len(workers) == 1, 'expected one worker, found %s' % workers)
            with open('/proc/%d/status' % workers[0]) as f:
                uids = [l.split()[1:] for l in f if l.startswith('Uid:')][0]
            h.check(all(int(u) == nobody for u in uids),
                    'worker uids %s, expected all %d (nobody)' % (uids, nobody))
            h.log('worker %d runs as nobody: uids %s' % (workers[0], uids))


if __name__ == '__main__':
    h.main(main)
