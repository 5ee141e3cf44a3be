#!/usr/bin/env python3
"""One session cannot reach another's device memory. A first program
("spans hold", tests/cuda/spans.c) allocates 64 KiB through cuferryd, fills
it with a pattern, prints its address and stays connected; a second
session ("spans probe ADDR") on the same server must get
CUDA_ERROR_INVALID_VALUE reading or writing that address, and a fresh
allocation of its own must not hold the first session's bytes. Then the
first session frees its memory and ends cleanly.

usage: test_spans.py --cuferryd P --client-dir D --emu SO -- SPANS"""
import re
import subprocess

import harness as h


def main():
    p = h.parser(__doc__)
    p.add_argument('spans')
    args = p.parse_args()
    if args.skip:
        raise h.Skip(args.skip)
    h.need_stub(args.client_dir)
    h.need_file(args.spans, 'the spans program')

    with h.server(args) as srv:
        env = h.program_env(args.client_dir, srv.url)
        h.log('running [hold]: %s hold' % args.spans)
        holder = subprocess.Popen([args.spans, 'hold'], env=env, stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True, preexec_fn=h._die_with_parent)
        try:
            line = holder.stdout.readline()
            while line and not line.startswith('ptr '):
                line = holder.stdout.readline()
            m = re.match(r'ptr (0x[0-9a-f]+)$', line.strip())
            h.check(m is not None, 'the holding session printed no pointer (%r)' % line)
            res = h.run([args.spans, 'probe', m.group(1)], env, timeout=60, label='probe')
            h.expect_pass(res, 'probe')
            out, err = holder.communicate(input='', timeout=60)  # closes stdin
            h.log('[hold] stdout:\n%s\n[hold] stderr:\n%s' % (line + out, err))
            h.check(holder.returncode == 0 and 'FAIL' not in out,
                    'the holding session did not end cleanly (exit %d)' % holder.returncode)
        finally:
            if holder.poll() is None:
                holder.kill()
                holder.wait()


if __name__ == '__main__':
    h.main(main)
