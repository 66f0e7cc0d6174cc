noinst_PROGRAMS += tests/s3mem/s3mem
tests_s3mem_s3mem_SOURCES = \
	tests/s3mem/buckets.c \
	tests/s3mem/buf.c \
	tests/s3mem/buf.h \
	tests/s3mem/clock.c \
	tests/s3mem/clock.h \
	tests/s3mem/codec.c \
	tests/s3mem/codec.h \
	tests/s3mem/conn.c \
	tests/s3mem/conn.h \
	tests/s3mem/control.c \
	tests/s3mem/delete.c \
	tests/s3mem/digest.c \
	tests/s3mem/digest.h \
	tests/s3mem/faults.c \
	tests/s3mem/faults.h \
	tests/s3mem/handlers.h \
	tests/s3mem/http.c \
	tests/s3mem/http.h \
	tests/s3mem/listing.c \
	tests/s3mem/multipart.c \
	tests/s3mem/objects.c \
	tests/s3mem/populate.c \
	tests/s3mem/populate.h \
	tests/s3mem/resp.c \
	tests/s3mem/resp.h \
	tests/s3mem/s3mem.c \
	tests/s3mem/server.c \
	tests/s3mem/server.h \
	tests/s3mem/store.c \
	tests/s3mem/store.h \
	tests/s3mem/uploads.c \
	tests/s3mem/uploads.h \
	tests/s3mem/xmlbody.c \
	tests/s3mem/xmlbody.h
tests_s3mem_s3mem_LDADD = $(CRYPTO_LIBS)
tests_s3mem_s3mem_CFLAGS = $(AM_CFLAGS) $(CRYPTO_CFLAGS)
EXTRA_DIST += tests/s3mem/README tests/s3mem/smoke.sh
TESTS += tests/s3mem/smoke.sh
