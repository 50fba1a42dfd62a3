/* What liblzma's single-threaded mythread.h asks of <signal.h>; hv has no signals. */
#ifndef XZ_FREESTANDING_SIGNAL_H
#define XZ_FREESTANDING_SIGNAL_H
typedef unsigned long sigset_t;
static inline int sigprocmask(int how, const sigset_t *set, sigset_t *old)
{
    (void)how;
    (void)set;
    (void)old;
    return 0;
}
#endif
