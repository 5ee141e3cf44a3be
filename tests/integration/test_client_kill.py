#!/usr/bin/env python3
"""A client killed with SIGKILL in the middle of a run (a loop of copies and
launches) must leave no worker process behind: its session's worker has to
go within a few seconds, cuferryd keeps running, and a new client is served.
Done twice, to catch a worker that only the first session cleans up.

usage: test_client_kill.py --cuferryd P --client-dir D -- PROGRAM PTX
(PROGRAM is vector_add, which loops when given a loop count.)"""
import os
import signal
import select
import subprocess
import time

import harness as h

LOOPS = '1000000000'


def kill_mid_run(srv, args, round_):
    env = h.program_env(args.client_dir, srv.url)
    cmd = args.program + [LOOPS]
    h.log('round %d: starting %s' % (round_, ' '.join(cmd)))
    proc = subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        fd = proc.stdout.fileno()
        out = b''
        deadline = time.monotonic() + 120
        while b'looping' not in out:
            left = deadline - time.monotonic()
            h.check(left > 0, 'client never reached its loop:\n%s'
                    % out.decode(errors='replace'))
            r, _, _ = select.select([fd], [], [], left)
            if r:
                chunk = os.read(fd, 4096)
                if not chunk:
                    raise h.Failure('client exited (%s) before its loop:\n%s'
                                    % (h.describe_exit(proc.wait()),
                                       out.decode(errors='replace')))
                out += chunk
        time.sleep(0.5)   # well inside the loop of copies and launches
        workers = {p: h._stat(p)[2] for p in srv.workers() if h._stat(p)}
        h.log('round %d: client pid %d looping; workers %s'
              % (round_, proc.pid, sorted(workers)))
        h.check(workers, 'no worker process of cuferryd while a client runs '
                '(expected one child per session)')
        h.check(proc.poll() is None, 'client ended before the kill')
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
    t0 = time.monotonic()
    gone = h.wait_until(lambda: not any(h.alive(p, s)
                                        for p, s in workers.items())
                        and not srv.workers(), h.WORKER_TIMEOUT)
    h.check(gone, 'round %d: workers still alive %.0f s after the client was '
            'killed: %s' % (round_, h.WORKER_TIMEOUT, srv.workers()))
    h.log('round %d: workers gone %.2f s after the kill'
          % (round_, time.monotonic() - t0))
    h.check(srv.proc.poll() is None, 'cuferryd died')


def main():
    p = h.parser(__doc__)
    p.add_argument('program', nargs='+')
    args = p.parse_args()
    if args.skip:
        raise h.Skip(args.skip)
    h.need_stub(args.client_dir)
    h.need_file(args.program[0], 'test program')
    with h.server(args) as srv:
        for round_ in (1, 2):
            kill_mid_run(srv, args, round_)
        res = h.run(args.program, h.program_env(args.client_dir, srv.url),
                    timeout=120, label='program after the kills')
        h.expect_pass(res, 'program after the kills')


if __name__ == '__main__':
    h.main(main)
