/*
 * The credit policy of the scheduler (hv/sched_credit.c), Xen's credit
 * scheduler in its essentials: every accounting period (30 ms) each CPU
 * shares 300 credits among the vCPUs queued on or running there, in
 * proportion to their domains' weights; running burns 10 credits per
 * millisecond; a vCPU with credit left (UNDER) runs before one without
 * (OVER), and one woken from blocking is BOOSTed ahead of both until its
 * next tick.  A domain's cap limits the time all its vCPUs together run
 * in each period; past it they are parked until the next period.
 */
#ifndef HV_SCHED_CREDIT_H
#define HV_SCHED_CREDIT_H
#include <hv/types.h>

struct vcpu;
struct domain;

/* Queue priorities, higher first (Xen's CSCHED_PRI_*). */
#define CSCHED_PRI_TS_BOOST 0
#define CSCHED_PRI_TS_UNDER (-1)
#define CSCHED_PRI_TS_OVER  (-2)
#define CSCHED_PRI_IDLE     (-64)

#define CSCHED_DEFAULT_WEIGHT 256
#define CSCHED_MAX_WEIGHT     65535

void credit_init_vcpu(struct vcpu *v);
void credit_init_domain(struct domain *d);
/* v goes on a queue: its priority from its credit (BOOST if it was woken). */
void credit_vcpu_queued(struct vcpu *v, bool woken);
/* Charges v for running since v->run_start (sched lock of its CPU held). */
void credit_burn(struct vcpu *v, s_time_t now);
/* This vCPU's share of its CPU's credit: its domain's weight. */
unsigned int credit_weight(const struct vcpu *v);
/* Adds credit at an accounting period and sets v's priority from it. */
void credit_grant(struct vcpu *v, int credits);
/* Run time left before a capped vCPU's domain reaches its cap (a tick if uncapped). */
s_time_t credit_budget_left(const struct vcpu *v, s_time_t now);
s_time_t credit_tslice(void);
s_time_t credit_tick_period(void);
s_time_t credit_period(void);
#define CSCHED_CREDITS_PER_ACCT 300
/* A domain's cap changed: releases its parked vCPUs if it has none now. */
void credit_cap_changed(struct domain *d);
void credit_destroy_domain(struct domain *d);
#endif
