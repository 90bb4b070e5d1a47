"""Roles, the access level each role has, and what each level may do.

One table decides who may do what; :mod:`geodata.access` (reads) and :mod:`geodata.access.auth`
(users) enforce it.

======== ============ =================================================================
role     level        may
======== ============ =================================================================
viewer   aggregates   counts per unit (small counts suppressed), crossings, shelters
planner  aggregates   (confidential shelters generalised to their kecamatan)
analyst  records      also case points and records; add and edit records
police   records
admin    admin        also import, retire, back up and restore data; manage users
======== ============ =================================================================
"""

from __future__ import annotations

from typing import Final, Literal, get_args

from geodata.errors import not_one_of

Role = Literal["viewer", "planner", "analyst", "police", "admin"]
AccessLevel = Literal["aggregates", "records", "admin"]
Permission = Literal[
    "read_aggregates", "read_records", "edit_records", "manage_data", "manage_users"
]

#: Every role, least to most access.
ROLES: Final[tuple[Role, ...]] = get_args(Role)
#: The access level of each role.
ROLE_LEVEL: Final[dict[Role, AccessLevel]] = {
    "viewer": "aggregates",
    "planner": "aggregates",
    "analyst": "records",
    "police": "records",
    "admin": "admin",
}
#: What each access level may do.
LEVEL_PERMISSIONS: Final[dict[AccessLevel, frozenset[Permission]]] = {
    "aggregates": frozenset({"read_aggregates"}),
    "records": frozenset({"read_aggregates", "read_records", "edit_records"}),
    "admin": frozenset(get_args(Permission)),
}


def check_role(role: object) -> Role:
    """Return ``role`` if it is one of :data:`ROLES`, else raise an ArgumentError naming them."""
    if role not in ROLES:
        raise not_one_of("role", ROLES, role)
    return role
