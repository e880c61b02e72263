"""The seed cover letter's topology: a multi-VCS switch shared by two
hosts, with its mailbox CCI and MCTP-over-USB CCI and four devices.

Its one definition is tests/data/cxl/seed-topology.args: one QEMU option
and its argument a line, each line but the last ending in " \\", and $DIR
for the directory of the (sparse) backing files."""

import os

DATA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                        os.pardir, "tests", "data", "cxl")


def seed_args(workdir, name="seed-topology.args"):
    """The seed topology as QEMU arguments, backing files in @workdir;
    or the options of another file of tests/data/cxl, @name"""
    args = []
    with open(os.path.join(DATA_DIR, name), encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line.endswith("\\"):
                line = line[:-1].rstrip()
            # the option, and its argument if it has one
            args += [word.replace("$DIR", workdir)
                     for word in line.split(None, 1)]
    return args


# What of the seed is VCS 1's: its host bridge, root port, upstream port
# and downstream ports, and its fixed memory window
VCS1 = ("id=cxl.1,", "bus=cxl.1,", "bus=root_port2,", "bus=us1,")


def split_seed(workdir, sock):
    """The seed topology split in two QEMU processes: the fabric manager's
    (the switch, VCS 0, the FM's CCIs and the devices) and a host process
    with VCS 1 and the devices it may host, connected over the Unix
    socket @sock.  Returns the arguments of each."""
    args = seed_args(workdir)
    pairs = list(zip(args[::2], args[1::2]))
    fm, host = [], []
    for opt, arg in pairs:
        if opt == "-machine":
            # each process its own window, on its own host bridge
            fm += [opt, "cxl-fmw.0.targets.0=cxl.0,cxl-fmw.0.size=8G"]
            host += [opt, "cxl-fmw.0.targets.0=cxl.1,cxl-fmw.0.size=8G"]
        elif opt == "-object" and arg.startswith("cxl-vcs-switch,"):
            fm += [opt, arg + ",fabric=fabric-b"]
            host += [opt, "cxl-vcs-switch,id=vcs0,local-fm=false,"
                     "fabric=fabric"]
        elif any(k in arg for k in VCS1):
            host += [opt, arg]
        elif opt == "-object" or arg.startswith("cxl-type3,"):
            # the backing files, and the devices either may host
            fm += [opt, arg]
            host += [opt, arg]
        else:
            fm += [opt, arg]
    fm = ["-chardev", "socket,id=fabric-b,path=%s,server=on,wait=off"
          % sock] + fm
    host = ["-chardev", "socket,id=fabric,path=%s,reconnect-ms=200" % sock] \
        + host
    return fm, host
