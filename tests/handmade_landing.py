"""A small landing folder written by hand, shaped unlike the demo generator's output.

The warehouse must work on exports it was not tuned to. This set differs from the generator on
purpose: other id formats, local times with offsets, spreadsheet-style CSVs (CRLF, a trailing
comma in the header, columns in another order), a survey export without its optional `comment`
column, a CRM feed whose daily volume drifts down from about 60 to about 20 rows after a busy
fortnight, orders with a weekday rhythm (weekends at a third of weekdays) ending on a Saturday,
a survey tool that delivers twice a week, quantities written `2.0`, and a few USD orders.
Nothing in it is wrong: a refresh over it must pass every check without a warning.
"""

from __future__ import annotations

import csv
import io
import json
import random
from datetime import date, datetime, timedelta
from pathlib import Path

DAYS = 28  # four weeks, from a Sunday to the last Saturday before today
PEOPLE = 500
CATEGORIES = ("skincare", "makeup", "snacks", "beverages", "household")
CONTACT_COLUMNS = ["contact_id", "first_name", "last_name", "email", "phone", "gender", "birth_date", "city",
                   "province", "country", "social_platform", "social_handle", "lead_source", "referrer_contact_id",
                   "marketing_consent", "consent_updated_at", "created_at", "updated_at"]
SURVEY_COLUMNS = ["survey_id", "response_id", "submitted_at", "email", "phone", "contact_id", "csat", "nps"]


def _csv(rows: list[list], header: list[str], trailing_comma: bool = False) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header + ([""] if trailing_comma else []))
    for row in rows:
        writer.writerow(row + ([""] if trailing_comma else []))
    return out.getvalue().encode("utf-8")


def _write(landing: Path, source: str, day: date, name: str, data: bytes) -> None:
    folder = landing / source / day.isoformat()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)


def _local(day: date, rng: random.Random) -> str:
    """A local Shanghai time with its offset, as many shop systems export it."""
    moment = datetime(day.year, day.month, day.day, 9, 0) + timedelta(minutes=rng.randrange(0, 12 * 60))
    return moment.strftime("%Y-%m-%dT%H:%M:%S+08:00")


def first_day(today: date) -> date:
    """The Sunday four weeks before the last Saturday before `today`: the set ends on a weekend
    day, recent enough for the freshness and not-in-the-future rules whatever the date."""
    last_saturday = today - timedelta(days=(today.weekday() - 5) % 7 or 7)
    return last_saturday - timedelta(days=DAYS - 1)


def write_handmade_landing(landing: Path, seed: int = 5, today: date | None = None) -> Path:
    rng = random.Random(seed)
    start = first_day(today or date.today())
    people = [{
        "id": f"C-{n:04d}",
        "first": rng.choice(["Li", "Wei", "Fang", "Min", "Jun", "Ying", "Hao", "Lan"]),
        "last": rng.choice(["Zhang", "Wang", "Chen", "Liu", "Zhao", "Huang"]),
        "email": f"member{n:04d}@mail.example.cn" if n % 5 else "",
        "phone": f"139{n:08d}" if n % 3 else "",
        "handle": f"wx_member_{n}" if n % 4 == 0 else "",
        "consent": "Y" if n % 6 else "N",
    } for n in range(1, PEOPLE + 1)]

    def on(offset: int) -> str:
        return (start + timedelta(days=offset)).isoformat()

    campaigns = [["CMP-EM-01", "Monthly newsletter", "email", "retention", on(1), on(26), "1200.00", "CNY"],
                 ["CMP-WX-01", "WeChat mini-program push", "wechat", "reactivation", on(4), on(19), "3000", "CNY"],
                 ["CMP-PS-01", "Paid social prospecting", "paid_social", "acquisition", on(0), on(27), "800.00",
                  "USD"]]
    _write(landing, "crm", start, "campaigns.csv",
           _csv(campaigns, ["campaign_id", "name", "channel", "objective", "start_date", "end_date", "spend",
                            "currency"]))

    order_number = 0
    for offset in range(DAYS):
        day = start + timedelta(days=offset)
        weekend = day.weekday() >= 5

        # CRM: a busy fortnight of about 60 new or changed contacts a day, then about 20
        level = 60 if offset < 14 else round(60 - (offset - 13) * 3)
        count = max(15, level + rng.randint(-5, 5))
        rows = []
        for person in rng.sample(people, count):
            rows.append([person["id"], person["first"], person["last"], person["email"], person["phone"],
                         rng.choice(["F", "M", ""]), "", "Shanghai", "Shanghai", "CN",
                         "wechat" if person["handle"] else "", person["handle"],
                         rng.choice(["email", "wechat", "store", "referral"]), "", person["consent"],
                         f"{day.isoformat()} 08:00:00", f"{on(-30)} 10:00:00", f"{day.isoformat()} 08:30:00"])
        _write(landing, "crm", day, "contacts.csv", _csv(rows, CONTACT_COLUMNS, trailing_comma=True))

        # campaign activity on send days
        if offset % 7 in (1, 4):
            rows = []
            for n, person in enumerate(rng.sample(people, 40)):
                campaign = "CMP-EM-01" if offset % 7 == 1 else "CMP-WX-01"
                for kind in ("sent", "opened") if n % 3 == 0 else ("sent",):
                    rows.append([f"ACT-{day:%m%d}-{n:03d}-{kind}", campaign, person["id"], person["email"],
                                 person["phone"], kind, f"{day.isoformat()} 10:{n % 60:02d}:00"])
            _write(landing, "crm", day, "campaign_activity.csv",
                   _csv(rows, ["activity_id", "campaign_id", "contact_id", "email", "phone", "activity_type",
                               "occurred_at"]))

        # orders: a weekday rhythm
        lines = []
        for _ in range(rng.randint(8, 14) if weekend else rng.randint(32, 44)):
            order_number += 1
            person = rng.choice(people)
            items = [{"sku": f"SKU-{rng.randint(1, 40):03d}", "product_name": "Item", "category": rng.choice(CATEGORIES),
                      "brand": "House", "brand_tier": "store", "quantity": rng.choice([1, 2, "2.0"]),
                      "unit_price": rng.choice([19.9, 59.0, 129.0])} for _ in range(rng.randint(1, 3))]
            gross = sum(float(i["quantity"]) * i["unit_price"] for i in items)
            usd = order_number % 17 == 0
            customer = {"crm_contact_id": person["id"] if order_number % 2 else None,
                        "email": person["email"] or None, "phone": person["phone"] or None}
            if not any(customer.values()):
                customer["crm_contact_id"] = person["id"]
            ordered = _local(day, rng)
            lines.append(json.dumps({
                "order_id": f"SO/2026/{order_number:06d}", "ordered_at": ordered, "updated_at": ordered,
                "status": "paid" if order_number % 11 else "shipped",
                "channel": rng.choice(["web", "app", "store"]), "store_id": None,
                "currency": "USD" if usd else "CNY", "promo_code": None,
                "campaign_id": "CMP-EM-01" if order_number % 9 == 0 else None, "customer": customer, "items": items,
                "discount": 0, "shipping": 8 if gross < 99 else 0,
                "total": round((gross / 7.15 if usd else gross) + (8 if gross < 99 else 0), 2),
                "pos_terminal": None,
            }, ensure_ascii=False))
        _write(landing, "orders", day, "orders.jsonl", ("\n".join(lines) + "\n").encode("utf-8"))

        # social: steady, about 15 a day
        lines = []
        for n in range(rng.randint(12, 18)):
            person = rng.choice([p for p in people if p["handle"]])
            lines.append(json.dumps({
                "event_id": f"{offset:02d}{n:04d}", "platform": "wechat", "event_type": rng.choice(["like", "share"]),
                "occurred_at": _local(day, rng), "post_id": f"P{offset}", "campaign_id": None, "text": "",
                "user": {"handle": person["handle"], "display_name": person["first"], "followers": rng.randint(0, 900),
                         "email": None, "phone": None},
            }, ensure_ascii=False))
        _write(landing, "social", day, "engagements.jsonl", ("\n".join(lines) + "\n").encode("utf-8"))

        # survey: twice a week, no comment column, its own column order
        if day.weekday() in (0, 3):
            rows = []
            for n, person in enumerate(rng.sample(people, 6)):
                rows.append(["NPS-Q4", f"RSP-{day:%m%d}-{n}", f"{day.isoformat()} 20:00:00", person["email"],
                             person["phone"], person["id"], str(rng.randint(1, 5)), str(rng.randint(0, 10))])
            _write(landing, "survey", day, "responses.csv", _csv(rows, SURVEY_COLUMNS))
    return landing


if __name__ == "__main__":
    import sys

    print(write_handmade_landing(Path(sys.argv[1] if len(sys.argv) > 1 else "data/handmade/landing")))
