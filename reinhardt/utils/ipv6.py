"""IPv6 address helpers on top of the standard library's ``ipaddress``."""

import ipaddress

from reinhardt.core.exceptions import ValidationError
from reinhardt.utils.translation import gettext_lazy as _

MAX_IPV6_ADDRESS_LENGTH = 39


def _ipv6_address_from_str(ip_str, max_length=MAX_IPV6_ADDRESS_LENGTH):
    if len(ip_str) > max_length:
        raise ValueError(f"Unable to convert {ip_str} to an IPv6 address (value too long).")
    return ipaddress.IPv6Address(int(ipaddress.IPv6Address(ip_str)))


def clean_ipv6_address(ip_str, unpack_ipv4=False, error_message=_("This is not a valid IPv6 address."),
                       max_length=MAX_IPV6_ADDRESS_LENGTH):
    """The compressed, lower-case form of an IPv6 address (IPv4-mapped unpacked on request)."""
    try:
        addr = _ipv6_address_from_str(ip_str, max_length)
    except ValueError:
        raise ValidationError(error_message, code="invalid", params={"protocol": _("IPv6")})
    if unpack_ipv4 and addr.ipv4_mapped:
        return str(addr.ipv4_mapped)
    elif addr.ipv4_mapped:
        return "::ffff:%s" % str(addr.ipv4_mapped)
    return str(addr)


def is_valid_ipv6_address(ip_addr) -> bool:
    if not isinstance(ip_addr, ipaddress.IPv6Address):
        try:
            _ipv6_address_from_str(ip_addr)
        except (TypeError, ValueError):
            return False
    return True
