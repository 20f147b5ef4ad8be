"""console_tags' page pieces: the data table shell and the breadcrumb."""

from __future__ import annotations

import pytest
from django.http import QueryDict
from django.template import Context, Template, TemplateSyntaxError

from console.templatetags.console_tags import _query_with

TABLE = """{% load i18n console_tags %}{% data_table rows caption=_("Orders") %}
  <th scope="col">{% translate "Number" %}</th>
{% table_body %}
  {% for row in rows %}<tr data-row="{{ row }}"><td>{{ row }}</td></tr>{% endfor %}
{% table_empty %}
  No {{ what }} yet.
{% enddata_table %}"""


def render(source: str, **context: object) -> str:
    return Template(source).render(Context(context))


def test_a_table_with_rows_has_its_caption_head_and_rows_and_no_empty_text() -> None:
    html = render(TABLE, rows=["A1", "<B2>"], what="orders")
    assert '<table class="table table-sm align-middle table-stack">' in html
    assert '<caption class="visually-hidden">Orders</caption>' in html
    assert '<th scope="col">Number</th>' in html
    assert '<tr data-row="A1"><td>A1</td></tr>' in html and "<td>&lt;B2&gt;</td>" in html  # escaped once
    assert "yet" not in html


def test_a_table_without_rows_is_only_its_empty_text() -> None:
    html = render(TABLE, rows=[], what="O'Brien orders")
    assert "<table" not in html and "Number" not in html
    assert "<p>" in html and "No O&#x27;Brien orders yet." in html  # escaped once


def test_the_table_class_can_be_chosen() -> None:
    html = render(TABLE.replace('caption=_("Orders")', 'caption="Events" css="table"'), rows=[1])
    assert '<table class="table">' in html and '<caption class="visually-hidden">Events</caption>' in html


@pytest.mark.parametrize(
    "opening",
    ["{% data_table rows %}", '{% data_table rows title="x" %}', '{% data_table rows "x" caption="y" %}'],
)
def test_a_table_without_its_caption_or_with_unknown_options_is_refused(opening: str) -> None:
    with pytest.raises(TemplateSyntaxError):
        Template("{% load console_tags %}" + opening + "{% table_body %}{% enddata_table %}")


def test_the_breadcrumb_links_each_page_above_and_marks_the_current_one() -> None:
    html = render(
        '{% load console_tags %}{% breadcrumb "/customers/" "Customers" "/customers/1/" name here="Send reminder" %}',
        name="O'Brien & Co",
    )
    assert '<nav aria-label="Breadcrumb">' in html
    assert html.index('href="/customers/"') < html.index('href="/customers/1/">O&#x27;Brien &amp; Co</a>')
    assert '<li class="breadcrumb-item active" aria-current="page">Send reminder</li>' in html


def test_a_breadcrumb_link_without_its_label_is_refused() -> None:
    with pytest.raises(TemplateSyntaxError):
        render('{% load console_tags %}{% breadcrumb "/customers/" here="x" %}')


def test_machine_datetime_is_a_valid_html_datetime_without_microseconds() -> None:
    import datetime

    from django.test import override_settings

    template = Template("{% load console_tags %}{{ value|machine_datetime }}")
    aware = datetime.datetime(2026, 11, 30, 3, 45, 6, 123456, tzinfo=datetime.UTC)
    assert template.render(Context({"value": aware})) == "2026-11-30T03:45:06+00:00"
    with override_settings(TIME_ZONE="Europe/Kyiv"):
        assert template.render(Context({"value": aware})) == "2026-11-30T05:45:06+02:00"
    assert template.render(Context({"value": datetime.date(2027, 3, 10)})) == "2027-03-10"
    assert template.render(Context({"value": None})) == ""


QUERIES = ["", "filter=ready&mine=on", "sort=-name&page=3&q=M%C3%BCller+%26+S%C3%B6hne&x=1&x=2", "format=csv&a=%2F%3F"]
CHANGES = [{"sort": "-name", "page": None}, {"page": 4, "format": None}, {"x": "9", "y": "a b"}]


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("changes", CHANGES)
def test_a_changed_query_string_is_written_as_the_query_dict_writes_it(query: str, changes: dict) -> None:
    """The links of a list (sort headers, pages) write the request's query string changed without copying it;
    the same text as a copied QueryDict, parameter order, repeated keys and encoding included."""
    get = QueryDict(query)
    copied = get.copy()
    for key, value in changes.items():
        if value is None:
            copied.pop(key, None)
        else:
            copied[key] = value
    assert _query_with(get, changes) == copied.urlencode()
