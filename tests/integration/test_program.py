#!/usr/bin/env python3
"""Run one CUDA host program (tests/cuda/) twice: through the client stub
against a fresh cuferryd on the emulator, and directly on the emulator. Both
runs must pass (exit 0, no FAIL line, PASS last) and print identical "digest"
lines.

usage: test_program.py --cuferryd P --client-dir D --emu SO [--env K=V]...
                       [--stub-env K=V]...
                       [--stub-log-once REGEX]... [--expect-stdout REGEX]...
                       [--stub-only] [--no-unsupported] [--server-arg ARG]...
                       [--server-log-count REGEX MIN MAX]... -- PROGRAM [ARGS...]
--env sets a variable for the server and the direct run (e.g. a small
CUFERRY_EMU_MEMORY); --stub-env one for the program run through the stub
(e.g. CUFERRY_CHUNK_SIZE). --stub-log-once: the stub run's stderr must hold exactly
one line matching REGEX (the "not supported yet" notice, logged once).
--expect-stdout: both runs' stdout must hold a line matching REGEX (e.g. a
device printf line, which must reach the program that owns the context).
--stub-only: run only through the stub (cudart programs: the emulator alone
does not answer cuGetProcAddress or cudart's export tables), so no digests
are compared. --no-unsupported: the stub must not log that any function the
program called is unsupported. --server-arg passes ARG to cuferryd (write
--server-arg=--log-level=debug). --server-log-count: after the stub run,
cuferryd's stderr must hold between MIN and MAX lines matching REGEX (with
--log-level=debug each forwarded call logs "op_NAME: lane N", so this
counts round trips)."""
import os
import re

import harness as h


def main():
    p = h.parser(__doc__)
    p.add_argument('--env', action='append', default=[], metavar='K=V')
    p.add_argument('--stub-env', action='append', default=[], metavar='K=V')
    p.add_argument('--stub-log-once', action='append', default=[],
                   metavar='REGEX')
    p.add_argument('--expect-stdout', action='append', default=[],
                   metavar='REGEX')
    p.add_argument('--stub-only', action='store_true')
    p.add_argument('--no-unsupported', action='store_true')
    p.add_argument('--server-arg', action='append', default=[], metavar='ARG')
    p.add_argument('--server-log-count', action='append', default=[], nargs=3,
                   metavar=('REGEX', 'MIN', 'MAX'))
    p.add_argument('--timeout', type=int, default=150,
                   help='seconds per program run')
    p.add_argument('program', nargs='+')
    args = p.parse_args()
    if args.skip:
        raise h.Skip(args.skip)
    extra = dict(kv.split('=', 1) for kv in args.env)
    h.need_file(args.program[0], 'test program')
    h.need_stub(args.client_dir)
    name = os.path.basename(args.program[0])
    problems = []

    # Directly on the emulator first: a baseline even if the server is broken.
    direct = None
    if not args.stub_only:
        with h.emu_libdir(args.emu) as libdir:
            direct = h.run(args.program, h.program_env(libdir, None, extra),
                           args.timeout, label=name + ' on emulator')
        try:
            h.expect_pass(direct, name + ' directly on the emulator')
        except h.Failure as e:
            problems.append(str(e))

    with h.server(args, extra, extra_args=args.server_arg) as srv:
        env = h.program_env(args.client_dir, srv.url,
                            dict(kv.split('=', 1) for kv in args.stub_env))
        remote = h.run(args.program, env, args.timeout,
                       label=name + ' via cuferryd')
        try:
            h.expect_pass(remote, name + ' through the stub and cuferryd')
        except h.Failure as e:
            problems.append(str(e))
        for rx in args.stub_log_once:
            n = sum(1 for l in remote.stderr.splitlines() if re.search(rx, l))
            if n != 1:
                problems.append('stub stderr has %d lines matching /%s/, '
                                'expected exactly 1' % (n, rx))
        if args.no_unsupported:
            for l in remote.stderr.splitlines():
                if re.search(r'is not supported', l):
                    problems.append('the stub logged: %s' % l)
        for rx, lo, hi in args.server_log_count:
            n = sum(1 for l in srv.stderr_text().splitlines() if re.search(rx, l))
            h.log('cuferryd stderr: %d lines match /%s/' % (n, rx))
            if not int(lo) <= n <= int(hi):
                problems.append('cuferryd stderr has %d lines matching /%s/, '
                                'expected %s to %s' % (n, rx, lo, hi))
        if not srv.proc.poll() is None:
            problems.append('cuferryd exited while serving %s' % name)

    for rx in args.expect_stdout:
        for res, where in ((direct, 'directly on the emulator'),
                           (remote, 'through the stub and cuferryd')):
            if res is None:
                continue
            if not any(re.search(rx, l) for l in res.stdout.splitlines()):
                problems.append('%s %s: no stdout line matches /%s/'
                                % (name, where, rx))

    if direct is not None:
        d1, d2 = h.digests(direct.stdout), h.digests(remote.stdout)
        if not d1 and not d2:
            problems.append('neither run printed a digest line')
        elif d1 != d2:
            problems.append('digests differ: emulator %s vs stub %s' % (d1, d2))
        else:
            h.log('digests identical (%d lines)' % len(d1))
    if problems:
        raise h.Failure('\n  '.join([''] + problems))


if __name__ == '__main__':
    h.main(main)
