#!/usr/bin/env python3
"""cuferry-bench keeps working: its null suite against a real cuferryd over
TLS (with its raw TCP and raw TLS baselines), its launch suite (through
cuferryd and on the emulator loaded directly) and its emu suite against the
emulator run and print well-formed JSON with
every number present. Speed is never judged here (a slow CI machine must not
fail a test); only that the tool measures.

usage: test_bench.py --cuferryd P --client-dir D --emu LIB BENCH PTX"""
import json

import harness as h


def run_json(cmd, env, label):
    res = h.run(cmd, env, timeout=180, label=label)
    h.check(res.returncode == 0, '%s exited %s:\n%s%s'
            % (label, h.describe_exit(res.returncode), res.stdout, res.stderr))
    rows = [json.loads(l) for l in res.stdout.splitlines() if l.startswith('{')]
    h.check(rows, '%s printed no JSON:\n%s' % (label, res.stdout))
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
        (row,) = run_json([args.bench, '--iters', '200', '--json', 'null'], env, 'null suite')
        # The server is tls:// (the suite's default), and this build has TLS,
        # so the raw TLS baseline must be there too.
        h.check(row.get('transport') == 'tls', 'null suite: transport %r' % row.get('transport'))
        for side in ('baseline_us', 'baseline_tls_us', 'cuferry_us'):
            h.check(side in row and all(row[side][k] > 0 for k in ('p50', 'p99', 'p999')),
                    'null suite: %s missing or has a zero percentile: %r' % (side, row))
        h.check(row['ratio_p50'] > 0 and row['ratio_p50_tls'] > 0,
                'null suite: no ratio: %r' % row)
        (lrow,) = run_json([args.bench, '--launches', '2000', '--json', '--emu', args.emu,
                            '--ptx', args.ptx, 'launch'], env, 'launch suite')
        h.check(lrow['value'] > 0 and lrow['baseline_value'] > 0 and lrow['ratio'] > 0 and
                lrow['unit'] == 'launches/s' and lrow['launches'] == 2000,
                'launch suite: nothing measured: %r' % lrow)
    rows = run_json([args.bench, '--json', '--emu', args.emu, '--ptx', args.ptx, 'emu'],
                    h.program_env(args.client_dir), 'emu suite')
    h.check(len(rows) == 4, 'emu suite: 4 rows expected, got %r' % rows)
    for r in rows:
        h.check(r['seconds'] > 0 and r['thread_instructions'] > 0,
                'emu suite: nothing measured: %r' % r)
    h.log('bench ok: null p50 ratio %.2f; launch time ratio %.2f; sgemm %.1f M '
          'thread-instr/s on one core'
          % (row['ratio_p50'], lrow['ratio'], rows[0]['per_second'] / 1e6))


if __name__ == '__main__':
    h.main(main)
