from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Self

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

if TYPE_CHECKING:
    from django_scopes import ScopedManagerType


class MarketSegment(models.TextChoices):
    COMMERCIAL = "COM", _("Commercial")
    GOVERNMENT = "GOV", _("Government")
    EDUCATION = "EDU", _("Education")


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **extra: object) -> User:
        if not email:
            raise ValueError("Users need an email address.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password) if password else user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: object) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create(email, password, **extra)


class User(AbstractUser):
    """A person who signs in: reseller staff, operators, and (later) customer admins. Email is the login."""

    # Email is the login: AbstractUser's username column is dropped (django-stubs types it as a CharField).
    username = None  # type: ignore[assignment]
    email = models.EmailField(_("email address"), max_length=240, unique=True)
    language = models.CharField(_("preferred language"), max_length=8, choices=settings.LANGUAGES, default="en")

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    # Our manager creates users by email; django-stubs expects AbstractUser's username-based manager.
    objects = UserManager()  # type: ignore[misc, assignment]

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(email=models.functions.Lower("email")), name="user_email_lowercase"),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.email


reseller_id_validator = RegexValidator(r"^\d{10}$", _("A Reseller ID is exactly 10 digits."))


class Reseller(models.Model):
    """A reseller organisation: the tenant. Created by operators in the Django admin."""

    name = models.CharField(_("name"), max_length=120)
    reseller_id = models.CharField(_("Reseller ID"), max_length=10, unique=True, validators=[reseller_id_validator])
    segments = models.JSONField(
        _("market segments"), default=list, help_text=_("Market segments this reseller may sell in.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(reseller_id__regex=r"^[0-9]{10}$"), name="reseller_id_ten_digits"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.reseller_id})"

    def segment_labels(self) -> list[str]:
        return [str(MarketSegment(s).label) for s in self.segments if s in MarketSegment.values]


class Membership(models.Model):
    """A user's place in a reseller's team, with a role. SPEC §1 and §9."""

    class Role(models.TextChoices):
        PRIMARY_ADMIN = "primary_admin", _("Primary admin")
        ADMIN = "admin", _("Admin")
        MEMBER = "member", _("Team member")
        VIEWER = "viewer", _("Viewer")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACTIVE = "active", _("Active")
        REMOVED = "removed", _("Removed")

    reseller = models.ForeignKey(Reseller, on_delete=models.PROTECT, related_name="memberships")
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.MEMBER)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.PENDING)
    invited_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    removed_at = models.DateTimeField(null=True, blank=True)
    # Changes whenever an invitation is (re)sent, so only the newest emailed link works.
    invitation_nonce = models.CharField(max_length=32, blank=True)

    objects: ClassVar[ScopedManagerType[Self]] = ScopedManager(reseller="reseller")

    class Meta:
        ordering = ["user__last_name", "user__first_name", "user__email"]
        constraints = [
            # A person belongs to one reseller at a time.
            models.UniqueConstraint(
                fields=["user"], condition=~Q(status="removed"), name="membership_one_reseller_per_user"
            ),
            # TEAM-3: never two primary admins; the services hand the role over in one transaction.
            models.UniqueConstraint(
                fields=["reseller"],
                condition=Q(role="primary_admin") & ~Q(status="removed"),
                name="membership_one_primary_admin",
            ),
            models.CheckConstraint(
                condition=~Q(role="primary_admin", status="removed"), name="membership_primary_admin_not_removed"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.reseller.name}"

    @property
    def can_write(self) -> bool:
        return self.role != self.Role.VIEWER

    @property
    def can_manage_team(self) -> bool:
        return self.role in (self.Role.PRIMARY_ADMIN, self.Role.ADMIN)

    @property
    def is_primary_admin(self) -> bool:
        return self.role == self.Role.PRIMARY_ADMIN
