# lib/pgoutput.mk: PostgreSQL logical replication messages
lib_libs3gc_a_SOURCES += lib/pgoutput.c lib/pgoutput.h
