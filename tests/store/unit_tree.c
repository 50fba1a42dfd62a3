/*
 * Unit tests of the store's tree (dom0-tools/xenstored/node.c, store.c and
 * the tree handlers of ops.c): the path table under growth, children
 * lists, path syntax and length limits, implicit parents, RM's rules,
 * DIRECTORY and DIRECTORY_PART, and an unknown message type.
 */
#include "unit_store.h"
#include "node.h"

static void test_table_grows(void **state)
{
    struct node_table t;
    struct xs_perm p = {0, XS_PERM_NONE};
    char path[32];
    assert_true(node_table_init(&t));
    for (int i = 0; i < 5000; i++) {
        snprintf(path, sizeof(path), "/n/%d", i);
        assert_null(node_table_put(&t, node_new(path, "v", 1, &p, 1)));
    }
    assert_int_equal(t.count, 5000);
    for (int i = 0; i < 5000; i += 7) {
        snprintf(path, sizeof(path), "/n/%d", i);
        assert_non_null(node_table_get(&t, path));
    }
    node_free(node_table_remove(&t, "/n/17"));
    assert_null(node_table_get(&t, "/n/17"));
    assert_int_equal(t.count, 4999);
    /* Replacing returns the old node. */
    {
        struct node *old = node_table_put(&t, node_new("/n/18", "w", 1, &p, 1));
        assert_non_null(old);
        assert_string_equal(old->value, "v");
        node_free(old);
    }
    node_table_destroy(&t);
}

static void test_children(void **state)
{
    struct xs_perm p = {0, XS_PERM_NONE};
    struct node *n = node_new("/a", NULL, 0, &p, 1);
    assert_true(node_add_child(n, "x"));
    assert_true(node_add_child(n, "yy"));
    assert_true(node_add_child(n, "z"));
    assert_int_equal(n->childlen, 7);
    assert_true(node_remove_child(n, "yy"));
    assert_false(node_remove_child(n, "y"));
    assert_int_equal(n->childlen, 4);
    assert_memory_equal(n->children, "x\0z\0", 4);
    node_free(n);
}

static void test_parent_path(void **state)
{
    char *p = node_parent_path("/a/b/c");
    assert_string_equal(p, "/a/b");
    free(p);
    p = node_parent_path("/a");
    assert_string_equal(p, "/");
    free(p);
    assert_null(node_parent_path("/"));
}

static void test_path_syntax(void **state)
{
    struct fixture f;
    static const char *const bad[] = {"", "//a", "/a/", "/a//b", "/a b", "/a$", "@foo", "/a\\b"};
    fixture_setup(&f);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct reply r = REQ(f.dom0, XS_READ, 0, bad[i]);
        if (r.type != XS_ERROR || strcmp(r.data, "EINVAL") != 0)
            unit_fail("READ \"%s\" answered %u \"%s\", expected EINVAL", bad[i], r.type, r.data);
    }
    /* Missing NUL, two arguments where one is wanted: EINVAL. */
    assert_error(unit_request(f.dom0, XS_READ, 0, "/tool", 5), "EINVAL");
    assert_error(unit_request(f.dom0, XS_READ, 0, "/tool\0/x\0", 9), "EINVAL");
    assert_reply(REQ(f.dom0, XS_READ, 0, "/"), XS_READ, "");
    fixture_teardown(&f);
}

static void test_path_lengths(void **state)
{
    struct fixture f;
    char *path = malloc(XENSTORE_ABS_PATH_MAX + 2);
    fixture_setup(&f);
    /* Exactly XENSTORE_ABS_PATH_MAX bytes is allowed, one more is not. */
    memset(path, 'a', XENSTORE_ABS_PATH_MAX + 1);
    path[0] = '/';
    path[XENSTORE_ABS_PATH_MAX] = '\0';
    assert_ack(unit_write(f.dom0, 0, path, "v"), XS_WRITE);
    path[XENSTORE_ABS_PATH_MAX] = 'a';
    path[XENSTORE_ABS_PATH_MAX + 1] = '\0';
    assert_error(unit_write(f.dom0, 0, path, "v"), "EINVAL");
    /* Relative paths: at most XENSTORE_REL_PATH_MAX. */
    memset(path, 'b', XENSTORE_REL_PATH_MAX + 1);
    path[XENSTORE_REL_PATH_MAX] = '\0';
    assert_ack(unit_write(f.dom0, 0, path, "v"), XS_WRITE);
    path[XENSTORE_REL_PATH_MAX] = 'b';
    path[XENSTORE_REL_PATH_MAX + 1] = '\0';
    assert_error(unit_write(f.dom0, 0, path, "v"), "EINVAL");
    free(path);
    fixture_teardown(&f);
}

static void test_implicit_parents(void **state)
{
    struct fixture f;
    fixture_setup(&f);
    assert_ack(unit_write(f.dom0, 0, "/a/b/c", "hello"), XS_WRITE);
    assert_reply(REQ(f.dom0, XS_READ, 0, "/a"), XS_READ, "");
    assert_reply(REQ(f.dom0, XS_READ, 0, "/a/b/c"), XS_READ, "hello");
    assert_reply(REQ(f.dom0, XS_DIRECTORY, 0, "/a"), XS_DIRECTORY, "b");
    /* MKDIR leaves an existing value alone. */
    assert_ack(REQ(f.dom0, XS_MKDIR, 0, "/a/b/c"), XS_MKDIR);
    assert_reply(REQ(f.dom0, XS_READ, 0, "/a/b/c"), XS_READ, "hello");
    /* Binary values keep their bytes. */
    assert_ack(unit_request(f.dom0, XS_WRITE, 0, "/bin\0a\0b", 8), XS_WRITE);
    {
        struct reply r = REQ(f.dom0, XS_READ, 0, "/bin");
        assert_int_equal(r.len, 3);
        assert_memory_equal(r.data, "a\0b", 3);
    }
    fixture_teardown(&f);
}

static void test_rm_rules(void **state)
{
    struct fixture f;
    fixture_setup(&f);
    assert_ack(unit_write(f.dom0, 0, "/a/b/c", "1"), XS_WRITE);
    assert_ack(REQ(f.dom0, XS_RM, 0, "/a/nope"), XS_RM);
    assert_error(REQ(f.dom0, XS_RM, 0, "/nope/nope"), "ENOENT");
    assert_error(REQ(f.dom0, XS_RM, 0, "/"), "EINVAL");
    assert_ack(REQ(f.dom0, XS_RM, 0, "/a/b"), XS_RM);
    assert_error(REQ(f.dom0, XS_READ, 0, "/a/b/c"), "ENOENT");
    assert_reply(REQ(f.dom0, XS_DIRECTORY, 0, "/a"), XS_DIRECTORY, "");
    /* Only /, /tool, /tool/xenstored and /a remain. */
    assert_int_equal(f.s->nodes.count, 4);
    fixture_teardown(&f);
}

/* DIRECTORY answers E2BIG past one payload; DIRECTORY_PART pages through
 * the list with the node's generation and an empty part at the end. */
static void test_directory_part(void **state)
{
    struct fixture f;
    char path[64], gen[32], all[40000];
    size_t total = 0, expect = 0;
    fixture_setup(&f);
    for (int i = 0; i < 600; i++) {
        snprintf(path, sizeof(path), "/big/child-number-%d", i);
        assert_ack(REQ(f.dom0, XS_MKDIR, 0, path), XS_MKDIR);
        expect += strlen(path) - strlen("/big/") + 1;
    }
    assert_error(REQ(f.dom0, XS_DIRECTORY, 0, "/big"), "E2BIG");
    gen[0] = '\0';
    for (int parts = 0;; parts++) {
        char off[24];
        struct reply r;
        size_t gl, names;
        snprintf(off, sizeof(off), "%zu", total);
        r = REQ(f.dom0, XS_DIRECTORY_PART, 0, "/big", off);
        assert_int_equal(r.type, XS_DIRECTORY_PART);
        assert_true(r.len <= XENSTORE_PAYLOAD_MAX);
        gl = strlen(r.data);
        if (!gen[0])
            strcpy(gen, r.data);
        assert_string_equal(gen, r.data);
        /* Whole names each time; the last part adds an empty string. */
        names = r.len - gl - 1;
        assert_true(names > 0);
        assert_int_equal(r.data[r.len - 1], '\0');
        memcpy(all + total, r.data + gl + 1, names);
        total += names;
        if (total == 1 || all[total - 2] == '\0') {
            total--;
            break;
        }
        assert_true(parts < 20);
    }
    assert_int_equal(total, expect);
    assert_memory_equal(all, "child-number-0\0child-number-1\0", 30);
    /* Past the end: EINVAL; a changed node: another generation. */
    snprintf(path, sizeof(path), "%zu", total + 1);
    assert_error(REQ(f.dom0, XS_DIRECTORY_PART, 0, "/big", path), "EINVAL");
    assert_ack(REQ(f.dom0, XS_MKDIR, 0, "/big/one-more"), XS_MKDIR);
    {
        struct reply r = REQ(f.dom0, XS_DIRECTORY_PART, 0, "/big", "0");
        assert_string_not_equal(r.data, gen);
    }
    fixture_teardown(&f);
}

static void test_unknown_type(void **state)
{
    struct fixture f;
    fixture_setup(&f);
    assert_error(REQ(f.dom0, 99, 0, "/x"), "ENOSYS");
    assert_error(REQ(f.dom0, XS_WATCH_EVENT, 0, "/x"), "ENOSYS");
    assert_error(REQ(f.dom0, XS_ERROR, 0, "/x"), "ENOSYS");
    /* A request naming an unknown transaction: ENOENT. */
    assert_error(REQ(f.dom0, XS_READ, 12345, "/"), "ENOENT");
    fixture_teardown(&f);
}

static void test_oversized_header_breaks(void **state)
{
    struct fixture f;
    struct xsd_sockmsg h = {XS_READ, 1, 0, XENSTORE_PAYLOAD_MAX + 1};
    fixture_setup(&f);
    conn_feed(f.dom5, &h, sizeof(h));
    assert_true(f.dom5->broken);
    assert_false(conn_wants_input(f.dom5));
    /* The other connection is served as before. */
    assert_reply(REQ(f.dom0, XS_READ, 0, "/"), XS_READ, "");
    fixture_teardown(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_grows),  cmocka_unit_test(test_children),
        cmocka_unit_test(test_parent_path),  cmocka_unit_test(test_path_syntax),
        cmocka_unit_test(test_path_lengths), cmocka_unit_test(test_implicit_parents),
        cmocka_unit_test(test_rm_rules),     cmocka_unit_test(test_directory_part),
        cmocka_unit_test(test_unknown_type), cmocka_unit_test(test_oversized_header_breaks),
    };
    return unit_run(tests);
}
