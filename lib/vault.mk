# lib/vault.mk: the vault's parts: operation ids, JSON text, the audit trail
lib_libs3gc_a_SOURCES += \
	lib/ulid.c lib/ulid.h \
	lib/jsonw.c lib/jsonw.h \
	lib/audit.c lib/audit.h
