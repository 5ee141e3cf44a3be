"""Calls sent by hand over a real session: the generated cf_api.proto read
for each op's request and reply fields, protobuf encoding of plain fields,
and a Session that sends a call (or an asynchronous NOREPLY call) and
decodes the reply. Used by the tests that must say exactly what goes on the
wire (test_hostile_calls.py, test_async_latch.py)."""
import re
import socket
import struct

import harness as h

U64 = (1 << 64) - 1
NOREPLY = 0x01  # frame flag: run the call, send no reply (protocol/cf_frame.h)


def parse_proto(path):
    """{op: (cuda name, [(num, type, field) of Req], [(num, type, field) of
    Rep])} from the generated cf_api.proto."""
    ops, cur, which = {}, None, None
    with open(path) as f:
        for line in f:
            m = re.match(r'\s*//\s*op (\d+): (\w+)', line)
            if m:
                cur = int(m.group(1))
                ops[cur] = (m.group(2), [], [])
                continue
            m = re.match(r'\s*message (\w+)\s*\{', line)
            if m:
                name = m.group(1)
                which = (1 if name.endswith('Req') else
                         2 if name.endswith('Rep') else None)
                continue
            m = re.match(r'\s*(repeated\s+)?(\w+)\s+(\w+)\s*=\s*(\d+);', line)
            if m and cur is not None and which:
                if not m.group(1):
                    ops[cur][which].append((int(m.group(4)), m.group(2),
                                            m.group(3)))
    h.check(ops, 'no ops found in %s' % path)
    return ops


def zigzag(v):
    return (v << 1) ^ (v >> 63) if v >= 0 else ((-v) << 1) - 1


def encode(fields):
    """fields: [(num, type, value)] -> protobuf bytes."""
    out = b''
    for num, typ, v in fields:
        if typ in ('uint64', 'uint32', 'bool'):
            out += h.pb_varint(num << 3) + h.pb_varint(v & U64)
        elif typ in ('int32', 'int64', 'enum'):
            out += h.pb_varint(num << 3) + h.pb_varint(v & U64)
        elif typ in ('sint32', 'sint64'):
            out += h.pb_varint(num << 3) + h.pb_varint(zigzag(v) & U64)
        elif typ in ('string', 'bytes'):
            b = v.encode('latin-1') if isinstance(v, str) else v
            out += h.pb_varint(num << 3 | 2) + h.pb_varint(len(b)) + b
        elif typ == 'float':
            out += h.pb_varint(num << 3 | 5) + struct.pack('<f', v)
        elif typ == 'double':
            out += h.pb_varint(num << 3 | 1) + struct.pack('<d', v)
        else:
            # A message or an unknown type: send it as bytes.
            out += h.pb_varint(num << 3 | 2) + h.pb_varint(len(v)) + v
    return out


def unzig(v):
    return (v >> 1) ^ -(v & 1)


class Session:
    """A handshaken session on srv that sends calls by hand."""

    def __init__(self, srv, ops, timeout=20.0, token=None):
        self.ops = ops
        self.sock = h.connect(srv)
        h.handshake(self.sock, token)
        self.sock.settimeout(timeout)
        self.timeout = timeout
        self.seq = 0
        self.closed = False
        self.last_bulk = b''  # the last reply's bulk payload

    def send_noreply(self, op, fields, bulk=b''):
        """Send op as an asynchronous call (the NOREPLY flag): no answer."""
        self.seq += 1
        self.sock.sendall(h.frame(h.CALL, encode(fields), bulk, op=op, seq=self.seq,
                                  flags=NOREPLY))

    def call(self, op, fields, bulk=b''):
        """Returns (result, {field name: value}) or None when the server
        closed the session. Raises Failure on a hang or a bad reply."""
        self.seq += 1
        body = encode(fields)
        try:
            self.sock.sendall(h.frame(h.CALL, body, bulk, op=op,
                                      seq=self.seq))
            fh, rbody, self.last_bulk = h.recv_frame(self.sock, max_body=16 << 20,
                                                     max_bulk=128 << 20)
        except socket.timeout:
            raise h.Failure('no reply within %.0f s to op %d %s %r (bulk %d)'
                            % (self.timeout, op, self.ops.get(op, ('?',))[0],
                               fields, len(bulk)))
        except (h.Failure, ConnectionResetError, BrokenPipeError):
            self.closed = True
            return None
        h.check(fh['type'] == h.REPLY and fh['seq'] == self.seq,
                'op %d: answered by frame type %d seq %d, expected REPLY '
                'seq %d' % (op, fh['type'], fh['seq'], self.seq))
        return decode_reply(self.ops, op, rbody)

    def send(self, op, fields, bulk=b'', lane=0, noreply=False):
        """Send op on lane (the frame header's lane: which client thread
        calls) without reading any answer. Returns the call's seq, which its
        reply carries (read it with recv_reply)."""
        self.seq += 1
        self.sock.sendall(h.frame(h.CALL, encode(fields), bulk, op=op, seq=self.seq,
                                  lane=lane, flags=NOREPLY if noreply else 0))
        return self.seq

    def recv_reply(self):
        """The next frame, which must be a REPLY: (seq, lane, result,
        {field name: value}); its bulk goes to last_bulk. Raises Failure on
        a timeout, a closed session or another frame type."""
        try:
            fh, rbody, self.last_bulk = h.recv_frame(self.sock, max_body=16 << 20,
                                                     max_bulk=128 << 20)
        except socket.timeout:
            raise h.Failure('no reply within %.0f s' % self.timeout)
        h.check(fh['type'] == h.REPLY, 'frame type %d (seq %d) where a REPLY was '
                'expected' % (fh['type'], fh['seq']))
        result, rep = decode_reply(self.ops, fh['op'], rbody)
        return fh['seq'], fh['lane'], result, rep

    def close(self):
        with_suppress(self.sock.close)


def decode_reply(ops, op, rbody):
    """(result, {field name: value}) of a reply body to op, as Session.call
    decodes it."""
    dec = h.pb_decode(rbody)
    rep = {}
    for num, typ, name in ops.get(op, (None, [], []))[2]:
        if num in dec and isinstance(dec[num][0], int):
            v = dec[num][0]
            rep[name] = unzig(v) if typ.startswith('sint') else v
    # An op the server does not know is answered with CfStatus, whose
    # result is a plain int32.
    raw = dec.get(1, [0])[0] if dec.get(1) else 0
    result = rep.pop('result', raw if isinstance(raw, int) else 0)
    return result, rep


def with_suppress(fn):
    try:
        fn()
    except OSError:
        pass


def by_name(ops, cuda_name):
    for op, (name, _, _) in ops.items():
        if name == cuda_name:
            return op
    return None
