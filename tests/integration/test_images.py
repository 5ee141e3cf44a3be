#!/usr/bin/env python3
"""Module images cross the wire once per session, and once per identity
for large images (client/image.c, server/image_cache.c, image_share.c,
image_store.c). cuferryd runs with --log-level=debug, where its worker logs
"image HASH: N bytes received and kept" for every image whose bytes arrive,
"image HASH: N bytes held, not sent again" for every load by name of an
image the session holds, and "image HASH: N bytes from this identity's
other sessions" for one found in the supervisor's store; the test counts
those lines.

 - tests/cuda/images.c through the stub loads image A five times
   (modules, a library, a second context) and image B (same size, other
   bytes) twice: exactly two images received, with different hashes, and
   five loads by name, each naming one of them; every kernel result is
   right (the program checks which image ran), and the digests equal a
   direct run on the emulator.
 - then twice more on the same server with both images padded to 80 KB
   (large enough for the stub to name them first): the first run sends
   each once; the second, a new process of the same identity, sends
   nothing, takes both from the store and holds them for its other loads.
 - the same program against a server that keeps no image (--image-cache
   0): every load by name is answered "not held", the stub sends the bytes
   again, and the program still passes.
 - by hand (rawcall.py), on a server with two identities: a session that
   sent an image may load it by name; a second session of the same
   identity may too (from the store), and its module runs; a session of
   the other identity naming that hash, or anyone naming a hash nobody
   sent, gets CUDA_ERROR_NOT_FOUND and no module; with --image-cache 0 a
   second session gets NOT_FOUND as well; a malformed name, or a name with
   bytes as well, gets CUDA_ERROR_INVALID_VALUE; libraries (op 120) behave
   the same.

usage: test_images.py --cuferryd P --client-dir D --emu SO --proto CF_API_PROTO
                      -- IMAGES_PROGRAM"""
import hashlib
import os
import re
import secrets

import harness as h
from rawcall import Session, by_name, parse_proto

SUCCESS = 0
INVALID_VALUE = 1
NOT_FOUND = 500

RECEIVED = re.compile(r'image ([0-9a-f]{64}): \d+ bytes received and kept')
HELD = re.compile(r'image ([0-9a-f]{64}): \d+ bytes held, not sent again')
SHARED = re.compile(r"image ([0-9a-f]{64}): \d+ bytes from this identity's other sessions")
NOT_HELD = re.compile(r'image ([0-9a-f]{64}): not held')

PTX = (b'.version 8.0\n.target sm_80\n.address_size 64\n'
       b'.visible .entry raw_k()\n{\n  ret;\n}\n\0')


def lines(srv, rx, after=0):
    """Hashes in the server's log lines matching rx, from line after on."""
    log_lines = srv.stderr_text().splitlines()[after:]
    return [m.group(1) for m in map(rx.search, log_lines) if m]


def log_length(srv):
    return len(srv.stderr_text().splitlines())


def through_stub(args, direct):
    """The program through the stub on a server that keeps images."""
    with h.server(args, extra_args=['--log-level=debug']) as srv:
        env = h.program_env(args.client_dir, srv.url)
        res = h.run([args.program], env, label='images via cuferryd')
        h.expect_pass(res, 'images through the stub')
        got, held = lines(srv, RECEIVED), lines(srv, HELD)
        h.log('received %s; held %s; not held %s'
              % (got, held, lines(srv, NOT_HELD)))
        h.check(len(got) == 2 and got[0] != got[1],
                'expected images A and B received once each, got %d '
                'received lines: %s' % (len(got), got))
        h.check(len(held) == 5 and set(held) <= set(got),
                'expected 5 loads by name of the received images, got %s'
                % held)
        h.check(not lines(srv, NOT_HELD), 'a load by name missed')
        h.check(h.digests(direct.stdout) == h.digests(res.stdout),
                'digests differ between the emulator and the stub')
        across_sessions(args, srv, env)


def across_sessions(args, srv, env):
    """Large images: sent by the first process, taken from the store by
    the next one of the same identity."""
    mark = log_length(srv)
    res = h.run([args.program, str(80 << 10)], env, label='padded images, first process')
    h.expect_pass(res, 'padded images, first process')
    got, missed = lines(srv, RECEIVED, mark), lines(srv, NOT_HELD, mark)
    h.log('first process: received %s; named first and not held %s' % (got, missed))
    h.check(len(got) == 2 and set(missed) == set(got),
            'expected the two new images named first, then sent once each; got '
            'received %s, not held %s' % (got, missed))
    mark = log_length(srv)
    res = h.run([args.program, str(80 << 10)], env, label='padded images, second process')
    h.expect_pass(res, 'padded images, second process')
    shared, held = lines(srv, SHARED, mark), lines(srv, HELD, mark)
    h.log('second process: from the store %s; held %s; received %s'
          % (shared, held, lines(srv, RECEIVED, mark)))
    h.check(not lines(srv, RECEIVED, mark) and not lines(srv, NOT_HELD, mark),
            'the second process sent images the store holds')
    h.check(sorted(shared) == sorted(got) and len(held) == 5,
            'expected both images from the store and 5 loads held, got %s and %d'
            % (shared, len(held)))


def without_cache(args):
    """A server that keeps nothing: every load by name asks for the bytes."""
    with h.server(args, extra_args=['--log-level=debug', '--image-cache', '0']) as srv:
        env = h.program_env(args.client_dir, srv.url)
        res = h.run([args.program], env, label='images, no cache')
        h.expect_pass(res, 'images through a server that keeps no image')
        missed = lines(srv, NOT_HELD)
        h.check(len(missed) == 5 and not lines(srv, HELD),
                'expected 5 loads by name, each not held; got %d' % len(missed))


def two_identities():
    """A tokens file with the harness's identity and "other": (path, token
    of other)."""
    tls = h.tls_material()
    other = 'cft_' + secrets.token_urlsafe(32)
    path = os.path.join(tls['dir'], 'tokens-two')
    with open(tls['tokens']) as f, open(path, 'w') as g:
        g.write(f.read() + 'other:%s\n' % h.token_hash(other))
    return path, other


def by_hand(args, ops):
    def req(fn, **values):
        o = by_name(ops, fn)
        h.check(o is not None, '%s is not in %s' % (fn, args.proto))
        return o, [(n, t, values.get(f, '' if t == 'string' else 0))
                   for n, t, f in ops[o][1]]

    def expect(s, fn, want, bulk=b'', **values):
        r = s.call(*req(fn, **values), bulk)
        h.check(r is not None, 'the session closed at %s' % fn)
        h.check(r[0] == want, '%s %s returned %d, want %d'
                % (fn, values, r[0], want))
        return r[1]

    sent = hashlib.sha256(PTX).hexdigest()
    nobody = hashlib.sha256(b'never sent').hexdigest()
    tokens, other = two_identities()
    with h.server(args, extra_args=['--log-level=debug', '--tokens', tokens]) as srv:
        s1, s2, s3 = Session(srv, ops), Session(srv, ops), Session(srv, ops, token=other)
        for s in (s1, s2, s3):
            expect(s, 'cuCtxCreate_v2', SUCCESS, flags=0, dev=0)
        # s1 sends the bytes, then loads them by name (module and library).
        rep = expect(s1, 'cuModuleLoadData', SUCCESS, PTX, imageSize=len(PTX))
        h.check(rep.get('module'), 'no module for the bytes')
        rep = expect(s1, 'cuModuleLoadData', SUCCESS, imageHash=sent)
        h.check(rep.get('module'), 'no module for the name')
        expect(s1, 'cuModuleGetFunction', SUCCESS, hmod=rep['module'], name='raw_k')
        rep = expect(s1, 'cuLibraryLoadData', SUCCESS, codeHash=sent)
        h.check(rep.get('library'), 'no library for the name')
        # s2, the same identity in another session, finds it in the store.
        rep = expect(s2, 'cuModuleLoadData', SUCCESS, imageHash=sent)
        h.check(rep.get('module'), 'no module for the name in a second session')
        expect(s2, 'cuModuleGetFunction', SUCCESS, hmod=rep['module'], name='raw_k')
        rep = expect(s2, 'cuLibraryLoadData', SUCCESS, codeHash=sent)
        h.check(rep.get('library'), 'no library for the name in a second session')
        # s3, another identity, never sent it; nobody sent the other hash.
        for op, field in (('cuModuleLoadData', 'imageHash'),
                          ('cuLibraryLoadData', 'codeHash')):
            for s, hsh in ((s3, sent), (s3, nobody), (s2, nobody)):
                rep = expect(s, op, NOT_FOUND, **{field: hsh})
                h.check(not any(rep.values()), '%s answered %s' % (op, rep))
            for bad in ('x' * 64, sent.upper(), sent[:63], sent + '0', 'a\0b'):
                expect(s3, op, INVALID_VALUE, **{field: bad})
        # A name with bytes as well is refused, bytes or not held.
        expect(s1, 'cuModuleLoadData', INVALID_VALUE, PTX, imageSize=len(PTX),
               imageHash=sent)
        expect(s3, 'cuModuleLoadData', INVALID_VALUE, PTX, imageSize=len(PTX),
               imageHash=nobody)
        h.check(len(lines(srv, SHARED)) == 1,
                'expected one image taken from the store (then held), got %s'
                % lines(srv, SHARED))
        h.log('loads by name: the sessions of the identity that sent an image, '
              'and no other identity')
        for s in (s1, s2, s3):
            s.close()
    with h.server(args, extra_args=['--log-level=debug', '--image-cache', '0']) as srv:
        s1, s2 = Session(srv, ops), Session(srv, ops)
        for s in (s1, s2):
            expect(s, 'cuCtxCreate_v2', SUCCESS, flags=0, dev=0)
        expect(s1, 'cuModuleLoadData', SUCCESS, PTX, imageSize=len(PTX))
        expect(s2, 'cuModuleLoadData', NOT_FOUND, imageHash=sent)
        h.log('--image-cache 0: a second session gets no image by name')
        s1.close()
        s2.close()


def main():
    p = h.parser(__doc__)
    p.add_argument('--proto', required=True)
    p.add_argument('program')
    args = p.parse_args()
    if args.skip:
        raise h.Skip(args.skip)
    h.need_file(args.program, 'the images program')
    h.need_file(args.proto, 'generated cf_api.proto')
    h.need_stub(args.client_dir)
    ops = parse_proto(args.proto)

    with h.emu_libdir(args.emu) as libdir:
        direct = h.run([args.program], h.program_env(libdir), label='images on emulator')
    h.expect_pass(direct, 'images directly on the emulator')
    through_stub(args, direct)
    without_cache(args)
    by_hand(args, ops)


if __name__ == '__main__':
    h.main(main)
