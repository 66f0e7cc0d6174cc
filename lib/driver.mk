# lib/driver.mk: what the driver needs: programs run, a lock, the metrics
lib_libs3gc_a_SOURCES += lib/child.c lib/child.h lib/lockfile.c lib/lockfile.h
