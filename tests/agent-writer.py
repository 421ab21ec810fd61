#!/usr/bin/env python3
"""A steady writer on a mounted filesystem, for the p2v agent tests.

  agent-writer.py DIR LOG [RATE_KB_S]

Creates new files (n<i>) and rewrites old ones (r<j>, 32 of them), each
64 KiB of random bytes, fsyncing every file and its directory; after
each fsync it appends "TIME NAME SHA256" to LOG (which is not on DIR's
filesystem) and flushes it.  Runs until killed.
"""
import hashlib
import os
import sys
import time

def main():
    d, log = sys.argv[1], sys.argv[2]
    rate = float(sys.argv[3]) if len(sys.argv) > 3 else 1024.0
    size = 65536
    interval = size / (rate * 1024.0)
    dfd = os.open(d, os.O_RDONLY | os.O_DIRECTORY)
    with open(log, "a", buffering=1) as out:
        i = 0
        nxt = time.time()
        while True:
            name = "n%d" % i if i % 2 == 0 else "r%d" % (i // 2 % 32)
            data = os.urandom(size)
            fd = os.open(os.path.join(d, name),
                         os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            os.write(fd, data)
            os.fsync(fd)
            os.close(fd)
            os.fsync(dfd)
            out.write("%.6f %s %s\n" % (time.time(), name,
                                        hashlib.sha256(data).hexdigest()))
            i += 1
            nxt += interval
            delay = nxt - time.time()
            if delay > 0:
                time.sleep(delay)

main()
