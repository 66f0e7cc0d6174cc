# tests/pg/local.mk: a throw-away PostgreSQL for the tests (see tests/pg/README)
EXTRA_DIST += tests/pg/start.sh tests/pg/stop.sh tests/pg/lib.sh tests/pg/README tests/cli/pg-service.sh
TESTS += tests/cli/pg-service.sh
