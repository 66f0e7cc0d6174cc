# tests/unit/vault.mk: worker pools, operation ids, the audit trail, the blobs and the index
check_PROGRAMS += tests/unit/t-ulid tests/unit/t-audit tests/unit/t-blob tests/unit/t-vault \
	tests/unit/t-s3del tests/unit/t-pool tests/unit/t-s3mpu
TESTS += tests/unit/t-ulid tests/unit/t-audit tests/unit/t-blob tests/unit/t-vault \
	tests/unit/t-s3del tests/unit/t-pool tests/unit/t-s3mpu
tests_unit_t_s3mpu_SOURCES = tests/unit/t-s3mpu.c tests/unit/tap.h
tests_unit_t_s3mpu_LDADD = $(S3GC_LIBS)
tests_unit_t_pool_SOURCES = tests/unit/t-pool.c tests/unit/tap.h
tests_unit_t_pool_LDADD = $(S3GC_LIBS)
tests_unit_t_ulid_SOURCES = tests/unit/t-ulid.c tests/unit/tap.h
tests_unit_t_ulid_LDADD = $(S3GC_LIBS)
tests_unit_t_audit_SOURCES = tests/unit/t-audit.c tests/unit/json.c \
	tests/unit/json.h tests/unit/tap.h
tests_unit_t_audit_LDADD = $(S3GC_LIBS)
tests_unit_t_blob_SOURCES = tests/unit/t-blob.c tests/unit/tap.h
tests_unit_t_blob_LDADD = $(S3GC_LIBS)
tests_unit_t_vault_SOURCES = tests/unit/t-vault.c tests/unit/tap.h
tests_unit_t_vault_LDADD = $(S3GC_LIBS)
tests_unit_t_s3del_SOURCES = tests/unit/t-s3del.c tests/unit/tap.h
tests_unit_t_s3del_LDADD = $(S3GC_LIBS)
check_PROGRAMS += tests/tools/s3obj-probe
tests_tools_s3obj_probe_LDADD = $(S3GC_LIBS)
TESTS += tests/cli/s3obj.sh tests/cli/vault-put.sh tests/cli/vault-delete.sh \
	tests/cli/vault-restore.sh tests/cli/vault-crash.sh tests/cli/vault-faults.sh \
	tests/cli/vault-leaks.sh tests/cli/vault-roundtrip.sh
EXTRA_DIST += tests/cli/s3obj.sh tests/cli/vault-put.sh tests/cli/vault-delete.sh \
	tests/cli/vault-restore.sh tests/cli/vault-crash.sh tests/cli/vault-faults.sh \
	tests/cli/vault-leaks.sh tests/cli/vault-roundtrip.sh
