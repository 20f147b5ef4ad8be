"""RC-1…RC-4, RC-8 over the REST API: send a reseller change code and list the sent ones. The same
service as the console's *Reseller Change for Customer*, the same neutral answer for right and wrong
pairs, the same daily limit."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from api.idempotency import idempotent
from api.pagination import keyset_page, next_page_url
from api.problems import RuleRefused
from api.serializers import form_errors
from api.views import ResellerApiView
from reseller_change import selectors, services
from reseller_change.forms import CodeSendForm
from reseller_change.models import CodeState, ResellerChangeCode
from reseller_change.views import neutral_answer


class CodeSendSerializer(serializers.Serializer[Any]):
    vip_id = serializers.CharField(max_length=24, help_text="The customer's VIP ID (20 characters, 0–9 and A–F).")
    admin_email = serializers.EmailField(max_length=240, help_text="The email of one of its system admins.")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        form = CodeSendForm(attrs)
        if not form.is_valid():
            raise serializers.ValidationError(form_errors(form))
        return form.cleaned_data


class CodeSentSerializer(serializers.Serializer[Any]):
    detail = serializers.CharField(help_text="The same answer whether or not the pair names a customer (RC-1).")
    left_today = serializers.IntegerField()


class CodeSerializer(serializers.Serializer[Any]):
    vip_id = serializers.CharField()
    admin_email = serializers.CharField()
    sent_by = serializers.CharField(source="sent_by.user.email")
    sent_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    state = serializers.ChoiceField(choices=CodeState.choices, help_text="pending, used, expired or invalidated")


class CodeQuerySerializer(serializers.Serializer[Any]):
    page_size = serializers.IntegerField(min_value=1, max_value=200, default=50)
    cursor = serializers.CharField(required=False, max_length=2000)


class CodePageSerializer(serializers.Serializer[Any]):
    left_today = serializers.IntegerField()
    next = serializers.CharField(allow_null=True)
    results = CodeSerializer(many=True)


class ResellerChangeCodesView(ResellerApiView):
    @extend_schema(
        operation_id="reseller_change_codes_list",
        parameters=[CodeQuerySerializer],
        responses=CodePageSerializer,
        summary="The sent reseller change codes and how many are left today (RC-8)",
    )
    def get(self, request: Request) -> Response:
        query = CodeQuerySerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        rows, cursor = keyset_page(
            selectors.sent_codes(reseller=self.reseller),
            order=("-sent_at", "-id"),
            cursor=query.validated_data.get("cursor"),
            size=query.validated_data["page_size"],
        )
        now = timezone.now()
        results = []
        for row in rows:
            data = dict(CodeSerializer(row).data)
            data["state"] = ResellerChangeCode.state_at(row, now)
            results.append(data)
        left = services.codes_left_today(reseller=self.reseller, now=now)
        return Response({"left_today": left, "next": next_page_url(request, cursor), "results": results})

    @extend_schema(
        operation_id="reseller_change_codes_send",
        request=CodeSendSerializer,
        responses={202: CodeSentSerializer},
        summary="Send a reseller change code to a customer's system admins (RC-1…RC-4)",
    )
    @idempotent
    def post(self, request: Request) -> Response:
        data = self.valid(CodeSendSerializer)
        try:
            services.code_send(membership=self.membership, vip_id=data["vip_id"], admin_email=data["admin_email"])
        except services.DailyLimitReached as error:
            raise RuleRefused(str(error)) from error
        left = services.codes_left_today(reseller=self.reseller)
        return Response({"detail": neutral_answer(), "left_today": left}, status=status.HTTP_202_ACCEPTED)
