# lib/records.mk: records on pipes (and read in blocks), configuration, time formats and UTF-8
lib_libs3gc_a_SOURCES += \
	lib/rec.c lib/rec.h \
	lib/lines.c lib/lines.h \
	lib/conf.c lib/conf.h \
	lib/conf_keys.c lib/conf_keys.h \
	lib/timefmt.c lib/timefmt.h \
	lib/utf8.c lib/utf8.h
