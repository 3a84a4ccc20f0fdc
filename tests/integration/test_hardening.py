"""The host baseline (roles/hardening, REG-4.2.3) as a user of each lab host meets it:
network parameters in force in the host's own network, the machine's kernel parameters
written but left alone in a container, modules off, no core dumps, the login umask and
banner, cron and at for root only, security updates installed."""

from __future__ import annotations

import testinfra

from tests.integration.conftest import FLEET


def test_every_host_has_the_baseline(hosts: dict[str, testinfra.host.Host]) -> None:
    for name in FLEET:
        host = hosts[name]
        assert host.sysctl("net.ipv4.conf.all.accept_redirects") == 0, name
        assert host.sysctl("net.ipv4.conf.all.log_martians") == 1, name
        assert host.sysctl("net.ipv4.tcp_syncookies") == 1, name
        kernel = host.file("/etc/sysctl.d/60-rampart-kernel.conf").content_string
        assert "-kernel.kptr_restrict = 2" in kernel
        modules = host.file("/etc/modprobe.d/rampart-hardening.conf").content_string
        assert "install usb-storage /bin/false" in modules
        assert host.run("bash -lc 'ulimit -Hc; umask'").stdout.split() == ["0", "0027"]
        assert "Authorised use only" in host.file("/etc/issue.net").content_string
        assert host.file("/etc/cron.allow").content_string == "root\n"
        assert host.file("/etc/cron.allow").mode == 0o600
        assert "\nUMASK\t027\n" in host.file("/etc/login.defs").content_string
        assert host.package("libpam-tmpdir").is_installed


def test_no_security_update_is_pending_after_the_converge(
    hosts: dict[str, testinfra.host.Host],
) -> None:
    for name in FLEET:
        simulated = hosts[name].run("LC_ALL=C apt-get -s -o Debug::NoLocking=1 upgrade")
        pending = [line for line in simulated.stdout.splitlines() if "-security" in line]
        assert pending == [], f"{name}: {pending}"
