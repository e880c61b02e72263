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
