"""The home page's repeated rows are written in Python (console.views): escaped and formatted as the
template's {{ }} and |floatformat:"2g" would."""

from __future__ import annotations

from decimal import Decimal

from django.template.defaultfilters import floatformat
from django.utils import translation

from console.home import ChartData, ChartSeries, TodoRow
from console.views import _chart_rows_html, _todo_rows_html


def test_a_todo_row_is_escaped_and_says_when_it_is_urgent():
    html = _todo_rows_html([TodoRow("A & <B>", "/x/?a=1&b=2", "soon", urgent=True), TodoRow("C", "/c/", "later")])
    assert '<a href="/x/?a=1&amp;b=2" class="text-break">A &amp; &lt;B&gt;</a>' in html
    assert '<span class="text-danger-emphasis">soon</span>' in html
    assert '<span class="text-body-secondary">later</span>' in html


def test_a_chart_row_links_its_label_and_formats_money_in_the_language():
    data = ChartData(
        labels=["<Jan>", "Feb"],
        series=[ChartSeries("n", [1234, 5]), ChartSeries("v", [Decimal("1234.5"), Decimal("0")], unit="money")],
        urls=["/l/?m=1&mine=on", ""],
    )
    with translation.override("uk"):
        html = _chart_rows_html(data)
        money = floatformat(Decimal("1234.5"), "2g")
    assert '<a href="/l/?m=1&amp;mine=on" data-row-link>&lt;Jan&gt;</a>' in html
    assert html.count("<tr data-chart-row>") == 2
    assert 'data-unit="count">\n                              1234\n' in html
    assert f'data-unit="money">\n                              {money}\n' in html and money != "1234.50"
    assert "Feb\n" in html and 'href=""' not in html
