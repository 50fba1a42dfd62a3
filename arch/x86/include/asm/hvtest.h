/* hvtest=pf|gp|df|nmi: deliberately takes one fatal path so tests can watch it. */
#ifndef ASM_HVTEST_H
#define ASM_HVTEST_H
enum hvtest_stage { HVTEST_AFTER_TRAPS, HVTEST_AFTER_APIC };
void hvtest_run(enum hvtest_stage stage);
#endif
