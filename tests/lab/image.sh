#!/usr/bin/env bash
# Builds the lab's Debian VM image (kernel, initramfs, root filesystem) once and caches it
# outside the repository, keyed by this script's own contents: change the package list or
# the guest setup below and a new image is built; otherwise the cached one is reused.
#
#   tests/lab/image.sh            # prints the cache directory holding vmlinuz, initrd, root.img
#
# Needs root, debootstrap, busybox-static, cpio, xz-utils, e2fsprogs and the Debian mirror
# this host's own apt sources name (tests/lab/run installs the host packages).
# DRNFS_LAB_MIRROR overrides the mirror (a site's internal mirror works unchanged).
set -euo pipefail

SUITE=trixie
# The Debian archive the host itself installs from: the first URI of a Debian "main"
# source in deb822 (*.sources) or one-line (*.list) form, never a security or updates one.
host_mirror() {
  local f
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -f $f ]] || continue
    awk 'BEGIN{RS=""} /Components:[^\n]*main/ && /Signed-By:[^\n]*debian-archive/ && !/security/ {
           for (i = 1; i <= NF; i++) if ($i == "URIs:") { print $(i+1); exit } }' "$f"
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -f $f ]] || continue
    awk '$1 == "deb" && $0 !~ /security|updates/ && / main/ { for (i = 2; i <= NF; i++) if ($i ~ /^(https?|file):/) { print $i; exit } }' "$f"
  done
  return 0
}
MIRROR=${DRNFS_LAB_MIRROR:-$(host_mirror | sed -n 1p)}
[[ -n $MIRROR ]] || { echo "[image] no Debian mirror in this host's apt sources; set DRNFS_LAB_MIRROR" >&2; exit 1; }
PACKAGES=(
  linux-image-amd64 systemd-sysv udev kmod
  drbd-utils nfs-kernel-server nfs-common keepalived
  openssh-server openssh-client tmux iproute2 iputils-ping iputils-arping procps psmisc lsof sysstat
  e2fsprogs util-linux ncurses-base
)
# Modules the busybox initramfs needs to reach the root disk (their dependencies are
# resolved inside the rootfs with modprobe --show-depends).
INITRD_MODULES=(virtio_pci virtio_blk ext4)

here=$(cd "$(dirname "$0")" && pwd)
cache_root=${DRNFS_LAB_CACHE:-/var/cache/drnfs-lab}
key=$(cat "$0" "$here/guest/"* 2>/dev/null | sha256sum | cut -c1-16)
out="$cache_root/image-$key"

if [[ -f "$out/ready" ]]; then
  echo "$out"
  exit 0
fi

log() { printf '[image] %s\n' "$*" >&2; }
work=$(mktemp -d "$cache_root/build.XXXXXX" 2>/dev/null || { mkdir -p "$cache_root"; mktemp -d "$cache_root/build.XXXXXX"; })
trap 'rm -rf "$work"' EXIT
rootfs="$work/rootfs"

log "debootstrap $SUITE into $rootfs (1-3 minutes)"
include=$(IFS=,; echo "${PACKAGES[*]}")
timeout "${DRNFS_LAB_DEBOOTSTRAP_TIMEOUT:-1200}" debootstrap --variant=minbase --include="$include" "$SUITE" "$rootfs" "$MIRROR" >"$work/debootstrap.log" 2>&1 || {
  tail -n 40 "$work/debootstrap.log" >&2
  echo "[image] debootstrap failed" >&2
  exit 1
}

kver=$(ls "$rootfs/lib/modules" | head -n1)
log "kernel $kver"

# --- guest configuration -------------------------------------------------------------
install -m 0755 "$here/guest/lab-boot" "$rootfs/usr/local/sbin/lab-boot"
install -m 0644 "$here/guest/lab-boot.service" "$rootfs/etc/systemd/system/lab-boot.service"
chroot "$rootfs" systemctl enable lab-boot.service ssh.service >/dev/null 2>&1
# The scenarios start and stop these themselves, as an operator would.
chroot "$rootfs" systemctl disable nfs-server.service keepalived.service drbd.service >/dev/null 2>&1 || true
# Nothing the lab needs; each costs seconds of boot under TCG.
chroot "$rootfs" systemctl mask apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer \
  dpkg-db-backup.timer systemd-timesyncd.service getty@tty1.service serial-getty@ttyS0.service \
  getty-static.service e2scrub_reap.service systemd-pstore.service nfs-blkmap.service >/dev/null 2>&1 || true
echo "root:x" | chroot "$rootfs" chpasswd -e   # no password login at all; ssh keys only
printf '/dev/vda / ext4 rw,relatime 0 1\n' >"$rootfs/etc/fstab"
mkdir -p "$rootfs/root/.ssh" "$rootfs/srv" "$rootfs/var/lock" "$rootfs/run/lock"
chmod 700 "$rootfs/root/.ssh"
sed -i 's/^#\?UseDNS.*/UseDNS no/' "$rootfs/etc/ssh/sshd_config"
printf 'UseDNS no\nHostKey /etc/ssh/ssh_host_ed25519_key\n' >>"$rootfs/etc/ssh/sshd_config"
rm -f "$rootfs"/etc/ssh/ssh_host_*   # regenerated per boot by lab-boot (ssh-keygen -A)
cp "$rootfs/boot/vmlinuz-$kver" "$work/vmlinuz"

# --- initramfs: busybox, the modules for virtio + ext4, mount /dev/vda, switch_root ----
log "initramfs"
ird="$work/initrd"
mkdir -p "$ird"/{bin,dev,proc,sys,newroot,lib/modules}
cp /bin/busybox "$ird/bin/busybox"
for a in sh mount umount insmod switch_root mkdir sleep cat echo; do ln -s busybox "$ird/bin/$a"; done
# --show-depends takes one module (further words would be its parameters).
modlist=$(for m in "${INITRD_MODULES[@]}"; do chroot "$rootfs" modprobe -S "$kver" --show-depends "$m"; done | awk '$1=="insmod"{print $2}')
[[ -n "$modlist" ]] || { echo "[image] no initramfs modules found for $kver" >&2; exit 1; }
: >"$ird/modules.order"
for m in $modlist; do
  base=$(basename "$m"); base=${base%.xz}; base=${base%.zst}
  case "$m" in
    *.xz) xz -dc "$rootfs$m" >"$ird/lib/modules/$base" ;;
    *.zst) zstd -qdc "$rootfs$m" >"$ird/lib/modules/$base" ;;
    *) cp "$rootfs$m" "$ird/lib/modules/$base" ;;
  esac
  grep -qx "$base" "$ird/modules.order" || echo "$base" >>"$ird/modules.order"
done
cat >"$ird/init" <<'INIT'
#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for m in $(cat /modules.order); do insmod /lib/modules/$m 2>/dev/null; done
i=0
while [ ! -b /dev/vda ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
mount -t ext4 -o rw /dev/vda /newroot || { echo "initrd: cannot mount /dev/vda"; exec sh; }
umount /proc /sys
mount --move /dev /newroot/dev 2>/dev/null || umount /dev
exec switch_root /newroot /sbin/init
INIT
chmod 755 "$ird/init"
(cd "$ird" && find . | cpio -o -H newc 2>/dev/null | gzip -1) >"$work/initrd.gz"

log "root.img"
mkfs.ext4 -q -F -L labroot -d "$rootfs" "$work/root.img" 3G >&2
{
  echo "suite=$SUITE"
  echo "kernel=$kver"
  chroot "$rootfs" dpkg-query -W -f='${Package}=${Version}\n' drbd-utils nfs-kernel-server nfs-common keepalived linux-image-amd64 openssh-server tmux systemd
} >"$work/versions.txt"

mkdir -p "$out"
mv "$work/vmlinuz" "$work/initrd.gz" "$work/root.img" "$work/versions.txt" "$out/"
touch "$out/ready"
log "image ready in $out"
# Images built from other versions of this script are stale now.
for old in "$cache_root"/image-*; do
  [[ "$old" == "$out" ]] || rm -rf "$old"
done
echo "$out"
