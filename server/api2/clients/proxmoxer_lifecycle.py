"""A VM's life through Debian's python3-proxmoxer, as an administrator's script would drive Proxmox VE.

Usage: proxmoxer_lifecycle.py HOST:PORT NODE ISO_VOLID VMID (ticket|token) USER SECRET [TOKEN_NAME]
Prints one JSON object per step on stdout; exits non-zero on the first failure.
"""
import json
import sys
import time

from proxmoxer import ProxmoxAPI
from proxmoxer.core import ResourceException

host, node, iso, vmid, mode, user, secret = sys.argv[1:8]
vmid = int(vmid)
if mode == "ticket":
    px = ProxmoxAPI(host, user=user, password=secret, verify_ssl=False)
else:
    px = ProxmoxAPI(host, user=user, token_name=sys.argv[8], token_value=secret, verify_ssl=False)


def step(name, value):
    print(json.dumps({"step": name, "value": value}), flush=True)


def wait(upid, timeout=120):
    deadline = time.time() + timeout
    while time.time() < deadline:
        status = px.nodes(node).tasks(upid).status.get()
        if status["status"] == "stopped":
            return status
        assert "exitstatus" not in status, status
        time.sleep(0.3)
    raise SystemExit("task %s did not end" % upid)


step("version", px.version.get())
step("nodes", [n["node"] for n in px.nodes.get()])
step("nextid", px.cluster.nextid.get())

upid = px.nodes(node).qemu.create(
    vmid=vmid,
    name="pxr-%d" % vmid,
    memory=160,
    cores=1,
    sockets=1,
    ostype="l26",
    scsi0="local:0.03125",
    ide2=iso + ",media=cdrom",
    net0="virtio",
    boot="order=ide2;scsi0",
    serial0="socket",
    description="made by proxmoxer",
    tags="proxmoxer;test",
)
step("create", wait(upid))
step("config", px.nodes(node).qemu(vmid).config.get())
step("list", [(g["vmid"], g["name"], g["status"]) for g in px.nodes(node).qemu.get()])

try:
    px.nodes(node).qemu.create(vmid=vmid, name="twin", memory=160)
    step("duplicate", "accepted")
except ResourceException as e:
    step("duplicate", {"status_code": e.status_code, "message": str(e)})

try:
    px.nodes(node).qemu(vmid).config.put(net1="virtio,bogus=1")
    step("bad-net", "accepted")
except ResourceException as e:
    step("bad-net", {"status_code": e.status_code, "message": str(e), "errors": e.errors})

px.nodes(node).qemu(vmid).config.put(memory=192, description="changed by proxmoxer")
step("config-put", px.nodes(node).qemu(vmid).config.get())

step("snapshot", wait(px.nodes(node).qemu(vmid).snapshot.post(snapname="before", description="before start")))
step("snapshots", px.nodes(node).qemu(vmid).snapshot.get())
step("snapshot-config", px.nodes(node).qemu(vmid).snapshot("before").config.get())
step("config-of-snapshot", px.nodes(node).qemu(vmid).config.get(snapshot="before"))

step("start", wait(px.nodes(node).qemu(vmid).status.start.post()))
step("status-running", px.nodes(node).qemu(vmid).status.current.get())
step("start-again", wait(px.nodes(node).qemu(vmid).status.start.post()))

step("stop", wait(px.nodes(node).qemu(vmid).status.stop.post()))
step("status-stopped", px.nodes(node).qemu(vmid).status.current.get())
px.nodes(node).qemu(vmid).config.put(memory=224)
step("rollback", wait(px.nodes(node).qemu(vmid).snapshot("before").rollback.post()))
step("config-after-rollback", px.nodes(node).qemu(vmid).config.get())
step("delsnapshot", wait(px.nodes(node).qemu(vmid).snapshot("before").delete()))
step("snapshots-after", px.nodes(node).qemu(vmid).snapshot.get())
log = px.nodes(node).tasks(upid).log.get()
step("log", log)
step("delete", wait(px.nodes(node).qemu(vmid).delete()))
try:
    px.nodes(node).qemu(vmid).status.current.get()
    step("gone", "still there")
except ResourceException as e:
    step("gone", {"status_code": e.status_code, "message": str(e)})
