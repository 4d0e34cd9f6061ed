"""An interactive console on the guest's serial port: the L0 serves COM1 on a
local TCP port, this module connects to it, puts the terminal in raw mode
and copies keys in and output out, while the serial log is still recorded
and judged. Ctrl-] ends the session."""

import os
import select
import socket
import sys
import termios
import time
import tty

ESCAPE = b"\x1d"   # Ctrl-]


def free_port():
    """A TCP port on localhost nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def connect(port, proc, timeout=30.0):
    """Connects to the L0's serial server; None if the L0 died or never listened."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            return socket.create_connection(("127.0.0.1", port), timeout=1)
        except OSError:
            time.sleep(0.1)
    return None


def attach(sock, proc, sink, timeout, grace):
    """Forwards between the terminal and SOCK until the verdict (plus GRACE
    seconds), the L0's exit, Ctrl-] or TIMEOUT; returns how it ended:
    'verdict', 'exited', 'detached' or 'timeout'."""
    fd = sys.stdin.fileno()
    saved = termios.tcgetattr(fd)
    start, verdict_at = time.monotonic(), None
    sys.stdout.write("console: attached (Ctrl-] quits)\r\n")
    sys.stdout.flush()
    tty.setraw(fd)
    try:
        while True:
            now = time.monotonic()
            if sink.verdict.done and verdict_at is None:
                verdict_at = now
            if verdict_at is not None and now - verdict_at > grace:
                return "verdict"
            if proc.poll() is not None:
                return "verdict" if sink.verdict.done else "exited"
            if now - start > timeout:
                return "timeout"
            ready, _, _ = select.select([sock, fd], [], [], 0.1)
            if sock in ready:
                data = sock.recv(4096)
                if not data:
                    return "verdict" if sink.verdict.done else "exited"
                os.write(sys.stdout.fileno(), data)
                sink.add(data.decode("utf-8", "replace"))
            if fd in ready:
                keys = os.read(fd, 1024)
                if ESCAPE in keys:
                    return "detached"
                sock.sendall(keys)
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)
        sys.stdout.write("\r\nconsole: detached\n")
