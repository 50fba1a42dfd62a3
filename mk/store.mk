# The store (issue 5): xenstored and libxs, hosted flavour. Owned by the
# store work; defines `store-build` (everything the store tests need).
store-build:
.PHONY: store-build
