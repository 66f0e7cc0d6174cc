# tests/cli/driver.mk: the driver, s3gc
TESTS += tests/cli/driver-run.sh
EXTRA_DIST += tests/cli/driver-run.sh
