#!/bin/sh
# vmshift p2v LiveCD: /init, run by the kernel as PID 1 (busybox sh).
# Mounts the kernel filesystems, loads the drivers for the hardware
# found, brings up the network, then runs 'p2v live', which captures
# this machine.  PID 1 must never exit: on failure it starts shells.

export PATH=/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root TERM="${TERM:-linux}"

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /tmp
exec < /dev/console > /dev/console 2>&1

# The network interfaces but lo.
net_ifaces () {
  for i in /sys/class/net/*; do
    [ "${i##*/}" = lo ] || echo "${i##*/}"
  done
}

say () {
  echo "p2v: $*"
}

# A word's value from the kernel command line: cmdline_arg ip
cmdline_arg () {
  # shellcheck disable=SC2013 # words, as the kernel splits them
  for w in $(cat /proc/cmdline); do
    case $w in
      "$1"=*) v=${w#*=} ;;
    esac
  done
  echo "${v:-}"
  unset v
}

# Load the drivers of every device the kernel has found (coldplug).
coldplug () {
  cat /sys/bus/*/devices/*/modalias 2>/dev/null | sort -u |
    xargs modprobe -a -q 2>/dev/null
}

# 255.255.255.0 -> 24; a number is kept.
prefix_len () {
  case $1 in
    *.*) ;;
    *) echo "$1"; return ;;
  esac
  n=0
  for o in $(echo "$1" | tr . ' '); do
    while [ "$o" -gt 0 ]; do
      n=$((n + (o & 1)))
      o=$((o >> 1))
    done
  done
  echo $n
}

# ip=ADDR:SERVER:GW:MASK:HOSTNAME:IFACE:none[:DNS0[:DNS1]]
static_ip () {
  IFS=: read -r addr _ gw mask host iface _ dns0 dns1 <<EOT
$1
EOT
  [ -n "$iface" ] || iface=$(net_ifaces | head -n 1)
  [ -n "$host" ] && hostname "$host"
  ip link set dev "$iface" up
  ip addr add "$addr/$(prefix_len "${mask:-24}")" dev "$iface" || return 1
  [ -n "$gw" ] && ip route add default via "$gw" dev "$iface"
  : > /etc/resolv.conf
  for d in $dns0 $dns1; do
    echo "nameserver $d" >> /etc/resolv.conf
  done
  net_iface=$iface
}

# udhcpc on each interface in turn (those with a link first) until one
# gets a lease; udhcpc stays in the background to renew it.
dhcp () {
  ifaces=$(net_ifaces)
  for i in $ifaces; do
    ip link set dev "$i" up
  done
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    for i in $ifaces; do
      [ "$(cat "/sys/class/net/$i/carrier" 2>/dev/null)" = 1 ] && break 2
    done
    sleep 1
  done
  up='' down=''
  for i in $ifaces; do
    if [ "$(cat "/sys/class/net/$i/carrier" 2>/dev/null)" = 1 ]; then
      up="$up $i"
    else
      down="$down $i"
    fi
  done
  for i in $up $down; do
    if udhcpc -i "$i" -n -t 4 -T 3 -S -s /etc/p2v/udhcpc.sh >/dev/null 2>&1
    then
      net_iface=$i
      return 0
    fi
  done
  return 1
}

say "vmshift p2v LiveCD, kernel $(uname -r)"
coldplug
sleep 2
coldplug
ip link set dev lo up

net_iface=
iparg=$(cmdline_arg ip)
case $iparg in
  ""|dhcp|on|any|auto) dhcp ;;
  off|none) ;;
  *) static_ip "$iparg" ;;
esac
if [ -n "$net_iface" ]; then
  say "network up: $net_iface $(ip -o -4 addr show dev "$net_iface" |
    awk '{print $4}' | head -n 1)"
else
  say "no network: no interface got an address"
  say "(boot with ip=ADDR::GW:MASK::IFACE:none for a static one)"
fi

# A controlling terminal, for ssh's questions and Ctrl-C.
setsid cttyhack p2v live --poweroff
rc=$?
if [ $rc -ne 0 ]; then
  say "'p2v live' failed (exit status $rc); starting a shell."
  say "'p2v live' tries again, 'poweroff -f' powers off."
fi
while :; do
  setsid cttyhack sh -l
done
