"""Date and number formats per language (FORMAT_MODULE_PATH, I18N-3): console/formats/<language>/formats.py.

Ukrainian dates read "13 груд. 2026": Django's "N" (the month's abbreviation) with our own Ukrainian
abbreviations in the genitive, as Ukrainian writes a date. Django's own catalogue has capitalised
nominative ones ("Гру."); naming its strings here puts them into our catalogue, which takes precedence
(LOCALE_PATHS).
"""

from django.utils.translation import pgettext_lazy

MONTH_ABBREVIATIONS = [
    pgettext_lazy("abbrev. month", "Jan."),
    pgettext_lazy("abbrev. month", "Feb."),
    pgettext_lazy("abbrev. month", "March"),
    pgettext_lazy("abbrev. month", "April"),
    pgettext_lazy("abbrev. month", "May"),
    pgettext_lazy("abbrev. month", "June"),
    pgettext_lazy("abbrev. month", "July"),
    pgettext_lazy("abbrev. month", "Aug."),
    pgettext_lazy("abbrev. month", "Sept."),
    pgettext_lazy("abbrev. month", "Oct."),
    pgettext_lazy("abbrev. month", "Nov."),
    pgettext_lazy("abbrev. month", "Dec."),
]
