/* child.c: run another program and wait for it (see child.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"

extern char **environ;

int child_start(pid_t *pid, char *const argv[], int in_fd, int out_fd, int pgroup,
		struct s3gc_err *e)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	int rc;

	if (posix_spawn_file_actions_init(&fa) != 0)
		return err_sys(e, S3GC_E_SYS, errno, "cannot start '%s'", argv[0]);
	if (posix_spawnattr_init(&at) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		return err_sys(e, S3GC_E_SYS, errno, "cannot start '%s'", argv[0]);
	}
	rc = in_fd >= 0 ? posix_spawn_file_actions_adddup2(&fa, in_fd, 0)
			: posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	if (!rc && out_fd >= 0)
		rc = posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
	if (!rc && pgroup)
		rc = posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP);
	if (!rc)
		rc = posix_spawnp(pid, argv[0], &fa, &at, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	if (rc)
		return err_sys(e, S3GC_E_SYS, rc, "cannot start '%s'", argv[0]);
	return 0;
}

static int reap(pid_t pid, int flags, int *status, struct s3gc_err *e)
{
	pid_t got;
	int st;

	while ((got = waitpid(pid, &st, flags)) < 0)
		if (errno != EINTR)
			return err_sys(e, S3GC_E_SYS, errno, "cannot wait for process %ld",
				       (long)pid);
	if (got == 0)
		return 0;
	*status = WIFEXITED(st) ? WEXITSTATUS(st) : WIFSIGNALED(st) ? 128 + WTERMSIG(st) : 1;
	return 1;
}

int child_wait(pid_t pid, int *status, struct s3gc_err *e)
{
	return reap(pid, 0, status, e) < 0 ? -1 : 0;
}

int child_poll(pid_t pid, int *status, struct s3gc_err *e)
{
	return reap(pid, WNOHANG, status, e);
}
