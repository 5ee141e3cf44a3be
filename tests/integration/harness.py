"""Integration-test harness for cuferry (Python 3, standard library only).

Owns: starting and stopping cuferryd for one test, running CUDA host programs
through the client stub or directly on the emulator, finding the server's
worker processes through /proc, and speaking the raw frame format for the
robustness tests. Paths to every build output come from meson as arguments;
nothing here knows the build layout.

Servers speak TLS by default, as users run them: each test process makes
a throw-away CA, a server certificate for localhost and 127.0.0.1, a client
CA with a client certificate (CN "alice") and a token for identity
"tester", and points the programs it runs at them through CUFERRY_SERVER,
CUFERRY_CA and CUFERRY_TOKEN (CUFERRY_CONFIG=/dev/null keeps a user's own
config out). Server(transport='tcp') gives an --insecure plain server.

Rules: servers listen on 127.0.0.1 port 0 only, and are stopped (SIGTERM,
then SIGKILL after a bound) in a finally block, also when the test fails or is
killed by meson's timeout (SIGTERM is turned into an exception so cleanup
runs). Stopping checks that the server exited 0 and left no worker behind.
A test script calls main(fn): fn raises Failure to fail and Skip to skip
(exit 77); anything else it raises is an error (exit 1).
"""

import argparse
import atexit
import contextlib
import ctypes
import hashlib
import os
import re
import secrets
import select
import shutil
import signal
import socket
import ssl
import struct
import subprocess
import sys
import tempfile
import threading
import time

SKIP = 77

# Frame format (protocol/cf_frame.h): 40-byte little-endian header.
MAGIC = 0x59524643
PROTOCOL_VERSION = 1
HEADER = struct.Struct('<IHBBIIQIIQ')
CODEC_MASK = 0x06  # frame flags bits 1-2: the bulk's codec (protocol/cf_frame.h)
assert HEADER.size == 40
HELLO, WELCOME, REFUSE, CALL, REPLY, BYE = 1, 2, 3, 4, 5, 6

START_TIMEOUT = 20.0    # s for cuferryd to print its listening line
STOP_TIMEOUT = 10.0     # s after SIGTERM before SIGKILL
WORKER_TIMEOUT = 10.0   # s for workers to go away after their client did


class Failure(Exception):
    """The test found a bug."""


class Skip(Exception):
    """The test cannot run here (exit 77)."""


class Terminated(Exception):
    """SIGTERM from meson's timeout: unwind so servers get stopped."""


def log(msg):
    print(msg, flush=True)


def check(cond, msg):
    if not cond:
        raise Failure(msg)


# ---------------------------------------------------------------- arguments

def parser(description):
    """An argparse parser with the options every test script shares."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument('--cuferryd', help='path of build/server/cuferryd')
    p.add_argument('--driver', default='emu',
                   help="cuferryd's --driver value (default: emu)")
    p.add_argument('--max-bulk', default=None,
                   help="cuferryd's --max-bulk value (default: its own)")
    p.add_argument('--client-dir',
                   help='directory holding the stub libcuda.so.1')
    p.add_argument('--emu', help='path of libcuferry-emu.so')
    p.add_argument('--skip', default='',
                   help='skip the test (exit 77) with this reason')
    return p


def need_file(path, what):
    check(path is not None, '%s: path not given' % what)
    check(os.path.isfile(path),
          '%s not found at %s (is that piece built?)' % (what, path))


def need_stub(client_dir):
    check(client_dir is not None, 'client dir not given')
    need_file(os.path.join(client_dir, 'libcuda.so.1'), 'client stub')


# -------------------------------------------------------------- /proc helpers

def _stat(pid):
    """(ppid, state, starttime) of pid, or None when it is gone."""
    try:
        with open('/proc/%d/stat' % pid, 'rb') as f:
            data = f.read().decode('ascii', 'replace')
    except OSError:
        return None
    rest = data[data.rfind(')') + 2:].split()
    return int(rest[1]), rest[0], int(rest[19])


def _all_pids():
    return [int(d) for d in os.listdir('/proc') if d.isdigit()]


def children(pid):
    """Live (non-zombie) child pids of pid, from /proc/*/stat."""
    out = []
    for p in _all_pids():
        st = _stat(p)
        if st and st[0] == pid and st[1] != 'Z':
            out.append(p)
    return sorted(out)


def descendants(pid):
    """Live descendants of pid: {pid: starttime}."""
    found, todo = {}, [pid]
    table = {}
    for p in _all_pids():
        st = _stat(p)
        if st and st[1] != 'Z':
            table.setdefault(st[0], []).append((p, st[2]))
    while todo:
        for child, start in table.get(todo.pop(), []):
            if child not in found:
                found[child] = start
                todo.append(child)
    return found


def alive(pid, starttime):
    st = _stat(pid)
    return st is not None and st[1] != 'Z' and st[2] == starttime


def wait_until(cond, timeout, step=0.05):
    """Poll cond() until it is true or timeout s pass; returns its last value."""
    deadline = time.monotonic() + timeout
    while True:
        v = cond()
        if v or time.monotonic() >= deadline:
            return v
        time.sleep(step)


def _die_with_parent():
    # preexec_fn: SIGKILL the child if this harness dies without cleanup
    # (e.g. SIGKILL after a meson timeout). PR_SET_PDEATHSIG = 1.
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass


# ---------------------------------------------------------------------- TLS

TOKEN_IDENTITY = 'tester'
_tls = {}


def token_hash(token, salt=None):
    """The tokens-file hash of token (common/cf_token.h's format)."""
    salt = salt if salt is not None else secrets.token_bytes(16)
    return 'sha256$%s$%s' % (salt.hex(),
                             hashlib.sha256(salt + token.encode()).hexdigest())


def _openssl(*args, cwd):
    r = subprocess.run(['openssl'] + list(args), cwd=cwd, capture_output=True,
                       text=True, timeout=60)
    if r.returncode != 0:
        raise Failure('openssl %s failed: %s' % (' '.join(args), r.stderr.strip()))


def _make_cert(d, name, cn, ca=None, san=None):
    """name.key and name.pem in d: self-signed (a CA) or signed by ca."""
    key = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
           '-keyout', name + '.key']
    if ca is None:
        _openssl('req', '-x509', *key, '-out', name + '.pem', '-days', '2',
                 '-subj', '/CN=' + cn, '-addext', 'basicConstraints=critical,CA:TRUE',
                 '-addext', 'keyUsage=critical,keyCertSign,cRLSign', cwd=d)
        return
    _openssl('req', *key, '-out', name + '.csr', '-subj', '/CN=' + cn, cwd=d)
    with open(os.path.join(d, name + '.ext'), 'w') as f:
        f.write('basicConstraints=CA:FALSE\n')
        if san:
            f.write('subjectAltName=%s\n' % san)
    _openssl('x509', '-req', '-in', name + '.csr', '-CA', ca + '.pem', '-CAkey', ca + '.key',
             '-CAcreateserial', '-out', name + '.pem', '-days', '2',
             '-extfile', name + '.ext', cwd=d)


def tls_material():
    """Paths of this process's test certificates and token (made once):
    ca, cert, key (server), client_ca, client_cert, client_key (CN alice),
    other_ca (trusted by nobody), wronghost_cert/key (for another name),
    tokens (file), token (the secret of identity TOKEN_IDENTITY)."""
    if _tls:
        return _tls
    if not shutil.which('openssl'):
        raise Skip('the openssl command is missing: cannot make test certificates')
    d = tempfile.mkdtemp(prefix='cuferry-tls-')
    atexit.register(shutil.rmtree, d, True)
    _make_cert(d, 'ca', 'cuferry test CA')
    _make_cert(d, 'server', 'localhost', 'ca', 'DNS:localhost,IP:127.0.0.1')
    _make_cert(d, 'wronghost', 'elsewhere.example', 'ca', 'DNS:elsewhere.example')
    _make_cert(d, 'client_ca', 'cuferry test client CA')
    _make_cert(d, 'alice', 'alice', 'client_ca')
    _make_cert(d, 'other_ca', 'someone else\'s CA')
    _make_cert(d, 'mallory', 'alice', 'other_ca')
    token = 'cft_' + secrets.token_urlsafe(32)
    tokens = os.path.join(d, 'tokens')
    with open(tokens, 'w') as f:
        f.write('# identity:hash\n%s:%s\n' % (TOKEN_IDENTITY, token_hash(token)))
    j = lambda n: os.path.join(d, n)
    _tls.update(dir=d, ca=j('ca.pem'), cert=j('server.pem'), key=j('server.key'),
                client_ca=j('client_ca.pem'), client_cert=j('alice.pem'),
                client_key=j('alice.key'), other_ca=j('other_ca.pem'),
                wronghost_cert=j('wronghost.pem'), wronghost_key=j('wronghost.key'),
                mallory_cert=j('mallory.pem'), mallory_key=j('mallory.key'),
                tokens=tokens, token=token)
    return _tls


# Client environment per server URL (program_env looks it up).
_client_env = {}
_default_token = ''


# ------------------------------------------------------------------- server

class Server:
    """One cuferryd on 127.0.0.1:0. Use through server() below."""

    def __init__(self, cuferryd, driver='emu', env=None, max_bulk=None,
                 transport='tls', extra_args=None):
        self.cuferryd = cuferryd
        self.driver = driver
        self.max_bulk = max_bulk
        self.env = env
        self.transport = transport
        self.extra_args = list(extra_args or [])
        self.tls = tls_material() if transport == 'tls' else None
        self.client_env = {}
        self.proc = None
        self.url = None
        self.host = None
        self.port = None
        self.stdout_lines = []
        self._errf = None

    def start(self):
        need_file(self.cuferryd, 'cuferryd')
        cmd = [self.cuferryd, '--listen', '%s://127.0.0.1:0' % self.transport,
               '--driver', self.driver]
        if self.tls:
            cmd += ['--tls-cert', self.tls['cert'], '--tls-key', self.tls['key'],
                    '--tokens', self.tls['tokens']]
        else:
            cmd += ['--insecure']
        cmd += self.extra_args
        if self.max_bulk:
            cmd += ['--max-bulk', str(self.max_bulk)]
        log('starting: %s' % ' '.join(cmd))
        self._errf = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE,
                                     stderr=self._errf, env=self.env,
                                     preexec_fn=_die_with_parent)
        fd = self.proc.stdout.fileno()
        buf = b''
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise Failure('cuferryd printed no "listening" line within '
                              '%.0f s' % START_TIMEOUT)
            r, _, _ = select.select([fd], [], [], left)
            if not r:
                continue
            chunk = os.read(fd, 4096)
            if not chunk:
                raise Failure('cuferryd exited (status %s) before printing '
                              '"listening"' % self.proc.wait(5))
            buf += chunk
            while b'\n' in buf:
                line, buf = buf.split(b'\n', 1)
                text = line.decode('utf-8', 'replace').rstrip('\r')
                self.stdout_lines.append(text)
                m = re.match(r'^listening ((?:tcp|tls)://([0-9.]+):(\d+))\s*$', text)
                if m:
                    self.url, self.host = m.group(1), m.group(2)
                    self.port = int(m.group(3))
                    check(self.host == '127.0.0.1',
                          'cuferryd listens on %s, not 127.0.0.1' % self.host)
                    check(self.port != 0, 'cuferryd reports port 0')
                    log('cuferryd pid %d listening on %s'
                        % (self.proc.pid, self.url))
                    global _default_token
                    self.client_env = {'CUFERRY_SERVER': self.url}
                    if self.tls:
                        self.client_env.update(CUFERRY_CA=self.tls['ca'],
                                               CUFERRY_TOKEN=self.tls['token'])
                        _default_token = self.tls['token']
                    _client_env[self.url] = self.client_env
                    self._drain(buf)
                    return self.url

    def _drain(self, rest):
        # Keep reading stdout so the server never blocks on a full pipe.
        fd = self.proc.stdout.fileno()

        def run():
            data = rest
            while True:
                try:
                    chunk = os.read(fd, 4096)
                except OSError:
                    break
                if not chunk:
                    break
                data += chunk
            for line in data.decode('utf-8', 'replace').splitlines():
                self.stdout_lines.append(line)
        threading.Thread(target=run, daemon=True).start()

    def workers(self):
        """Live child processes of the server (its session workers)."""
        return children(self.proc.pid) if self.proc else []

    def stderr_text(self):
        if self._errf is None:
            return ''
        self._errf.seek(0)
        return self._errf.read().decode('utf-8', 'replace')

    def stop(self):
        """SIGTERM, wait, SIGKILL if needed; returns a list of problems."""
        problems = []
        if self.proc is None:
            return problems
        snapshot = descendants(self.proc.pid)
        if self.proc.poll() is not None:
            problems.append('cuferryd died during the test (status %d)'
                            % self.proc.returncode)
        else:
            self.proc.send_signal(signal.SIGTERM)
            try:
                rc = self.proc.wait(STOP_TIMEOUT)
                if rc != 0:
                    problems.append('cuferryd exited with status %d on '
                                    'SIGTERM, expected 0' % rc)
            except subprocess.TimeoutExpired:
                problems.append('cuferryd did not exit within %.0f s of '
                                'SIGTERM; killed' % STOP_TIMEOUT)
                self.proc.kill()
                self.proc.wait()
        wait_until(lambda: not any(alive(p, s) for p, s in snapshot.items()),
                   STOP_TIMEOUT)
        left = [p for p, s in snapshot.items() if alive(p, s)]
        if left:
            problems.append('processes of cuferryd still alive after it '
                            'stopped: %s; killed' % left)
            for p in left:
                with contextlib.suppress(OSError):
                    os.kill(p, signal.SIGKILL)
        err = self.stderr_text()
        if err.strip():
            log('--- cuferryd stderr ---\n%s--- end cuferryd stderr ---'
                % (err if err.endswith('\n') else err + '\n'))
        self._errf.close()
        self._errf = None
        self.proc = None
        return problems


@contextlib.contextmanager
def server(args, extra_env=None, transport='tls', extra_args=None):
    """Start cuferryd for args (from parser()), yield the Server, and stop it
    however the body ends. Raises Failure after a clean body when stopping
    found problems (bad exit status, leftover workers)."""
    env = dict(os.environ)
    env.pop('CUFERRY_SERVER', None)
    env.update(extra_env or {})
    s = Server(args.cuferryd, args.driver, env, getattr(args, 'max_bulk', None),
               transport, extra_args)
    problems = []
    try:
        s.start()
        yield s
    finally:
        problems = s.stop()
        for p in problems:
            log('cleanup: ' + p)
    if problems:
        raise Failure('; '.join(problems))


# ---------------------------------------------------------------- programs

@contextlib.contextmanager
def emu_libdir(emu):
    """A temporary directory holding libcuda.so.1 -> emu, for running a
    program directly on the emulator."""
    need_file(emu, 'emulator library')
    with tempfile.TemporaryDirectory(prefix='cuferry-emu-') as d:
        os.symlink(os.path.abspath(emu), os.path.join(d, 'libcuda.so.1'))
        yield d


def program_env(libdir, server_url=None, extra_env=None):
    """Environment for a CUDA host program: libdir first on
    LD_LIBRARY_PATH, CUFERRY_SERVER set to server_url or removed. When
    CUFERRY_TEST_PRELOAD is set (scripts/test.sh does so for the sanitized
    build, whose libcuda.so.1 needs the sanitizer runtimes) it becomes the
    program's LD_PRELOAD."""
    env = dict(os.environ)
    for k in ('CUFERRY_SERVER', 'CUFERRY_CA', 'CUFERRY_TOKEN', 'CUFERRY_CERT',
              'CUFERRY_KEY'):
        env.pop(k, None)
    env['CUFERRY_CONFIG'] = os.devnull  # no user's or system config
    preload = env.get('CUFERRY_TEST_PRELOAD')
    if preload:
        old_pre = env.get('LD_PRELOAD')
        env['LD_PRELOAD'] = preload + (':' + old_pre if old_pre else '')
    old = env.get('LD_LIBRARY_PATH')
    env['LD_LIBRARY_PATH'] = libdir + (':' + old if old else '')
    if server_url is not None:
        env['CUFERRY_SERVER'] = server_url
        env.update(_client_env.get(server_url, {}))
    env.update(extra_env or {})
    return env


def run(cmd, env, timeout=120, label=None):
    """Run cmd to completion; returns CompletedProcess with text output.
    Prints the command and both outputs. Raises Failure on timeout."""
    label = label or os.path.basename(cmd[0])
    log('running [%s]: %s' % (label, ' '.join(cmd)))
    t0 = time.monotonic()
    try:
        p = subprocess.run(cmd, env=env, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=timeout, preexec_fn=_die_with_parent)
    except subprocess.TimeoutExpired as e:
        log(_decode(e.stdout))
        log(_decode(e.stderr))
        raise Failure('%s did not finish within %d s' % (label, timeout))
    out = subprocess.CompletedProcess(p.args, p.returncode, _decode(p.stdout),
                                      _decode(p.stderr))
    log('[%s] exit %d after %.2f s' % (label, p.returncode,
                                       time.monotonic() - t0))
    for name, text in (('stdout', out.stdout), ('stderr', out.stderr)):
        if text.strip():
            log('[%s] %s:\n%s' % (label, name, text.rstrip('\n')))
    return out


def _decode(b):
    return b.decode('utf-8', 'replace') if isinstance(b, bytes) else (b or '')


def digests(stdout):
    return [l for l in stdout.splitlines() if l.startswith('digest ')]


def describe_exit(rc):
    if rc < 0:
        try:
            return 'killed by %s' % signal.Signals(-rc).name
        except ValueError:
            return 'killed by signal %d' % -rc
    return 'exit status %d' % rc


def expect_pass(res, label):
    """A host program run must exit 0, print PASS last and no FAIL line."""
    fails = [l for l in res.stdout.splitlines() if l.startswith('FAIL')]
    check(res.returncode == 0 and not fails,
          '%s failed (%s): %s' % (label, describe_exit(res.returncode),
                                  '; '.join(fails[:8]) or
                                  (res.stderr.strip().splitlines() or
                                   ['no output'])[-1]))
    lines = res.stdout.strip().splitlines()
    check(lines and lines[-1].startswith('PASS '),
          '%s: last line is not PASS' % label)


# ------------------------------------------------------------- raw frames

def header(ftype, body_len=0, bulk_len=0, version=PROTOCOL_VERSION,
           magic=MAGIC, lane=0, op=0, seq=0, flags=0, reserved=0):
    return HEADER.pack(magic, version, ftype, flags, lane, op, seq, body_len,
                       reserved, bulk_len)


def frame(ftype, body=b'', bulk=b'', **kw):
    return header(ftype, len(body), len(bulk), **kw) + body + bulk


def pb_varint(v):
    out = bytearray()
    while True:
        b = v & 0x7f
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def pb_field(num, value):
    """Encode one protobuf field: int -> varint, bytes/str -> length-delimited."""
    if isinstance(value, int):
        return pb_varint(num << 3) + pb_varint(value)
    if isinstance(value, str):
        value = value.encode()
    return pb_varint(num << 3 | 2) + pb_varint(len(value)) + value


def pb_decode(data):
    """Decode a protobuf message into {field: [values]} (varints as int,
    length-delimited as bytes, fixed as bytes). Raises Failure if malformed."""
    fields, i = {}, 0

    def varint():
        nonlocal i
        v = shift = 0
        while True:
            check(i < len(data), 'truncated protobuf varint')
            b = data[i]
            i += 1
            v |= (b & 0x7f) << shift
            shift += 7
            if not b & 0x80:
                return v

    while i < len(data):
        key = varint()
        num, wt = key >> 3, key & 7
        if wt == 0:
            val = varint()
        elif wt == 2:
            n = varint()
            check(i + n <= len(data), 'truncated protobuf field')
            val, i = data[i:i + n], i + n
        elif wt == 1:
            val, i = data[i:i + 8], i + 8
        elif wt == 5:
            val, i = data[i:i + 4], i + 4
        else:
            raise Failure('bad protobuf wire type %d' % wt)
        fields.setdefault(num, []).append(val)
    return fields


def hello_body(version=PROTOCOL_VERSION, name='cuferry-integration-test',
               pid=None, token=None, compression='none'):
    """A CfHello. compression: what the server may do to its replies' bulk;
    'none' by default, since these raw clients read bulk as it comes."""
    token = _default_token if token is None else token
    return (pb_field(1, version) + pb_field(2, name) +
            pb_field(3, os.getpid() if pid is None else pid) +
            (pb_field(5, token) if token else b'') +
            (pb_field(6, compression) if compression else b''))


def tls_wrap(sock, ca, server_hostname='127.0.0.1', cert=None, key=None):
    """sock inside a TLS 1.3 client connection that trusts ca."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    ctx.load_verify_locations(ca)
    if cert:
        ctx.load_cert_chain(cert, key)
    return ctx.wrap_socket(sock, server_hostname=server_hostname)


def connect(srv, timeout=10.0, plain=False):
    """A client socket to srv: TLS when srv speaks it (unless plain)."""
    s = socket.create_connection((srv.host, srv.port), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if srv.tls and not plain:
        s = tls_wrap(s, srv.tls['ca'])
    return s


def recv_exact(sock, n):
    buf = b''
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise Failure('connection closed after %d of %d bytes'
                          % (len(buf), n))
        buf += chunk
    return buf


def recv_frame(sock, max_body=1 << 20, max_bulk=1 << 20):
    """Read one frame: (fields dict, body, bulk). Raises Failure on EOF or
    a header that does not parse."""
    raw = recv_exact(sock, HEADER.size)
    (magic, version, ftype, flags, lane, op, seq, body_len, reserved,
     bulk_len) = HEADER.unpack(raw)
    check(magic == MAGIC, 'reply has bad magic 0x%08x' % magic)
    check(body_len <= max_body and bulk_len <= max_bulk,
          'reply lengths too large: body %d bulk %d' % (body_len, bulk_len))
    check(not flags & CODEC_MASK, 'compressed bulk (flags 0x%02x) to a client '
          'that asked for none' % flags)
    body = recv_exact(sock, body_len)
    bulk = recv_exact(sock, bulk_len)
    return dict(magic=magic, version=version, type=ftype, flags=flags,
                lane=lane, op=op, seq=seq), body, bulk


def handshake(sock, token=None):
    """Send a valid HELLO (with token, else the default one) and expect
    WELCOME; returns the decoded CfWelcome."""
    sock.sendall(frame(HELLO, hello_body(token=token)))
    h, body, _ = recv_frame(sock, max_body=16 << 20)
    if h['type'] == REFUSE:
        reason = pb_decode(body).get(2, [b'?'])[0]
        raise Failure('valid HELLO refused: %s' % _decode(reason))
    check(h['type'] == WELCOME, 'HELLO answered with frame type %d, expected '
          'WELCOME (2)' % h['type'])
    return pb_decode(body)


def wait_closed(sock, timeout):
    """Read until the peer closes. Returns (closed, bytes_received)."""
    sock.settimeout(0.2)
    got = b''
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            continue
        except (ConnectionResetError, BrokenPipeError, ssl.SSLError):
            return True, got
        if not chunk:
            return True, got
        got += chunk
    return False, got


def free_port():
    """A loopback port that was just free (bound then closed)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


# -------------------------------------------------------------------- main

def main(fn):
    """Run fn(); map Failure -> exit 1, Skip -> exit 77, success -> 0."""
    def on_term(signum, frame_):
        raise Terminated('terminated by signal %d (timeout?)' % signum)
    signal.signal(signal.SIGTERM, on_term)
    try:
        fn()
    except Skip as e:
        log('SKIP: %s' % e)
        sys.exit(SKIP)
    except Failure as e:
        log('FAIL: %s' % e)
        sys.exit(1)
    except Terminated as e:
        log('FAIL: %s' % e)
        sys.exit(1)
    log('PASS')
    sys.exit(0)
