/* liblzma's assertions, compiled out in hv's freestanding build. */
#ifndef XZ_FREESTANDING_ASSERT_H
#define XZ_FREESTANDING_ASSERT_H
#define assert(expr) ((void)0)
#endif
