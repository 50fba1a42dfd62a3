/*
 * xs-bench: figures for the hosted daemon, printed for `make store-bench`
 * (never asserted): reads/s, writes/s, 10-write transactions/s and
 * watch-fire latency over the socket with libxs, and the daemon's memory
 * growth per 10,000 nodes (from /proc/<pid>/status, VmRSS).
 *
 *   xs-bench SOCKET DAEMON_PID
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "xs.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long rss_kb(const char *pid)
{
    char path[64], line[256];
    long kb = -1;
    FILE *f;
    snprintf(path, sizeof(path), "/proc/%s/status", pid);
    f = fopen(path, "r");
    if (!f)
        return -1;
    while (fgets(line, sizeof(line), f))
        if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
            break;
    fclose(f);
    return kb;
}

static void die(const char *what)
{
    fprintf(stderr, "xs-bench: %s: %s\n", what, strerror(errno));
    exit(1);
}

int main(int argc, char **argv)
{
    struct xs_handle *h, *w;
    const int n = 20000, ntx = 2000, nwatch = 2000;
    char path[64], val[32];
    double t0, dt, total = 0, worst = 0;
    long before, after;
    unsigned len, num;

    if (argc != 3) {
        fprintf(stderr, "usage: xs-bench SOCKET DAEMON_PID\n");
        return 2;
    }
    h = xs_open_socket(argv[1]);
    w = xs_open_socket(argv[1]);
    if (!h || !w)
        die("connect");

    t0 = now();
    for (int i = 0; i < n; i++) {
        snprintf(path, sizeof(path), "/bench/w/%d", i % 1000);
        snprintf(val, sizeof(val), "%d", i);
        if (!xs_write(h, XBT_NULL, path, val, (unsigned)strlen(val)))
            die("write");
    }
    dt = now() - t0;
    printf("store-bench: writes/s            %.0f  (%d writes of 1000 keys)\n", n / dt, n);

    t0 = now();
    for (int i = 0; i < n; i++) {
        char *v;
        snprintf(path, sizeof(path), "/bench/w/%d", i % 1000);
        v = xs_read(h, XBT_NULL, path, &len);
        if (!v)
            die("read");
        free(v);
    }
    dt = now() - t0;
    printf("store-bench: reads/s             %.0f  (%d reads)\n", n / dt, n);

    t0 = now();
    for (int i = 0; i < ntx; i++) {
        xs_transaction_t t = xs_transaction_start(h);
        if (t == XBT_NULL)
            die("transaction start");
        for (int k = 0; k < 10; k++) {
            snprintf(path, sizeof(path), "/bench/tx/%d", k);
            snprintf(val, sizeof(val), "%d", i);
            if (!xs_write(h, t, path, val, (unsigned)strlen(val)))
                die("write in transaction");
        }
        if (!xs_transaction_end(h, t, false))
            die("commit");
    }
    dt = now() - t0;
    printf("store-bench: 10-write tx/s       %.0f  (%d transactions)\n", ntx / dt, ntx);

    if (!xs_watch(w, "/bench/watched", "tok"))
        die("watch");
    free(xs_read_watch(w, &num)); /* the event at registration */
    for (int i = 0; i < nwatch; i++) {
        char **ev;
        snprintf(val, sizeof(val), "%d", i);
        t0 = now();
        if (!xs_write(h, XBT_NULL, "/bench/watched", val, (unsigned)strlen(val)))
            die("write watched");
        ev = xs_read_watch(w, &num);
        if (!ev)
            die("read watch");
        dt = now() - t0;
        free(ev);
        total += dt;
        if (dt > worst)
            worst = dt;
    }
    printf("store-bench: watch-fire latency  %.1f us mean, %.1f us worst  (write to event, %d "
           "events)\n",
           total / nwatch * 1e6, worst * 1e6, nwatch);

    before = rss_kb(argv[2]);
    for (int i = 0; i < 10000; i++) {
        snprintf(path, sizeof(path), "/bench/mem/%d/%d", i / 100, i % 100);
        if (!xs_write(h, XBT_NULL, path, "0123456789", 10))
            die("write for memory");
    }
    after = rss_kb(argv[2]);
    if (before >= 0 && after >= 0)
        printf("store-bench: memory per 10k nodes %ld kB  (daemon RSS %ld -> %ld kB; 10-byte "
               "values, 100 parents)\n",
               after - before, before, after);
    else
        printf("store-bench: memory per 10k nodes unknown (no /proc/%s/status)\n", argv[2]);
    xs_close(w);
    xs_close(h);
    return 0;
}
