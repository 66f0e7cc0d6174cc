# lib/cdc_pg.mk: the reference store kept from PostgreSQL (snapshot, stream)
lib_libs3gc_a_SOURCES += lib/cdc_pg.h lib/cdc_pg_int.h lib/cdc_pg_check.c \
	lib/cdc_pg_snap.c lib/cdc_pg_stream.c lib/pgcopy.c lib/pgcopy.h
