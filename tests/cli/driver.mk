# tests/cli/driver.mk: the driver, s3gc
TESTS += tests/cli/driver-run.sh tests/cli/driver-cmds.sh tests/cli/driver-leaks.sh
EXTRA_DIST += tests/cli/driver-run.sh tests/cli/driver-cmds.sh tests/cli/driver-leaks.sh
