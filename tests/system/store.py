"""The hosted store (issue 5): xenstored and libxs on private temporary
sockets, driven by Debian's xenstore-utils, libxs (xs-tool, also as
simulated unprivileged domains over a shared ring) and raw wire messages.
Helpers live in tests/store/storetest.py."""

import os
import sys

from harness import ROOT, case

sys.path.insert(0, os.path.join(ROOT, "tests", "store"))
import storetest as st  # noqa: E402


@case("store/golden-basic", tiers=("check", "test"))
def _(t):
    """Debian's xenstore-* commands against our daemon: tests/store/golden/basic.txt."""
    with st.daemon(t) as d:
        n = st.golden_check(t, d, "basic.txt")
        t.log("%d commands matched the transcript" % n)


def home(d, domid, extra=()):
    """/local/domain/<domid> owned by the domain, as a toolstack makes it."""
    d.tool(["mkdir /local/domain/%d" % domid, "setperms /local/domain/%d n%d" % (domid, domid)] + list(extra))


@case("store/domain-permissions", tiers=("check", "test"))
def _(t):
    """Domain 5 over its simulated ring: relative paths, ENOENT vs EACCES,
    refused writes and permission changes, watch events filtered by read
    permission (and relative for relative watches)."""
    with st.daemon(t) as d:
        home(d, 5)
        d.tool(["write /secret/key s", "mkdir /public", "setperms /public r0", "write /public/key p"])
        out = d.tool(
            [
                "write data/x 1", "read data/x", "getperms data/x", "read /local/domain/5/data/x",
                "read /secret/key", "read /secret/nope", "read /public/key", "read /public/nope",
                "write /public/key 2", "write /public/new 2", "rm /public", "setperms /public b5",
                "setperms data/x n0", "setperms data/x n5 r0",
                "watch data w1", "event 2000", "watch / w2", "event 2000",
                "write data/y 2", "event 2000", "event 2000",
                "noevent 300",
            ],
            domid=5,
        )  # fmt: skip
        st.expect_lines(t, out, [
            "ok", "value 1", "perms n5", "value 1",
            "error EACCES", "error EACCES", "value p", "error ENOENT",
            "error EACCES", "error EACCES", "error EACCES", "error EACCES",
            "error EPERM", "ok",
            "ok", "event data w1", "ok", "event / w2",
            "ok", "event data/y w1", "event /local/domain/5/data/y w2",
            "none",
        ], "domain 5")  # fmt: skip
        # Events on nodes domain 6 cannot read never reach it.
        home(d, 6)
        p = d.tool_popen(["watch / all", "event 2000", "event 3000", "event 3000"], domid=6)
        try:
            out6 = p.communicate(timeout=20)[0].decode().splitlines()
        except Exception:
            p.kill()
            raise
        t.log("domain 6: %r" % out6)
        # Nothing was written while it watched: the first event, then timeouts.
        st.expect_lines(t, out6, ["ok", "event / all", "timeout", "timeout"], "domain 6")
        d.tool(["write /secret/key 2", "write /public/key 3"])


@case("store/domain-watch-filter", tiers=("check", "test"))
def _(t):
    """A domain watching / sees changes to nodes it may read, not others."""
    with st.daemon(t) as d:
        home(d, 6)
        d.tool(["write /public/a 0", "setperms /public/a r0", "write /secret/a 0"])
        p = d.tool_popen(["watch / all", "event 5000", "event 5000", "noevent 500"], domid=6)
        # Wait until domain 6 is introduced before writing.
        for _ in range(200):
            if "T" in d.tool(["introduced 6"]):
                break
            p.poll()
            t.check(p.returncode is None, "the domain-6 client exited early")
            d.run(["sleep", "0.02"])
        d.tool(["write /secret/a 1", "write /public/a 1", "write /secret/a 2"])
        out = p.communicate(timeout=20)[0].decode().splitlines()
        st.expect_lines(t, out, ["ok", "event / all", "event /public/a all", "none"], "domain 6")


@case("store/domain-quota", tiers=("check", "test"))
def _(t):
    """Quota refusals for an unprivileged domain, with small quotas given on
    the command line: nodes (ENOSPC), value size (ENOSPC), watches (E2BIG),
    transactions (ENOSPC), permission entries (ENOSPC); dom0 is not limited."""
    args = ["--entry-nb", "8", "--entry-size", "10", "--watch-nb", "2", "--transaction", "1", "--perm-nb", "2"]
    with st.daemon(t, args) as d:
        home(d, 5)
        out = d.tool(
            [
                "fill f 20", "write big 01234567890", "write small 0123456789",
                "watch a 1", "watch a 2", "watch a 3", "txstart", "txstart",
                "setperms small n5 r1 r2", "setperms small n5 r1",
            ],
            domid=5,
        )  # fmt: skip
        # The home, f and f/0..f/5 make 8 nodes; then the remaining writes
        # find no room for a new node either.  The permission list's length
        # is checked before the node is looked up.
        st.expect_lines(t, out, [
            "filled 6 error ENOSPC", "error ENOSPC", "error ENOSPC",
            "ok", "ok", "error E2BIG", "ok", "error ENOSPC",
            "error ENOSPC", "error ENOENT",
        ], "domain 5")  # fmt: skip
        out = d.tool(["fill /local/domain/5/f 50", "write /local/domain/5/big 01234567890"])
        st.expect_lines(t, out, ["filled 50", "ok"], "dom0")


@case("store/concurrent-increments", tiers=("check", "test"), timeout=90)
def _(t):
    """Four simulated domains and two dom0 socket clients each make 150
    transactional increments of one counter at the same time, retrying on
    EAGAIN: the counter ends at exactly 900."""
    per, domains, sockets = 150, (11, 12, 13, 14), 2
    with st.daemon(t) as d:
        d.tool(["write /shared/counter 0", "setperms /shared/counter n0 b11 b12 b13 b14"])
        procs = [d.tool_popen(["incr /shared/counter %d" % per], domid=dom) for dom in domains]
        procs += [d.tool_popen(["incr /shared/counter %d" % per]) for _ in range(sockets)]
        retries = 0
        for p in procs:
            try:
                out = p.communicate(timeout=80)[0].decode()
            except Exception:
                for q in procs:
                    q.kill()
                raise
            t.log("incrementer: %s" % out.strip())
            t.check(out.startswith("done %d retries" % per), "an incrementer failed: %r" % out)
            retries += int(out.split()[-1])
        total = d.tool(["read /shared/counter"])
        t.log("%d retries in all" % retries)
        st.expect_lines(t, total, ["value %d" % (per * (len(domains) + sockets))], "the counter")


@case("store/release", tiers=("check", "test"))
def _(t):
    """RELEASE fires @releaseDomain for dom0's watchers, ends the domain's
    watches and transactions (it sees no more events), and the daemon goes
    on serving others; the domain id can be introduced again."""
    with st.daemon(t) as d:
        home(d, 8)
        w = st.WireClient(d)
        typ, _ = w.request("WATCH", st.args("@releaseDomain", "rel"))
        t.check(typ == "WATCH", "WATCH @releaseDomain answered %s" % typ)
        t.check(w.event() == st.args("@releaseDomain", "rel"), "no initial @releaseDomain event")
        p = d.tool_popen(["watch / dom8", "event 3000", "txstart", "write x 1", "event 4000"], domid=8)
        for _ in range(300):
            if "T" in d.tool(["introduced 8"]):
                break
            d.run(["sleep", "0.02"])
        d.tool(["release 8"])
        t.check(w.event() == st.args("@releaseDomain", "rel"), "no @releaseDomain event after RELEASE")
        st.expect_lines(t, d.tool(["introduced 8", "release 8", "write /after 1"]), ["F", "error ENOENT", "ok"], "after release")
        out = p.communicate(timeout=20)[0].decode().splitlines()
        t.log("domain 8: %r" % out)
        # Released before or after its transaction started: either way no
        # event reaches it after the release, and its requests get no answer.
        t.check("event /after dom8" not in out, "the released domain still got events: %r" % out)
        # The same domid can come back.
        out = d.tool(["read /after"], domid=8, extra=["--mfn", "99"])
        st.expect_lines(t, out, ["error EACCES"], "domain 8 again")
        w.close()


@case("store/malformed-socket", tiers=("check", "test"))
def _(t):
    """Hostile input on the socket: missing NUL, unknown types, ERROR and
    WATCH_EVENT as requests, over-long and empty paths, bad transaction ids
    get error replies; an oversized length or a client that vanishes
    mid-message only ends that connection; others are served throughout."""
    with st.daemon(t) as d:
        other = st.WireClient(d)
        c = st.WireClient(d)
        long_path = "/" + "a" * (st.PAYLOAD_MAX - 10)
        cases = [
            (("READ", b"/tool"), ("ERROR", b"EINVAL\0")),
            (("READ", b""), ("ERROR", b"EINVAL\0")),
            (("READ", st.args("")), ("ERROR", b"EINVAL\0")),
            ((99, st.args("/")), ("ERROR", b"ENOSYS\0")),
            (("ERROR", st.args("/")), ("ERROR", b"ENOSYS\0")),
            (("WATCH_EVENT", st.args("/", "t")), ("ERROR", b"ENOSYS\0")),
            (("WRITE", st.args(long_path) + b"v"), ("ERROR", b"EINVAL\0")),
            (("WRITE", b"/no-nul-at-all"), ("ERROR", b"EINVAL\0")),
            (("SET_PERMS", st.args("/tool", "z0")), ("ERROR", b"EINVAL\0")),
            (("WATCH", st.args("/only-path")), ("ERROR", b"EINVAL\0")),
            (("TRANSACTION_END", st.args("T")), ("ERROR", b"ENOENT\0")),
            (("INTRODUCE", st.args("abc", "1", "1")), ("ERROR", b"EINVAL\0")),
            (("INTRODUCE", st.args("9", "1", "1")), ("ERROR", b"EINVAL\0")),
            (("DIRECTORY_PART", st.args("/", "-1")), ("ERROR", b"EINVAL\0")),
            (("GET_DOMAIN_PATH", st.args("65536")), ("ERROR", b"EINVAL\0")),
        ]
        for (typ, payload), want in cases:
            got = c.request(typ, payload)
            t.check(got == want, "%s %r answered %r, expected %r" % (typ, payload[:40], got, want))
        got = c.request("READ", st.args("/tool"), tx_id=777)
        t.check(got == ("ERROR", b"ENOENT\0"), "READ in transaction 777 answered %r" % (got,))
        # A header announcing more than XENSTORE_PAYLOAD_MAX: the connection is dropped.
        c.send_raw(st.message("READ", b"", length=st.PAYLOAD_MAX + 1))
        t.check(c.read_message() is None, "an oversized header did not end the connection")
        # Half a message, then gone.
        half = st.WireClient(d)
        half.send_raw(st.message("WRITE", st.args("/half") + b"value")[:20])
        half.close()
        # A header only, then gone.
        h2 = st.WireClient(d)
        h2.send_raw(st.message("READ", st.args("/tool"))[:7])
        h2.close()
        got = other.request("READ", st.args("/tool"))
        t.check(got == ("READ", b""), "the other client got %r" % (got,))
        got = other.request("READ", st.args("/half"))
        t.check(got == ("ERROR", b"ENOENT\0"), "a half-sent WRITE was applied: %r" % (got,))
        t.check(d.alive(), "xenstored died")
        other.close()


def introduce(d, ring):
    out = d.tool(["introduce %d %d %d" % (ring.domid, ring.mfn, ring.port)])
    st.expect_lines(d.t, out, ["ok"], "INTRODUCE %d" % ring.domid)


@case("store/malformed-ring", tiers=("check", "test"))
def _(t):
    """A domain's ring written by hand: a request split across the ring's
    end works; indices claiming more than a ring of data mark the ring
    (error field XENSTORE_ERROR_RINGIDX) and stop serving that domain; an
    oversized header marks it XENSTORE_ERROR_PROTO; INTRODUCE of a ring
    nobody registered is EINVAL; the daemon keeps serving everyone else."""
    with st.daemon(t) as d:
        good = st.SimRing(d, 21)
        introduce(d, good)
        t.check(good.get(good.FEATURES) & 2, "server_features lacks XENSTORE_SERVER_FEATURE_ERROR")
        # Move the indices near the end so that the next request wraps.
        for i in range(60):
            good.write(st.message("GET_DOMAIN_PATH", st.args("21"), req_id=i))
            m = good.read_message()
            t.check(m == ("GET_DOMAIN_PATH", i, 0, b"/local/domain/21\0"), "reply %d on the ring: %r" % (i, m))
        t.log("request ring at %d, reply ring at %d" % (good.get(good.REQ_PROD), good.get(good.RSP_PROD)))
        t.check(good.get(good.REQ_PROD) > st.RING_SIZE, "the request ring never wrapped")

        liar = st.SimRing(d, 22)
        introduce(d, liar)
        liar.put(liar.REQ_PROD, liar.get(liar.REQ_CONS) + st.RING_SIZE + 1)
        liar.notify()
        liar.wait(lambda: liar.get(liar.ERROR) != 0, what="the error field of the lying ring")
        t.check(liar.get(liar.ERROR) == 2, "error field %d, expected XENSTORE_ERROR_RINGIDX (2)" % liar.get(liar.ERROR))

        rsp_liar = st.SimRing(d, 23)
        introduce(d, rsp_liar)
        rsp_liar.put(rsp_liar.RSP_CONS, 0x80000000)
        rsp_liar.write(st.message("READ", st.args("x")))
        rsp_liar.wait(lambda: rsp_liar.get(rsp_liar.ERROR) != 0, what="the error field of the reply-index liar")
        t.check(rsp_liar.get(rsp_liar.ERROR) == 2, "reply index liar: error field %d" % rsp_liar.get(rsp_liar.ERROR))

        big = st.SimRing(d, 24)
        introduce(d, big)
        big.write(st.message("WRITE", b"", length=st.PAYLOAD_MAX + 1))
        big.wait(lambda: big.get(big.ERROR) != 0, what="the error field of the oversized request")
        t.check(big.get(big.ERROR) == 3, "error field %d, expected XENSTORE_ERROR_PROTO (3)" % big.get(big.ERROR))

        st.expect_lines(t, d.tool(["introduce 25 4242 1", "introduce 21 9999 1"]), ["error EINVAL", "error EEXIST"], "bad INTRODUCE")
        # Everyone else is still served, over the socket and over a ring.
        good.write(st.message("READ", st.args("/tool"), req_id=99))
        m = good.read_message()
        t.check(m[0] == "ERROR" and m[3] == b"EACCES\0", "domain 21 after the others' misdeeds: %r" % (m,))
        st.expect_lines(t, d.tool(["read /tool", "release 22", "release 23", "release 24"]), ["value ", "ok", "ok", "ok"], "dom0")
        for r in (good, liar, rsp_liar, big):
            r.close()


@case("store/directory-part", tiers=("check", "test"))
def _(t):
    """A directory whose names exceed one message (XENSTORE_PAYLOAD_MAX):
    DIRECTORY says E2BIG and Debian's xenstore-list falls back to
    DIRECTORY_PART, listing every child in order; so does libxs."""
    names = ["child-with-a-rather-long-name-%04d" % i for i in range(400)]
    with st.daemon(t) as d:
        script = "\n".join("mkdir /big/%s" % n for n in names) + "\n"
        rc, out = d.run([st.XS_TOOL, "--socket", d.socket, "-f", t.tmpfile("mk.txt", script)])
        t.check(rc == 0 and out.count("ok") == len(names), "creating the children failed")
        c = st.WireClient(d)
        got = c.request("DIRECTORY", st.args("/big"))
        t.check(got == ("ERROR", b"E2BIG\0"), "DIRECTORY of a huge list answered %r" % (got[0],))
        c.close()
        rc, out = d.run(["xenstore-list", "/big"])
        st.expect_lines(t, out.splitlines(), names, "xenstore-list /big")
        out = d.tool(["ls /big"])
        st.expect_lines(t, out, ["children %d %s" % (len(names), " ".join(names))], "libxs ls /big")


@case("store/xenstore-watch", tiers=("check", "test"))
def _(t):
    """Debian's xenstore-watch: the event at registration, then one per
    change at or below the path, including removal of a parent."""
    with st.daemon(t) as d:
        d.tool(["write /w/a 0"])
        argv = ["xenstore-watch", "-n", "4", "/w/a"]
        t.log("$ " + " ".join(argv) + " &")
        p = st.subprocess.Popen(argv, stdin=st.subprocess.DEVNULL, stdout=st.subprocess.PIPE, stderr=st.subprocess.STDOUT, env=d.env)
        try:
            # The first event says the watch is in place.
            first = p.stdout.readline().decode().strip()
            t.check(first == "/w/a", "first event %r" % first)
            d.tool(["write /w/a 1", "write /w/b 1", "write /w/a/c 2", "rm /w"])
            out = p.communicate(timeout=10)[0].decode().splitlines()
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
        st.expect_lines(t, out, ["/w/a", "/w/a/c", "/w/a"], "xenstore-watch -n 4 /w/a")


@case("store/options", tiers=("check", "test"))
def _(t):
    """The daemon's command line: --help, and clear refusals of bad options."""
    t.require_file(st.XENSTORED)
    out = t.run([st.XENSTORED, "--help"])
    t.check("XENSTORED_PATH" in out and "--entry-nb" in out, "--help does not describe the options")
    for argv, msg in (
        (["--entry-nb", "lots"], "--entry-nb wants a number"),
        (["--quota", "memory=1"], "unknown quota"),
        (["--frobnicate"], "unrecognized option"),
        (["extra"], "unexpected argument"),
        (["--socket", "/nonexistent-dir/sock"], "cannot listen on /nonexistent-dir/sock"),
    ):
        p = st.subprocess.run([st.XENSTORED] + argv, stdin=st.subprocess.DEVNULL, capture_output=True, timeout=10)
        err = p.stderr.decode()
        t.log("%s -> %d %s" % (argv, p.returncode, err.strip().splitlines()[0] if err.strip() else ""))
        t.check(p.returncode != 0 and msg in err, "xenstored %s: status %d, stderr %r" % (" ".join(argv), p.returncode, err[:200]))


@case("store/fuzz", timeout=150)
def _(t):
    """The libFuzzer target (the daemon's request path, ASan+UBSan) for 60 s
    from the seed corpus in tests/fuzz/corpus."""
    t.require_file(st.FUZZER, "make store-build builds it with clang")
    work = os.path.join(t.tmpdir, "corpus")
    os.makedirs(work)
    seeds = os.path.join(ROOT, "tests", "fuzz", "corpus")
    argv = [st.FUZZER, "-max_total_time=60", "-rss_limit_mb=2048", "-timeout=10",
            "-artifact_prefix=%s/" % t.tmpdir, "-print_final_stats=1", work, seeds]  # fmt: skip
    t.log("$ " + " ".join(argv))
    p = st.subprocess.run(argv, stdin=st.subprocess.DEVNULL, stdout=st.subprocess.PIPE, stderr=st.subprocess.STDOUT, timeout=140, cwd=t.tmpdir)
    out = p.stdout.decode("latin-1")
    for ln in out.splitlines()[-40:]:
        t.log("[fuzz] " + ln)
    runs = [ln for ln in out.splitlines() if ln.startswith("stat::number_of_executed_units")]
    t.check(p.returncode == 0, "the fuzzer found a problem (status %d); see the log" % p.returncode)
    t.log(runs[0] if runs else "no final stats")
