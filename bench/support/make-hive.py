# Writes the hive-reader benchmark's hive with the hivex library (an independent writer):
# groups of keys shaped like a cluster database's (a few strings, DWORDs, a multi-string,
# a binary blob), until the file is within 2 MiB of the target size; then one hive bin
# of free space pads it to the target exactly (the free space a hive file holds anyway).
# The empty hive it starts from is given (hivex cannot create one).
#   python3 make-hive.py EMPTY_HIVE OUT_HIVE TARGET_BYTES
import os
import shutil
import struct
import sys

import hivex

empty, out, target = sys.argv[1], sys.argv[2], int(sys.argv[3])
shutil.copyfile(empty, out)

REG_SZ, REG_BINARY, REG_DWORD, REG_MULTI_SZ = 1, 3, 4, 7


def sz(text):
    return (text + "\0").encode("utf-16-le")


group = 0
while os.path.getsize(out) < target - 2 * 1024 * 1024:
    h = hivex.Hivex(out, write=True)
    root = h.root()
    for g in range(group, group + 4):
        parent = h.node_add_child(root, "Group %05d" % g)
        for k in range(100):
            key = h.node_add_child(parent, "{%08x-0000-4000-8000-%012x}" % (g, k))
            h.node_set_values(key, [
                {"key": "Name", "t": REG_SZ, "value": sz("Resource %d of group %d" % (k, g))},
                {"key": "Type", "t": REG_SZ, "value": sz("Physical Disk")},
                {"key": "PersistentState", "t": REG_DWORD, "value": (k % 2).to_bytes(4, "little")},
                {"key": "DependsOn", "t": REG_MULTI_SZ, "value": sz("a") + sz("b") + b"\0\0"},
                {"key": "Blob", "t": REG_BINARY, "value": bytes((i * 7 + k) & 0xFF for i in range(400 + 40 * (k % 50)))},
            ])
    group += 4
    h.commit(out)


def pad(path, size):
    with open(path, "r+b") as f:
        data = bytearray(f.read())
        bins = struct.unpack_from("<I", data, 40)[0]
        data = data[: 4096 + bins]
        extra = size - len(data)
        if extra < 4096:
            return
        extra -= extra % 4096
        hbin = bytearray(extra)
        hbin[0:4] = b"hbin"
        struct.pack_into("<III", hbin, 4, bins, extra, 0)
        struct.pack_into("<i", hbin, 32, extra - 32)
        data += hbin
        struct.pack_into("<I", data, 40, bins + extra)
        checksum = 0
        for i in range(0, 508, 4):
            checksum ^= struct.unpack_from("<I", data, i)[0]
        checksum = 0xFFFFFFFE if checksum == 0xFFFFFFFF else (1 if checksum == 0 else checksum)
        struct.pack_into("<I", data, 508, checksum)
        f.seek(0)
        f.write(data)
        f.truncate()


pad(out, target)
