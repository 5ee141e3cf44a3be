#!/usr/bin/env python3
"""A program run with the stub but CUFERRY_SERVER unset: cuInit must return
an honest error (CUDA_ERROR_NO_DEVICE or CUDA_ERROR_NOT_INITIALIZED), later
calls must fail cleanly, and the stub must log a line saying why. Never a
crash.

usage: test_no_server.py --client-dir D PROBE"""
import harness as h

ACCEPTED = {100: 'CUDA_ERROR_NO_DEVICE', 3: 'CUDA_ERROR_NOT_INITIALIZED'}


def main():
    p = h.parser(__doc__)
    p.add_argument('probe')
    args = p.parse_args()
    if args.skip:
        raise h.Skip(args.skip)
    h.need_stub(args.client_dir)
    h.need_file(args.probe, 'cuinit_probe')
    env = h.program_env(args.client_dir, None)   # drops CUFERRY_SERVER
    res = h.run([args.probe], env, timeout=60)
    h.check(res.returncode >= 0, 'probe crashed: %s'
            % h.describe_exit(res.returncode))
    h.check(res.returncode in ACCEPTED,
            'cuInit returned %d (stdout %r), expected one of %s'
            % (res.returncode, res.stdout.strip(), ACCEPTED))
    counts = [l for l in res.stdout.splitlines()
              if l.startswith('cuDeviceGetCount ')]
    h.check(counts and not counts[0].startswith('cuDeviceGetCount 0 '),
            'cuDeviceGetCount after a failed cuInit: %r' % counts)
    lines = [l for l in res.stderr.splitlines() if l.strip()]
    h.check(lines, 'the stub logged nothing on stderr')
    if not any('CUFERRY_SERVER' in l for l in lines):
        h.log('note: no log line names CUFERRY_SERVER; a user would want '
              'to know which variable to set')


if __name__ == '__main__':
    h.main(main)
