#!/usr/bin/env python3
"""Several clients at once on one cuferryd: three copies of a program (in its
loop mode, so their sessions overlap) run concurrently through the stub. Each
must pass and print the same digests as the others (sessions are isolated),
each session gets a worker of its own, and all workers are gone once the
clients have exited.

usage: test_concurrent.py --cuferryd P --client-dir D -- PROGRAM PTX"""
import subprocess
import time

import harness as h

COPIES = 3
LOOPS = '2000'   # about 1 s each on the emulator: the sessions overlap


def main():
    p = h.parser(__doc__)
    p.add_argument('program', nargs='+')
    args = p.parse_args()
    if args.skip:
        raise h.Skip(args.skip)
    h.need_stub(args.client_dir)
    h.need_file(args.program[0], 'test program')
    with h.server(args) as srv:
        env = h.program_env(args.client_dir, srv.url)
        cmd = args.program + [LOOPS]
        h.log('starting %d x %s' % (COPIES, ' '.join(cmd)))
        procs = [subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL,
                                  stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE)
                 for _ in range(COPIES)]
        peak = 0
        try:
            deadline = time.monotonic() + 240
            while any(pr.poll() is None for pr in procs):
                peak = max(peak, len(srv.workers()))
                h.check(time.monotonic() < deadline, 'clients still running '
                        'after 240 s')
                time.sleep(0.05)
        finally:
            for pr in procs:
                if pr.poll() is None:
                    pr.kill()
        results = []
        for i, pr in enumerate(procs):
            out, err = pr.communicate()
            res = subprocess.CompletedProcess(cmd, pr.returncode,
                                              out.decode(errors='replace'),
                                              err.decode(errors='replace'))
            h.log('[client %d] %s\n%s%s' % (i, h.describe_exit(pr.returncode),
                                            res.stdout, res.stderr))
            results.append(res)
        for i, res in enumerate(results):
            h.expect_pass(res, 'client %d' % i)
        d = [h.digests(r.stdout) for r in results]
        h.check(d[0] and all(x == d[0] for x in d),
                'clients printed different digests: %s' % d)
        h.log('peak workers seen: %d' % peak)
        h.check(peak >= 2, 'never saw two workers at once (peak %d): are '
                'sessions served by one worker each?' % peak)
        h.check(h.wait_until(lambda: not srv.workers(), h.WORKER_TIMEOUT),
                'workers left after the clients exited: %s' % srv.workers())


if __name__ == '__main__':
    h.main(main)
