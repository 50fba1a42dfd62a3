"""Helpers for the store's system cases (tests/system/store*.py): start and
stop the hosted xenstored on private temporary sockets, run clients with
timeouts (a case must never hang: the harness's watchdog only kills QEMU),
talk the wire protocol directly over the socket or over a simulated
domain's ring, and compare golden transcripts.

Everything a case starts is stopped by Daemon.stop() / the `daemon()`
context manager, including on failure."""

import contextlib
import mmap
import os
import shlex
import signal
import socket
import struct
import subprocess
import time

from harness import BUILD, ROOT, CaseFailure

SAN = os.path.join(BUILD, "store", "san")
OPT = os.path.join(BUILD, "store", "opt")
XENSTORED = os.path.join(SAN, "xenstored")
XS_TOOL = os.path.join(SAN, "xs-tool")
FUZZER = os.path.join(BUILD, "store", "fuzz", "fuzz-xenstored")
GOLDEN_DIR = os.path.join(ROOT, "tests", "store", "golden")

# Message types of <xen/io/xs_wire.h>.
TYPES = dict(
    CONTROL=0, DIRECTORY=1, READ=2, GET_PERMS=3, WATCH=4, UNWATCH=5, TRANSACTION_START=6,
    TRANSACTION_END=7, INTRODUCE=8, RELEASE=9, GET_DOMAIN_PATH=10, WRITE=11, MKDIR=12, RM=13,
    SET_PERMS=14, WATCH_EVENT=15, ERROR=16, IS_DOMAIN_INTRODUCED=17, RESUME=18, SET_TARGET=19,
    RESET_WATCHES=21, DIRECTORY_PART=22,
)  # fmt: skip
NAMES = {v: k for k, v in TYPES.items()}
HEADER = struct.Struct("<IIII")
RING_SIZE = 1024
PAYLOAD_MAX = 4096


class Daemon:
    """One hosted xenstored on sockets in the case's private directory."""

    def __init__(self, t, args=(), binary=XENSTORED, name="xenstored"):
        self.t = t
        t.require_file(binary, "make store-build builds it")
        self.socket = os.path.join(t.tmpdir, name + ".sock")
        self.sim = os.path.join(t.tmpdir, name + ".sim")
        self.log_path = os.path.join(t.tmpdir, name + ".log")
        argv = [binary, "--socket", self.socket, "--sim-socket", self.sim, "-V"] + list(args)
        t.log("$ " + " ".join(shlex.quote(a) for a in argv))
        self.log_file = open(self.log_path, "wb")
        env = dict(os.environ, ASAN_OPTIONS="detect_leaks=1:abort_on_error=0")
        self.proc = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=self.log_file, stderr=subprocess.STDOUT,
            env=env, start_new_session=True,
        )  # fmt: skip
        self.env = dict(os.environ, XENSTORED_PATH=self.socket)
        deadline = time.monotonic() + 10
        while True:
            if self.proc.poll() is not None:
                self._dump_log()
                raise CaseFailure("xenstored exited at start (status %d)" % self.proc.returncode)
            try:
                with socket.socket(socket.AF_UNIX) as s:
                    s.connect(self.socket)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise CaseFailure("xenstored did not listen on %s within 10 s" % self.socket)
                time.sleep(0.02)

    def alive(self):
        return self.proc.poll() is None

    def _dump_log(self):
        if not self.log_file.closed:
            self.log_file.flush()
        with open(self.log_path, encoding="latin-1") as f:
            for ln in f.read().splitlines():
                self.t.log("[xenstored] " + ln)

    def stop(self, check=True):
        """SIGTERM, then checks that it exited cleanly with no sanitizer report."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
                self._dump_log()
                if check:
                    raise CaseFailure("xenstored ignored SIGTERM for 15 s")
        self.log_file.close()
        self._dump_log()
        with open(self.log_path, encoding="latin-1") as f:
            text = f.read()
        if check:
            for bad in ("AddressSanitizer", "LeakSanitizer", "runtime error:"):
                if bad in text:
                    raise CaseFailure("xenstored's log has a sanitizer report (%s)" % bad)
            if self.proc.returncode != 0:
                raise CaseFailure("xenstored exited with status %d" % self.proc.returncode)
        return text

    def run(self, argv, timeout=20, check=False):
        """Runs a client with XENSTORED_PATH set; returns (status, output)."""
        self.t.log("$ " + " ".join(shlex.quote(a) for a in argv))
        try:
            p = subprocess.run(
                argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                env=self.env, timeout=timeout, cwd=self.t.tmpdir,
            )  # fmt: skip
        except subprocess.TimeoutExpired as e:
            out = (e.stdout or b"").decode("latin-1")
            self.t.log(out)
            raise CaseFailure("%s did not finish within %d s" % (argv[0], timeout))
        out = p.stdout.decode("latin-1")
        for ln in out.splitlines():
            self.t.log("  " + ln)
        if check and p.returncode != 0:
            raise CaseFailure("%s failed (status %d): %s" % (" ".join(argv), p.returncode, out.strip()))
        return p.returncode, out

    def tool(self, commands, domid=None, timeout=30, extra=()):
        """Runs xs-tool (as dom0, or as simulated domain `domid`) with
        commands separated by ';'; returns its output lines."""
        argv = [XS_TOOL, "--socket", self.socket]
        if domid is not None:
            argv += ["--domid", str(domid), "--sim", self.sim] + list(extra)
        for i, c in enumerate(commands):
            if i:
                argv.append(";")
            argv += shlex.split(c)
        rc, out = self.run(argv, timeout=timeout)
        if rc != 0:
            raise CaseFailure("xs-tool failed (status %d): %s" % (rc, out.strip()))
        return out.splitlines()

    def tool_popen(self, commands, domid=None):
        argv = [XS_TOOL, "--socket", self.socket]
        if domid is not None:
            argv += ["--domid", str(domid), "--sim", self.sim]
        for i, c in enumerate(commands):
            if i:
                argv.append(";")
            argv += shlex.split(c)
        self.t.log("$ " + " ".join(shlex.quote(a) for a in argv) + " &")
        return subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=self.env)


@contextlib.contextmanager
def daemon(t, args=(), **kw):
    d = Daemon(t, args, **kw)
    try:
        yield d
    except BaseException:
        d.stop(check=False)
        raise
    d.stop()


def expect_lines(t, got, want, what):
    """Compares output lines with the expected ones; fails with the first difference."""
    for i, (g, w) in enumerate(zip(got, want)):
        if g != w:
            raise CaseFailure("%s: line %d is %r, expected %r" % (what, i + 1, g, w))
    if len(got) != len(want):
        raise CaseFailure("%s: %d lines, expected %d (%r vs %r)" % (what, len(got), len(want), got[len(want):], want[len(got):]))


# --- raw wire clients ---------------------------------------------------------


def message(typ, payload=b"", req_id=1, tx_id=0, length=None):
    if isinstance(typ, str):
        typ = TYPES[typ]
    if isinstance(payload, str):
        payload = payload.encode()
    return HEADER.pack(typ, req_id, tx_id, len(payload) if length is None else length) + payload


def args(*strings):
    """A payload of NUL-terminated strings."""
    return b"".join((s.encode() if isinstance(s, str) else s) + b"\0" for s in strings)


class WireClient:
    """The wire protocol over the daemon's socket, every wait bounded."""

    def __init__(self, d, timeout=5.0):
        self.s = socket.socket(socket.AF_UNIX)
        self.s.settimeout(timeout)
        self.s.connect(d.socket)
        self.req_id = 0
        self.events = []

    def close(self):
        self.s.close()

    def send_raw(self, data):
        self.s.sendall(data)

    def _read(self, n):
        buf = b""
        while len(buf) < n:
            chunk = self.s.recv(n - len(buf))
            if not chunk:
                return None
            buf += chunk
        return buf

    def read_message(self):
        """(type name, req_id, tx_id, payload), or None at end of stream."""
        h = self._read(HEADER.size)
        if h is None:
            return None
        typ, rid, tx, ln = HEADER.unpack(h)
        p = self._read(ln) if ln else b""
        if p is None:
            return None
        return NAMES.get(typ, typ), rid, tx, p

    def request(self, typ, payload=b"", tx_id=0):
        """Sends a request and returns (type, payload) of its reply; watch
        events that arrive first are kept in self.events."""
        self.req_id += 1
        self.send_raw(message(typ, payload, self.req_id, tx_id))
        while True:
            m = self.read_message()
            if m is None:
                raise CaseFailure("the daemon closed the connection after a %s request" % typ)
            if m[0] == "WATCH_EVENT":
                self.events.append(m[3])
                continue
            if m[1] != self.req_id:
                raise CaseFailure("reply with req_id %d to request %d" % (m[1], self.req_id))
            return m[0], m[3]

    def event(self):
        if self.events:
            return self.events.pop(0)
        m = self.read_message()
        if m is None or m[0] != "WATCH_EVENT":
            raise CaseFailure("expected a WATCH_EVENT, got %r" % (m,))
        return m[3]


class SimRing:
    """A simulated domain's ring, driven from Python: a memfd page and two
    eventfds registered on the daemon's simulation socket, so a case can
    write anything into the ring, including indices that lie."""

    def __init__(self, d, domid, mfn=None, port=7):
        self.domid, self.mfn, self.port = domid, mfn if mfn is not None else 5000 + domid, port
        self.memfd = os.memfd_create("sim-ring")
        os.ftruncate(self.memfd, 4096)
        self.page = mmap.mmap(self.memfd, 4096)
        self.to_store = os.eventfd(0, os.EFD_NONBLOCK)
        self.to_domain = os.eventfd(0, os.EFD_NONBLOCK)
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(5)
            s.connect(d.sim)
            line = ("%d %d %d\n" % (domid, self.mfn, port)).encode()
            socket.send_fds(s, [line], [self.memfd, self.to_store, self.to_domain])
            answer = s.recv(200).decode()
        if answer != "OK\n":
            raise CaseFailure("simulation socket refused the ring: %r" % answer)

    def close(self):
        self.page.close()
        for fd in (self.memfd, self.to_store, self.to_domain):
            os.close(fd)

    # Offsets in struct xenstore_domain_interface.
    REQ, RSP, REQ_CONS, REQ_PROD, RSP_CONS, RSP_PROD, FEATURES, CONNECTION, ERROR = (
        0, 1024, 2048, 2052, 2056, 2060, 2064, 2068, 2072)  # fmt: skip

    def get(self, off):
        return struct.unpack_from("<I", self.page, off)[0]

    def put(self, off, v):
        struct.pack_into("<I", self.page, off, v & 0xFFFFFFFF)

    def notify(self):
        os.eventfd_write(self.to_store, 1)

    def write(self, data):
        prod = self.get(self.REQ_PROD)
        for b in data:
            self.page[self.REQ + (prod % RING_SIZE)] = b
            prod += 1
        self.put(self.REQ_PROD, prod)
        self.notify()

    def wait(self, cond, timeout=5.0, what="the daemon"):
        deadline = time.monotonic() + timeout
        while not cond():
            if time.monotonic() > deadline:
                raise CaseFailure("timed out waiting for %s" % what)
            time.sleep(0.005)

    def read(self, n, timeout=5.0):
        out = b""

        def have():
            return (self.get(self.RSP_PROD) - self.get(self.RSP_CONS)) & 0xFFFFFFFF

        while len(out) < n:
            self.wait(lambda: have() > 0, timeout, "%d reply bytes on the ring" % n)
            cons = self.get(self.RSP_CONS)
            take = min(have(), n - len(out))
            for i in range(take):
                out += bytes([self.page[self.RSP + ((cons + i) % RING_SIZE)]])
            self.put(self.RSP_CONS, cons + take)
            self.notify()
        return out

    def read_message(self):
        typ, rid, tx, ln = HEADER.unpack(self.read(HEADER.size))
        return NAMES.get(typ, typ), rid, tx, self.read(ln) if ln else b""


def golden_check(t, d, name):
    """Runs the golden transcript tests/store/golden/<name>: lines "$ cmd"
    run with XENSTORED_PATH set; the lines up to the next "$" are its
    expected output (blank lines included), then "[exit N]" when the status
    is not 0.  Lines starting with "#" are comments."""
    path = os.path.join(GOLDEN_DIR, name)
    with open(path) as f:
        lines = [ln.rstrip("\n") for ln in f if not ln.startswith("#")]
    blocks, cur = [], None
    for ln in lines:
        if ln.startswith("$ "):
            cur = [ln[2:], []]
            blocks.append(cur)
        elif cur is not None:
            cur[1].append(ln)
    for cmd, want in blocks:
        rc, out = d.run(shlex.split(cmd))
        got = out.splitlines()
        if rc != 0:
            got.append("[exit %d]" % rc)
        expect_lines(t, got, want, "%s: `%s`" % (name, cmd))
    return len(blocks)
