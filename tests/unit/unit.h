/*
 * Shared helpers for the host-built unit tests (cmocka, ASan/UBSan):
 * - unit_run(): runs a cmocka group with every line of cmocka's report
 *   (which it splits between stdout and stderr) on stdout, in order;
 * - a seeded PRNG for randomized tests; the seed is printed and can be
 *   replaced with UNIT_SEED=<n> to replay a failure;
 * - unit_isolated(): runs code that may crash or trip a sanitizer on
 *   hostile input in a child process, so that one bad input fails one test
 *   instead of killing the whole binary; results travel back through
 *   unit_shared() memory.
 */
#ifndef UNIT_H
#define UNIT_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <cmocka.h>

#define UNIT_DEFAULT_SEED 0x5eed2024u

/* Every report line on stdout, unbuffered, so nothing is lost or reordered. */
static inline int unit_run_group(const char *name, const struct CMUnitTest *tests, size_t n)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    setvbuf(stderr, NULL, _IONBF, 0);
    fflush(NULL);
    dup2(STDOUT_FILENO, STDERR_FILENO);
    return _cmocka_run_group_tests(name, tests, n, NULL, NULL);
}
#define unit_run(tests) unit_run_group(#tests, tests, sizeof(tests) / sizeof((tests)[0]))

/*
 * Fails the running test with a formatted message, printed as the first
 * "[  ERROR   ] --- " line so that the harness reports it as the reason.
 */
#define unit_fail(...)                                                                             \
    do {                                                                                           \
        printf("[  ERROR   ] --- ");                                                               \
        printf(__VA_ARGS__);                                                                       \
        printf("\n");                                                                              \
        fail();                                                                                    \
    } while (0)

/* splitmix64: small, fast, and good enough to drive property tests. */
struct unit_rng {
    uint64_t s;
};

static inline uint64_t unit_rand(struct unit_rng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Uniform in [0, n); n > 0. */
static inline uint64_t unit_below(struct unit_rng *r, uint64_t n)
{
    return unit_rand(r) % n;
}

/* The seed of a randomized test: UNIT_SEED from the environment or the fixed default. */
static inline uint64_t unit_seed(const char *test)
{
    const char *env = getenv("UNIT_SEED");
    uint64_t seed = env && *env ? strtoull(env, NULL, 0) : UNIT_DEFAULT_SEED;
    printf("[   SEED   ] %s: seed %#llx (replay with UNIT_SEED=%#llx)\n", test,
           (unsigned long long)seed, (unsigned long long)seed);
    return seed;
}

static inline void unit_rng_init(struct unit_rng *r, const char *test)
{
    r->s = unit_seed(test);
}

/* Memory that a child process started by unit_isolated() can write for its parent. */
static inline void *unit_shared(size_t size)
{
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    assert_true(p != MAP_FAILED);
    memset(p, 0, size);
    return p;
}

static inline void unit_shared_free(void *p, size_t size)
{
    munmap(p, size);
}

/*
 * Runs fn(arg) in a child; returns true if it returned normally (no crash,
 * no sanitizer report).  Any sanitizer report is printed by the child.
 */
static inline bool unit_isolated(void (*fn)(void *), void *arg)
{
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        fn(arg);
        _exit(0);
    }
    int status;
    assert_true(waitpid(pid, &status, 0) == pid);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return true;
    if (WIFSIGNALED(status))
        printf("[  CHILD   ] killed by signal %d\n", WTERMSIG(status));
    else
        printf("[  CHILD   ] exited with status %d (sanitizer report above?)\n",
               WEXITSTATUS(status));
    return false;
}

#endif
