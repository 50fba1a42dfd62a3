#!/usr/bin/env python3
"""The one test harness (DESIGN §6), used by every suite.

It runs two kinds of jobs, two at a time:

* unit tests: every executable $BUILD/unit/test_* (cmocka); each
  "[       OK ] name" is a PASS case unit/<binary>/<name>, each
  "[  FAILED  ] name" a FAIL; a binary that crashes or prints no results is a
  FAIL case unit/<binary>;
* system cases: Python functions registered by the files tests/<suite>/*.py
  (files whose name starts with "_" are helpers, imported by the others).
  A case function receives a Case object; Case.boot() starts QEMU (TCG) with
  hv or Xen by -kernel, or an ISO by -cdrom, and returns a Machine that can
  expect() output, send() input, expect_exit(), qmp() and pmemsave().

Every case prints exactly one of
    PASS name / FAIL name: why / XFAIL name: why / SKIP name: why
and the run ends with "N passed, N failed" (", N xfailed, N skipped" are
appended when nonzero).  The exit status is 1 if anything failed.  One log
per case: $BUILD/test-logs/<case name>.log; a failure prints its tail.
The harness never reads stdin.

Writing a case (tests/system/example.py):

    from harness import case

    @case("boot/example", tiers=("check", "test"), timeout=30)
    def _(t):
        vm = t.boot("hv", cmdline="loglvl=all", smp=2, mem="256M")
        vm.expect(r"Bring-up complete")
        vm.send(b"\\x01\\x01\\x01h")
        vm.expect(r"key 'm'")

A case fails by raising CaseFailure (t.fail(why)), by any other exception, or
by running past its timeout; t.skip(why) and t.xfail(why) end it otherwise.
A case registered with xfail="reason" reports XFAIL when it fails and FAIL
("unexpectedly passed") when it passes.
"""

import argparse
import concurrent.futures
import fnmatch
import glob
import importlib.util
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get("BUILD", "build")
if not os.path.isabs(BUILD):
    BUILD = os.path.join(ROOT, BUILD)
LOG_DIR = os.path.join(BUILD, "test-logs")
SUITE_DIRS = ["tests/system", "tests/conformance"]
QEMU = os.environ.get("QEMU", "qemu-system-x86_64")
DEFAULT_TIMEOUT = 30.0
# Tail of a failing case's log printed with its FAIL line.
TAIL_LINES = 40

# Images the cases refer to by name.
TARGETS = {
    "hv": os.path.join(BUILD, "hv"),
    "xen": os.path.join(BUILD, "xen", "xen"),
}
HV_ISO = os.path.join(BUILD, "hv.iso")


# --------------------------------------------------------------------------
# Outcomes


class CaseFailure(Exception):
    """The case failed; the message says why."""


class CaseSkip(Exception):
    """The case cannot run here; the message says why."""


class CaseXfail(Exception):
    """A known failure; the message says why."""


class Result:
    def __init__(self, name, status, why="", log=None, detail=None):
        self.name, self.status, self.why, self.log = name, status, why, log
        # Lines to print on failure instead of the log's tail.
        self.detail = detail

    def line(self):
        if self.status == "PASS":
            return "PASS " + self.name
        return "%s %s: %s" % (self.status, self.name, self.why or "no reason given")


# --------------------------------------------------------------------------
# Case registry


class CaseDef:
    def __init__(self, name, fn, tiers, timeout, xfail, doc):
        self.name, self.fn, self.tiers = name, fn, tuple(tiers)
        self.timeout, self.xfail, self.doc = timeout, xfail, doc


REGISTRY = {}


def case(name, tiers=("test",), timeout=DEFAULT_TIMEOUT, xfail=None):
    """Decorator registering fn(t) as the system case `name`.

    tiers: the tiers that run it ("check" and/or "test"; "test" runs every
    case anyway, except those whose only tier is "bench", which make bench
    runs).  timeout: seconds for the whole case.  xfail: a reason if
    the case is known to fail."""

    def register(fn):
        if name in REGISTRY:
            raise ValueError("case %s registered twice" % name)
        REGISTRY[name] = CaseDef(name, fn, tiers, timeout, xfail, fn.__doc__)
        return fn

    return register


def add_case(name, fn, **kw):
    """Non-decorator form of case(), for cases generated in loops."""
    case(name, **kw)(fn)


# Results of expensive shared work (e.g. an oracle boot of Xen for one QEMU
# configuration), computed once per run whichever case asks first.
_memo = {}
_memo_lock = threading.Lock()


def memo(key, compute):
    """Returns compute() the first time `key` is asked for, the same value
    (or the same exception) afterwards.  Concurrent askers wait."""
    with _memo_lock:
        entry = _memo.get(key)
        if entry is None:
            entry = {"event": threading.Event(), "owner": True}
            _memo[key] = entry
            mine = True
        else:
            mine = False
    if mine:
        try:
            entry["value"] = compute()
        except BaseException as e:  # noqa: B902 - re-raised to every asker
            entry["error"] = e
        entry["event"].set()
    else:
        entry["event"].wait()
    if "error" in entry:
        raise entry["error"]
    return entry["value"]


# --------------------------------------------------------------------------
# A QEMU machine


def initrd_arg(modules):
    """QEMU's -initrd value for [(path, args), ...]: "path args,path args";
    a comma inside a path or its arguments is written ",,"."""
    parts = []
    for m in modules:
        path, args = (m, "") if isinstance(m, str) else m
        text = path + (" " + args if args else "")
        parts.append(text.replace(",", ",,"))
    return ",".join(parts)


class Machine:
    """One QEMU process: serial on its stdin/stdout pipes, stderr and serial
    both copied to the case log, optional QMP socket."""

    def __init__(self, case_obj, label, argv, qmp_path=None):
        self.case = case_obj
        self.label = label
        self.argv = argv
        self.qmp_path = qmp_path
        self._qmp_sock = None
        self._qmp_file = None
        self._cond = threading.Condition()
        self._text = ""  # serial output so far, '\r' removed, latin-1
        self.pos = 0  # expect() searches from here
        self.returncode = None
        self.case.log("[%s] $ %s" % (label, " ".join(_shell_quote(a) for a in argv)))
        self.proc = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=ROOT,
            start_new_session=True,
        )
        self._threads = [
            threading.Thread(target=self._read_serial, daemon=True),
            threading.Thread(target=self._read_stderr, daemon=True),
        ]
        for th in self._threads:
            th.start()
        self._waiter = threading.Thread(target=self._wait, daemon=True)
        self._waiter.start()

    # -- background readers --------------------------------------------------
    def _read_serial(self):
        partial = b""
        fd = self.proc.stdout.fileno()
        while True:
            try:
                data = os.read(fd, 4096)
            except OSError:
                data = b""
            if not data:
                break
            text = data.decode("latin-1").replace("\r", "")
            with self._cond:
                self._text += text
                self._cond.notify_all()
            partial += data.replace(b"\r", b"")
            *lines, partial = partial.split(b"\n")
            for ln in lines:
                self.case.log_raw(ln.decode("latin-1"))
        if partial:
            self.case.log_raw(partial.decode("latin-1"))

    def _read_stderr(self):
        for ln in iter(self.proc.stderr.readline, b""):
            self.case.log("[%s stderr] %s" % (self.label, ln.decode("latin-1").rstrip("\n")))

    def _wait(self):
        rc = self.proc.wait()
        for th in self._threads:
            th.join(5)
        with self._cond:
            self.returncode = rc
            self._cond.notify_all()
        self.case.log("[%s] QEMU exited with status %d" % (self.label, rc))

    # -- the case API --------------------------------------------------------
    @property
    def output(self):
        """All serial output so far (str, latin-1, without '\\r')."""
        with self._cond:
            return self._text

    def _deadline(self, timeout):
        return self.case.deadline_for(timeout)

    def _complete(self, partial):
        """End of the text expect() may look at: only whole lines (so that a
        line still arriving cannot match half-way), unless `partial` or QEMU
        has exited."""
        if partial or self.returncode is not None:
            return len(self._text)
        return self._text.rfind("\n") + 1

    def expect(self, pattern, timeout=None, flags=re.M, partial=False):
        """Waits until the serial output after the previous match contains
        `pattern` (a regex, searched with re.M) within complete lines (pass
        partial=True for a prompt without a newline); returns the match and
        moves past it.  Fails the case on timeout or if QEMU exits first."""
        rx = re.compile(pattern, flags)
        deadline = self._deadline(timeout)
        with self._cond:
            while True:
                m = rx.search(self._text, self.pos, max(self.pos, self._complete(partial)))
                if m:
                    self.pos = m.end()
                    return m
                if self.returncode is not None:
                    raise CaseFailure(
                        "%s: QEMU exited (status %d) before /%s/ appeared"
                        % (self.label, self.returncode, pattern)
                    )
                left = deadline - time.monotonic()
                if left <= 0:
                    raise CaseFailure(
                        "%s: timed out after %.0f s waiting for /%s/"
                        % (self.label, self.case.elapsed(), pattern)
                    )
                self._cond.wait(min(left, 1.0))

    def expect_all(self, patterns, timeout=None, partial=False):
        """Each regex must appear (in any order) after the current position;
        returns the matches in order of `patterns` and moves past the last."""
        deadline = self._deadline(timeout)
        start = self.pos
        matches, end = [], start
        for p in patterns:
            self.pos = start
            m = self.expect(p, timeout=max(0.0, deadline - time.monotonic()), partial=partial)
            matches.append(m)
            end = max(end, m.end())
        self.pos = end
        return matches

    def wait_for(self, predicate, timeout=None, what="condition", partial=False):
        """Waits until predicate(output) is true (re-evaluated on new output;
        only complete lines unless partial); returns its value."""
        deadline = self._deadline(timeout)
        with self._cond:
            while True:
                v = predicate(self._text[: self._complete(partial)])
                if v:
                    return v
                if self.returncode is not None:
                    raise CaseFailure(
                        "%s: QEMU exited (status %d) before %s" % (self.label, self.returncode, what)
                    )
                left = deadline - time.monotonic()
                if left <= 0:
                    raise CaseFailure("%s: timed out waiting for %s" % (self.label, what))
                self._cond.wait(min(left, 1.0))

    def send(self, data):
        """Writes bytes (or str, as latin-1) to the serial input."""
        if isinstance(data, str):
            data = data.encode("latin-1")
        self.case.log("[%s] >>> send %r" % (self.label, data))
        try:
            self.proc.stdin.write(data)
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError) as e:
            raise CaseFailure("%s: cannot send input: %s" % (self.label, e))

    def expect_exit(self, timeout=None):
        """Waits for QEMU to exit and returns its exit status: 0 after a
        reset or power-off under -no-reboot, (v << 1) | 1 after the guest
        wrote v to the isa-debug-exit port (see debug_exit_value())."""
        deadline = self._deadline(timeout)
        with self._cond:
            while self.returncode is None:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise CaseFailure(
                        "%s: QEMU still running after %.0f s (expected it to exit)"
                        % (self.label, self.case.elapsed())
                    )
                self._cond.wait(min(left, 1.0))
            return self.returncode

    @staticmethod
    def debug_exit_value(status):
        """The value the guest wrote to isa-debug-exit, or None if `status`
        is not such an exit."""
        if status is not None and status > 0 and status & 1:
            return status >> 1
        return None

    def expect_running(self, seconds):
        """Fails if QEMU exits within `seconds` (for "must not reset")."""
        end = time.monotonic() + seconds
        with self._cond:
            while self.returncode is None:
                left = end - time.monotonic()
                if left <= 0:
                    return
                self._cond.wait(min(left, 1.0))
            raise CaseFailure("%s: QEMU exited (status %d) but should have stayed up" % (self.label, self.returncode))

    @property
    def running(self):
        with self._cond:
            return self.returncode is None

    # -- QMP -------------------------------------------------------------------
    def _qmp_connect(self):
        if self._qmp_sock:
            return
        if not self.qmp_path:
            raise CaseFailure("%s: booted without qmp=True" % self.label)
        deadline = self._deadline(None)
        while True:
            try:
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.connect(self.qmp_path)
                break
            except OSError:
                s.close()
                if not self.running or time.monotonic() > deadline:
                    raise CaseFailure("%s: cannot connect to QMP at %s" % (self.label, self.qmp_path))
                time.sleep(0.05)
        s.settimeout(max(1.0, deadline - time.monotonic()))
        self._qmp_sock = s
        self._qmp_file = s.makefile("rwb")
        greeting = self._qmp_read()
        if "QMP" not in greeting:
            raise CaseFailure("%s: unexpected QMP greeting %r" % (self.label, greeting))
        self.qmp("qmp_capabilities")

    def _qmp_read(self):
        while True:
            line = self._qmp_file.readline()
            if not line:
                raise CaseFailure("%s: QMP connection closed" % self.label)
            msg = json.loads(line)
            if "event" in msg:
                self.case.log("[%s qmp] event %s" % (self.label, msg.get("event")))
                continue
            return msg

    def qmp(self, command, **arguments):
        """Runs a QMP command and returns its "return" value."""
        if command != "qmp_capabilities":
            self._qmp_connect()
        req = {"execute": command}
        if arguments:
            req["arguments"] = arguments
        self.case.log("[%s qmp] -> %s" % (self.label, json.dumps(req)))
        try:
            self._qmp_file.write(json.dumps(req).encode() + b"\n")
            self._qmp_file.flush()
            resp = self._qmp_read()
        except (OSError, ValueError) as e:
            raise CaseFailure("%s: QMP %s failed: %s" % (self.label, command, e))
        self.case.log("[%s qmp] <- %s" % (self.label, json.dumps(resp)[:500]))
        if "error" in resp:
            raise CaseFailure("%s: QMP %s: %s" % (self.label, command, resp["error"].get("desc")))
        return resp.get("return")

    def hmp(self, command_line):
        """Runs a human-monitor command through QMP; returns its text."""
        return self.qmp("human-monitor-command", **{"command-line": command_line})

    def pmemsave(self, addr, size):
        """Returns `size` bytes of guest-physical memory at `addr`."""
        path = os.path.join(self.case.tmpdir, "pmem-%x-%d.bin" % (addr, time.monotonic_ns()))
        self.qmp("pmemsave", val=addr, size=size, filename=path)
        with open(path, "rb") as f:
            return f.read()

    # -- teardown ----------------------------------------------------------------
    def kill(self):
        if self._qmp_sock:
            try:
                self._qmp_sock.close()
            except OSError:
                pass
            self._qmp_sock = None
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except OSError:
                pass
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            pass
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        self._waiter.join(10)


def rel(path):
    """`path` relative to the repository when inside it, for messages."""
    r = os.path.relpath(path, ROOT)
    return path if r.startswith("..") else r


def _shell_quote(s):
    if re.fullmatch(r"[\w@%+=:,./-]+", s):
        return s
    return "'" + s.replace("'", "'\\''") + "'"


# --------------------------------------------------------------------------
# The object a case function receives


class Case:
    def __init__(self, cdef, log_path):
        self.name = cdef.name
        self.timeout = cdef.timeout
        self.log_path = log_path
        self._log_lock = threading.Lock()
        self._log = open(log_path, "w", encoding="utf-8", errors="replace")
        self.start = time.monotonic()
        self.deadline = self.start + self.timeout
        self.machines = []
        self.tmpdir = tempfile.mkdtemp(prefix="hvt-")
        self._nvm = 0

    # -- logging -----------------------------------------------------------------
    def log_raw(self, line):
        with self._log_lock:
            if not self._log.closed:
                self._log.write(line + "\n")
                self._log.flush()

    def log(self, msg):
        self.log_raw("## %6.2fs %s" % (self.elapsed(), msg))

    def elapsed(self):
        return time.monotonic() - self.start

    def deadline_for(self, timeout):
        """The absolute deadline of a wait of `timeout` seconds, never past
        the case's own deadline."""
        if timeout is None:
            return self.deadline
        return min(self.deadline, time.monotonic() + timeout)

    # -- outcomes ------------------------------------------------------------------
    def fail(self, why):
        raise CaseFailure(why)

    def skip(self, why):
        raise CaseSkip(why)

    def xfail(self, why):
        raise CaseXfail(why)

    def check(self, cond, why):
        if not cond:
            raise CaseFailure(why)

    # -- images ----------------------------------------------------------------------
    def require_file(self, path, what=None):
        if not os.path.exists(path):
            raise CaseFailure("%s missing (%s)" % (rel(path), what or "not built"))
        return path

    def require_xen(self):
        """The Xen oracle image; SKIP if absent and HV_ALLOW_NO_XEN=1,
        otherwise FAIL."""
        path = TARGETS["xen"]
        if os.path.exists(path):
            return path
        why = "%s missing (scripts/fetch-xen.sh fetches it)" % rel(path)
        log = os.path.join(BUILD, "xen", "download.log")
        if os.path.exists(log):
            with open(log, encoding="latin-1") as f:
                tail = [ln.strip() for ln in f if ln.strip()]
            if tail:
                why += "; last download message: " + tail[-1]
        if os.environ.get("HV_ALLOW_NO_XEN") == "1":
            raise CaseSkip(why)
        raise CaseFailure(why)

    def make_iso(self, cmdline, modules=(), name="hv.iso", image=None):
        """Builds a variant GRUB ISO for this case with scripts/mkiso.sh:
        hv's command line and [(path, args) or path] modules (module2
        lines); returns its path."""
        image = image or os.path.join(BUILD, "hv.gz")
        self.require_file(image)
        out = os.path.join(self.tmpdir, name)
        argv = ["sh", os.path.join(ROOT, "scripts", "mkiso.sh"), out, cmdline]
        for m in modules:
            path, args = (m, "") if isinstance(m, str) else m
            argv += [path, args]
        self.log("$ " + " ".join(_shell_quote(a) for a in argv))
        env = dict(os.environ, BUILD=BUILD, HV_IMAGE=image)
        p = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
        for ln in p.stdout.decode("latin-1").splitlines():
            self.log("[mkiso] " + ln)
        if p.returncode != 0:
            raise CaseFailure("scripts/mkiso.sh failed (status %d)" % p.returncode)
        return out

    def run(self, argv, what=None):
        """Runs a host command (no stdin), logging its output; fails the
        case if it fails.  Returns its stdout+stderr text."""
        self.log("$ " + " ".join(_shell_quote(a) for a in argv))
        try:
            p = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=ROOT)
        except OSError as e:
            raise CaseFailure("%s: %s" % (what or argv[0], e))
        out = p.stdout.decode("latin-1")
        for ln in out.splitlines():
            self.log("[%s] %s" % (os.path.basename(argv[0]), ln))
        if p.returncode != 0:
            raise CaseFailure("%s failed (status %d)" % (what or " ".join(argv), p.returncode))
        return out

    def tmpfile(self, name, data):
        """Writes a scratch file for this case and returns its path."""
        path = os.path.join(self.tmpdir, name)
        with open(path, "wb") as f:
            f.write(data if isinstance(data, bytes) else data.encode())
        return path

    # -- booting ---------------------------------------------------------------------
    def boot(
        self,
        target="hv",
        cmdline="",
        modules=(),
        iso=None,
        smp=None,
        mem=None,
        cpu=None,
        machine=None,
        extra=(),
        qmp=False,
        icount="shift=auto,sleep=off",
        label=None,
    ):
        """Starts QEMU and returns a Machine.

        target: "hv", "xen" or an image path booted by -kernel (ignored when
        iso is given).  cmdline: -append.  modules: [(path, args) or path]
        for -initrd.  iso: an ISO booted by -cdrom instead (True means
        $BUILD/hv.iso).  smp, mem, cpu, machine: -smp, -m, -cpu, -machine.
        extra: more QEMU arguments.  qmp: open a QMP socket (for qmp(),
        pmemsave()).  icount: the -icount value, or None for plain TCG."""
        self._nvm += 1
        label = label or ("vm%d" % self._nvm)
        argv = [QEMU, "-accel", "tcg"]
        if icount:
            argv += ["-icount", icount]
        argv += [
            "-display", "none", "-no-reboot",
            "-monitor", "none", "-serial", "stdio", "-parallel", "none",
            "-nic", "none",
            "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
        ]  # fmt: skip
        if smp is not None:
            argv += ["-smp", str(smp)]
        if mem is not None:
            argv += ["-m", str(mem)]
        if cpu is not None:
            argv += ["-cpu", cpu]
        if machine is not None:
            argv += ["-machine", machine]
        if iso:
            iso_path = HV_ISO if iso is True else iso
            self.require_file(iso_path, "scripts/mkiso.sh builds it")
            argv += ["-cdrom", iso_path, "-boot", "d"]
        else:
            image = TARGETS.get(target, target)
            if target == "xen":
                self.require_xen()
            else:
                self.require_file(image)
            argv += ["-kernel", image]
            if cmdline:
                argv += ["-append", cmdline]
            if modules:
                for m in modules:
                    self.require_file(m if isinstance(m, str) else m[0], "module")
                argv += ["-initrd", initrd_arg(modules)]
        qmp_path = None
        if qmp:
            qmp_path = os.path.join(self.tmpdir, "qmp-%s.sock" % label)
            argv += ["-qmp", "unix:%s,server=on,wait=off" % qmp_path]
        argv += list(extra)
        vm = Machine(self, label, argv, qmp_path)
        self.machines.append(vm)
        return vm

    def close(self):
        for vm in self.machines:
            vm.kill()
        shutil.rmtree(self.tmpdir, ignore_errors=True)
        with self._log_lock:
            self._log.close()


# --------------------------------------------------------------------------
# Running jobs


def log_path_for(name):
    path = os.path.join(LOG_DIR, name + ".log")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    return path


def tail(path, n=TAIL_LINES):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            lines = f.read().splitlines()
    except OSError:
        return []
    return lines[-n:]


def run_system_case(cdef):
    log = log_path_for(cdef.name)
    t = Case(cdef, log)
    t.log("case %s (timeout %.0f s)" % (cdef.name, cdef.timeout))
    # A watchdog kills the machines at the deadline so that nothing blocks
    # past it (expect() and friends time out on their own as well).
    stop = threading.Event()

    def watchdog():
        if not stop.wait(cdef.timeout + 5):
            t.log("watchdog: case overran its timeout; killing QEMU")
            for vm in list(t.machines):
                vm.kill()

    threading.Thread(target=watchdog, daemon=True).start()
    try:
        cdef.fn(t)
        status, why = "PASS", ""
    except CaseFailure as e:
        status, why = "FAIL", str(e)
    except CaseSkip as e:
        status, why = "SKIP", str(e)
    except CaseXfail as e:
        status, why = "XFAIL", str(e)
    except Exception as e:  # a bug in the case is a failure too
        status, why = "FAIL", "%s: %s" % (type(e).__name__, e)
        t.log("exception:\n" + traceback.format_exc())
    stop.set()
    if status == "PASS" and t.elapsed() > cdef.timeout:
        status, why = "FAIL", "took %.0f s, over its %.0f s timeout" % (t.elapsed(), cdef.timeout)
    if cdef.xfail:
        if status == "FAIL":
            status, why = "XFAIL", "%s (%s)" % (cdef.xfail, why)
        elif status == "PASS":
            status, why = "FAIL", "unexpectedly passed (marked xfail: %s)" % cdef.xfail
    t.log("%s %s" % (status, why))
    t.close()
    return [Result(cdef.name, status, why, log)]


CMOCKA_LINE = re.compile(r"^\[ *(RUN|OK|FAILED|ERROR|SKIPPED) *\] (.*)$")


def parse_cmocka(text):
    """[(status, test name, its output lines)] from cmocka's standard output
    format, in order, each test once.  A test counts once its "[ RUN ]" line
    is seen; its status is the first of OK/FAILED/ERROR/SKIPPED naming it, or
    "RUN" if it never finished (the binary crashed in it).  Lines such as
    "[  ERROR   ] --- message" or the summary are output, not results."""
    order, state, output = [], {}, {}
    current = None
    for raw in text.splitlines():
        m = CMOCKA_LINE.match(raw.strip())
        if m:
            kind, name = m.group(1), m.group(2).strip()
            if kind == "RUN":
                if name not in state:
                    order.append(name)
                    output[name] = []
                state[name] = "RUN"
                current = name
                output[name].append(raw)
                continue
            if name in state:
                if state[name] == "RUN":
                    state[name] = kind
                output[name].append(raw)
                if name == current:
                    current = None
                continue
        if current is not None:
            output[current].append(raw)
    return [(state[n], n, output[n]) for n in order]


def run_unit_binary(path, selected):
    base = os.path.basename(path)
    log = log_path_for("unit/" + base)
    timeout = float(os.environ.get("UNIT_TIMEOUT", "120"))
    env = dict(os.environ)
    env.setdefault("CMOCKA_MESSAGE_OUTPUT", "STDOUT")
    env.setdefault("ASAN_OPTIONS", "detect_leaks=1")
    start = time.monotonic()
    try:
        p = subprocess.run(
            [path], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, timeout=timeout, env=env, cwd=ROOT,
        )  # fmt: skip
        out, rc = p.stdout.decode("utf-8", "replace"), p.returncode
    except subprocess.TimeoutExpired as e:
        out, rc = (e.stdout or b"").decode("utf-8", "replace"), None
    except OSError as e:
        out, rc = "cannot run %s: %s\n" % (path, e), -1
    with open(log, "w", encoding="utf-8") as f:
        f.write(out)
        f.write("\n## exit status %s after %.1f s\n" % (rc, time.monotonic() - start))
    results = []
    parsed = parse_cmocka(out)
    for status, name, lines in parsed:
        cname = "unit/%s/%s" % (base, name)
        if status == "OK":
            results.append(Result(cname, "PASS", "", log))
        elif status == "SKIPPED":
            results.append(Result(cname, "SKIP", "skipped by the test", log))
        elif status == "RUN":
            # It never finished: what follows in the log (a sanitizer report,
            # a signal) is the story.
            results.append(Result(cname, "FAIL", "started but never finished (crash?)", log))
        else:
            msgs = [ln.strip() for ln in lines if re.search(r"\] --- ", ln)]
            why = "cmocka reports %s" % status + (": " + msgs[0].rsplit("--- ", 1)[1] if msgs else "")
            results.append(Result(cname, "FAIL", why, log, detail=lines))
    failed = any(r.status == "FAIL" for r in results)
    if rc is None:
        results.append(Result("unit/" + base, "FAIL", "timed out after %.0f s" % timeout, log))
    elif not parsed:
        results.append(Result("unit/" + base, "FAIL", "printed no cmocka results (exit status %d)" % rc, log))
    elif rc != 0 and not failed:
        why = "exited with status %d" % rc if rc > 0 else "killed by signal %d" % -rc
        results.append(Result("unit/" + base, "FAIL", why + " although every test passed", log))
    # Failures of the binary as a whole are always reported; its tests only
    # when selected.
    return [r for r in results if r.name == "unit/" + base or selected(r.name)]


# --------------------------------------------------------------------------
# Loading and selecting


def load_suites():
    sys.modules.setdefault("harness", sys.modules[__name__])
    for d in SUITE_DIRS:
        full = os.path.join(ROOT, d)
        if not os.path.isdir(full):
            continue
        if full not in sys.path:
            sys.path.insert(0, full)
        for path in sorted(glob.glob(os.path.join(full, "*.py"))):
            if os.path.basename(path).startswith("_"):
                continue
            modname = "suite_%s_%s" % (d.replace("/", "_"), os.path.basename(path)[:-3])
            spec = importlib.util.spec_from_file_location(modname, path)
            mod = importlib.util.module_from_spec(spec)
            sys.modules[modname] = mod
            spec.loader.exec_module(mod)


def make_selector(patterns):
    """A predicate on case names: no patterns select everything; otherwise a
    name is selected if any pattern matches it (fnmatch when the pattern has
    wildcards, else substring)."""
    pats = [p for p in re.split(r"[,\s]+", patterns or "") if p]
    if not pats:
        return lambda name: True

    def selected(name):
        for p in pats:
            if any(c in p for c in "*?["):
                if fnmatch.fnmatchcase(name, p) or fnmatch.fnmatchcase(name, p + "/*"):
                    return True
            elif p in name:
                return True
        return False

    return selected


def unit_binary_may_match(base, patterns):
    """Whether the selection could pick a result of binary `base`, whose
    test names are only known by running it: a wildcard pattern whose literal
    start agrees with "unit/<base>/", a substring of that, or a bare word
    that names no system case (it may be part of a test function's name)."""
    pats = [p for p in re.split(r"[,\s]+", patterns or "") if p]
    if not pats:
        return True
    prefix = "unit/%s/" % base
    for p in pats:
        if any(c in p for c in "*?["):
            lit = re.split(r"[*?\[]", p, 1)[0]
            if prefix.startswith(lit) or lit.startswith(prefix):
                return True
        elif p in prefix or p.startswith(prefix):
            return True
        elif "/" not in p and not any(p in name for name in REGISTRY):
            return True
    return False


def unit_binaries():
    paths = sorted(glob.glob(os.path.join(BUILD, "unit", "test_*")))
    return [p for p in paths if os.path.isfile(p) and os.access(p, os.X_OK)]


def main(argv=None):
    ap = argparse.ArgumentParser(description="hv test harness (DESIGN §6)")
    ap.add_argument("--tier", choices=("check", "test", "bench"), default="test")
    ap.add_argument("--select", default=os.environ.get("TESTS", ""), help="fnmatch pattern or substring of case names (comma-separated list)")
    ap.add_argument("--list", action="store_true", help="list the selected cases and exit")
    ap.add_argument("--jobs", "-j", type=int, default=int(os.environ.get("HARNESS_JOBS", "2")))
    ap.add_argument("--no-unit", action="store_true", help="skip the unit-test binaries")
    args = ap.parse_args(argv)

    load_suites()
    selected = make_selector(args.select)
    # "test" runs every case but the benchmarks (tier "bench" only).
    cases = [
        c
        for c in REGISTRY.values()
        if ((args.tier == "test" and c.tiers != ("bench",)) or args.tier in c.tiers) and selected(c.name)
    ]
    units = [] if args.no_unit else [p for p in unit_binaries() if unit_binary_may_match(os.path.basename(p), args.select)]

    if args.list:
        for p in units:
            print("unit/%s/*" % os.path.basename(p))
        for c in cases:
            print(c.name + ("  (xfail: %s)" % c.xfail if c.xfail else ""))
        return 0

    os.makedirs(LOG_DIR, exist_ok=True)
    out_lock = threading.Lock()
    counts = {"PASS": 0, "FAIL": 0, "XFAIL": 0, "SKIP": 0}

    def report(results):
        with out_lock:
            for r in results:
                counts[r.status] += 1
                print(r.line(), flush=True)
                if r.status == "FAIL" and (r.log or r.detail):
                    if r.detail:
                        lines = r.detail[-TAIL_LINES:]
                        head = "---- output of the test (all of it: %s) ----" % rel(r.log)
                    else:
                        lines = tail(r.log)
                        head = "---- last %d lines of %s ----" % (len(lines), rel(r.log))
                    if lines:
                        print(head)
                        for ln in lines:
                            print("    " + ln)
                        print("----", flush=True)

    # Unit binaries first (fast), then the system cases, longest timeout
    # first so that the slow ones do not trail at the end.
    jobs = [("unit", p) for p in units]
    jobs += [("case", c) for c in sorted(cases, key=lambda c: -c.timeout)]
    start = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        futs = []
        for kind, obj in jobs:
            if kind == "unit":
                futs.append(pool.submit(run_unit_binary, obj, selected))
            else:
                futs.append(pool.submit(run_system_case, obj))
        for fut in concurrent.futures.as_completed(futs):
            try:
                report(fut.result())
            except Exception as e:  # the harness itself went wrong
                report([Result("harness", "FAIL", "%s: %s" % (type(e).__name__, e))])

    line = "%d passed, %d failed" % (counts["PASS"], counts["FAIL"])
    if counts["XFAIL"]:
        line += ", %d xfailed" % counts["XFAIL"]
    if counts["SKIP"]:
        line += ", %d skipped" % counts["SKIP"]
    if not jobs:
        print("no cases selected (tier %s, select %r)" % (args.tier, args.select), file=sys.stderr)
    print("harness: %.0f s, logs in %s" % (time.monotonic() - start, rel(LOG_DIR)), file=sys.stderr)
    print(line, flush=True)
    return 1 if counts["FAIL"] else 0


if __name__ == "__main__":
    sys.exit(main())
