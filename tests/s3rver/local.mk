# tests/s3rver/local.mk: s3rver behind the SigV4-checking proxy (node)
EXTRA_DIST += tests/s3rver/package.json tests/s3rver/package-lock.json \
	tests/s3rver/proxy.js tests/s3rver/sign.js tests/s3rver/selftest.js \
	tests/s3rver/start.sh tests/s3rver/stop.sh tests/s3rver/cli-test.sh \
	tests/s3rver/README tests/s3rver/selftest.sh
TESTS += tests/s3rver/selftest.sh
