TESTS += tests/cli/refs-basic.sh tests/cli/refs-errors.sh tests/cli/refs-handoff.sh tests/cli/refs-crash.sh tests/cli/refs-leaks.sh
EXTRA_DIST += tests/cli/refs-leaks.sh tests/cli/refs-basic.sh tests/cli/refs-errors.sh tests/cli/refs-handoff.sh tests/cli/refs-crash.sh tests/cli/refs-writer.sh
