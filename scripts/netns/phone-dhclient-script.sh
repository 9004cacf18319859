#!/bin/sh
# Minimal dhclient-script for the test phone (dhclient -sf). Unlike Debian's
# /sbin/dhclient-script it never replaces /etc/resolv.conf by rename (which
# would fail on the bind mount `ip netns exec` puts there): it writes the
# namespace's resolv.conf in place. Runs inside the phone namespace.
case "$reason" in
    PREINIT)
        ip link set dev "$interface" up
        ;;
    BOUND|RENEW|REBIND|REBOOT)
        if [ -n "$old_ip_address" ] && [ "$old_ip_address" != "$new_ip_address" ]; then
            ip -4 addr flush dev "$interface"
        fi
        ip -4 addr replace "$new_ip_address/$new_subnet_mask" dev "$interface"
        for router in $new_routers; do
            ip -4 route replace default via "$router" dev "$interface"
            break
        done
        {
            [ -n "$new_domain_name" ] && echo "search $new_domain_name"
            for ns in $new_domain_name_servers; do echo "nameserver $ns"; done
        } >/etc/resolv.conf
        ;;
    EXPIRE|FAIL|RELEASE|STOP)
        ip -4 addr flush dev "$interface"
        ;;
esac
exit 0
