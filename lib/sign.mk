# lib/sign.mk: hashing, URI encoding, SigV4 and credentials
lib_libs3gc_a_SOURCES += \
	lib/hash.h lib/uri.h lib/sigv4.h lib/creds.h \
	lib/hash.c lib/uri.c lib/sigv4.c lib/creds.c
