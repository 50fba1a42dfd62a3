#!/usr/bin/env python3
"""Writes the seed corpus of the xenstored fuzz target (tests/fuzz/corpus/):
well-formed sessions of every message type, so that fuzzing starts from
inputs that reach deep into the handlers.  Run it again after changing the
input format of fuzz_xenstored.c; the files are committed."""

import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
T = dict(CONTROL=0, DIRECTORY=1, READ=2, GET_PERMS=3, WATCH=4, UNWATCH=5, TRANSACTION_START=6,
         TRANSACTION_END=7, INTRODUCE=8, RELEASE=9, GET_DOMAIN_PATH=10, WRITE=11, MKDIR=12, RM=13,
         SET_PERMS=14, IS_DOMAIN_INTRODUCED=17, RESUME=18, SET_TARGET=19, RESET_WATCHES=21,
         DIRECTORY_PART=22)


def msg(typ, *parts, tx=0, raw=None):
    payload = raw if raw is not None else b"".join(p.encode() + b"\0" for p in parts)
    return struct.pack("<IIII", T[typ] if isinstance(typ, str) else typ, 1, tx, len(payload)) + payload


def chunk(conn, data, drain=True):
    return bytes([conn | (2 if drain else 0)]) + struct.pack("<H", len(data)) + data


SEEDS = {
    "write-read": [chunk(0, msg("WRITE", raw=b"/a/b\0value") + msg("READ", "/a/b") + msg("DIRECTORY", "/a"))],
    "perms": [chunk(0, msg("WRITE", raw=b"/local/domain/5/x\0v") + msg("SET_PERMS", "/local/domain/5", "n5", "r0")),
              chunk(1, msg("WRITE", raw=b"x\0w") + msg("READ", "/local/domain/5/x") + msg("GET_PERMS", "x"))],
    "transaction": [chunk(0, msg("TRANSACTION_START", "") + msg("WRITE", raw=b"/t\01", tx=1)
                          + msg("TRANSACTION_END", "T", tx=1))],
    "watch": [chunk(0, msg("WATCH", "/w", "tok") + msg("WRITE", raw=b"/w/x\0") + msg("RM", "/w")
                    + msg("UNWATCH", "/w", "tok") + msg("RESET_WATCHES", ""))],
    "domains": [chunk(0, msg("INTRODUCE", "7", "1234", "3") + msg("IS_DOMAIN_INTRODUCED", "7")
                      + msg("GET_DOMAIN_PATH", "7") + msg("SET_TARGET", "7", "0") + msg("RESUME", "7")
                      + msg("RELEASE", "7") + msg("WATCH", "@releaseDomain", "r"))],
    "dirpart": [chunk(0, b"".join(msg("MKDIR", "/d/%d" % i) for i in range(8)) + msg("DIRECTORY_PART", "/d", "0")
                      + msg("DIRECTORY_PART", "/d", "4"))],
    "control": [chunk(0, msg("CONTROL", "help") + msg("CONTROL", "quota") + msg(99, "x"))],
    "oversized": [chunk(1, struct.pack("<IIII", 2, 1, 0, 5000))],
}

if __name__ == "__main__":
    out = os.path.join(HERE, "corpus")
    os.makedirs(out, exist_ok=True)
    for name, chunks in SEEDS.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(b"".join(chunks))
    print("wrote %d seeds to %s" % (len(SEEDS), out))
