/*
 * child.h: run another program and wait for it, as the driver runs the
 * stages: no shell; standard input and output from and to descriptors the
 * caller opened, standard error shared.
 */
#ifndef S3GC_CHILD_H
#define S3GC_CHILD_H

#include <sys/types.h>

#include "err.h"

/*
 * Start argv[0] (a path, or a name looked up in PATH) with argv, its
 * standard input from in_fd and output to out_fd (-1: /dev/null for input,
 * ours for output). The child gets its own process group when pgroup is
 * set (so that a terminal's Ctrl-C reaches the caller alone, which passes
 * it on). S3GC_E_SYS naming the program when it cannot be started.
 */
int child_start(pid_t *pid, char *const argv[], int in_fd, int out_fd, int pgroup,
		struct s3gc_err *e);

/*
 * Wait for pid (again after a signal): *status is its exit status, or 128
 * plus the signal that killed it, as the shell says.
 */
int child_wait(pid_t pid, int *status, struct s3gc_err *e);

/* Whether pid has ended, without waiting: 1 with *status as child_wait
 * gives it, 0 while it runs, -1 on an error. */
int child_poll(pid_t pid, int *status, struct s3gc_err *e);

#endif
