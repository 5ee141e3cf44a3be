#!/usr/bin/env python3
"""cuInit against an unreachable server (a loopback port that was just
bound and closed): cuInit must return CUDA_ERROR_NO_DEVICE (100) promptly,
later calls must fail cleanly, and the stub must log exactly one line naming
the address.

usage: test_unreachable.py --client-dir D PROBE"""
import time

import harness as h

NO_DEVICE = 100


def main():
    p = h.parser(__doc__)
    p.add_argument('probe')
    args = p.parse_args()
    if args.skip:
        raise h.Skip(args.skip)
    h.need_stub(args.client_dir)
    h.need_file(args.probe, 'cuinit_probe')
    port = h.free_port()
    addr = '127.0.0.1:%d' % port
    env = h.program_env(args.client_dir, 'tcp://' + addr)
    t0 = time.monotonic()
    res = h.run([args.probe], env, timeout=60)
    took = time.monotonic() - t0
    h.check(res.returncode >= 0, 'probe crashed: %s'
            % h.describe_exit(res.returncode))
    h.check(res.returncode == NO_DEVICE,
            'cuInit returned %d (stdout %r), expected CUDA_ERROR_NO_DEVICE '
            '(100)' % (res.returncode, res.stdout.strip()))
    counts = [l for l in res.stdout.splitlines()
              if l.startswith('cuDeviceGetCount ')]
    h.check(counts and not counts[0].startswith('cuDeviceGetCount 0 '),
            'cuDeviceGetCount after a failed cuInit: %r' % counts)
    lines = [l for l in res.stderr.splitlines() if addr in l]
    h.check(len(lines) == 1, 'stub stderr has %d lines naming %s, expected 1:'
            '\n%s' % (len(lines), addr, res.stderr))
    h.check(took < 30, 'cuInit took %.1f s to fail' % took)
    h.log('log line: %s' % lines[0])


if __name__ == '__main__':
    h.main(main)
