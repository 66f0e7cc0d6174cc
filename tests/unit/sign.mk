# tests/unit/sign.mk: tests of hashing, URI encoding, SigV4 and credentials
