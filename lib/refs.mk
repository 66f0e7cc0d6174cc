# lib/refs.mk: the LMDB wrapper and the reference store
lib_libs3gc_a_SOURCES += lib/store.c lib/store.h lib/memuse.c lib/memuse.h \
	lib/refs.h lib/refs_int.h lib/refs.c lib/refs_ids.c lib/refs_rows.c \
	lib/refs_clear.c lib/refs_iter.c lib/refs_rebuild.c \
	lib/refs_bulk.c lib/extsort.c lib/extsort.h
