# Type stubs for django-scopes 2.1, which ships none: what this project uses.
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from django.db import models

_T = TypeVar("_T", bound=models.Model)

class ScopeError(Exception): ...

# Stub-only name for the manager class that ScopedManager() builds at run time; models annotate
# `objects: ClassVar[ScopedManagerType[Self]]` under TYPE_CHECKING.
class ScopedManagerType(models.Manager[_T]):
    def with_scopes_disabled(self) -> models.Manager[_T]: ...
    def with_scope(self, **scope: Any) -> models.Manager[_T]: ...

def ScopedManager(_manager_class: type[models.Manager[Any]] = ..., **required_scopes: str) -> Any: ...  # noqa: N802
@contextmanager
def scope(**scope_kwargs: Any) -> Iterator[None]: ...
@contextmanager
def scopes_disabled() -> Iterator[None]: ...
def get_scope() -> dict[str, Any]: ...
