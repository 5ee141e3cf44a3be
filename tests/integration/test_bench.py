#!/usr/bin/env python3
"""cuferry-bench keeps working: every suite (latency, launch, bandwidth over
TLS against a real cuferryd, and emu against the emulator) runs, and --json
prints one array of rows, each with a name, a unit, a value or percentiles,
a baseline measured in the same run and the ratio. Bandwidth rows come in
every compression mode, and their wire ratios show the modes at work (zeros
shrink under lz4 and zstd, random bytes and mode none go raw). Speed is never
judged here (a slow CI machine must not fail a test); only that the tool
measures.

usage: test_bench.py --cuferryd P --client-dir D --emu LIB BENCH PTX"""
import json
import subprocess

import harness as h


def run_json(cmd, env, label):
    res = h.run(cmd, env, timeout=240, label=label)
    h.check(res.returncode == 0, '%s exited %s:\n%s%s'
            % (label, h.describe_exit(res.returncode), res.stdout, res.stderr))
    try:
        rows = json.loads(res.stdout)
    except ValueError as e:
        raise h.Failure('%s did not print a JSON array (%s):\n%s' % (label, e, res.stdout))
    h.check(isinstance(rows, list) and rows, '%s printed no rows' % label)
    for r in rows:
        has_value = 'value' in r and 'baseline_value' in r
        has_lat = all(k in r for k in ('p50', 'p99', 'p999', 'baseline_p50'))
        h.check(r.get('name') and r.get('unit') and r.get('baseline') and
                (has_value or has_lat) and r.get('ratio', 0) > 0,
                '%s: a row lacks a field: %r' % (label, r))
        h.check(all(r[k] > 0 for k in ('value', 'baseline_value', 'p50', 'baseline_p50')
                    if k in r), '%s: nothing measured: %r' % (label, r))
    return rows


def main():
    p = h.parser(__doc__)
    p.add_argument('bench')
    p.add_argument('ptx')
    args = p.parse_args()
    if args.skip:
        raise h.Skip(args.skip)
    h.need_file(args.bench, 'cuferry-bench')
    with h.server(args) as srv:
        env = h.program_env(args.client_dir, srv.url)
        rows = run_json([args.bench, '--json', '--iters', '200', '--launches', '2000',
                         '--max-size', str(1 << 20), '--emu', args.emu, '--ptx', args.ptx,
                         'all'], env, 'all suites')
        by_suite = {}
        for r in rows:
            by_suite.setdefault(r['suite'], []).append(r)
        h.check(sorted(by_suite) == ['bandwidth', 'latency', 'launch'],
                'suites: %r' % sorted(by_suite))
        # Over TLS the null call is set against raw TLS and raw TCP.
        h.check([r['baseline'] for r in by_suite['latency']] ==
                ['raw tls ping-pong', 'raw tcp ping-pong'], 'latency rows: %r' % by_suite['latency'])
        # 4 KiB, 64 KiB and 1 MiB, three kinds of data, both directions,
        # four compression modes; the stub's counters say what was sent.
        bw = by_suite['bandwidth']
        h.check(len(bw) == 72, 'bandwidth: %d rows' % len(bw))
        h.check(sorted(set(r['compression'] for r in bw)) == ['auto', 'lz4', 'none', 'zstd'],
                'bandwidth modes: %r' % sorted(set(r['compression'] for r in bw)))
        for r in bw:
            want_raw = r['compression'] == 'none' or r['data'] == 'random'
            h.check(r['wire_ratio'] == 1.0 if want_raw else r['wire_ratio'] <= 1.0,
                    '%s: wire ratio %r' % (r['name'], r['wire_ratio']))
            if r['data'] == 'zeros' and r['compression'] in ('lz4', 'zstd'):
                h.check(r['wire_ratio'] < 0.05, '%s: zeros not compressed (%r)'
                        % (r['name'], r['wire_ratio']))
        # A mode the stub does not know is refused before anything runs.
        proc = subprocess.run([args.bench, '--compression', 'none,gzip', 'bandwidth'], env=env,
                              capture_output=True, text=True, timeout=60)
        h.check(proc.returncode == 2 and 'gzip' in proc.stderr,
                '--compression none,gzip: exit %d, %r' % (proc.returncode, proc.stderr))
        launch = by_suite['launch'][0]
    emu = run_json([args.bench, '--json', '--emu', args.emu, '--ptx', args.ptx, 'emu'],
                   h.program_env(args.client_dir), 'emu suite')
    h.check(len(emu) == 4, 'emu suite: 4 rows expected, got %r' % emu)
    h.log('bench ok: null p50 ratio %.2f; launch time ratio %.2f; sgemm %.1f M '
          'thread-instr/s on one core'
          % (by_suite['latency'][0]['ratio'], launch['ratio'], emu[0]['value'] / 1e6))


if __name__ == '__main__':
    h.main(main)
