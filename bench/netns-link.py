#!/usr/bin/env python3
# A point-to-point link between two network namespaces that holds every IP packet, TCP handshakes included,
# for a fixed time in each direction: the emulated round trip that bench/relay.mjs cannot give a TCP connect.
# This kernel has no netem, so the delay is made here: one TUN device in each namespace, both opened by this
# process, each packet read from one written to the other DELAY_MS later, in order. Python, because opening
# a TUN device takes an ioctl (TUNSETIFF) that Node cannot make. Root only (it moves devices into namespaces).
#
#   netns-link.py CLIENT_NS SERVER_NS DELAY_MS     prints "ready" once both ends are up; stops on SIGTERM
#   client end 10.203.0.1, server end 10.203.0.2 (only inside the two namespaces)
import fcntl, heapq, os, select, signal, struct, subprocess, sys, time

TUNSETIFF = 0x400454CA
IFF_TUN, IFF_NO_PI = 0x0001, 0x1000
CLIENT_ADDRESS, SERVER_ADDRESS = '10.203.0.1', '10.203.0.2'


def open_tun(name):
    fd = os.open('/dev/net/tun', os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack('16sH', name.encode(), IFF_TUN | IFF_NO_PI))
    return fd


def ip(*args):
    subprocess.run(['ip', *args], check=True)


def main():
    client_ns, server_ns, delay_ms = sys.argv[1], sys.argv[2], float(sys.argv[3])
    suffix = str(os.getpid())[-6:]
    ends = []
    for ns, mine, peer in ((client_ns, CLIENT_ADDRESS, SERVER_ADDRESS), (server_ns, SERVER_ADDRESS, CLIENT_ADDRESS)):
        device = f'sb{len(ends)}{suffix}'
        fd = open_tun(device)
        ip('link', 'set', device, 'netns', ns)
        ip('-n', ns, 'addr', 'add', mine, 'peer', peer, 'dev', device)
        ip('-n', ns, 'link', 'set', device, 'up')
        ip('-n', ns, 'link', 'set', 'lo', 'up')
        ends.append(fd)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print('ready', flush=True)
    other = {ends[0]: ends[1], ends[1]: ends[0]}
    delay = delay_ms / 1000
    held = []  # (due, order, out fd, packet)
    order = 0
    while True:
        wait = max(0.0, held[0][0] - time.monotonic()) if held else None
        readable, _, _ = select.select(ends, [], [], wait)
        now = time.monotonic()
        for fd in readable:
            order += 1
            heapq.heappush(held, (now + delay, order, other[fd], os.read(fd, 65535)))
        now = time.monotonic()
        while held and held[0][0] <= now:
            _, _, out, packet = heapq.heappop(held)
            try:
                os.write(out, packet)
            except OSError:
                pass


if __name__ == '__main__':
    main()
