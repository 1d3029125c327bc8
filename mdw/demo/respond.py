"""`mdw demo respond`: the demo's answer to a campaign, so that the loop can be closed on demo data.

For the members of an audience selected in the warehouse's latest run (treatment and control),
it writes the next delivery day's landing files as a campaign tool and the shop would: the
campaign (crm campaigns.csv), a send to every treatment member and a click from each converting
one (crm campaign_activity.csv), and one order from each converter (orders orders.jsonl).
Exactly round(base_rate x n) control members and round((base_rate + lift) x n) treatment members
convert, drawn with a seeded generator, so the next refresh's mart_campaign_results should measure
an uplift close to `lift`. The day also carries the shop's ordinary business: as many orders as
the median of the last 14 order deliveries, from other customers, so that the day's volume looks
like any other (the delivery volume check would rightly block a day of campaign orders alone).
A record of what was written goes to the ground-truth folder. Owned channels that carry an address
in the activity feed only: email and sms.
"""

from __future__ import annotations

import csv
import json
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from pathlib import Path

import duckdb
import numpy as np

from dagster_project.ingest.contract import CRM_CAMPAIGN_ACTIVITY, CRM_CAMPAIGNS, ORDERS
from dagster_project.ingest.files import is_day_folder

ACTIVITY_FIELD = {"email": "email", "sms": "phone"}  # where the activity and the order carry the address


@dataclass(frozen=True)
class Response:
    audience: str
    channel: str
    campaign_id: str
    day: str
    treatment_members: int
    control_members: int
    treatment_converters: int
    control_converters: int
    base_rate: float
    lift: float


def _next_day(landing: Path) -> date:
    days = [date.fromisoformat(p.name) for source in (CRM_CAMPAIGNS.source, ORDERS.source)
            for p in (landing / source).glob("*") if p.is_dir() and is_day_folder(p.name)]
    if not days:
        raise ValueError(f"{landing} holds no delivery day: run the refresh on some data first")
    return max(days) + timedelta(days=1)


def _members(warehouse: Path, audience: str, channel: str) -> tuple[list[tuple[str, bool]], str, tuple, list[str], int]:
    """(address, is_control) of the audience's members on the channel in the latest run, its
    objective, a product of the catalogue to order, and the ordinary day's buyers: as many other
    customers with an email as the median of the last 14 order deliveries (sorted, drawn later)."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        usual = con.execute(
            "select coalesce(median(rows_loaded + rows_quarantined), 0) from (select * from raw.load_manifest "
            "where feed_file = ? and status in ('loaded', 'replaced') order by file_path desc limit 14)",
            [ORDERS.filename]).fetchone()[0]
        others = [row[0] for row in con.execute(
            "select email from core.dim_customers where email is not null and customer_key not in ("
            "select customer_key from marts.mart_audience_members where audience_name = ?) order by email",
            [audience]).fetchall()]
        members = con.execute(
            "select contact_point, is_control_group from marts.mart_audience_members "
            "where audience_name = ? and channel = ? and contact_point is not null order by customer_key",
            [audience, channel]).fetchall()
        objective = con.execute("select any_value(objective) from marts.mart_audience_definitions "
                                "where audience_name = ?", [audience]).fetchone()[0]
        product = con.execute("select sku, product_name, category, brand, brand_tier, unit_price "
                              "from staging.stg_orders__order_items order by sku limit 1").fetchone()
    if not members:
        raise ValueError(f"audience {audience!r} has no member with an address on {channel} in the latest run")
    return members, objective, product, others, int(usual)


def _converters(rng, count: int, rate: float) -> np.ndarray:
    chosen = np.zeros(count, dtype=bool)
    chosen[rng.choice(count, size=min(count, round(rate * count)), replace=False)] = True
    return chosen


def _write_csv(path: Path, fields: list[str], rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)


def respond(landing: Path, warehouse: Path, truth_dir: Path, audience: str, campaign_id: str, channel: str = "email",
            lift: float = 0.1, base_rate: float = 0.05, seed: int = 7) -> Response:
    if channel not in ACTIVITY_FIELD:
        raise ValueError(f"channel must be one of {', '.join(ACTIVITY_FIELD)} (the activity feed carries their address)")
    members, objective, product, others, usual = _members(warehouse, audience, channel)
    day = _next_day(landing)
    rng = np.random.default_rng(seed)
    treatment = [address for address, control in members if not control]
    control = [address for address, control in members if control]
    converting = {False: _converters(rng, len(treatment), base_rate + lift), True: _converters(rng, len(control), base_rate)}
    field = ACTIVITY_FIELD[channel]

    _write_csv(landing / CRM_CAMPAIGNS.source / day.isoformat() / CRM_CAMPAIGNS.filename,
               [f.name for f in CRM_CAMPAIGNS.table.fields],
               [{"campaign_id": campaign_id, "name": f"{audience} ({channel})", "channel": channel,
                 "objective": objective, "start_date": day.isoformat(),
                 "end_date": (day + timedelta(days=13)).isoformat(), "spend": "0.00", "currency": "CNY"}])
    activity = []
    for i, address in enumerate(treatment):
        activity.append({"activity_id": f"{campaign_id}-S{i}", "campaign_id": campaign_id, field: address,
                         "activity_type": "sent", "occurred_at": f"{day.isoformat()} 09:00:00"})
        if converting[False][i]:
            activity.append({"activity_id": f"{campaign_id}-C{i}", "campaign_id": campaign_id, field: address,
                             "activity_type": "clicked", "occurred_at": f"{day.isoformat()} 10:00:00"})
    _write_csv(landing / CRM_CAMPAIGN_ACTIVITY.source / day.isoformat() / CRM_CAMPAIGN_ACTIVITY.filename,
               [f.name for f in CRM_CAMPAIGN_ACTIVITY.table.fields], activity)

    sku, name, category, brand, tier, price = product
    orders = []
    for is_control, addresses in ((False, treatment), (True, control)):
        for i, address in enumerate(addresses):
            if converting[is_control][i]:
                at = f"{day.isoformat()}T12:00:00+08:00"
                orders.append({
                    "order_id": f"{campaign_id}-{'C' if is_control else 'T'}{i}", "ordered_at": at, "updated_at": at,
                    "status": "paid", "channel": "web", "currency": "CNY",
                    "campaign_id": None if is_control else campaign_id, "customer": {field: address},
                    "items": [{"sku": sku, "product_name": name, "category": category, "brand": brand,
                               "brand_tier": tier, "quantity": 1, "unit_price": float(price)}],
                    "discount": 0, "shipping": 0, "total": float(price)})
    ordinary = rng.choice(len(others), size=min(usual, len(others)), replace=False) if others else []
    for n, index in enumerate(sorted(ordinary)):
        at = f"{day.isoformat()}T{8 + n % 12:02d}:30:00+08:00"
        orders.append({
            "order_id": f"{campaign_id}-O{n}", "ordered_at": at, "updated_at": at, "status": "paid", "channel": "web",
            "currency": "CNY", "campaign_id": None, "customer": {"email": others[index]},
            "items": [{"sku": sku, "product_name": name, "category": category, "brand": brand, "brand_tier": tier,
                       "quantity": 1, "unit_price": float(price)}],
            "discount": 0, "shipping": 0, "total": float(price)})
    orders_file = landing / ORDERS.source / day.isoformat() / ORDERS.filename
    orders_file.parent.mkdir(parents=True, exist_ok=True)
    orders_file.write_text("".join(json.dumps(o, ensure_ascii=False) + "\n" for o in orders), encoding="utf-8")

    response = Response(audience, channel, campaign_id, day.isoformat(), len(treatment), len(control),
                        int(converting[False].sum()), int(converting[True].sum()), base_rate, lift)
    truth_dir.mkdir(parents=True, exist_ok=True)
    (truth_dir / f"respond_{campaign_id}.json").write_text(json.dumps(asdict(response), indent=2) + "\n",
                                                           encoding="utf-8")
    return response
