# lib/local.mk: libs3gc, the library every tool links
noinst_LIBRARIES += lib/libs3gc.a
lib_libs3gc_a_CFLAGS = $(AM_CFLAGS) $(CURL_CFLAGS) $(CRYPTO_CFLAGS) $(EXPAT_CFLAGS) $(LMDB_CFLAGS) $(ZSTD_CFLAGS) $(ARCHIVE_CFLAGS)
lib_libs3gc_a_SOURCES = \
	lib/err.c lib/err.h \
	lib/buf.c lib/buf.h \
	lib/fdio.c lib/fdio.h \
	lib/log.c lib/log.h \
	lib/http.c lib/http.h \
	lib/xml.c lib/xml.h \
	lib/s3.c lib/s3.h \
	lib/s3list.c lib/s3list.h \
	lib/keyspace.c lib/keyspace.h
include lib/sign.mk

# What a program linking libs3gc needs.
S3GC_LIBS = lib/libs3gc.a $(CURL_LIBS) $(EXPAT_LIBS) $(CRYPTO_LIBS) $(LMDB_LIBS) $(ZSTD_LIBS) $(ARCHIVE_LIBS) $(PQ_LIBS) $(PTHREAD_LIBS)
include lib/records.mk
include lib/pgoutput.mk
include lib/normalise.mk
include lib/refs.mk
include lib/db_pg.mk
include lib/cdc_apply.mk
include lib/cdc_pg.mk
include lib/vault.mk
include lib/diff.mk
include lib/driver.mk
