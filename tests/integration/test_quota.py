#!/usr/bin/env python3
"""The per-session device-memory quota: a cuferryd with --memory-quota 64M
runs tests/cuda/quota.c through the stub, which checks that cuMemGetInfo
reports 64 MiB as total and what is left as free, that an allocation beyond
the quota fails with CUDA_ERROR_OUT_OF_MEMORY and fits once memory is freed,
and that pitched, array, mipmapped and stream-ordered allocations count and
come back when freed or when their context is destroyed or reset. A second
server also reads a config file whose [quota] section gives the test
token's identity ("tester") 16M, which overrides --memory-quota: the same
program then sees 16 MiB. Every session of both servers must end cleanly.

usage: test_quota.py --cuferryd P --client-dir D --emu SO -- QUOTA"""
import os
import tempfile

import harness as h


def run_quota(args, srv, mib, *extra):
    label = 'quota %d MiB%s' % (mib, ' (basic)' if extra else '')
    env = h.program_env(args.client_dir, srv.url)
    res = h.run([args.quota, str(mib)] + list(extra), env, timeout=60, label=label)
    h.expect_pass(res, label)


def main():
    p = h.parser(__doc__)
    p.add_argument('quota')
    args = p.parse_args()
    if args.skip:
        raise h.Skip(args.skip)
    h.need_stub(args.client_dir)
    h.need_file(args.quota, 'the quota program')

    with h.server(args, extra_args=['--memory-quota', '64M']) as srv:
        run_quota(args, srv, 64)
        # A second session starts with the whole quota again.
        run_quota(args, srv, 64, 'basic')

    with tempfile.TemporaryDirectory(prefix='cuferry-quota-') as d:
        conf = os.path.join(d, 'cuferryd.conf')
        with open(conf, 'w') as f:
            f.write('[quota]\ntester = 16M\n')
        with h.server(args, extra_args=['--config', conf, '--memory-quota', '64M']) as srv:
            run_quota(args, srv, 16, 'basic')


if __name__ == '__main__':
    h.main(main)
