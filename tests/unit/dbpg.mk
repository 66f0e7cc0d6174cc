# tests/unit/dbpg.mk: the PostgreSQL client layer against a real server
check_PROGRAMS += tests/tools/pg-probe
tests_tools_pg_probe_CFLAGS = $(AM_CFLAGS) $(PQ_CFLAGS)
tests_tools_pg_probe_LDADD = $(S3GC_LIBS)
TESTS += tests/cli/db-pg.sh
EXTRA_DIST += tests/cli/db-pg.sh
