# lib/normalise.mk: column values to S3 keys
lib_libs3gc_a_SOURCES += lib/normalise.c lib/normalise.h
