"""The benchmark's data: 1,000,000 customers, their purchase authorizations (with lines) and licence pools,
generated in Python (seeded, so always the same rows) and loaded with COPY … FROM STDIN; resellers, users,
memberships and the catalogue through the ORM (a few hundred rows).

Every customer column is filled; `search_text` is computed with the application's own
`customers.models.search_key` (and checked against it again after the load), PA states with
`customers.rules.payment_state`. Rows are interleaved across resellers in creation order, as a real
table fills over the years, so the big reseller's rows are spread over the whole heap. Not generated (the
list and the report do not read them): orders, returns, three-year-commit records, portal users."""

from __future__ import annotations

import json
import random
import time
import uuid
from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import IO, Any

from dateutil.relativedelta import relativedelta

from bench import config

# --------------------------------------------------------------------------------------------- vocabulary
# Organisation names: ASCII ones from three word lists; accented and Cyrillic ones with an ASCII English
# name (CUST-1). Nothing here contains a tab, newline or backslash (the COPY text format is written raw).
PLACES = [
    "Aurora", "Blue Harbor", "Cedar Grove", "Delta County", "Evergreen", "Fjord", "Granite Peak", "Northwind",
    "Orchid", "Pinecrest", "Quarry Hill", "Riverside", "Summit", "Tidewater", "Union Street", "Silver Lake",
    "Maple Ridge", "Ironwood", "Lakeshore", "Golden Gate", "Redwood", "Stonebridge", "Harborview", "Brightwater",
    "Oakmont", "Westfield", "Eastgate", "Highland", "Bayside", "Clearwater", "Foxglove", "Juniper", "Kingsley",
    "Meadowbrook", "Newport", "Parkside", "Rosewood", "Sunset", "Windmill", "Yellowstone",
]  # fmt: skip
TRADES = [
    "Dental", "Logistics", "Architects", "Engineering", "Media", "Design", "Printing", "Publishing", "Photo Lab",
    "Marketing", "Video Productions", "Legal", "Consulting", "Software", "Animation", "Accounting", "Health",
    "Construction", "Studios", "Research", "Analytics", "Records Office", "Community College", "School District",
    "University", "City Council", "Hospital", "Broadcasting", "Advertising", "Interiors",
]  # fmt: skip
FORMS = ["", "", "", "Inc.", "LLC", "Ltd", "Group", "Partners", "Co.", "Associates", "Clinic", "Agency"]
ACCENTED = [
    ("Müller & Söhne Druckerei", "Mueller and Soehne Printing"),
    ("Óptica São Paulo", "Optica Sao Paulo"),
    ("Café Crème Studio", "Cafe Creme Studio"),
    ("Zürcher Präzisionstechnik", "Zurich Precision Engineering"),
    ("Kraków Łączność", "Krakow Communications"),
    ("Brněnská tiskárna", "Brno Printing"),
    ("Éditions Lefèvre", "Editions Lefevre"),
    ("Diseño Gráfico Peñalosa", "Penalosa Graphic Design"),
    ("Ångström Arkitekter", "Angstrom Architects"),
    ("Škoda Inženýring", "Skoda Engineering"),
    ("Bäckerei Grüße Medien", "Baeckerei Gruesse Media"),
    ("Øresund Logistik", "Oresund Logistics"),
    ("Hôtel-Dieu Santé", "Hotel-Dieu Health"),
    ("Açaí Comunicação", "Acai Communication"),
    ("Straße & Partner Planung", "Strasse and Partner Planning"),
    ("Wrocław Studio Dźwięku", "Wroclaw Sound Studio"),
]
ACCENTED_FORMS = ["", "GmbH", "S.A.", "s.r.o.", "Sp. z o.o.", "SARL", "Ltda.", "AG", "AB"]
CYRILLIC = [
    ("Харків Медіа Груп", "Kharkiv Media Group"),
    ("Київська Академія Дизайну", "Kyiv Design Academy"),
    ("Львівські Студії", "Lviv Studios"),
    ("Одеса Логістик", "Odesa Logistics"),
    ("Дніпро Інжиніринг", "Dnipro Engineering"),
    ("Полтавська Друкарня", "Poltava Printing House"),
    ("Чернігівський Медичний Центр", "Chernihiv Medical Center"),
    ("Запоріжжя Софт", "Zaporizhzhia Soft"),
    ("Вінницька Школа Мистецтв", "Vinnytsia School of Arts"),
    ("Житомир Архітектура", "Zhytomyr Architecture"),
    ("Ужгородська Агенція Реклами", "Uzhhorod Advertising Agency"),
    ("Суми Відео Продакшн", "Sumy Video Production"),
]
CYRILLIC_FORMS = [("", ""), ("ТОВ", "LLC"), ("ПП", "PE"), ("ФОП", "SP")]
# A few names that a spreadsheet would take for a formula (LIST-6 neutralises them): "-" is allowed (CUST-2).
FORMULA_NAMES = [("-Minus Design Studio", "-Minus Design Studio"), ("-Dash Logistics", "-Dash Logistics")]

FIRST_NAMES = [
    ("Anna", "anna"), ("Oleh", "oleh"), ("Maria", "maria"), ("John", "john"), ("Priya", "priya"), ("Jonas", "jonas"),
    ("José", "jose"), ("Zoë", "zoe"), ("François", "francois"), ("Ingrid", "ingrid"), ("Łukasz", "lukasz"),
    ("Олена", "olena"), ("Тарас", "taras"), ("Dmytro", "dmytro"), ("Emma", "emma"), ("Liam", "liam"),
    ("Søren", "soren"), ("Chloé", "chloe"), ("Mateo", "mateo"), ("Aiko", "aiko"),
]  # fmt: skip
LAST_NAMES = [
    ("Smith", "smith"), ("Kovalenko", "kovalenko"), ("García", "garcia"), ("Müller", "mueller"), ("Patel", "patel"),
    ("Berg", "berg"), ("Lefèvre", "lefevre"), ("Nowak", "nowak"), ("Шевченко", "shevchenko"), ("Бондар", "bondar"),
    ("O'Brien", "obrien"), ("Novák", "novak"), ("Johansson", "johansson"), ("Rossi", "rossi"), ("Tanaka", "tanaka"),
    ("Dubois", "dubois"), ("Jensen", "jensen"), ("Fernández", "fernandez"), ("Kim", "kim"), ("Weiß", "weiss"),
]  # fmt: skip
# (country, region, city, postal code, street, language); Cyrillic names are in UA, accented ones in Europe/BR.
PLACES_POSTAL = [
    ("US", "US-CA", "San Jose", "95113", "Market Street", "en"),
    ("US", "US-NY", "New York", "10001", "Broadway", "en"),
    ("US", "US-TX", "Austin", "78701-1234", "Congress Avenue", "en"),
    ("US", "US-WA", "Seattle", "98101", "Pike Street", "en"),
    ("CA", "CA-ON", "Toronto", "M5H 2N2", "King Street West", "en"),
    ("GB", "GB-ENG", "London", "SW1A 1AA", "Baker Street", "en"),
    ("GB", "GB-SCT", "Edinburgh", "EH1 1YZ", "Princes Street", "en"),
    ("UA", "UA-30", "Київ", "01001", "вул. Хрещатик", "uk"),
    ("UA", "UA-46", "Львів", "79000", "просп. Свободи", "uk"),
    ("UA", "UA-63", "Kharkiv", "61000", "Sumska St", "uk"),
    ("DE", "DE-BE", "Berlin", "10115", "Invalidenstraße", "de"),
    ("DE", "DE-BY", "München", "80331", "Marienplatz", "de"),
    ("FR", "FR-IDF", "Paris", "75001", "Rue de Rivoli", "fr"),
    ("BR", "BR-SP", "São Paulo", "01310-100", "Avenida Paulista", "pt"),
    ("PL", "PL-12", "Kraków", "31-042", "ulica Floriańska", "pl"),
    ("CZ", "CZ-10", "Praha", "110 00", "Václavské náměstí", "cs"),
    ("ES", "ES-MD", "Madrid", "28013", "Calle Gran Vía", "es"),
    ("CH", "CH-ZH", "Zürich", "8001", "Bahnhofstrasse", "de"),
    ("SE", "SE-AB", "Stockholm", "111 52", "Drottninggatan", "sv"),
    ("JP", "JP-13", "Tokyo", "100-0005", "Marunouchi", "ja"),
]
ADDRESS_LINE2 = ["Suite 200", "Floor 3", "Unit 12B", "Building C", "c/o Reception", "Room 401", "оф. 12", "2. OG"]
PLACES_UA = [p for p in PLACES_POSTAL if p[0] == "UA"]
PLACES_EU = [p for p in PLACES_POSTAL if p[0] in {"DE", "FR", "BR", "PL", "CZ", "ES", "CH", "SE"}]
VIP_SELECT_LEVELS = ["01", "02", "03", "04", "12", "13", "14"]

COMMIT_STATUSES = [
    "committed", "committed", "committed", "requested", "accepted", "expired", "non_compliant", "declined",
]  # fmt: skip
NULL = "\\N"
FIGURES_UNSET = ["0", "[]", "0", "0", "0", "0", "01", "01", "0.00", "0.00"]
SPAN_DAYS = 4 * 365  # customers were created over the last four years

# The columns each COPY writes, in line order. A table column that is missing here must be nullable or have a
# default (it is left to it); a column listed here that the table lacks is an error (see build._check_schema).
COLUMNS: dict[str, list[str]] = {
    "customers_customer": [
        "id", "reseller_id", "vip_id", "name", "name_en", "segment", "type", "country", "region", "city",
        "address_line1", "address_line2", "postal_code", "contact_first_name", "contact_last_name", "contact_email",
        "language", "invitation_status", "invitation_nonce", "invited_at", "accepted_at", "contract_owner_id",
        "managed_by_id", "created_by_id", "created_at", "submission_key", "anniversary_date", "anniversary_source",
        "extended_term_months", "has_products", "open_pa_min_due", "open_pa_max_due", "open_pa_min_suspends",
        "renewed_ad", "renewal_shortfall", "vip_select_level",
        "three_year_commit_status", "removed_at", "search_text",
        # kept by triggers (customers migration 0013), which the load turns off: written here, checked after
        "managed_by_email",
        # customers.figures: computed here as the services store them; the build checks every row after the load
        "open_pa_count", "open_pa_dues", "licences_active", "licences_available", "renewal_licences",
        "renewal_licences_grace", "renewal_level", "renewal_level_grace", "renewal_value", "renewal_value_grace",
    ],
    "purchase_auth_purchaseauthorization": [
        "id", "reseller_id", "customer_id", "number", "created_at", "created_on", "created_by_id", "due_date",
        "suspends_on", "state", "po_number", "cancelled_at",
    ],
    "purchase_auth_purchaseauthorizationline": ["id", "purchase_authorization_id", "product_id", "quantity"],
    "purchase_auth_licencepool": [
        "id", "customer_id", "product_id", "fulfilled", "pending", "assigned", "grace", "expired",
    ],
    "renewals_autorenewal": ["id", "reseller_id", "customer_id", "enabled", "updated_at", "updated_by_id"],
}  # fmt: skip
CUSTOMERS = "customers_customer"
# Columns that their migration fills from the existing rows and database triggers keep exact: a stored database
# that gains one is right once migrated (build.ensure checks it), not rebuilt. The generator writes them too.
DATABASE_KEPT: dict[str, tuple[str, ...]] = {CUSTOMERS: ("managed_by_email",)}
# Tables that database triggers fill from the customers (customers migration 0014), which the load turns off:
# filled set-based after the load (their indexes dropped during it and rebuilt after), checked after the build.
CUSTOMER_SEARCH = "customers_customersearch"
DATABASE_FILLED: dict[str, str] = {
    CUSTOMER_SEARCH: f"INSERT INTO {CUSTOMER_SEARCH} (customer_id, reseller_id, name, search_text) "  # noqa: S608
    f"SELECT id, reseller_id, name, search_text FROM {CUSTOMERS} WHERE removed_at IS NULL ORDER BY reseller_id, id",
}
# Rows of a DATABASE_FILLED table that differ from what the triggers would have written (extra or missing).
DATABASE_FILLED_WRONG: dict[str, str] = {
    CUSTOMER_SEARCH: f"""
        SELECT count(*) FROM (
            (SELECT id, reseller_id, name, search_text FROM {CUSTOMERS} WHERE removed_at IS NULL
             EXCEPT ALL SELECT customer_id, reseller_id, name, search_text FROM {CUSTOMER_SEARCH})
            UNION ALL
            (SELECT customer_id, reseller_id, name, search_text FROM {CUSTOMER_SEARCH}
             EXCEPT ALL SELECT id, reseller_id, name, search_text FROM {CUSTOMERS} WHERE removed_at IS NULL)
        ) AS wrong
    """,  # noqa: S608 (table names of this module)
}


def _ts(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S+00")


def _slug(text: str) -> str:
    return "-".join("".join(ch if ch.isalnum() else " " for ch in text.lower()).split())[:40]


def _pa_number(pa_id: int) -> str:
    """`PA` + 18 digits, unique: a bijection of the id modulo 10**18 (the multiplier is prime to 10)."""
    return f"PA{(pa_id * 982_451_653 + 7_777_777) % 10**18:018d}"


class Team:
    """One reseller's people as the generator needs them: (membership id, user id, user email, share) per
    manager."""

    def __init__(self, reseller_pk: int, managers: list[tuple[int, int, str, float]], domain: str) -> None:
        self.reseller_pk = reseller_pk
        self.domain = domain
        self.membership_ids = [m for m, _, _, _ in managers]
        self.user_ids = [u for _, u, _, _ in managers]
        self.emails = [e for _, _, e, _ in managers]
        self.weights = [w for _, _, _, w in managers]


class Sinks:
    """Where the generated lines go: one writer per table (a COPY or a temporary file)."""

    def __init__(self, writers: Mapping[str, Callable[[str], None]]) -> None:
        self.writers = writers
        self.counts = dict.fromkeys(writers, 0)

    def write(self, table: str, fields: list[str]) -> None:
        self.writers[table]("\t".join(fields) + "\n")
        self.counts[table] += 1


def generate(
    teams: list[Team],
    sizes: list[int],
    products: dict[str, list[int]],
    search_key: Callable[..., str],
    payment_state: Callable[..., str],
    suspends_on: Callable[[date], date],
    renewal_figures: Callable[[str, str, str, list[tuple[int, int, int, int, int]]], tuple[str, str, Decimal, Decimal]],
    sinks: Sinks,
    progress: Callable[[str], None],
) -> None:
    """Every customer (in creation order, resellers interleaved), with its purchase authorizations (history and
    open ones, consistent with open_pa_min_due/open_pa_max_due/open_pa_min_suspends) and its licence pools.

    `sizes[i]` customers belong to `teams[i]`; `products` are the non-consumable product ids per offering type
    (TEAM / ENTERPRISE); `payment_state` and `suspends_on` are the application's own PA-2 rule
    (customers.rules.payment_state and payment_suspends_on); `renewal_figures(segment, vip_select_level, commit status,
    pools)` gives the renewal levels and values the customer row stores (build._renewal_pricing)."""
    rng = random.Random(config.SEED)  # noqa: S311 (benchmark data, not security)
    owner = [index for index, size in enumerate(sizes) for _ in range(size)]
    rng.shuffle(owner)
    total = len(owner)
    on = config.ANCHOR_DAY
    start = config.ANCHOR - timedelta(days=SPAN_DAYS)
    seen_vip: set[str] = set()
    # search_key(name, name_en, vip_id, email) == search_key(name, name_en) + " " + search_key(vip_id, email):
    # NFKD, dropping combining marks and casefold all work character by character across a space (a starter),
    # so the organisation part is computed once per distinct name. The build checks the identity on a sample.
    name_keys: dict[tuple[str, str], tuple[str, str]] = {}
    pa_id = line_id = pool_id = auto_id = 0
    started = time.perf_counter()
    for row, team_index in enumerate(owner):
        customer_id = row + 1
        team = teams[team_index]
        r = rng.random
        created = start + timedelta(seconds=row * SPAN_DAYS * 86400 / total + rng.randint(0, 3600))
        # --- organisation
        kind = r()
        if kind < 0.10:
            base, english = rng.choice(CYRILLIC)
            form, form_en = rng.choice(CYRILLIC_FORMS)
            name, name_en = (f'{form} "{base}"', f"{english} {form_en}") if form else (base, english)
        elif kind < 0.25:
            base, english = rng.choice(ACCENTED)
            form = rng.choice(ACCENTED_FORMS)
            name, name_en = (f"{base} {form}", f"{english} {form}") if form else (base, english)
        elif kind < 0.2505:
            name, name_en = rng.choice(FORMULA_NAMES)
        else:
            name = " ".join(p for p in (rng.choice(PLACES), rng.choice(TRADES), rng.choice(FORMS)) if p)
            name_en = name
        cached = name_keys.get((name, name_en))
        if cached is None:
            cached = name_keys[name, name_en] = (search_key(name, name_en), _slug(name_en) or "org")
        name_key, domain = cached
        # --- where and who
        places = PLACES_UA if kind < 0.10 else PLACES_EU if kind < 0.25 else PLACES_POSTAL
        country, region, city, postal, street, language = rng.choice(places)
        first, first_ascii = rng.choice(FIRST_NAMES)
        last, last_ascii = rng.choice(LAST_NAMES)
        email = f"{first_ascii}.{last_ascii}.{row}@{domain}.example"
        vip_id = f"{rng.getrandbits(80):020X}"
        while vip_id in seen_vip:  # 80 random bits: practically never, but the column is unique
            vip_id = f"{rng.getrandbits(80):020X}"
        seen_vip.add(vip_id)
        segment = rng.choices(("COM", "GOV", "EDU"), (0.7, 0.1, 0.2))[0]
        offering = "ENTERPRISE" if r() < 0.3 else "TEAM"
        manager = rng.choices(range(len(team.membership_ids)), team.weights)[0]
        manager_user = str(team.user_ids[manager])
        # --- state (LIST-2): ~20 % without products; the rest have an Anniversary Date within a year
        # either way, and some an open purchase authorization (pending, past due, or both).
        has_products = r() >= 0.20
        ad = None
        open_dues: list[date] = []
        ad_source, ext_months, vip_select, commit = "", None, "", ""
        renewed_ad: date | None = None
        shortfall = 0
        lapsed = False
        if has_products:
            status = "accepted"
            # REN-8: most customers renewed on time (their AD lies ahead); some renewed in the current
            # window, a few of them partially; some lapsed after their grace (licences expired).
            renewal = r()
            if renewal < 0.08:
                lapsed = True
                ad = on - timedelta(days=rng.randint(31, 365))
            elif renewal < 0.13:
                renewed_ad = on + timedelta(days=rng.randint(-30, 30))
                ad = renewed_ad + relativedelta(months=12)
                shortfall = rng.randint(1, 9) if r() < 0.3 else 0
            else:
                ad = on + timedelta(days=rng.randint(-30, 365))
            ad_source = "pa" if r() < 0.6 else "order"
            if r() < 0.03:
                ad_source, ext_months = "chosen", rng.randint(13, 36 if segment == "COM" else 48)
            vip_select = rng.choice(VIP_SELECT_LEVELS) if r() < 0.35 else ""
            if vip_select >= "02" and ext_months is None and r() < 0.15:  # ORD-6: VIP Select, not extended
                commit = rng.choice(COMMIT_STATUSES)
            pa = r()
            if pa < 0.06:  # pending: due within the next 14 days
                open_dues = [on + timedelta(days=rng.randint(0, 14))]
            elif pa < 0.10:  # past due: overdue (≤ 46 days late) or suspended
                open_dues = [on - timedelta(days=rng.randint(1, 90))]
            elif pa < 0.12:  # one past due and one pending
                open_dues = [on - timedelta(days=rng.randint(1, 60)), on + timedelta(days=rng.randint(0, 14))]
            elif pa < 0.13:  # two pending
                first_due = on + timedelta(days=rng.randint(0, 6))
                open_dues = [first_due, first_due + timedelta(days=rng.randint(1, 8))]
        else:
            status = "pending" if r() < 0.6 else "accepted"
            if r() < 0.02:  # Anniversary Date and extended term chosen at invitation (CUST-3)
                ext_months = rng.randint(13, 36)
                ad, ad_source = on + timedelta(days=rng.randint(30, 365)), "chosen"
        invited = created
        accepted = invited + timedelta(days=rng.randint(0, 20), seconds=rng.randint(0, 86399))
        if accepted > config.ANCHOR:
            accepted = invited + (config.ANCHOR - invited) / 2
        removed = None
        if not has_products and team_index != 0 and r() < 0.05:  # CUST-6 removals, outside the big reseller
            removed = created + timedelta(days=rng.randint(1, 30))
        line2 = rng.choice(ADDRESS_LINE2) if r() < 0.3 else ""
        customer_row = [
            str(customer_id),
            str(team.reseller_pk),
            vip_id,
            name,
            name_en,
            segment,
            offering,
            country,
            region,
            city,
            f"{rng.randint(1, 999)} {street}",
            line2,
            postal,
            first,
            last,
            email,
            language,
            status,
            uuid.UUID(int=rng.getrandbits(128)).hex if status == "pending" else "",
            _ts(invited),
            _ts(accepted) if status == "accepted" else NULL,
            NULL,  # contract_owner: a portal user; neither the list nor the report reads it
            str(team.membership_ids[manager]),
            manager_user,
            _ts(created),
            str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            ad.isoformat() if ad else NULL,
            ad_source,
            str(ext_months) if ext_months else NULL,
            "t" if has_products else "f",
            min(open_dues).isoformat() if open_dues else NULL,
            max(open_dues).isoformat() if open_dues else NULL,
            suspends_on(min(open_dues) - timedelta(days=14)).isoformat() if open_dues else NULL,
            renewed_ad.isoformat() if renewed_ad else NULL,
            str(shortfall),
            vip_select,
            commit,
            _ts(removed) if removed else NULL,
            f"{name_key} {search_key(vip_id, email)}",
            team.emails[manager],
        ]
        # REN-9: auto-renewal is on by default and the job renews on the AD, so a customer past its AD
        # and not renewed has turned it off; so have a few others.
        if has_products and not lapsed and ad is not None and renewed_ad is None and (ad < on or r() < 0.1):
            auto_id += 1
            sinks.write(
                "renewals_autorenewal",
                [str(auto_id), str(team.reseller_pk), str(customer_id), "f", _ts(created), manager_user],
            )
        if customer_id % 100_000 == 0:
            elapsed = time.perf_counter() - started
            progress(
                f"  {customer_id:>9,} / {total:,} customers  {customer_id / elapsed:,.0f} customers/s  "
                f"ETA {(total - customer_id) / (customer_id / elapsed):.0f} s"
            )
        if not has_products:
            sinks.write(CUSTOMERS, customer_row + FIGURES_UNSET)
            continue
        # --- licence pools (ORD-4) and purchase authorizations (PA-1…PA-7): earlier ones ordered or cancelled,
        # the open ones as above; every PA has one line, of the customer's first product.
        owned = rng.sample(products[offering], k=min(len(products[offering]), rng.choice((1, 1, 2, 2, 3))))
        big = vip_select >= "02"
        pending = 0
        history: list[tuple[date | None, int]] = [(None, rng.choice((1, 1, 2, 2, 3)))]
        history += [(open_due, 1) for open_due in open_dues]
        for due, count in history:
            for _ in range(count):
                pa_id += 1
                line_id += 1
                if due is None:  # an earlier PA, ordered (or cancelled) long ago
                    latest = max((config.ANCHOR - created).days - 20, 1)
                    created_on = (created + timedelta(days=rng.randint(0, latest))).date()
                    state = "ordered" if r() < 0.9 else "cancelled"
                    pa_due = created_on + timedelta(days=14)
                else:
                    pa_due = due
                    created_on = due - timedelta(days=14)
                    state = payment_state(due_date=due, suspends_on=suspends_on(created_on), on=on)
                pa_created = datetime.combine(created_on, datetime.min.time(), tzinfo=config.ANCHOR.tzinfo)
                pa_created += timedelta(seconds=rng.randint(8 * 3600, 18 * 3600))
                quantity = rng.randint(10, 120) if big else rng.randint(1, 9)
                if due is not None:
                    pending += quantity
                sinks.write(
                    "purchase_auth_purchaseauthorization",
                    [
                        str(pa_id),
                        str(team.reseller_pk),
                        str(customer_id),
                        _pa_number(pa_id),
                        _ts(pa_created),
                        created_on.isoformat(),
                        manager_user,
                        pa_due.isoformat(),
                        suspends_on(created_on).isoformat(),
                        state,
                        f"PO-{rng.randint(10000, 99999)}" if r() < 0.3 else "",
                        _ts(pa_created + timedelta(days=rng.randint(1, 10))) if state == "cancelled" else NULL,
                    ],
                )
                sinks.write(
                    "purchase_auth_purchaseauthorizationline",
                    [str(line_id), str(pa_id), str(owned[0]), str(quantity)],
                )
        pools: list[tuple[int, int, int, int, int]] = []  # product, fulfilled, pending, assigned, grace
        for index, product in enumerate(owned):
            pool_id += 1
            fulfilled = rng.randint(10, 300) if big else rng.randint(1, 9)
            pool_pending = pending if index == 0 else 0
            grace = shortfall if index == 0 else 0
            expired = 0
            if lapsed:  # REN-4: the term's licences expired after the grace
                fulfilled, expired = 0, fulfilled
            assigned = rng.randint(0, fulfilled + pool_pending + grace)
            sinks.write(
                "purchase_auth_licencepool",
                [
                    str(pool_id),
                    str(customer_id),
                    str(product),
                    str(fulfilled),
                    str(pool_pending),
                    str(assigned),
                    str(grace),
                    str(expired),
                ],
            )
            pools.append((product, fulfilled, pool_pending, assigned, grace))
        # customers.figures, as the services would have stored them (the build checks them all afterwards)
        level, level_grace, value, value_grace = renewal_figures(segment, vip_select, commit, pools)
        sinks.write(
            CUSTOMERS,
            customer_row
            + [
                str(len(open_dues)),
                json.dumps(sorted(due.isoformat() for due in open_dues)),
                str(sum(p[3] for p in pools)),
                str(sum(p[1] + p[2] + p[4] - p[3] for p in pools)),
                str(sum(p[1] for p in pools)),
                str(sum(p[4] for p in pools)),
                level,
                level_grace,
                str(value),
                str(value_grace),
            ],
        )


class Batched:
    """Collects lines and hands them on in ~1 MiB blocks (to a COPY, or to a file)."""

    def __init__(self, write: Callable[[bytes], Any]) -> None:
        self._write = write
        self._lines: list[str] = []
        self._size = 0

    def __call__(self, line: str) -> None:
        self._lines.append(line)
        self._size += len(line)
        if self._size >= 1 << 20:
            self.flush()

    def flush(self) -> None:
        if self._lines:
            self._write("".join(self._lines).encode())
            self._lines.clear()
            self._size = 0


def copy_from_file(conn: Any, table: str, file: IO[bytes]) -> None:
    columns = ", ".join(COLUMNS[table])
    file.seek(0)
    with conn.cursor() as cursor, cursor.copy(f"COPY {table} ({columns}) FROM STDIN WITH (FREEZE)") as copy:  # noqa: S608
        while block := file.read(1 << 20):
            copy.write(block)
