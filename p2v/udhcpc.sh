#!/bin/sh
# vmshift p2v LiveCD: busybox udhcpc's event script (udhcpc -s).
# udhcpc sets $interface, $ip, $subnet, $router, $dns, $domain.
# shellcheck disable=SC2154

case $1 in
  deconfig)
    ip -4 addr flush dev "$interface"
    ip link set dev "$interface" up
    ;;
  bound|renew)
    ip -4 addr flush dev "$interface"
    ip addr add "$ip/${subnet:-255.255.255.0}" dev "$interface"
    if [ -n "$router" ]; then
      while ip route del default dev "$interface" 2>/dev/null; do :; done
      for r in $router; do
        ip route add default via "$r" dev "$interface" && break
      done
    fi
    if [ -n "$dns" ]; then
      : > /etc/resolv.conf
      [ -n "$domain" ] && echo "search $domain" >> /etc/resolv.conf
      for d in $dns; do
        echo "nameserver $d" >> /etc/resolv.conf
      done
    fi
    ;;
esac
exit 0
