"""Registries through which apps above `customers` plug into it, so `customers` never imports them:

- **list actions** — buttons on the Customers page beside *Add Customer Organization* (the reseller
  change app adds *Reseller Change for Customer* there, where the seed places it). The page reverses
  `url_name` itself, so no module of `customers` names a higher app.
- **customer moves** — when a customer changes reseller (RC-5), each app moves the rows it owns that
  belong to the customer's current reseller (a three-year commit, auto-renewal settings), in the
  transaction of the change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from console.accounts.models import Reseller
from customers.models import Customer

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


@dataclass(frozen=True)
class ListAction:
    name: str
    label: StrOrPromise
    url_name: str
    icon: str
    order: int
    writers_only: bool = True


_list_actions: dict[str, ListAction] = {}


def list_action_register(action: ListAction) -> None:
    """Add a button to the Customers page; registering a name again replaces it."""
    _list_actions[action.name] = action


def list_actions(*, can_write: bool) -> list[ListAction]:
    return sorted((a for a in _list_actions.values() if can_write or not a.writers_only), key=lambda a: a.order)


CustomerMove = Callable[[Customer, Reseller, Reseller], None]
_moves: dict[str, CustomerMove] = {}


def customer_move_register(name: str, move: CustomerMove) -> None:
    """`move(customer, from_reseller, to_reseller)` runs inside the reseller change's transaction,
    with the customer row locked. Registering a name again replaces it."""
    _moves[name] = move


def customer_move_run(customer: Customer, from_reseller: Reseller, to_reseller: Reseller) -> None:
    for move in _moves.values():
        move(customer, from_reseller, to_reseller)
