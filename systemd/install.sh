#!/usr/bin/env bash
# Install, upgrade or remove the booking station on this machine (or into a staging root).
#
#   sudo systemd/install.sh                     install or upgrade (safe to run again)
#   sudo systemd/install.sh --kiosk             ... and run the kiosk UI on tty1
#   sudo systemd/install.sh --uninstall         remove the software, keep data, keys and configuration
#   sudo systemd/install.sh --uninstall --wipe-data
#                                               remove everything, destroying keys first (crypto-shredding)
#   systemd/install.sh --root DIR               stage into DIR instead of / (used by the tests and image builds;
#                                               no service is started)
#
# Layout: software in /opt/booking-station (its own virtual environment), units in /etc/systemd/system,
# configuration in /etc/booking-station, state in /var/lib/booking-station.
set -euo pipefail

PREFIX=/opt/booking-station
ROOT=/
PYTHON=${PYTHON:-python3}
MODE=install
WIPE=no
KIOSK=no

usage() { sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; }
die() { echo "install.sh: $*" >&2; exit 2; }

while [ $# -gt 0 ]; do
    case "$1" in
        --root) ROOT=${2:?--root needs a directory}; shift 2 ;;
        --root=*) ROOT=${1#--root=}; shift ;;
        --python) PYTHON=${2:?--python needs an interpreter}; shift 2 ;;
        --kiosk) KIOSK=yes; shift ;;
        --uninstall) MODE=uninstall; shift ;;
        --wipe-data) WIPE=yes; shift ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; die "unknown option '$1'" ;;
    esac
done

SRC=$(cd "$(dirname "$0")/.." && pwd)
ROOT=$(mkdir -p "$ROOT" && cd "$ROOT" && pwd)
R=${ROOT%/}
LIVE=no
if [ "$R" = "" ]; then
    [ "$(id -u)" = 0 ] || die "run as root (sudo), or stage with --root DIR"
    [ -d /run/systemd/system ] && LIVE=yes
fi

say() { echo "install.sh: $*"; }

install_file() {  # mode source destination
    install -D -m "$1" "$2" "$R$3"
}

do_install() {
    "$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' \
        || die "$PYTHON is older than 3.11; pass --python /path/to/python3.11"

    say "software into $R$PREFIX"
    if [ ! -x "$R$PREFIX/venv/bin/python" ]; then
        "$PYTHON" -m venv "$R$PREFIX/venv"
    fi
    "$R$PREFIX/venv/bin/python" -m pip install -q --upgrade pip
    "$R$PREFIX/venv/bin/python" -m pip install -q --upgrade "$SRC"
    "$R$PREFIX/venv/bin/python" -c 'import station; print(station.__version__)' > "$R$PREFIX/VERSION"
    install -d -m 0755 "$R$PREFIX/share/doc"
    install -m 0644 "$SRC"/docs/*.md "$R$PREFIX/share/doc/"
    install -m 0644 "$SRC/LICENSE" "$R$PREFIX/share/doc/LICENSE"

    say "users and groups"
    install_file 0644 "$SRC/systemd/booking-station.sysusers" /etc/sysusers.d/booking-station.conf
    if [ "$R" = "" ]; then
        systemd-sysusers /etc/sysusers.d/booking-station.conf
    else
        systemd-sysusers --root="$ROOT" "$R/etc/sysusers.d/booking-station.conf"
    fi

    say "units, udev rules, kernel modules"
    install_file 0644 "$SRC/systemd/station.service" /etc/systemd/system/station.service
    install_file 0644 "$SRC/systemd/station-kiosk.service" /etc/systemd/system/station-kiosk.service
    install_file 0644 "$SRC/systemd/70-booking-station.rules" /etc/udev/rules.d/70-booking-station.rules
    install_file 0644 "$SRC/systemd/booking-station-modules.conf" /etc/modules-load.d/booking-station.conf

    say "configuration in $R/etc/booking-station (an existing station.toml is kept)"
    install -d -m 0750 "$R/etc/booking-station"
    if [ ! -e "$R/etc/booking-station/station.toml" ]; then
        install -m 0640 "$SRC/systemd/station.toml" "$R/etc/booking-station/station.toml"
    else
        install -m 0640 "$SRC/systemd/station.toml" "$R/etc/booking-station/station.toml.default"
    fi
    chgrp_station "$R/etc/booking-station" "$R/etc/booking-station/station.toml"
    metrics_directory
    master_key_credential

    if [ "$LIVE" = yes ]; then
        systemctl daemon-reload
        command -v udevadm >/dev/null && udevadm control --reload && udevadm trigger --subsystem-match=usb --subsystem-match=tty || true
        systemctl restart systemd-modules-load.service || true
        systemctl enable station.service
        systemctl restart station.service
        if [ "$KIOSK" = yes ]; then
            systemctl enable station-kiosk.service
            systemctl restart station-kiosk.service
        fi
        say "running: $(systemctl is-active station.service)"
    fi
    say "installed booking-station $(cat "$R$PREFIX/VERSION") into ${R:-/}"
}

master_key_credential() {  # made once, on the machine itself: a TPM cannot be reached from a staging root
    local cred="$R/etc/booking-station/station-master-key.cred"
    if [ -e "$cred" ]; then
        say "master key credential kept ($cred)"
    elif [ "$R" = "" ] && command -v systemd-creds >/dev/null; then
        say "master key: a new 256-bit key, encrypted with systemd-creds (TPM2 + host key where there is a TPM)"
        head -c 32 /dev/urandom | systemd-creds encrypt --name=station-master-key --with-key=auto - "$cred"
        chmod 0600 "$cred"
        say "back the master key up now (docs/operations.md, recovery): without it the station's keys are lost"
    else
        say "no master key credential in the staging root: make it on the station itself (docs/operations.md)"
    fi
}

metrics_directory() {  # node_exporter's textfile directory: the station user writes booking-station.prom there
    local dir="$R/var/lib/prometheus/node-exporter"
    if [ ! -d "$dir" ]; then
        install -d -m 0775 "$dir"
        chgrp_station "$dir"
    elif command -v setfacl >/dev/null 2>&1; then
        setfacl -m u:station:rwx "$dir" 2>/dev/null || say "could not let the station user write $dir (setfacl)"
    else
        say "let the station user write $dir, or set [metrics] textfile in station.toml"
    fi
}

chgrp_station() {  # the group exists in the staging root's /etc/group, not necessarily on the host
    local gid
    gid=$(awk -F: '$1 == "station" { print $3 }' "$R/etc/group" 2>/dev/null || true)
    [ -n "$gid" ] && chown "0:$gid" "$@" 2>/dev/null || true
}

do_uninstall() {
    if [ "$LIVE" = yes ]; then
        systemctl disable --now station-kiosk.service station.service 2>/dev/null || true
    fi
    rm -f "$R/etc/systemd/system/station.service" "$R/etc/systemd/system/station-kiosk.service" \
          "$R/etc/udev/rules.d/70-booking-station.rules" "$R/etc/modules-load.d/booking-station.conf"
    rm -rf "$R$PREFIX"
    if [ "$WIPE" = yes ]; then
        say "wiping data: keys are overwritten before the files are removed"
        if [ -d "$R/var/lib/booking-station" ]; then
            find "$R/var/lib/booking-station" -type f \( -name '*.key' -o -name '*.pem' \) -exec shred -u -z {} + 2>/dev/null || true
            find "$R/var/lib/booking-station" -type f -exec shred -u {} + 2>/dev/null || true
            rm -rf "$R/var/lib/booking-station"
        fi
        [ -e "$R/etc/booking-station/station-master-key.cred" ] && shred -u -z "$R/etc/booking-station/station-master-key.cred"
        rm -rf "$R/etc/booking-station"
        rm -f "$R/etc/sysusers.d/booking-station.conf"
        if [ "$R" = "" ]; then
            userdel station-kiosk 2>/dev/null || true
            userdel station 2>/dev/null || true
            groupdel station-kiosk 2>/dev/null || true
            groupdel station 2>/dev/null || true
        fi
    else
        say "kept /var/lib/booking-station and /etc/booking-station (run with --wipe-data to destroy them)"
    fi
    [ "$LIVE" = yes ] && systemctl daemon-reload
    say "uninstalled"
}

if [ "$MODE" = install ]; then do_install; else do_uninstall; fi
