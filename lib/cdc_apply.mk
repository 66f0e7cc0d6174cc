lib_libs3gc_a_SOURCES += lib/cdc_apply.c lib/cdc_apply.h
