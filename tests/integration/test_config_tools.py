#!/usr/bin/env python3
"""cuferryd's configuration tools, run as a user would: --new-token and
--hash-token (their output, their refusals, no secret on stderr), and
--check-config on a good config file (every section; with TLS files too when
the openssl command is present) and on bad ones (a bad key, a bad tokens
file, a key that does not match its certificate), which must exit 1 naming
FILE:LINE or the file. Needs no CUDA program and starts no server.

usage: test_config_tools.py --cuferryd PATH --emu PATH"""
import os
import re
import shutil
import subprocess
import tempfile

import harness as h

HASH_RE = re.compile(r'^sha256\$[0-9a-f]{32}\$[0-9a-f]{64}$')
TOKEN_RE = re.compile(r'^cft_[A-Za-z0-9_-]{43}$')


def cuferryd(args, stdin=None):
    cmd = [ARGS.cuferryd] + args
    h.log('running: %s' % ' '.join(cmd))
    p = subprocess.run(cmd, input=stdin, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=60)
    h.log('exit %d\nstdout:\n%s\nstderr:\n%s' % (p.returncode, p.stdout,
                                                  p.stderr))
    return p


def write(path, text, mode=0o644):
    with open(path, 'w') as f:
        f.write(text)
    os.chmod(path, mode)


def check_tokens_tools(tmp):
    """--new-token and --hash-token; returns (token, tokens-file line)."""
    a = cuferryd(['--new-token', 'alice'])
    b = cuferryd(['--new-token', 'alice'])
    h.check(a.returncode == 0, '--new-token failed')
    lines = a.stdout.splitlines()
    h.check(len(lines) == 2, '--new-token printed %r' % lines)
    token, line = lines
    h.check(TOKEN_RE.match(token), 'not a token: %r' % token)
    name, _, hashed = line.partition(':')
    h.check(name == 'alice' and HASH_RE.match(hashed),
            'not a tokens-file line: %r' % line)
    h.check(b.stdout.splitlines()[0] != token, 'two --new-token gave one token')
    h.check(token not in a.stderr, '--new-token put the token on stderr')

    bad = cuferryd(['--new-token', 'al:ice'])
    h.check(bad.returncode == 2 and 'al:ice' in bad.stderr,
            '--new-token al:ice was not refused clearly')

    hs = cuferryd(['--hash-token'], stdin=token + '\n')
    h.check(hs.returncode == 0 and HASH_RE.match(hs.stdout.strip()),
            '--hash-token printed %r' % hs.stdout)
    h.check(hs.stdout.strip() != hashed, 'the same salt twice')
    h.check(token not in hs.stdout + hs.stderr, '--hash-token echoed the token')
    short = cuferryd(['--hash-token'], stdin='abc123\n')
    h.check(short.returncode != 0 and 'too short' in short.stderr,
            'a short token was hashed')
    h.check('abc123' not in short.stderr, 'the refused token was echoed')
    two = cuferryd(['--hash-token'], stdin=token + '\n' + token + '\n')
    h.check(two.returncode != 0, 'two lines on stdin were hashed')
    return token, 'bob:' + hs.stdout.strip(), line


def good_config(tmp, tokens, extra=''):
    path = os.path.join(tmp, 'cuferryd.conf')
    write(path,
          '# a test config with every section\n'
          '[listen]\naddress = tcp://127.0.0.1:0\ninsecure = yes\n'
          '[auth]\ntokens = %s\n'
          '[limits]\nmemory_quota = 4G\nmax_sessions = 10\n'
          'max_sessions_per_identity = 2\nmax_handles = 4096\n'
          'max_body = 1M\nmax_bulk = 64M\n'
          '[quota]\nalice = 8G\n'
          '[driver]\nlibrary = %s\n'
          '[server]\n'
          '[logging]\nlevel = warn\n%s' % (tokens, ARGS.emu, extra))
    return path


def check_config(tmp, lines):
    tokens = os.path.join(tmp, 'tokens')
    write(tokens, '# test tokens\n%s\n%s\n' % (lines[0], lines[1]))
    conf = good_config(tmp, tokens)
    ok = cuferryd(['--check-config', '--config', conf])
    h.check(ok.returncode == 0, '--check-config refused a good file')
    for want in ('tcp://127.0.0.1:0', 'alice bob', '4G', '8G', 'warn',
                 'valid'):
        h.check(want in ok.stdout, '--check-config output lacks %r' % want)
    # A flag overrides the file.
    ov = cuferryd(['--check-config', '--config', conf, '--log-level', 'debug',
                   '--memory-quota', '2G'])
    h.check(ov.returncode == 0 and 'debug' in ov.stdout and '2G' in ov.stdout,
            'flags did not override the file')

    bad = os.path.join(tmp, 'bad.conf')
    with open(conf) as f:
        text = f.read()
    write(bad, text.replace('max_handles = 4096', 'max_handle = 4096'))
    r = cuferryd(['--check-config', '--config', bad])
    h.check(r.returncode == 1, 'a bad key: exit %d, not 1' % r.returncode)
    h.check('%s:11: unknown key "max_handle" in [limits]' % bad in r.stdout,
            'a bad key: no FILE:LINE message')
    write(bad, text.replace('memory_quota = 4G', 'memory_quota = 4T'))
    r = cuferryd(['--check-config', '--config', bad])
    h.check(r.returncode == 1 and '%s:8:' % bad in r.stdout
            and '"4T"' in r.stdout, 'a bad size: no FILE:LINE message')

    write(tokens, '%s\nbroken line\n' % lines[0])
    r = cuferryd(['--check-config', '--config', conf])
    h.check(r.returncode == 1 and '%s:2: no \':\'' % tokens in r.stdout,
            'a bad tokens file: no FILE:LINE message')
    write(tokens, '%s\n%s\n' % (lines[0], lines[0]))
    r = cuferryd(['--check-config', '--config', conf])
    h.check(r.returncode == 1 and 'already appears on line 1' in r.stdout,
            'a duplicate identity was accepted')
    r = cuferryd(['--check-config', '--config', os.path.join(tmp, 'none')])
    h.check(r.returncode == 1 and 'cannot open' in r.stdout,
            'a missing config file: exit %d' % r.returncode)
    write(tokens, '%s\n' % lines[0])
    return tokens


def check_tls(tmp, tokens):
    openssl = shutil.which('openssl')
    if not openssl:
        h.log('note: no openssl command; TLS files not checked')
        return
    def make(name, cn):
        subprocess.run([openssl, 'req', '-x509', '-newkey', 'ec', '-pkeyopt',
                        'ec_paramgen_curve:P-256', '-nodes', '-days', '1',
                        '-subj', '/CN=' + cn, '-keyout',
                        os.path.join(tmp, name + '.key'), '-out',
                        os.path.join(tmp, name + '.pem')],
                       check=True, capture_output=True)
    make('server', 'localhost')
    make('other', 'other')
    conf = os.path.join(tmp, 'tls.conf')
    base = ('[listen]\naddress = tls://127.0.0.1:0\n[auth]\ntokens = %s\n'
            '[driver]\nlibrary = %s\n[tls]\ncert = server.pem\n'
            % (tokens, ARGS.emu))
    write(conf, base + 'key = server.key\n')
    r = cuferryd(['--check-config', '--config', conf])
    h.check(r.returncode == 0 and 'key matches' in r.stdout,
            'a good TLS config was refused')
    write(conf, base + 'key = other.key\n')
    r = cuferryd(['--check-config', '--config', conf])
    h.check(r.returncode == 1, 'a key of another certificate was accepted')


def main():
    global ARGS
    p = h.parser(__doc__)
    ARGS = p.parse_args()
    if ARGS.skip:
        raise h.Skip(ARGS.skip)
    h.need_file(ARGS.cuferryd, 'cuferryd')
    h.need_file(ARGS.emu, 'libcuferry-emu.so')
    with tempfile.TemporaryDirectory(prefix='cf_config_tools_') as tmp:
        _, bob_line, alice_line = check_tokens_tools(tmp)
        tokens = check_config(tmp, [alice_line, bob_line])
        check_tls(tmp, tokens)


ARGS = None

if __name__ == '__main__':
    h.main(main)
