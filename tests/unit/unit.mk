# Host-built unit tests (cmocka, ASan/UBSan) of hv sources.
UNIT_TESTS :=
unit-build:
.PHONY: unit-build
