#!/usr/bin/env python3
"""Checks a received filesystem against agent-writer.py's log.

  agent-check.py TREE LOG FROZEN_AT

TREE is the received filesystem's files (debugfs rdump).  Every file the
writer had fsynced before FROZEN_AT must be there, with the checksum it
logged last before then, or with the next one (a rewrite the freeze
caught after its data was written but before the writer logged it).
"""
import hashlib
import os
import sys

def main():
    tree, log, frozen_at = sys.argv[1], sys.argv[2], float(sys.argv[3])
    before, after = {}, {}
    for line in open(log):
        parts = line.split()
        if len(parts) != 3:
            continue
        t, name, digest = float(parts[0]), parts[1], parts[2]
        if t < frozen_at:
            before[name] = digest
        elif name not in after:
            after[name] = digest
    if not before:
        sys.exit("no file was written before the freeze")
    bad = 0
    for name, digest in sorted(before.items()):
        path = os.path.join(tree, name)
        if not os.path.exists(path):
            print("missing: %s" % name)
            bad += 1
            continue
        got = hashlib.sha256(open(path, "rb").read()).hexdigest()
        if got != digest and got != after.get(name):
            print("wrong content: %s" % name)
            bad += 1
    print("%d files fsynced before the freeze, %d wrong or missing"
          % (len(before), bad))
    sys.exit(1 if bad else 0)

main()
