/* memuse.h: how much of this process's memory is resident now. */
#ifndef S3GC_MEMUSE_H
#define S3GC_MEMUSE_H

#include <stddef.h>

/*
 * The resident bytes of this process now: *anon, its own memory (heap,
 * stacks: what only a free gives back), and *file, pages of mapped files
 * (an LMDB map: what store_trim gives back). From /proc/self/statm; -1
 * where that cannot be read (both are then 0).
 */
int memuse_now(size_t *anon, size_t *file);

#endif
