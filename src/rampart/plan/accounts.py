"""Who may log in and sudo on a host, from the posts and the people directory (REG-6.2)."""

from __future__ import annotations

from rampart.inventory import Inventory, Person
from rampart.plan.addresses import hosts_of, is_known
from rampart.plan.model import Account, DataSetPlan, PlanError
from rampart.plan.storage import data_groups


def check_directory(inventory: Inventory) -> None:
    """Refuse people with an unknown post (or active without one) and grants to unknown hosts."""
    bad_posts = [
        f"{person.username}: post {person.post}"
        if person.post is not None
        else f"{person.username}: no post"
        for person in inventory.people
        if (person.post is not None and person.post not in inventory.posts)
        or (person.active and person.post is None)
    ]
    if bad_posts:
        raise PlanError(
            f"rampart_people: unknown or missing post: {'; '.join(bad_posts)}"
            f" (posts: {', '.join(sorted(inventory.posts))})"
        )
    bad_grants = [
        f"{post_id}: {grant.hosts}"
        for post_id, post in sorted(inventory.posts.items())
        for grant in post.access
        if not is_known(inventory, grant.hosts)
    ]
    if bad_grants:
        raise PlanError(
            "rampart_posts: access to a host or group the inventory does not have: "
            + "; ".join(bad_grants)
        )


def account(
    inventory: Inventory, host: str, person: Person, held: tuple[DataSetPlan, ...] = ()
) -> Account:
    """Login and sudo the person's post gives on `host`, and the groups of the data sets
    `held` there that the post reads; nothing for leavers."""
    login = sudo = False
    post = inventory.posts.get(person.post) if person.post is not None else None
    if person.active and post is not None:
        for grant in post.access:
            if host in hosts_of(inventory, [grant.hosts]):
                login = True
                sudo = sudo or grant.sudo
    groups = data_groups(inventory, held, person) if login else ()
    return Account(person.username, person.full_name, person.ssh_keys, login, sudo, groups)


def accounts(inventory: Inventory, host: str, held: tuple[DataSetPlan, ...] = ()) -> list[Account]:
    """Every person of the directory, in directory order, as `host` sees them."""
    return [account(inventory, host, person, held) for person in inventory.people]
