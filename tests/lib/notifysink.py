"""A service manager's notification socket, for the tests (tests/lib/notify.js).

    /usr/bin/python3 notifysink.py ADDRESS

Binds an AF_UNIX datagram socket at ADDRESS (a path, or '@name' for an
abstract one, as $NOTIFY_SOCKET names them), prints {"bound": ADDRESS},
then one JSON line {"state": "...", "t": seconds} per datagram received.
Exits when its standard input closes (the test ended, however it ended),
removing a path socket it made.
"""
import json
import os
import select
import socket
import sys
import time


def main():
    address = sys.argv[1]
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind("\0" + address[1:] if address.startswith("@") else address)
    print(json.dumps({"bound": address}), flush=True)
    try:
        while True:
            ready, _, _ = select.select([sock, sys.stdin], [], [])
            if sys.stdin in ready and not sys.stdin.buffer.read1(4096):
                return
            if sock in ready:
                data = sock.recv(4096)
                print(json.dumps({"state": data.decode("utf-8", "replace"), "t": time.time()}),
                      flush=True)
    finally:
        sock.close()
        if not address.startswith("@"):
            os.unlink(address)


main()
