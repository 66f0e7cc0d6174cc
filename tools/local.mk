# tools/local.mk: the programs, and their shared front-end helpers
