# lib/refs.mk: the LMDB wrapper and the reference store
lib_libs3gc_a_SOURCES += lib/store.c lib/store.h lib/refs.c lib/refs.h
