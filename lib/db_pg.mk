# lib/db_pg.mk: the PostgreSQL client layer (libpq)
lib_libs3gc_a_SOURCES += lib/db_pg.c lib/db_pg.h
lib_libs3gc_a_CFLAGS += $(PQ_CFLAGS)
