/*
 * The hosted xenstored: options, the listening sockets and the event loop
 * (poll over the socket clients, the domains' event channels and the
 * simulation socket).  Runs in the foreground until SIGTERM or SIGINT,
 * then removes its socket files.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "conn.h"
#include "domain.h"
#include "io_ring.h"
#include "io_socket.h"
#include "platform.h"
#include "store.h"

#define DEFAULT_SOCKET "/var/run/xenstored/socket"

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
    (void)sig;
    stopping = 1;
}

static void usage(FILE *f)
{
    fprintf(
        f,
        "Usage: xenstored [options]\n"
        "\n"
        "The store daemon, hosted on Linux.  Listens on $XENSTORED_PATH (default\n" DEFAULT_SOCKET
        ").\n"
        "\n"
        "  -s, --socket PATH        listen on PATH instead of $XENSTORED_PATH\n"
        "      --sim-socket PATH    accept simulated domain rings on PATH (tests)\n"
        "  -E, --entry-nb N         nodes an unprivileged domain may own (default %u)\n"
        "  -S, --entry-size N       bytes of one value for such domains (default %u)\n"
        "  -W, --watch-nb N         watches per domain (default %u)\n"
        "  -t, --transaction N      open transactions per domain (default %u)\n"
        "  -A, --perm-nb N          entries of one permission list (default %u)\n"
        "  -Q, --quota WHAT=N       outstanding=N undelivered replies before a domain's\n"
        "                           input waits (default %u); events=N watch events\n"
        "                           queued per domain before more are dropped (default %u)\n"
        "  -F, --pid-file FILE      write the daemon's pid to FILE\n"
        "  -V, --verbose            log connections and domains on stderr\n"
        "  -N, --no-fork            accepted for Xen compatibility (never forks)\n"
        "  -H, --help               this text\n",
        QUOTA_DEFAULT_NODES, QUOTA_DEFAULT_ENTRY_SIZE, QUOTA_DEFAULT_WATCHES,
        QUOTA_DEFAULT_TRANSACTIONS, QUOTA_DEFAULT_PERMS, QUOTA_DEFAULT_OUTSTANDING,
        QUOTA_DEFAULT_EVENTS);
}

static uint32_t number_arg(const char *opt, const char *s)
{
    char *end;
    unsigned long v;
    errno = 0;
    v = strtoul(s, &end, 10);
    if (!*s || *end || errno || v > UINT32_MAX || s[0] == '-') {
        fprintf(stderr, "xenstored: %s wants a number, not \"%s\"\n", opt, s);
        exit(2);
    }
    return (uint32_t)v;
}

static void quota_arg(struct quotas *q, const char *s)
{
    const char *eq = strchr(s, '=');
    if (eq && (size_t)(eq - s) == strlen("outstanding") && !strncmp(s, "outstanding", 11))
        q->outstanding = number_arg("--quota outstanding", eq + 1);
    else if (eq && (size_t)(eq - s) == strlen("events") && !strncmp(s, "events", 6))
        q->events = number_arg("--quota events", eq + 1);
    else {
        fprintf(stderr, "xenstored: unknown quota \"%s\" (outstanding=N or events=N)\n", s);
        exit(2);
    }
}

enum { OPT_SIM = 1000 };

static const struct option long_options[] = {
    {"socket", required_argument, NULL, 's'},
    {"sim-socket", required_argument, NULL, OPT_SIM},
    {"entry-nb", required_argument, NULL, 'E'},
    {"entry-size", required_argument, NULL, 'S'},
    {"watch-nb", required_argument, NULL, 'W'},
    {"transaction", required_argument, NULL, 't'},
    {"perm-nb", required_argument, NULL, 'A'},
    {"quota", required_argument, NULL, 'Q'},
    {"pid-file", required_argument, NULL, 'F'},
    {"verbose", no_argument, NULL, 'V'},
    {"no-fork", no_argument, NULL, 'N'},
    {"help", no_argument, NULL, 'H'},
    {NULL, 0, NULL, 0},
};

static void ensure_parent_dir(const char *path)
{
    char *dir = strdup(path), *slash = dir ? strrchr(dir, '/') : NULL;
    if (slash && slash != dir) {
        *slash = '\0';
        if (mkdir(dir, 0755) < 0 && errno != EEXIST)
            fprintf(stderr, "xenstored: cannot create %s: %s\n", dir, strerror(errno));
    }
    free(dir);
}

/* Disconnects the domains, then closes every connection (sockets too). */
static void shutdown_store(struct store *s)
{
    struct domain *d;
    struct conn *c;
    xs_list_for_each_safe(d, tmp, &s->domains, struct domain, link) domain_free(s, d);
    xs_list_for_each_safe(c, tmp2, &s->conns, struct conn, link) c->transport->close(c);
    store_free(s);
}

int main(int argc, char **argv)
{
    const char *socket_path = getenv("XENSTORED_PATH");
    const char *sim_path = NULL, *pid_file = NULL;
    struct store *s;
    struct quotas quota;
    bool verbose = false;
    struct pollfd *pfds = NULL;
    struct conn **pconns = NULL;
    size_t cap = 0;
    int opt, lfd, sfd = -1;

    store_default_quotas(&quota);
    if (!socket_path || !*socket_path)
        socket_path = DEFAULT_SOCKET;
    while ((opt = getopt_long(argc, argv, "s:E:S:W:t:A:Q:F:VNHD", long_options, NULL)) != -1) {
        switch (opt) {
        case 's':
            socket_path = optarg;
            break;
        case OPT_SIM:
            sim_path = optarg;
            break;
        case 'E':
            quota.nodes = number_arg("--entry-nb", optarg);
            break;
        case 'S':
            quota.entry_size = number_arg("--entry-size", optarg);
            break;
        case 'W':
            quota.watches = number_arg("--watch-nb", optarg);
            break;
        case 't':
            quota.transactions = number_arg("--transaction", optarg);
            break;
        case 'A':
            quota.perms = number_arg("--perm-nb", optarg);
            break;
        case 'Q':
            quota_arg(&quota, optarg);
            break;
        case 'F':
            pid_file = optarg;
            break;
        case 'V':
            verbose = true;
            break;
        case 'N':
        case 'D':
            break;
        case 'H':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "xenstored: unexpected argument \"%s\"\n", argv[optind]);
        usage(stderr);
        return 2;
    }

    /* The store exists only once the command line is known good. */
    s = store_new();
    if (!s) {
        fprintf(stderr, "xenstored: out of memory\n");
        return 1;
    }
    s->quota = quota;
    s->verbose = verbose;
    s->ring_connect = io_ring_connect;
    s->ring_disconnect = io_ring_disconnect;
    if (strcmp(socket_path, DEFAULT_SOCKET) == 0)
        ensure_parent_dir(socket_path);
    lfd = io_socket_listen(socket_path);
    if (lfd < 0) {
        fprintf(stderr, "xenstored: cannot listen on %s: %s\n", socket_path, strerror(errno));
        store_free(s);
        return 1;
    }
    if (sim_path) {
        sfd = platform_sim_listen(sim_path);
        if (sfd < 0) {
            fprintf(stderr, "xenstored: cannot listen on %s: %s\n", sim_path, strerror(errno));
            unlink(socket_path);
            store_free(s);
            return 1;
        }
    }
    if (pid_file) {
        FILE *f = fopen(pid_file, "w");
        if (!f || fprintf(f, "%ld\n", (long)getpid()) < 0 || fclose(f) != 0) {
            fprintf(stderr, "xenstored: cannot write %s\n", pid_file);
            store_free(s);
            return 1;
        }
    }
    signal(SIGPIPE, SIG_IGN);
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    if (s->verbose)
        fprintf(stderr, "xenstored: listening on %s%s%s\n", socket_path,
                sim_path ? ", simulated domains on " : "", sim_path ? sim_path : "");

    while (!stopping) {
        size_t n = 0, nconns = 0;
        struct conn *c;
        xs_list_for_each_safe(c, tmp, &s->conns, struct conn, link) nconns++;
        if (nconns + 2 > cap) {
            cap = (nconns + 2) * 2;
            pfds = realloc(pfds, cap * sizeof(*pfds));
            pconns = realloc(pconns, cap * sizeof(*pconns));
            if (!pfds || !pconns) {
                fprintf(stderr, "xenstored: out of memory\n");
                store_free(s);
                return 1;
            }
        }
        pfds[n] = (struct pollfd){lfd, POLLIN, 0};
        pconns[n++] = NULL;
        if (sfd >= 0) {
            pfds[n] = (struct pollfd){sfd, POLLIN, 0};
            pconns[n++] = NULL;
        }
        xs_list_for_each_safe(c, tmp, &s->conns, struct conn, link)
        {
            short ev = 0;
            int fd = c->transport->poll_fd ? c->transport->poll_fd(c, &ev) : -1;
            if (fd < 0)
                continue;
            pfds[n] = (struct pollfd){fd, ev, 0};
            pconns[n++] = c;
        }
        if (poll(pfds, n, -1) < 0) {
            if (errno == EINTR)
                continue;
            perror("xenstored: poll");
            break;
        }
        if (pfds[0].revents)
            io_socket_accept(s, lfd);
        if (sfd >= 0 && pfds[1].revents)
            platform_sim_accept(sfd);
        for (size_t i = 0; i < n; i++)
            if (pconns[i] && pfds[i].revents)
                pconns[i]->transport->service(pconns[i], pfds[i].revents);
        /* Watch events and replies for connections that did not poll
         * ready (ring domains, sockets woken by others' writes); then drop
         * finished connections.  Services may free connections, so each
         * pass starts over from the list. */
        xs_list_for_each_safe(c, tmp, &s->conns, struct conn, link) if (c->transport->service)
            c->transport->service(c, 0);
        for (bool again = true; again;) {
            again = false;
            xs_list_for_each_safe(c, tmp, &s->conns, struct conn, link)
            {
                if (c->transport->finished && c->transport->finished(c)) {
                    if (s->verbose)
                        fprintf(stderr, "xenstored: %s connection of domain %u closed%s%s\n",
                                c->transport->kind, c->domid, c->broken_why ? ": " : "",
                                c->broken_why ? c->broken_why : "");
                    c->transport->close(c);
                    again = true;
                    break;
                }
            }
        }
    }
    free(pfds);
    free(pconns);
    shutdown_store(s);
    close(lfd);
    unlink(socket_path);
    platform_sim_close(sfd, sim_path);
    if (pid_file)
        unlink(pid_file);
    return 0;
}
