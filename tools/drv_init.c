/* drv_init.c: `s3gc init`: a commented s3gc.conf with every key and its default. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "drv.h"
#include "fe.h"

static const char conf_text[] =
	"# s3gc.conf: what s3gc collects, and how (see s3gc.conf(5)).\n"
	"# Written by 's3gc init': every key, with its default, commented out.\n"
	"# A command-line flag beats the environment (S3GC_BUCKET, ...), which\n"
	"# beats this file.\n"
	"\n"
	"# The bucket to collect (required).\n"
	"#bucket = my-bucket\n"
	"\n"
	"# Its region, for signing requests.\n"
	"#region = us-east-1\n"
	"\n"
	"# An S3-compatible server instead of AWS (path-style addressing).\n"
	"#endpoint = http://127.0.0.1:9000\n"
	"\n"
	"# dry_run: only say what would be deleted. execute: back up, then delete.\n"
	"#mode = dry_run\n"
	"\n"
	"# Objects younger than this many days (by the S3 server's clock) are kept.\n"
	"#retention_days = 7\n"
	"\n"
	"# s3gc-diff refuses (and a cycle stops) when more objects than this would\n"
	"# be deleted: a count, or a percentage of the objects listed.\n"
	"#max_delete = 10%\n"
	"\n"
	"# Keys under this prefix are never deleted; repeat the line for more.\n"
	"#exclude_prefix = keep/\n"
	"\n"
	"# The vault (copies, index, audit trail) and the reference store.\n"
	"#vault_path = ./s3gc_vault\n"
	"\n"
	"# The database whose rows refer to the objects: postgres or mysql.\n"
	"#cdc_backend = postgres\n"
	"\n"
	"# How to reach it; a password is better kept in ~/.pgpass.\n"
	"#cdc_connection_url = postgresql://s3gc@localhost/app\n"
	"\n"
	"# 's3gc daemon' runs a cycle each day at this time (HH:MM, local time).\n"
	"# Default: none.\n"
	"#schedule = 03:00\n"
	"\n"
	"# The columns that hold object keys: table = column, column, ...; a\n"
	"# column may say column:array (text[]) or column:json (a JSON array).\n"
	"[tables]\n"
	"#users = avatar_url\n"
	"#posts = image_url, thumb_url:array\n";

int drv_init(struct drv *d)
{
	const char *path = d->nargs ? d->args[0] : NULL;
	size_t n = sizeof conf_text - 1;
	int fd;

	if (!path) {
		fwrite(conf_text, 1, n, stdout);
		return 0;
	}
	/* Never over a configuration someone wrote. */
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600)) < 0) {
		fe_warn("cannot make '%s': %s%s", path, strerror(errno),
			errno == EEXIST ? " (it is not overwritten)" : "");
		return 74;
	}
	if (write(fd, conf_text, n) != (ssize_t)n || fsync(fd) < 0 || close(fd) < 0) {
		fe_warn("cannot write '%s': %s", path, strerror(errno));
		unlink(path);
		return 74;
	}
	return 0;
}
