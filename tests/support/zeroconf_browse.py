#!/usr/bin/python3
"""An independent mDNS browser for the end-to-end tests: python-zeroconf browsing
_digiumproxy._udp.local. and printing one line per event until the time limit (argv[1] seconds).

Lines: `Added<TAB>name<TAB>port<TAB>addresses<TAB>txt`, `Removed<TAB>name`."""
import sys
import time

from zeroconf import InterfaceChoice, IPVersion, ServiceBrowser, ServiceStateChange, Zeroconf

SERVICE = "_digiumproxy._udp.local."


def on_change(zeroconf, service_type, name, state_change):
    if state_change is ServiceStateChange.Removed:
        print(f"Removed\t{name}", flush=True)
        return
    info = zeroconf.get_service_info(service_type, name, timeout=3000)
    if info is None:
        print(f"{state_change.name}\t{name}\t-\t-\t-", flush=True)
        return
    txt = ";".join(
        f"{k.decode()}={v.decode() if v is not None else ''}" for k, v in sorted(info.properties.items())
    )
    addresses = ",".join(info.parsed_addresses())
    print(f"{state_change.name}\t{name}\t{info.port}\t{addresses}\t{txt}", flush=True)


def main():
    limit = float(sys.argv[1]) if len(sys.argv) > 1 else 30.0
    zc = Zeroconf(interfaces=InterfaceChoice.All, ip_version=IPVersion.V4Only)
    ServiceBrowser(zc, SERVICE, handlers=[on_change])
    deadline = time.time() + limit
    try:
        while time.time() < deadline:
            time.sleep(0.05)
    finally:
        zc.close()


if __name__ == "__main__":
    main()
