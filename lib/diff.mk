# lib/diff.mk: the listing against the reference store
lib_libs3gc_a_SOURCES += lib/diff.c lib/diff.h
