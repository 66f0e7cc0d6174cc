# tools/local.mk: the programs, and their shared front-end helpers
bin_PROGRAMS += tools/s3gc-list

# Front-end helpers shared by every program (messages, exits, stdout check).
noinst_LIBRARIES += tools/libfe.a
tools_libfe_a_SOURCES = tools/fe.c tools/fe.h

TOOL_LIBS = tools/libfe.a $(S3GC_LIBS)

tools_s3gc_list_SOURCES = tools/s3gc-list.c
tools_s3gc_list_LDADD = $(TOOL_LIBS)

bin_PROGRAMS += tools/s3gc-refs
tools_s3gc_refs_SOURCES = tools/s3gc-refs.c
tools_s3gc_refs_LDADD = $(TOOL_LIBS)

bin_PROGRAMS += tools/s3gc-vault
tools_s3gc_vault_SOURCES = tools/s3gc-vault.c
tools_s3gc_vault_LDADD = $(TOOL_LIBS)

bin_PROGRAMS += tools/s3gc-delete
tools_s3gc_delete_SOURCES = tools/s3gc-delete.c
tools_s3gc_delete_LDADD = $(TOOL_LIBS)

bin_PROGRAMS += tools/s3gc-restore
tools_s3gc_restore_SOURCES = tools/s3gc-restore.c
tools_s3gc_restore_LDADD = $(TOOL_LIBS)

bin_PROGRAMS += tools/s3gc-diff
tools_s3gc_diff_SOURCES = tools/s3gc-diff.c
tools_s3gc_diff_LDADD = $(TOOL_LIBS)

bin_PROGRAMS += tools/s3gc
tools_s3gc_SOURCES = tools/s3gc.c tools/drv.h tools/drv_run.c tools/drv_status.c \
	tools/drv_init.c tools/drv_daemon.c
tools_s3gc_LDADD = $(TOOL_LIBS)
