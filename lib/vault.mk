# lib/vault.mk: the vault's parts: operation ids, JSON text, the audit
# trail, the blobs, the index; object requests and DeleteObjects documents
lib_libs3gc_a_SOURCES += \
	lib/ulid.c lib/ulid.h \
	lib/pool.c lib/pool.h \
	lib/jsonw.c lib/jsonw.h \
	lib/audit.c lib/audit.h \
	lib/blob.c lib/blob.h \
	lib/vault.c lib/vault_items.c lib/vault.h lib/vault_int.h \
	lib/s3del.c lib/s3del.h \
	lib/s3obj.c lib/s3obj.h lib/s3obj_int.h \
	lib/s3mpu.c lib/s3mpu.h \
	lib/vault_put.c lib/vault_put.h \
	lib/vault_del.c lib/vault_del.h \
	lib/vault_restore.c lib/vault_restore.h \
	lib/vault_export.c lib/vault_export.h
