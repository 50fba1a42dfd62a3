/*
 * Unit tests of transactions and watches (dom0-tools/xenstored/txn.c,
 * watch.c): isolation, commit and abort, conflicts on read, write, absent
 * and removed nodes (EAGAIN), events held until commit, watch matching
 * (node and below, relative paths, removed parents), permission filtering,
 * and RELEASE ending a domain's watches and transactions.
 */
#include "unit_store.h"
#include "watch.h"

static uint32_t start(struct conn *c)
{
    struct reply r = REQ(c, XS_TRANSACTION_START, 0, "");
    assert_int_equal(r.type, XS_TRANSACTION_START);
    return (uint32_t)strtoul(r.data, NULL, 10);
}

static void test_commit_and_abort(void **state)
{
    struct fixture f;
    uint32_t t;
    fixture_setup(&f);
    t = start(f.dom0);
    assert_true(t != 0);
    assert_ack(unit_write(f.dom0, t, "/a/b", "1"), XS_WRITE);
    /* Not visible outside until committed. */
    assert_error(REQ(f.dom0, XS_READ, 0, "/a/b"), "ENOENT");
    assert_reply(REQ(f.dom0, XS_READ, t, "/a/b"), XS_READ, "1");
    assert_reply(REQ(f.dom0, XS_DIRECTORY, t, "/a"), XS_DIRECTORY, "b");
    assert_ack(REQ(f.dom0, XS_TRANSACTION_END, t, "T"), XS_TRANSACTION_END);
    assert_reply(REQ(f.dom0, XS_READ, 0, "/a/b"), XS_READ, "1");
    /* The id is gone. */
    assert_error(REQ(f.dom0, XS_READ, t, "/a/b"), "ENOENT");
    /* Abort drops everything. */
    t = start(f.dom0);
    assert_ack(REQ(f.dom0, XS_RM, t, "/a"), XS_RM);
    assert_ack(REQ(f.dom0, XS_TRANSACTION_END, t, "F"), XS_TRANSACTION_END);
    assert_reply(REQ(f.dom0, XS_READ, 0, "/a/b"), XS_READ, "1");
    /* Bad end arguments; no nesting. */
    t = start(f.dom0);
    assert_error(REQ(f.dom0, XS_TRANSACTION_END, t, "X"), "EINVAL");
    assert_error(REQ(f.dom0, XS_TRANSACTION_START, t, ""), "EBUSY");
    assert_error(REQ(f.dom0, XS_TRANSACTION_END, 0, "T"), "ENOENT");
    assert_ack(REQ(f.dom0, XS_TRANSACTION_END, t, "F"), XS_TRANSACTION_END);
    fixture_teardown(&f);
}

static void test_conflicts(void **state)
{
    struct fixture f;
    uint32_t t;
    fixture_setup(&f);
    assert_ack(unit_write(f.dom0, 0, "/c", "0"), XS_WRITE);
    /* Read, someone else writes, commit fails. */
    t = start(f.dom0);
    assert_reply(REQ(f.dom0, XS_READ, t, "/c"), XS_READ, "0");
    assert_ack(unit_write(f.dom0, t, "/c", "1"), XS_WRITE);
    assert_ack(unit_write(f.dom5 == NULL ? f.dom0 : f.dom0, 0, "/c", "9"), XS_WRITE);
    assert_error(REQ(f.dom0, XS_TRANSACTION_END, t, "T"), "EAGAIN");
    assert_reply(REQ(f.dom0, XS_READ, 0, "/c"), XS_READ, "9");
    /* Absent when read, created meanwhile: conflict. */
    t = start(f.dom0);
    assert_error(REQ(f.dom0, XS_READ, t, "/new"), "ENOENT");
    assert_ack(unit_write(f.dom0, 0, "/new", "x"), XS_WRITE);
    assert_error(REQ(f.dom0, XS_TRANSACTION_END, t, "T"), "EAGAIN");
    /* Removed meanwhile: conflict. */
    t = start(f.dom0);
    assert_reply(REQ(f.dom0, XS_READ, t, "/new"), XS_READ, "x");
    assert_ack(REQ(f.dom0, XS_RM, 0, "/new"), XS_RM);
    assert_error(REQ(f.dom0, XS_TRANSACTION_END, t, "T"), "EAGAIN");
    /* Unrelated changes do not conflict. */
    t = start(f.dom0);
    assert_reply(REQ(f.dom0, XS_READ, t, "/c"), XS_READ, "9");
    assert_ack(unit_write(f.dom0, t, "/c", "10"), XS_WRITE);
    assert_ack(unit_write(f.dom0, 0, "/elsewhere", "1"), XS_WRITE);
    assert_ack(REQ(f.dom0, XS_TRANSACTION_END, t, "T"), XS_TRANSACTION_END);
    assert_reply(REQ(f.dom0, XS_READ, 0, "/c"), XS_READ, "10");
    fixture_teardown(&f);
}

/* Interleaved transactional increments: the total is exact, retries counted. */
static void test_increment_model(void **state)
{
    struct fixture f;
    struct conn *c[3];
    uint32_t t[3];
    int step[3] = {0, 0, 0};
    int done = 0, retries = 0;
    struct unit_rng rng = {unit_seed("test_increment_model")};
    fixture_setup(&f);
    for (int i = 0; i < 3; i++)
        c[i] = conn_new(f.s, 0, true, NULL, NULL);
    while (done < 300) {
        /* Each client: start, read and write, commit; steps interleave. */
        int i = (int)unit_below(&rng, 3);
        if (step[i] == 0) {
            t[i] = start(c[i]);
            step[i] = 1;
        } else if (step[i] == 1) {
            struct reply r = REQ(c[i], XS_READ, t[i], "/counter");
            long v = r.type == XS_READ ? strtol(r.data, NULL, 10) : 0;
            char num[24];
            snprintf(num, sizeof(num), "%ld", v + 1);
            assert_ack(unit_write(c[i], t[i], "/counter", num), XS_WRITE);
            step[i] = 2;
        } else {
            struct reply r = REQ(c[i], XS_TRANSACTION_END, t[i], "T");
            if (r.type == XS_ERROR) {
                assert_string_equal(r.data, "EAGAIN");
                retries++;
            } else {
                done++;
            }
            step[i] = 0;
        }
    }
    assert_reply(REQ(f.dom0, XS_READ, 0, "/counter"), XS_READ, "300");
    printf("[   INFO   ] 300 increments, %d retries\n", retries);
    assert_true(retries > 0);
    fixture_teardown(&f);
}

static void expect_event(struct conn *c, const char *path, const char *token)
{
    struct reply r;
    if (!unit_next_message(c, &r))
        unit_fail("no event, expected %s %s", path, token);
    if (r.type != XS_WATCH_EVENT || strcmp(r.data, path) != 0 ||
        strcmp(r.data + strlen(r.data) + 1, token) != 0)
        unit_fail("got type %u \"%s\", expected event %s %s", r.type, r.data, path, token);
}

static void expect_none(struct conn *c)
{
    struct reply r;
    if (unit_next_message(c, &r))
        unit_fail("unexpected message type %u \"%s\"", r.type, r.data);
}

static void drain(struct conn *c)
{
    struct reply r;
    while (unit_next_message(c, &r))
        ;
}

static void test_watch_basics(void **state)
{
    struct fixture f;
    struct conn *w;
    uint32_t t;
    fixture_setup(&f);
    w = conn_new(f.s, 0, true, NULL, NULL);
    assert_ack(REQ(w, XS_WATCH, 0, "/a", "tok"), XS_WATCH);
    expect_event(w, "/a", "tok"); /* once, at once */
    expect_none(w);
    assert_ack(unit_write(f.dom0, 0, "/a/b/c", "1"), XS_WRITE);
    expect_event(w, "/a/b/c", "tok");
    expect_none(w);
    assert_ack(unit_write(f.dom0, 0, "/ab", "1"), XS_WRITE); /* not below /a */
    expect_none(w);
    /* Held until commit; dropped on abort. */
    t = start(f.dom0);
    assert_ack(unit_write(f.dom0, t, "/a/x", "1"), XS_WRITE);
    expect_none(w);
    assert_ack(REQ(f.dom0, XS_TRANSACTION_END, t, "T"), XS_TRANSACTION_END);
    expect_event(w, "/a/x", "tok");
    t = start(f.dom0);
    assert_ack(unit_write(f.dom0, t, "/a/y", "1"), XS_WRITE);
    assert_ack(REQ(f.dom0, XS_TRANSACTION_END, t, "F"), XS_TRANSACTION_END);
    expect_none(w);
    /* A watch below a removed subtree fires with its own path. */
    assert_ack(REQ(w, XS_WATCH, 0, "/a/b/c/d", "deep"), XS_WATCH);
    expect_event(w, "/a/b/c/d", "deep");
    assert_ack(REQ(f.dom0, XS_RM, 0, "/a/b"), XS_RM);
    expect_event(w, "/a/b", "tok");
    expect_event(w, "/a/b/c/d", "deep");
    expect_none(w);
    /* Unwatch. */
    assert_ack(REQ(w, XS_UNWATCH, 0, "/a", "tok"), XS_UNWATCH);
    assert_error(REQ(w, XS_UNWATCH, 0, "/a", "tok"), "ENOENT");
    assert_ack(unit_write(f.dom0, 0, "/a/z", "1"), XS_WRITE);
    expect_none(w);
    /* RESET_WATCHES removes the rest. */
    assert_ack(REQ(w, XS_RESET_WATCHES, 0, ""), XS_RESET_WATCHES);
    assert_int_equal(w->nwatches, 0);
    fixture_teardown(&f);
}

static void test_watch_relative_and_filtered(void **state)
{
    struct fixture f;
    fixture_setup(&f);
    assert_ack(REQ(f.dom0, XS_MKDIR, 0, "/local/domain/5"), XS_MKDIR);
    assert_ack(REQ(f.dom0, XS_SET_PERMS, 0, "/local/domain/5", "n5"), XS_SET_PERMS);
    assert_ack(REQ(f.dom5, XS_WATCH, 0, "device", "rel"), XS_WATCH);
    expect_event(f.dom5, "device", "rel");
    assert_ack(REQ(f.dom5, XS_WATCH, 0, "/", "root"), XS_WATCH);
    expect_event(f.dom5, "/", "root");
    /* Relative watch, relative event path. */
    assert_ack(unit_write(f.dom0, 0, "/local/domain/5/device/vbd/1", "x"), XS_WRITE);
    expect_event(f.dom5, "device/vbd/1", "rel");
    expect_event(f.dom5, "/local/domain/5/device/vbd/1", "root");
    drain(f.dom5);
    /* A node domain 5 cannot read: no event for it. */
    assert_ack(unit_write(f.dom0, 0, "/private/x", "1"), XS_WRITE);
    expect_none(f.dom5);
    assert_ack(REQ(f.dom0, XS_SET_PERMS, 0, "/private/x", "n0", "r5"), XS_SET_PERMS);
    expect_event(f.dom5, "/private/x", "root");
    fixture_teardown(&f);
}

static int fake_connect(struct store *s, struct domain *d)
{
    d->conn = conn_new(s, d->domid, false, NULL, NULL);
    d->conn->domain = d;
    return 0;
}

static void test_release(void **state)
{
    struct fixture f;
    struct conn *w, *d7;
    fixture_setup(&f);
    f.s->ring_connect = fake_connect;
    w = conn_new(f.s, 0, true, NULL, NULL);
    assert_ack(REQ(w, XS_WATCH, 0, "@releaseDomain", "rel"), XS_WATCH);
    assert_ack(REQ(w, XS_WATCH, 0, "@introduceDomain", "intro"), XS_WATCH);
    drain(w);
    /* Unprivileged connections do not see the special events. */
    assert_ack(REQ(f.dom5, XS_WATCH, 0, "@releaseDomain", "x"), XS_WATCH);
    drain(f.dom5);
    assert_ack(REQ(f.dom0, XS_INTRODUCE, 0, "7", "77", "3"), XS_INTRODUCE);
    expect_event(w, "@introduceDomain", "intro");
    assert_ack(REQ(f.dom0, XS_INTRODUCE, 0, "7", "77", "3"), XS_INTRODUCE);
    drain(w);
    assert_error(REQ(f.dom0, XS_INTRODUCE, 0, "7", "78", "3"), "EEXIST");
    assert_error(REQ(f.dom0, XS_INTRODUCE, 0, "0", "78", "3"), "EINVAL");
    d7 = domain_find(f.s, 7)->conn;
    assert_ack(REQ(d7, XS_WATCH, 0, "/", "w"), XS_WATCH);
    assert_int_equal(REQ(d7, XS_TRANSACTION_START, 0, "").type, XS_TRANSACTION_START);
    assert_reply(REQ(f.dom0, XS_IS_DOMAIN_INTRODUCED, 0, "7"), XS_IS_DOMAIN_INTRODUCED, "T");
    assert_ack(REQ(f.dom0, XS_RELEASE, 0, "7"), XS_RELEASE);
    expect_event(w, "@releaseDomain", "rel");
    expect_none(f.dom5);
    assert_int_equal(d7->nwatches, 0);
    assert_int_equal(d7->ntxns, 0);
    assert_true(d7->broken);
    assert_reply(REQ(f.dom0, XS_IS_DOMAIN_INTRODUCED, 0, "7"), XS_IS_DOMAIN_INTRODUCED, "F");
    assert_error(REQ(f.dom0, XS_RELEASE, 0, "7"), "ENOENT");
    fixture_teardown(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_commit_and_abort),
        cmocka_unit_test(test_conflicts),
        cmocka_unit_test(test_increment_model),
        cmocka_unit_test(test_watch_basics),
        cmocka_unit_test(test_watch_relative_and_filtered),
        cmocka_unit_test(test_release),
    };
    return unit_run(tests);
}
