"""The REST API (SPEC §16). Thin views: the key's reseller is the tenant, a serializer checks the
input, one service (the console's own) does the work, a serializer answers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any, TypeVar

from django.db.models import Prefetch, QuerySet
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404
from django_scopes import scope
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from api import serializers as s
from api.idempotency import idempotent
from api.models import ApiKey
from api.pagination import keyset_page, next_page_url
from api.permissions import ApiKeyPermission, CreatorRolePermission
from api.problems import RuleRefused
from console.accounts.models import Membership, Reseller
from console.audit.selectors import audit_events_for_reseller
from console.audit.services import audit_acting_as
from console.clock import today
from console.tenancy import TEAM_ADMINS
from customers import selectors as customer_selectors
from customers import services as customer_services
from customers.models import Customer
from purchase_auth import selectors as purchase_selectors
from purchase_auth.models import Order, OrderLine, Product, PurchaseAuthorization
from purchase_auth.services.common import Line, PurchaseError
from purchase_auth.services.orders import order_place, order_return
from purchase_auth.services.purchase_authorizations import (
    purchase_authorization_cancel,
    purchase_authorization_create,
)
from renewals import selectors as renewal_selectors
from renewals.services import auto_renewal_update, renewal_order_place, renewal_preview

VIP_ID = OpenApiParameter("vip_id", OpenApiTypes.STR, OpenApiParameter.PATH, pattern="^[0-9A-F]{20}$")
PA_NUMBER = OpenApiParameter("number", OpenApiTypes.STR, OpenApiParameter.PATH, pattern="^PA[0-9]{18}$")
ORDER_NUMBER = OpenApiParameter("number", OpenApiTypes.STR, OpenApiParameter.PATH, pattern="^[0-9]{10}$")

T = TypeVar("T")


@contextmanager
def refusals_as_problems() -> Iterator[None]:
    """A service's refusal as a problem (API-4): a removed customer is a 404, any other rule a 422
    with the console's message as `detail`."""
    try:
        yield
    except customer_services.CustomerRemoved as error:
        raise NotFound(str(error)) from error
    except (customer_services.CustomerError, PurchaseError) as error:
        raise RuleRefused(str(error)) from error


class ResellerApiView(APIView):
    """Every API view: authenticated by an API key, run inside the key's reseller scope (another
    reseller's objects are not found: 404) with audit events naming the key (API-3)."""

    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self._contexts = ExitStack()
        with self._contexts:
            return super().dispatch(request, *args, **kwargs)

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # authentication, permission, rate limit
        key = self.api_key
        self._contexts.enter_context(scope(reseller=key.reseller_id))
        self._contexts.enter_context(audit_acting_as(key.label))

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Cache-Control"] = "no-store"  # NF-5: tenant data is never cached on the way
        return response

    @property
    def api_key(self) -> ApiKey:
        key = self.request.auth
        assert isinstance(key, ApiKey)  # noqa: S101  (ApiKeyPermission ran first)
        return key

    @property
    def reseller(self) -> Reseller:
        return self.api_key.reseller

    @property
    def membership(self) -> Membership:
        """The key creator's membership: who the console would show as acting (Managed by)."""
        return Membership.objects.select_related("user").get(
            reseller=self.reseller, user=self.api_key.created_by, status=Membership.Status.ACTIVE
        )

    def customer(self, vip_id: str) -> Customer:
        return get_object_or_404(
            customer_selectors.customers_visible(reseller=self.reseller).select_related(
                "managed_by__user", "contract_owner"
            ),
            vip_id=vip_id,
        )

    def valid(self, serializer: type[s.serializers.Serializer[Any]], **context: Any) -> Any:
        """The request body's validated data (a 400 problem naming each field otherwise)."""
        data = serializer(data=self.request.data, context=context)
        data.is_valid(raise_exception=True)
        return data.validated_data

    def act(self, service: Callable[..., T], **arguments: Any) -> T:
        """Call a console service for the key's reseller with the key's creator as the accountable actor
        (the audit events name the key: `initial`), its refusals answered as problems."""
        with refusals_as_problems():
            return service(reseller=self.reseller, actor=self.api_key.created_by, **arguments)

    def order_created(self, customer: Customer, order: Order) -> Response:
        """201 with the placed order and its URL in `Location` (polled for its status)."""
        location = reverse(
            "api:order", kwargs={"vip_id": customer.vip_id, "number": order.number}, request=self.request
        )
        return Response(
            s.OrderSerializer(_orders(customer).get(pk=order.pk)).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": location},
        )


def _params(request: Request) -> dict[str, str]:
    """The query string as a plain dict, so `?filter=` is an empty value to check, not a missing one."""
    return request.query_params.dict()


@extend_schema(exclude=True)
@api_view(["GET", "POST", "PUT", "PATCH", "DELETE"])
@authentication_classes([])
@permission_classes([])
def not_found(request: Request, path: str = "") -> Response:
    """Any other URL under /api/v1/ (an id of the wrong shape, a typo): a 404 problem, not the HTML page."""
    raise NotFound()


# ---- customers ---------------------------------------------------------------------------------------


class CustomerListView(ResellerApiView):
    @extend_schema(
        operation_id="customers_list",
        parameters=[s.CustomerListQuerySerializer],
        responses=s.CustomerPageSerializer,
        summary="List customers (LIST-1…LIST-4)",
    )
    def get(self, request: Request) -> Response:
        query = s.CustomerListQuerySerializer(data=_params(request))
        query.is_valid(raise_exception=True)
        state = query.validated_data
        on = today()
        mine = self.membership if state["mine"] else None
        sort = state["sort"].lstrip("-")
        descending = state["sort"].startswith("-")
        customers = customer_selectors.customer_list(
            reseller=self.reseller,
            on=on,
            customer_filter=state["filter"],
            managed_by=mine,
            query=state.get("q", ""),
            sort=sort,
            descending=descending,
        )
        if state.get("q"):
            customers = customer_selectors.sorted_in_memory(customers)
        fields = customer_selectors.SORTS[sort]
        order = tuple(f"-{f}" if descending else f for f in fields)
        # The page's ids on narrow rows (an index walk, or a search's matches sorted), then its rows by id:
        # a search's thousands of matches are never joined to their managers (NF-4).
        hits, cursor = keyset_page(
            customers.values("pk", *fields), order=order, cursor=state.get("cursor"), size=state["page_size"]
        )
        by_pk = {
            row["id"]: row
            for row in customer_selectors.customers_visible(reseller=self.reseller)
            .filter(pk__in=[hit["pk"] for hit in hits])
            .values(*s.row_columns())
        }
        rows = [by_pk[hit["pk"]] for hit in hits if hit["pk"] in by_pk]  # one removed in between: gone
        counts = customer_selectors.customer_counts_cached(reseller=self.reseller, on=on, managed_by=mine)
        return Response(
            {
                "counts": counts,
                "next": next_page_url(request, cursor),
                "results": [s.customer_row(row, on) for row in rows],
            }
        )

    @extend_schema(
        operation_id="customers_invite",
        request=s.CustomerInviteSerializer,
        responses={201: s.CustomerSerializer},
        summary="Invite a customer (CUST-1…CUST-4)",
    )
    @idempotent
    def post(self, request: Request) -> Response:
        cleaned = self.valid(s.CustomerInviteSerializer, reseller=self.reseller)
        customer, _created = self.act(
            customer_services.customer_invite,
            managed_by=self.membership,
            data=cleaned,
            anniversary_date=cleaned["anniversary_date"],
            extended_term_months=cleaned["extended_term_months"],
        )
        location = reverse("api:customer", kwargs={"vip_id": customer.vip_id}, request=request)
        return Response(
            s.CustomerSerializer(self.customer(customer.vip_id)).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": location},
        )


class CustomerDetailView(ResellerApiView):
    @extend_schema(operation_id="customers_retrieve", parameters=[VIP_ID], responses=s.CustomerSerializer)
    def get(self, request: Request, vip_id: str) -> Response:
        return Response(s.CustomerSerializer(self.customer(vip_id)).data)

    @extend_schema(
        operation_id="customers_remove",
        parameters=[VIP_ID],
        responses={204: OpenApiResponse(description="Removed")},
        summary="Remove a customer with no products (CUST-6)",
    )
    def delete(self, request: Request, vip_id: str) -> Response:
        self.customer(vip_id)
        self.act(customer_services.customer_remove, vip_id=vip_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CustomerReminderView(ResellerApiView):
    @extend_schema(
        operation_id="customers_reminder",
        parameters=[VIP_ID],
        request=s.ReminderSerializer,
        responses=s.CustomerSerializer,
        summary="Send the invitation again, perhaps to a new email (CUST-5)",
    )
    @idempotent
    def post(self, request: Request, vip_id: str) -> Response:
        customer = self.customer(vip_id)
        data = self.valid(s.ReminderSerializer)
        self.act(
            customer_services.customer_reminder_send,
            vip_id=vip_id,
            email=data.get("contact_email", customer.contact_email),
        )
        return Response(s.CustomerSerializer(self.customer(vip_id)).data)


# ---- purchasing ----------------------------------------------------------------------------------------


def _lines(rows: list[dict[str, Any]]) -> list[Line]:
    return [Line(product=row["product"], quantity=row["quantity"]) for row in rows]


class PurchaseAuthorizationListView(ResellerApiView):
    @extend_schema(
        operation_id="purchase_authorizations_list",
        parameters=[VIP_ID],
        responses=s.PurchaseAuthorizationSerializer(many=True),
    )
    def get(self, request: Request, vip_id: str) -> Response:
        customer = self.customer(vip_id)
        rows = purchase_selectors.purchase_authorizations(customer=customer, on=today())
        for row in rows:
            row.pa.state = row.state  # PA-2: the state it has today
        return Response(s.PurchaseAuthorizationSerializer([row.pa for row in rows], many=True).data)

    @extend_schema(
        operation_id="purchase_authorizations_create",
        parameters=[VIP_ID],
        request=s.PurchaseAuthorizationCreateSerializer,
        responses={201: s.PurchaseAuthorizationSerializer},
        summary="Create a purchase authorization (PA-1)",
    )
    @idempotent
    def post(self, request: Request, vip_id: str) -> Response:
        self.customer(vip_id)
        data = self.valid(s.PurchaseAuthorizationCreateSerializer)
        pa = self.act(
            purchase_authorization_create, vip_id=vip_id, lines=_lines(data["lines"]), po_number=data["po_number"]
        )
        return Response(s.PurchaseAuthorizationSerializer(pa).data, status=status.HTTP_201_CREATED)


class PurchaseAuthorizationCancelView(ResellerApiView):
    @extend_schema(
        operation_id="purchase_authorizations_cancel",
        parameters=[VIP_ID, PA_NUMBER],
        request=None,
        responses=s.PurchaseAuthorizationSerializer,
        summary="Cancel a pending purchase authorization (PA-4)",
    )
    @idempotent
    def post(self, request: Request, vip_id: str, number: str) -> Response:
        customer = self.customer(vip_id)
        get_object_or_404(PurchaseAuthorization, reseller=self.reseller, customer=customer, number=number)
        pa = self.act(purchase_authorization_cancel, vip_id=vip_id, number=number)
        return Response(s.PurchaseAuthorizationSerializer(pa).data)


def _orders(customer: Customer) -> QuerySet[Order]:
    return (
        Order.objects.filter(customer=customer)
        .select_related("customer", "purchase_authorization")
        .prefetch_related(Prefetch("lines", queryset=OrderLine.objects.select_related("product").order_by("pk")))
        .order_by("-created_at")
    )


class OrderListView(ResellerApiView):
    @extend_schema(operation_id="orders_list", parameters=[VIP_ID], responses=s.OrderSerializer(many=True))
    def get(self, request: Request, vip_id: str) -> Response:
        return Response(s.OrderSerializer(_orders(self.customer(vip_id)), many=True).data)

    @extend_schema(
        operation_id="orders_place",
        parameters=[VIP_ID],
        request=s.OrderPlaceSerializer,
        responses={201: s.OrderSerializer},
        summary="Place an order (ORD-1); it is accepted asynchronously: poll its status",
    )
    @idempotent
    def post(self, request: Request, vip_id: str) -> Response:
        customer = self.customer(vip_id)
        data = self.valid(s.OrderPlaceSerializer)
        order = self.act(
            order_place,
            vip_id=vip_id,
            lines=_lines(data.get("lines") or []),
            pa_number=data.get("purchase_authorization", ""),
        )
        return self.order_created(customer, order)


class OrderDetailView(ResellerApiView):
    @extend_schema(operation_id="orders_retrieve", parameters=[VIP_ID, ORDER_NUMBER], responses=s.OrderSerializer)
    def get(self, request: Request, vip_id: str, number: str) -> Response:
        return Response(s.OrderSerializer(get_object_or_404(_orders(self.customer(vip_id)), number=number)).data)


class OrderReturnView(ResellerApiView):
    @extend_schema(
        operation_id="orders_return",
        parameters=[VIP_ID, ORDER_NUMBER],
        request=s.ReturnCreateSerializer,
        responses={201: s.ReturnSerializer},
        summary="Return all or part of an order's lines (ORD-5)",
    )
    @idempotent
    def post(self, request: Request, vip_id: str, number: str) -> Response:
        customer = self.customer(vip_id)
        get_object_or_404(Order, reseller=self.reseller, customer=customer, number=number)
        data = self.valid(s.ReturnCreateSerializer)
        record = self.act(
            order_return,
            vip_id=vip_id,
            order_number=number,
            quantities={line["line"]: line["quantity"] for line in data["lines"]},
        )
        return Response(s.ReturnSerializer(record).data, status=status.HTTP_201_CREATED)


class LicenceView(ResellerApiView):
    @extend_schema(operation_id="licences_retrieve", parameters=[VIP_ID], responses=s.LicencesSerializer)
    def get(self, request: Request, vip_id: str) -> Response:
        pools = purchase_selectors.licence_pools(customer=self.customer(vip_id), on=today())
        return Response(
            {
                "totals": purchase_selectors.licence_totals(pools),
                "pools": s.LicencePoolSerializer(pools, many=True).data,
            }
        )


class ProductListView(ResellerApiView):
    @extend_schema(operation_id="products_list", responses=s.ProductSerializer(many=True))
    def get(self, request: Request) -> Response:
        products = Product.objects.filter(is_active=True).order_by("offering_type", "name")
        return Response(s.ProductSerializer(products, many=True).data)


# ---- team and activity ---------------------------------------------------------------------------------


class TeamView(ResellerApiView):
    @extend_schema(operation_id="team_list", responses=s.MemberSerializer(many=True))
    def get(self, request: Request) -> Response:
        members = (
            Membership.objects.filter(reseller=self.reseller)
            .exclude(status=Membership.Status.REMOVED)
            .select_related("user")
        )
        return Response(s.MemberSerializer(members, many=True).data)


class ActivityQuerySerializer(s.serializers.Serializer[Any]):
    action = s.serializers.CharField(required=False, max_length=64, help_text="An action prefix, e.g. 'customer.'")
    page_size = s.serializers.IntegerField(min_value=1, max_value=200, default=50)
    cursor = s.serializers.CharField(required=False, max_length=2000)


class ActivityPageSerializer(s.serializers.Serializer[Any]):
    next = s.serializers.CharField(allow_null=True)
    results = s.AuditEventSerializer(many=True)


class ActivityView(ResellerApiView):
    """AUD-2: the activity log, for the roles the console shows it to (team admins), by the key's creator."""

    permission_classes = [ApiKeyPermission, CreatorRolePermission]
    creator_roles = TEAM_ADMINS

    @extend_schema(operation_id="activity_list", parameters=[ActivityQuerySerializer], responses=ActivityPageSerializer)
    def get(self, request: Request) -> Response:
        query = ActivityQuerySerializer(data=_params(request))
        query.is_valid(raise_exception=True)
        events = audit_events_for_reseller(reseller=self.reseller, action=query.validated_data.get("action", ""))
        rows, cursor = keyset_page(
            events,
            order=("-created_at", "-id"),
            cursor=query.validated_data.get("cursor"),
            size=query.validated_data["page_size"],
        )
        return Response(
            {"next": next_page_url(request, cursor), "results": s.AuditEventSerializer(rows, many=True).data}
        )


# ---- renewals ------------------------------------------------------------------------------------------


def _quote(quote: renewal_selectors.Quote | None) -> dict[str, Any] | None:
    if quote is None:
        return None
    return {"level": quote.level, "currency": renewal_selectors.CURRENCY, "total": quote.total, "lines": quote.lines}


class RenewalView(ResellerApiView):
    @extend_schema(
        operation_id="renewal_retrieve",
        parameters=[VIP_ID],
        responses=s.RenewalSerializer,
        summary="The renewal of the current term: state, dates, expiring licences and their preview (REN-8, REN-10)",
    )
    def get(self, request: Request, vip_id: str) -> Response:
        customer = self.customer(vip_id)
        on = today()
        summary = renewal_selectors.renewal_summary(customer, on)
        expiring = [Line(product, quantity) for product, quantity in renewal_selectors.expiring(customer, on).items()]
        preview = None
        if expiring and summary.can_renew:
            try:
                preview = renewal_preview(customer=customer, lines=expiring, on=on)
            except PurchaseError:
                preview = None
        data = {
            "state": summary.state,
            "term_ad": summary.term_ad,
            "opens_on": summary.opens_on,
            "grace_ends": summary.grace_ends,
            "late": summary.late,
            "can_renew": summary.can_renew,
            "expiring": expiring,
            "preview": _quote(preview),
        }
        return Response(s.RenewalSerializer(data).data)


class RenewalPreviewView(ResellerApiView):
    @extend_schema(
        operation_id="renewal_preview",
        parameters=[VIP_ID],
        request=s.RenewalLinesSerializer,
        responses=s.QuoteSerializer,
        summary="Preview a renewal order: level, unit prices, line totals, total (REN-10); nothing is placed",
    )
    @idempotent
    def post(self, request: Request, vip_id: str) -> Response:
        customer = self.customer(vip_id)
        data = self.valid(s.RenewalLinesSerializer)
        on = today()
        lines = _lines(data.get("lines") or [])
        if not lines:
            lines = [Line(product, quantity) for product, quantity in renewal_selectors.expiring(customer, on).items()]
        with refusals_as_problems():
            quote = renewal_preview(customer=customer, lines=lines, on=on)
        return Response(s.QuoteSerializer(_quote(quote)).data)


class RenewalOrderView(ResellerApiView):
    @extend_schema(
        operation_id="renewal_orders_place",
        parameters=[VIP_ID],
        request=s.RenewalOrderSerializer,
        responses={201: s.OrderSerializer},
        summary="Place a renewal order (REN-2, REN-7); it is accepted asynchronously: poll its status",
    )
    @idempotent
    def post(self, request: Request, vip_id: str) -> Response:
        customer = self.customer(vip_id)
        data = self.valid(s.RenewalOrderSerializer)
        order = self.act(renewal_order_place, vip_id=vip_id, lines=_lines(data["lines"]))
        return self.order_created(customer, order)


class AutoRenewalView(ResellerApiView):
    def _answer(self, customer: Customer) -> Response:
        summary = renewal_selectors.renewal_summary(customer, today())
        data = {
            "enabled": summary.auto_enabled,
            "editable": summary.auto_editable,
            "editable_until": summary.auto_edit_until,
            "lines": [
                {"product": product, "quantity": quantity}
                for product, quantity in renewal_selectors.auto_renewal_quantities(customer)
            ],
            "preview": _quote(summary.auto_quote),
            "problem": summary.auto_problem,
        }
        return Response(s.AutoRenewalSerializer(data).data)

    @extend_schema(
        operation_id="auto_renewal_retrieve",
        parameters=[VIP_ID],
        responses=s.AutoRenewalSerializer,
        summary="Auto-renewal settings and what it will renew on the AD (REN-9, REN-10)",
    )
    def get(self, request: Request, vip_id: str) -> Response:
        return self._answer(self.customer(vip_id))

    @extend_schema(
        operation_id="auto_renewal_update",
        parameters=[VIP_ID],
        request=s.AutoRenewalUpdateSerializer,
        responses=s.AutoRenewalSerializer,
        summary="Turn auto-renewal on or off and set its quantities, until AD−3 (REN-9)",
    )
    def put(self, request: Request, vip_id: str) -> Response:
        customer = self.customer(vip_id)
        data = self.valid(s.AutoRenewalUpdateSerializer)
        quantities = dict(renewal_selectors.auto_renewal_quantities(customer))  # what the console's form lists
        unknown = [line["product"].code for line in data.get("lines", []) if line["product"] not in quantities]
        if unknown:
            raise s.serializers.ValidationError(
                {"lines": [f"{code} is not one of this customer's licences." for code in unknown]}
            )
        quantities |= {line["product"]: line["quantity"] for line in data.get("lines", [])}
        self.act(auto_renewal_update, vip_id=vip_id, enabled=data["enabled"], quantities=quantities)
        return self._answer(self.customer(vip_id))
