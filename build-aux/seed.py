"""The seed cover letter's topology: a multi-VCS switch shared by two
hosts, with its mailbox CCI and MCTP-over-USB CCI and four devices."""


def seed_args(workdir):
    """The seed cover letter's topology, with sparse backing files."""
    args = ["-device", "usb-ehci,id=ehci"]
    for n in range(1, 5):
        size = "256M" if n <= 2 else "2G"   # DCDs: 8 regions of 256 MiB
        args += ["-object",
                 "memory-backend-file,id=cxl-mem%d,share=on,"
                 "mem-path=%s/t3_cxl%d.raw,size=%s" % (n, workdir, n, size),
                 "-object",
                 "memory-backend-file,id=cxl-lsa%d,share=on,"
                 "mem-path=%s/t3_lsa%d.raw,size=1M" % (n, workdir, n)]
    args += [
        "-object", "cxl-vcs-switch,id=vcs0,usp-ppbs=2,dsp-ppbs=4,local-fm=true",
        "-device", "pxb-cxl,bus_nr=12,bus=pcie.0,id=cxl.0,hdm_for_passthrough=true",
        "-device", "cxl-rp,port=0,bus=cxl.0,id=root_port1,chassis=0,slot=1",
        "-device", "pxb-cxl,bus_nr=22,bus=pcie.0,id=cxl.1,hdm_for_passthrough=true",
        "-device", "cxl-rp,port=0,bus=cxl.1,id=root_port2,chassis=1,slot=1",
        "-device", "cxl-upstream,port=0,sn=1234,bus=root_port1,id=us0,addr=0.0,"
                   "multifunction=on,vcs=vcs0,usppb=0",
        "-device", "cxl-upstream,port=0,sn=5678,bus=root_port2,id=us1,addr=0.0,"
                   "multifunction=on,vcs=vcs0,usppb=1",
        "-device", "cxl-switch-mailbox-cci,bus=root_port1,addr=0.3,target=vcs0",
        "-device", "usb-cxl-mctp,bus=ehci.0,id=usb0,target=vcs0",
    ]
    for i in range(8):
        args += ["-device", "cxl-downstream,port=%d,bus=us%d,id=swport%d,slot=%d"
                 % (i % 4, i // 4, i, i + 3)]
    args += [
        "-device", "cxl-type3,persistent-memdev=cxl-mem1,id=cxl-ep1,"
                   "lsa=cxl-lsa1,sn=99,vcs=vcs0,dsppb=0",
        "-device", "cxl-type3,persistent-memdev=cxl-mem2,id=cxl-ep2,"
                   "lsa=cxl-lsa2,sn=100,vcs=vcs0,dsppb=1",
        "-device", "cxl-type3,volatile-dc-memdev=cxl-mem3,id=cxl-dcd1,"
                   "lsa=cxl-lsa3,num-dc-regions=8,sn=101,vcs=vcs0,dsppb=2",
        "-device", "cxl-type3,volatile-dc-memdev=cxl-mem4,id=cxl-dcd2,"
                   "lsa=cxl-lsa4,num-dc-regions=8,sn=102,vcs=vcs0,dsppb=3",
        "-machine", "cxl-fmw.0.targets.0=cxl.0,cxl-fmw.0.size=8G,"
                    "cxl-fmw.1.targets.0=cxl.1,cxl-fmw.1.size=8G",
    ]
    return args
