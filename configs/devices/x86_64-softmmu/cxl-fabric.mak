# Devices for the CXL fabric project on x86_64: the q35 machine with
# CXL host bridges, root/upstream/downstream ports, type-3 devices and
# the USB host controllers that carry MCTP.  Used with
# --without-default-devices to keep the build short.

CONFIG_Q35=y
CONFIG_PXB=y
CONFIG_CXL=y
CONFIG_CXL_MEM_DEVICE=y
CONFIG_PCIE_PORT=y
CONFIG_USB_EHCI_PCI=y
CONFIG_USB_XHCI_PCI=y
CONFIG_CXL_VCS_SWITCH=y
CONFIG_USB_CXL_MCTP=y
