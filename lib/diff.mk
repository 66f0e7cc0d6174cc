# lib/diff.mk: the listing against the reference store
lib_libs3gc_a_SOURCES += lib/diff.c lib/diff.h lib/keyset.c lib/keyset.h \
	lib/verify_pg.c lib/verify_pg.h lib/jsonr.c lib/jsonr.h lib/nearmiss.c lib/nearmiss.h \
	lib/fates.c lib/fates.h
