/*
 * xs-tool: a scriptable libxs client for the store tests.  It connects to
 * the daemon's socket (privileged, as dom0) or, with --domid, registers a
 * simulated domain ring, has it introduced over the socket, and talks over
 * the ring as that unprivileged domain.  Commands come as arguments
 * separated by ";" words (or one per line from -f FILE); each prints one
 * result line, so tests compare transcripts:
 *
 *   read P | write P V | mkdir P | rm P | ls P | getperms P | setperms P PERM...
 *   watch P TOKEN | unwatch P TOKEN | event MS   (next watch event or "timeout")
 *   noevent MS   ("none" if no event arrives within MS ms, else the event)
 *   txstart | txcommit | txabort    (commands in between use the transaction)
 *   incr P N     (N transactional increments of the number at P, retrying on EAGAIN)
 *   introduce D MFN PORT | release D | domainpath D | introduced D
 *   fill P N     (writes P/0 .. P/N-1 until the first error, prints the count and error)
 *
 * Errors print "error ENAME".  Exit status: 0 unless the connection failed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "xs.h"
#include "xs_sim.h"

static struct xs_handle *h;
static xs_transaction_t tx = XBT_NULL;

static void print_error(void)
{
    printf("error %s\n", xs_error_name(errno));
}

static void print_event(char **ev)
{
    printf("event %s %s\n", ev[XS_WATCH_PATH], ev[XS_WATCH_TOKEN]);
    free(ev);
}

static int need(int argc, int n, const char *cmd)
{
    if (argc != n) {
        printf("usage error: %s takes %d argument(s)\n", cmd, n - 1);
        return 0;
    }
    return 1;
}

static void incr(const char *path, long n)
{
    long retries = 0;
    for (long i = 0; i < n; i++) {
        for (;;) {
            xs_transaction_t t = xs_transaction_start(h);
            unsigned len;
            char *v, buf[32];
            long cur;
            if (t == XBT_NULL) {
                print_error();
                return;
            }
            v = xs_read(h, t, path, &len);
            cur = v ? strtol(v, NULL, 10) : 0;
            free(v);
            snprintf(buf, sizeof(buf), "%ld", cur + 1);
            if (!xs_write(h, t, path, buf, (unsigned)strlen(buf))) {
                int e = errno;
                xs_transaction_end(h, t, true);
                errno = e;
                print_error();
                return;
            }
            if (xs_transaction_end(h, t, false))
                break;
            if (errno != EAGAIN) {
                print_error();
                return;
            }
            retries++;
        }
    }
    printf("done %ld retries %ld\n", n, retries);
}

/* Runs one command; returns 0 when the connection is gone. */
static int run(int argc, char **argv)
{
    const char *cmd = argv[0];
    if (!strcmp(cmd, "read") && need(argc, 2, cmd)) {
        unsigned len;
        char *v = xs_read(h, tx, argv[1], &len);
        if (!v)
            print_error();
        else
            printf("value %.*s\n", (int)len, v);
        free(v);
    } else if (!strcmp(cmd, "write") && need(argc, 3, cmd)) {
        if (xs_write(h, tx, argv[1], argv[2], (unsigned)strlen(argv[2])))
            printf("ok\n");
        else
            print_error();
    } else if ((!strcmp(cmd, "mkdir") || !strcmp(cmd, "rm")) && need(argc, 2, cmd)) {
        bool ok = cmd[0] == 'm' ? xs_mkdir(h, tx, argv[1]) : xs_rm(h, tx, argv[1]);
        if (ok)
            printf("ok\n");
        else
            print_error();
    } else if (!strcmp(cmd, "ls") && need(argc, 2, cmd)) {
        unsigned n;
        char **v = xs_directory(h, tx, argv[1], &n);
        if (!v) {
            print_error();
        } else {
            printf("children %u", n);
            for (unsigned i = 0; i < n; i++)
                printf(" %s", v[i]);
            printf("\n");
        }
        free(v);
    } else if (!strcmp(cmd, "getperms") && need(argc, 2, cmd)) {
        unsigned n;
        struct xs_perm *p = xs_get_permissions(h, tx, argv[1], &n);
        if (!p) {
            print_error();
        } else {
            printf("perms");
            for (unsigned i = 0; i < n; i++) {
                char b[8];
                xs_perm_format(&p[i], b);
                printf(" %s", b);
            }
            printf("\n");
        }
        free(p);
    } else if (!strcmp(cmd, "setperms") && argc >= 3) {
        struct xs_perm p[16];
        int n = argc - 2 > 16 ? 16 : argc - 2;
        for (int i = 0; i < n; i++) {
            if (!xs_perm_parse(argv[i + 2], strlen(argv[i + 2]), &p[i])) {
                printf("usage error: bad permission %s\n", argv[i + 2]);
                return 1;
            }
        }
        if (xs_set_permissions(h, tx, argv[1], p, (unsigned)n))
            printf("ok\n");
        else
            print_error();
    } else if ((!strcmp(cmd, "watch") || !strcmp(cmd, "unwatch")) && need(argc, 3, cmd)) {
        bool ok = cmd[0] == 'w' ? xs_watch(h, argv[1], argv[2]) : xs_unwatch(h, argv[1], argv[2]);
        if (ok)
            printf("ok\n");
        else
            print_error();
    } else if ((!strcmp(cmd, "event") || !strcmp(cmd, "noevent")) && need(argc, 2, cmd)) {
        unsigned n;
        char **ev = xs_read_watch_timeout(h, &n, atoi(argv[1]));
        if (ev)
            print_event(ev);
        else if (errno == EAGAIN)
            printf(cmd[0] == 'e' ? "timeout\n" : "none\n");
        else
            print_error();
    } else if (!strcmp(cmd, "txstart") && need(argc, 1, cmd)) {
        tx = xs_transaction_start(h);
        if (tx == XBT_NULL)
            print_error();
        else
            printf("ok\n");
    } else if ((!strcmp(cmd, "txcommit") || !strcmp(cmd, "txabort")) && need(argc, 1, cmd)) {
        bool ok = xs_transaction_end(h, tx, cmd[2] == 'a');
        tx = XBT_NULL;
        if (ok)
            printf("ok\n");
        else
            print_error();
    } else if (!strcmp(cmd, "incr") && need(argc, 3, cmd)) {
        incr(argv[1], atol(argv[2]));
    } else if (!strcmp(cmd, "fill") && need(argc, 3, cmd)) {
        long n = atol(argv[2]), i;
        char path[4096];
        for (i = 0; i < n; i++) {
            snprintf(path, sizeof(path), "%s/%ld", argv[1], i);
            if (!xs_write(h, tx, path, "x", 1))
                break;
        }
        if (i == n)
            printf("filled %ld\n", i);
        else
            printf("filled %ld error %s\n", i, xs_error_name(errno));
    } else if (!strcmp(cmd, "introduce") && need(argc, 4, cmd)) {
        if (xs_introduce_domain(h, (unsigned)atoi(argv[1]), atoll(argv[2]),
                                (unsigned)atoi(argv[3])))
            printf("ok\n");
        else
            print_error();
    } else if (!strcmp(cmd, "release") && need(argc, 2, cmd)) {
        if (xs_release_domain(h, (unsigned)atoi(argv[1])))
            printf("ok\n");
        else
            print_error();
    } else if (!strcmp(cmd, "domainpath") && need(argc, 2, cmd)) {
        char *p = xs_get_domain_path(h, (unsigned)atoi(argv[1]));
        if (p)
            printf("path %s\n", p);
        else
            print_error();
        free(p);
    } else if (!strcmp(cmd, "introduced") && need(argc, 2, cmd)) {
        printf("%s\n", xs_is_domain_introduced(h, (unsigned)atoi(argv[1])) ? "T" : "F");
    } else if (argc && strcmp(cmd, "read") && strcmp(cmd, "write") && strcmp(cmd, "mkdir") &&
               strcmp(cmd, "rm") && strcmp(cmd, "ls") && strcmp(cmd, "getperms") &&
               strcmp(cmd, "watch") && strcmp(cmd, "unwatch") && strcmp(cmd, "event") &&
               strcmp(cmd, "noevent") && strcmp(cmd, "txstart") && strcmp(cmd, "txcommit") &&
               strcmp(cmd, "txabort") && strcmp(cmd, "incr") && strcmp(cmd, "fill") &&
               strcmp(cmd, "introduce") && strcmp(cmd, "release") && strcmp(cmd, "domainpath") &&
               strcmp(cmd, "introduced") && strcmp(cmd, "setperms")) {
        printf("usage error: unknown command %s\n", cmd);
    }
    fflush(stdout);
    return errno != EIO;
}

static void usage(void)
{
    fprintf(stderr, "usage: xs-tool [--socket PATH] [--domid N --sim PATH [--mfn M] [--port P]]\n"
                    "               COMMAND [ARGS] [; COMMAND [ARGS]]...\n"
                    "       xs-tool ... -f SCRIPT   (one command per line)\n");
}

int main(int argc, char **argv)
{
    const char *sock = NULL, *sim = NULL, *script = NULL;
    int domid = -1, i;
    long long mfn = -1;
    int port = -1;
    struct xs_sim_domain d;
    char *args[64];
    int nargs = 0;

    setvbuf(stdout, NULL, _IOLBF, 0);
    for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1] == '-'; i += 2) {
        if (i + 1 >= argc) {
            usage();
            return 2;
        }
        if (!strcmp(argv[i], "--socket"))
            sock = argv[i + 1];
        else if (!strcmp(argv[i], "--sim"))
            sim = argv[i + 1];
        else if (!strcmp(argv[i], "--domid"))
            domid = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--mfn"))
            mfn = atoll(argv[i + 1]);
        else if (!strcmp(argv[i], "--port"))
            port = atoi(argv[i + 1]);
        else {
            usage();
            return 2;
        }
    }
    if (i < argc && !strcmp(argv[i], "-f")) {
        if (i + 1 >= argc) {
            usage();
            return 2;
        }
        script = argv[i + 1];
        i += 2;
    }
    if (domid >= 0) {
        char why[160] = "";
        struct xs_handle *dom0;
        int err;
        if (!sim) {
            fprintf(stderr, "xs-tool: --domid needs --sim\n");
            return 2;
        }
        if (mfn < 0)
            mfn = 1000 + domid;
        if (port < 0)
            port = 1;
        err = xs_sim_domain_create(sim, (uint16_t)domid, mfn, (uint32_t)port, &d, why, sizeof(why));
        if (err) {
            fprintf(stderr, "xs-tool: cannot register domain %d: %s %s\n", domid, strerror(err),
                    why);
            return 1;
        }
        /* The toolstack's part: introduce the domain over the socket. */
        dom0 = xs_open_socket(sock);
        if (!dom0 || !xs_introduce_domain(dom0, (unsigned)domid, mfn, (unsigned)port)) {
            fprintf(stderr, "xs-tool: cannot introduce domain %d: %s\n", domid, strerror(errno));
            return 1;
        }
        xs_close(dom0);
        h = xs_open_sim_domain(&d);
    } else {
        h = xs_open_socket(sock);
    }
    if (!h) {
        fprintf(stderr, "xs-tool: cannot connect: %s\n", strerror(errno));
        return 1;
    }
    if (script) {
        FILE *f = fopen(script, "r");
        char line[8192];
        if (!f) {
            fprintf(stderr, "xs-tool: %s: %s\n", script, strerror(errno));
            return 2;
        }
        while (fgets(line, sizeof(line), f)) {
            char *save, *w;
            nargs = 0;
            for (w = strtok_r(line, " \t\n", &save); w && nargs < 64;
                 w = strtok_r(NULL, " \t\n", &save))
                args[nargs++] = w;
            if (nargs && args[0][0] != '#') {
                errno = 0;
                if (!run(nargs, args))
                    return 1;
            }
        }
        fclose(f);
        nargs = 0;
    }
    for (; i <= argc; i++) {
        if (i == argc || !strcmp(argv[i], ";")) {
            if (nargs) {
                errno = 0;
                if (!run(nargs, args))
                    return 1;
            }
            nargs = 0;
        } else if (nargs < 64) {
            args[nargs++] = argv[i];
        }
    }
    xs_close(h);
    if (domid >= 0)
        xs_sim_domain_destroy(&d);
    return 0;
}
