# The oracle for the hive reader tests: walks a hive with the hivex library (Debian
# python3-hivex, an independent implementation) and prints the tree as JSON:
# {"name", "values": [{"name", "type", "data": hex}], "subkeys": [...]}, in the order hivex
# lists them (the order stored). Usage: python3 hivex-walk.py HIVE
import json
import sys

import hivex


def walk(h, node):
    values = []
    for v in h.node_values(node):
        vtype, data = h.value_value(v)
        values.append({"name": h.value_key(v), "type": vtype, "data": data.hex()})
    return {
        "name": h.node_name(node),
        "values": values,
        "subkeys": [walk(h, c) for c in h.node_children(node)],
    }


sys.setrecursionlimit(10000)
h = hivex.Hivex(sys.argv[1])
json.dump(walk(h, h.root()), sys.stdout, ensure_ascii=True)
