/*
 * Unit tests of the permission model (dom0-tools/xenstored/perms.c and the
 * permission checks of the handlers): owner and default entry, listed
 * domains, privileged connections, targets, ENOENT versus EACCES, what an
 * unprivileged domain may create and change, permission strings, and the
 * per-domain quotas.
 */
#include "unit_store.h"
#include "perms.h"

static void test_perm_strings(void **state)
{
    struct xs_perm p;
    char buf[8];
    assert_true(xs_perm_parse("b65535", 6, &p));
    assert_int_equal(p.domid, 65535);
    assert_int_equal(p.perm, XS_PERM_BOTH);
    assert_int_equal(xs_perm_format(&p, buf), 6);
    assert_string_equal(buf, "b65535");
    assert_false(xs_perm_parse("b65536", 6, &p));
    assert_false(xs_perm_parse("x1", 2, &p));
    assert_false(xs_perm_parse("r", 1, &p));
    assert_false(xs_perm_parse("r1a", 3, &p));
    assert_false(xs_perm_parse("r-1", 3, &p));
}

static void test_perms_for_conn(void **state)
{
    struct fixture f;
    const struct xs_perm owner5[] = {{5, XS_PERM_NONE}};
    const struct xs_perm owner0_read[] = {{0, XS_PERM_READ}};
    const struct xs_perm listed[] = {{0, XS_PERM_NONE}, {5, XS_PERM_WRITE}};
    const struct xs_perm other[] = {{0, XS_PERM_BOTH}, {7, XS_PERM_NONE}};
    fixture_setup(&f);
    assert_int_equal(perms_for_conn(f.dom5, owner5, 1), XS_PERM_BOTH);
    assert_int_equal(perms_for_conn(f.dom5, owner0_read, 1), XS_PERM_READ);
    assert_int_equal(perms_for_conn(f.dom5, listed, 2), XS_PERM_WRITE);
    assert_int_equal(perms_for_conn(f.dom5, other, 2), XS_PERM_BOTH);
    assert_int_equal(perms_for_conn(f.dom0, listed, 2), XS_PERM_BOTH);
    fixture_teardown(&f);
}

static void test_enoent_or_eacces(void **state)
{
    struct fixture f;
    fixture_setup(&f);
    assert_ack(unit_write(f.dom0, 0, "/secret/x", "1"), XS_WRITE);
    assert_ack(unit_write(f.dom0, 0, "/open/x", "1"), XS_WRITE);
    assert_ack(REQ(f.dom0, XS_SET_PERMS, 0, "/open", "r0"), XS_SET_PERMS);
    /* Unreadable parent: absence is not revealed. */
    assert_error(REQ(f.dom5, XS_READ, 0, "/secret/nope"), "EACCES");
    assert_error(REQ(f.dom5, XS_READ, 0, "/secret/x"), "EACCES");
    /* Readable parent: ENOENT for what is missing. */
    assert_error(REQ(f.dom5, XS_READ, 0, "/open/nope"), "ENOENT");
    assert_reply(REQ(f.dom5, XS_READ, 0, "/open"), XS_READ, "");
    /* Readable but not writable. */
    assert_error(unit_write(f.dom5, 0, "/open/x", "2"), "EACCES");
    assert_error(unit_write(f.dom5, 0, "/open/new", "2"), "EACCES");
    assert_error(REQ(f.dom5, XS_RM, 0, "/open"), "EACCES");
    assert_error(REQ(f.dom5, XS_SET_PERMS, 0, "/open", "b5"), "EACCES");
    fixture_teardown(&f);
}

static void test_domain_home(void **state)
{
    struct fixture f;
    fixture_setup(&f);
    assert_ack(REQ(f.dom0, XS_MKDIR, 0, "/local/domain/5"), XS_MKDIR);
    assert_ack(REQ(f.dom0, XS_SET_PERMS, 0, "/local/domain/5", "n0", "b5"), XS_SET_PERMS);
    /* Relative paths are under /local/domain/5; new nodes belong to 5. */
    assert_ack(unit_write(f.dom5, 0, "data/x", "1"), XS_WRITE);
    assert_reply(REQ(f.dom0, XS_READ, 0, "/local/domain/5/data/x"), XS_READ, "1");
    assert_reply(REQ(f.dom5, XS_GET_PERMS, 0, "data/x"), XS_GET_PERMS, "n5\0b5");
    /* The owner sets permissions but may not give the node away. */
    assert_ack(REQ(f.dom5, XS_SET_PERMS, 0, "data/x", "n5", "r7"), XS_SET_PERMS);
    assert_error(REQ(f.dom5, XS_SET_PERMS, 0, "data/x", "n7"), "EPERM");
    /* A node dom0 owns in the home: domain 5 may write it (b5) but not chmod it. */
    assert_ack(unit_write(f.dom0, 0, "/local/domain/5/ctl", "0"), XS_WRITE);
    assert_ack(unit_write(f.dom5, 0, "ctl", "1"), XS_WRITE);
    assert_error(REQ(f.dom5, XS_SET_PERMS, 0, "ctl", "b5"), "EACCES");
    /* Bad permission lists. */
    assert_error(REQ(f.dom0, XS_SET_PERMS, 0, "/local/domain/5"), "EINVAL");
    assert_error(REQ(f.dom0, XS_SET_PERMS, 0, "/local/domain/5", "q5"), "EINVAL");
    assert_error(REQ(f.dom0, XS_SET_PERMS, 0, "/nope", "n0"), "ENOENT");
    fixture_teardown(&f);
}

static void test_privileged_only(void **state)
{
    struct fixture f;
    fixture_setup(&f);
    assert_error(REQ(f.dom5, XS_INTRODUCE, 0, "6", "1", "1"), "EACCES");
    assert_error(REQ(f.dom5, XS_RELEASE, 0, "6"), "EACCES");
    assert_error(REQ(f.dom5, XS_RESUME, 0, "6"), "EACCES");
    assert_error(REQ(f.dom5, XS_SET_TARGET, 0, "6", "5"), "EACCES");
    assert_error(REQ(f.dom5, XS_CONTROL, 0, "help"), "EACCES");
    assert_reply(REQ(f.dom5, XS_GET_DOMAIN_PATH, 0, "7"), XS_GET_DOMAIN_PATH, "/local/domain/7");
    assert_reply(REQ(f.dom5, XS_IS_DOMAIN_INTRODUCED, 0, "0"), XS_IS_DOMAIN_INTRODUCED, "T");
    assert_reply(REQ(f.dom5, XS_IS_DOMAIN_INTRODUCED, 0, "9"), XS_IS_DOMAIN_INTRODUCED, "F");
    assert_error(REQ(f.dom5, XS_GET_DOMAIN_PATH, 0, "70000"), "EINVAL");
    fixture_teardown(&f);
}

static void test_quotas(void **state)
{
    struct fixture f;
    char path[64], big[64];
    int i;
    fixture_setup(&f);
    f.s->quota.nodes = 10;
    f.s->quota.entry_size = 16;
    f.s->quota.watches = 3;
    f.s->quota.transactions = 2;
    f.s->quota.perms = 2;
    assert_ack(REQ(f.dom0, XS_MKDIR, 0, "/local/domain/5"), XS_MKDIR);
    assert_ack(REQ(f.dom0, XS_SET_PERMS, 0, "/local/domain/5", "n5"), XS_SET_PERMS);
    /* The home counts: 9 more nodes, then ENOSPC. */
    for (i = 0; i < 20; i++) {
        struct reply r;
        snprintf(path, sizeof(path), "n%d", i);
        r = unit_write(f.dom5, 0, path, "v");
        if (r.type == XS_ERROR) {
            assert_string_equal(r.data, "ENOSPC");
            break;
        }
    }
    assert_int_equal(i, 9);
    assert_int_equal(f.s->owned[5], 10);
    /* Freed nodes can be used again; dom0 is not limited. */
    assert_ack(REQ(f.dom5, XS_RM, 0, "n0"), XS_RM);
    assert_ack(unit_write(f.dom5, 0, "again", "v"), XS_WRITE);
    assert_ack(unit_write(f.dom0, 0, "/local/domain/5/by-dom0", "v"), XS_WRITE);
    /* Value size. */
    memset(big, 'x', 17);
    big[17] = '\0';
    assert_error(unit_write(f.dom5, 0, "n1", big), "ENOSPC");
    big[16] = '\0';
    assert_ack(unit_write(f.dom5, 0, "n1", big), XS_WRITE);
    /* Watches: E2BIG past the quota. */
    assert_ack(REQ(f.dom5, XS_WATCH, 0, "a", "1"), XS_WATCH);
    assert_ack(REQ(f.dom5, XS_WATCH, 0, "a", "2"), XS_WATCH);
    assert_ack(REQ(f.dom5, XS_WATCH, 0, "a", "3"), XS_WATCH);
    assert_error(REQ(f.dom5, XS_WATCH, 0, "a", "4"), "E2BIG");
    assert_error(REQ(f.dom5, XS_WATCH, 0, "a", "3"), "EEXIST");
    /* Transactions: ENOSPC past the quota. */
    assert_int_equal(REQ(f.dom5, XS_TRANSACTION_START, 0, "").type, XS_TRANSACTION_START);
    assert_int_equal(REQ(f.dom5, XS_TRANSACTION_START, 0, "").type, XS_TRANSACTION_START);
    assert_error(REQ(f.dom5, XS_TRANSACTION_START, 0, ""), "ENOSPC");
    /* Permission entries. */
    assert_error(REQ(f.dom5, XS_SET_PERMS, 0, "n1", "n5", "r1", "r2"), "ENOSPC");
    assert_ack(REQ(f.dom5, XS_SET_PERMS, 0, "n1", "n5", "r1"), XS_SET_PERMS);
    fixture_teardown(&f);
}

/* The outstanding quota stops input until replies are taken. */
static void test_outstanding(void **state)
{
    struct fixture f;
    struct xsd_sockmsg h = {XS_READ, 1, 0, 2};
    char msg[sizeof(h) + 2];
    size_t used = 0;
    fixture_setup(&f);
    f.s->quota.outstanding = 3;
    memcpy(msg, &h, sizeof(h));
    memcpy(msg + sizeof(h), "/\0", 2);
    for (int i = 0; i < 5; i++)
        used += conn_feed(f.dom5, msg, sizeof(msg));
    assert_int_equal(used, 3 * sizeof(msg));
    assert_false(conn_wants_input(f.dom5));
    {
        struct reply r;
        assert_true(unit_next_message(f.dom5, &r));
    }
    assert_true(conn_wants_input(f.dom5));
    fixture_teardown(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_perm_strings),     cmocka_unit_test(test_perms_for_conn),
        cmocka_unit_test(test_enoent_or_eacces), cmocka_unit_test(test_domain_home),
        cmocka_unit_test(test_privileged_only),  cmocka_unit_test(test_quotas),
        cmocka_unit_test(test_outstanding),
    };
    return unit_run(tests);
}
