"""Demo landing data that behaves like real exports, with a ground truth for identity resolution.

Everything random is drawn with numpy from one seeded generator, so a seed gives the same files
byte for byte. Per-row decisions are vectorised in numpy; strings and files are assembled by an
scratch DuckDB database (vectorised SQL, one partitioned COPY per file kind), never by Python row loops.

The people behind the records are simulated first (name, identifiers, city, purchase rhythm,
drop-out, decline, brand preference, social accounts, consent); every record written to the
landing folder is an observation of one of them, and `ground_truth/identity.parquet` says which.
Campaign exposures cause some of their orders; `ground_truth/channel_lift.csv` and
`ground_truth/caused_orders.csv` say how many and which, so attribution can be checked.
"""

from __future__ import annotations

import csv
import shutil
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
from tqdm import tqdm

from mdw.demo import vocab

DAY = 86_400
PLACEHOLDER_EMAILS = ["test@test.com", "noemail@qq.com", "a@a.com"]
PLACEHOLDER_PHONES = ["13800000000", "13900000000"]
STORES_PER_CITY = 2
N_CHINA_CITIES = sum(1 for c in vocab.CITIES if c[2] == "China")
SKUS_PER_CATEGORY = 20
STORE_SKUS = 6  # the last six SKUs of each category are the store brand
FX_TO_CNY = {"CNY": 1.0, "USD": 7.2, "EUR": 7.8}

# Per year, per unit of scale (the sizing): 100k people, 1M orders, 2M social events,
# 300k campaign activity rows, 50k survey responses.
PEOPLE_PER_SCALE = 100_000
SOCIAL_EVENTS_PER_SCALE_YEAR = 2_000_000
SURVEY_SHARE_OF_ORDERS = 0.05
SENDS_PER_SCALE_YEAR = 125_000
MEAN_ORDERS_PER_BUYER_DAY = 0.041

# Causal lift: the chance that one exposure (one person reached by one campaign) makes that person
# place an extra order within CAUSED_ORDER_DAYS. Channels missing here leave no exposure records
# in the feeds (search, display, events) and cause nothing the data could show.
LIFT_PER_EXPOSURE = {"email": 0.3, "sms": 0.15, "wechat": 0.4, "paid_social": 0.45}
CAUSED_ORDER_DAYS = 10
CAUSED_WITH_PROMO = 0.3  # share of caused orders where the buyer used the campaign's promo code

# Spend per campaign in CNY at scale 1, by channel, times a factor for the month it starts in
# (11.11 in November, the December peak, Spring Festival lull in February) and lognormal noise.
SPEND_LEVEL_CNY = {"paid_search": 4.0e5, "display": 2.5e5, "paid_social": 2.5e5, "offline_event": 1.2e5,
                   "wechat": 3.0e4, "sms": 1.5e4, "email": 1.0e4}
SPEND_MONTH_FACTOR = {2: 0.6, 11: 1.6, 12: 1.9}

# Marketplace-acquired people: they buy mostly on the marketplace, bigger baskets of cheap-margin
# goods (relative weights of their favourite categories; the rest weigh 1).
MARKETPLACE_ORDER_SHARE = 0.8
MARKETPLACE_BASKET = 1.25
MARKETPLACE_CATEGORY_WEIGHTS = {"electronics": 8.0, "footwear": 4.0, "beverages": 3.0, "snacks": 3.0}


@dataclass
class GenerationSummary:
    landing: Path
    truth_dir: Path
    rows: dict[str, int] = field(default_factory=dict)
    files: int = 0
    malformed: int = 0
    seconds: float = 0.0


# --------------------------------------------------------------------------------------------
# Calendar: seasonality and campaign lift shape when things happen.
# --------------------------------------------------------------------------------------------


def _seasonality(start: date, days: int) -> np.ndarray:
    """Relative purchase intensity per day: weekends, 6.18, 11.11, December, Spring Festival."""
    dates = [start + timedelta(d) for d in range(days)]
    weight = np.ones(days)
    for i, d in enumerate(dates):
        if d.weekday() >= 5:
            weight[i] *= 1.25
        if (d.month, d.day) in {(6, 18), (11, 11)}:
            weight[i] *= 3.0
        elif d.month == 11 and 1 <= d.day <= 12:
            weight[i] *= 1.4
        elif d.month == 12:
            weight[i] *= 1.3
        elif d.month == 2 and d.day <= 14:
            weight[i] *= 0.7
    return weight


def _sample_times(rng, cum: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Seconds in [lo, hi) drawn with density proportional to the daily intensity `cum` integrates."""
    days = len(cum) - 1
    lo_d, hi_d = lo / DAY, hi / DAY
    c_lo = np.interp(lo_d, np.arange(days + 1), cum)
    c_hi = np.interp(hi_d, np.arange(days + 1), cum)
    u = c_lo + rng.random(len(lo)) * (c_hi - c_lo)
    day = np.clip(np.searchsorted(cum, u, side="right") - 1, 0, days - 1)
    hour_weights = np.array([1, 0.5, 0.3, 0.2, 0.2, 0.3, 0.6, 1.2, 2, 2.5, 3, 3.2, 3.5, 3, 2.8,
                             2.8, 3, 3.2, 3.5, 4, 4.5, 4.8, 4, 2.5])
    hour = rng.choice(24, size=len(lo), p=hour_weights / hour_weights.sum())
    t = day.astype(np.int64) * DAY + hour * 3600 + rng.integers(0, 3600, len(lo))
    return np.clip(t, lo.astype(np.int64), np.maximum(hi.astype(np.int64) - 1, lo.astype(np.int64)))


# --------------------------------------------------------------------------------------------
# People
# --------------------------------------------------------------------------------------------


def _people(rng, n: int, days: int) -> dict[str, np.ndarray]:
    is_cn = rng.random(n) < 0.85
    city_w = np.array([c[3] for c in vocab.CITIES], dtype=float)
    city_cn = rng.choice(N_CHINA_CITIES, size=n, p=city_w[:N_CHINA_CITIES] / city_w[:N_CHINA_CITIES].sum())
    city_all = rng.choice(len(vocab.CITIES), size=n, p=city_w / city_w.sum())
    city = np.where(is_cn, city_cn, city_all)
    pre_window = rng.random(n) < 0.4
    acq_t = np.where(pre_window, -rng.integers(DAY, 3 * 365 * DAY, n), rng.integers(0, days * DAY, n))
    lead = rng.choice(len(vocab.LEAD_SOURCES), size=n,
                      p=np.array(vocab.LEAD_SOURCE_WEIGHTS) / sum(vocab.LEAD_SOURCE_WEIGHTS))
    marketplace = lead == vocab.LEAD_SOURCES.index("marketplace")
    n_cat = len(vocab.CATEGORIES)
    cat_pop = np.linspace(2.0, 0.6, n_cat)
    mp_pop = np.array([MARKETPLACE_CATEGORY_WEIGHTS.get(c[0], 1.0) for c in vocab.CATEGORIES])
    top_cats = np.stack([np.where(marketplace, rng.choice(n_cat, size=n, p=mp_pop / mp_pop.sum()),
                                  rng.choice(n_cat, size=n, p=cat_pop / cat_pop.sum())) for _ in range(3)], axis=1)
    has_social = rng.random(n) < 0.55
    platform1 = np.where(
        is_cn | (rng.random(n) < 0.5),
        rng.choice(len(vocab.SOCIAL_PLATFORMS_CN), size=n, p=[0.45, 0.2, 0.2, 0.15]),
        len(vocab.SOCIAL_PLATFORMS_CN) + rng.integers(0, 2, n),
    )
    platform1 = np.where(has_social, platform1, -1)
    platform2 = np.where(has_social & (rng.random(n) < 0.25), (platform1 + 1 + rng.integers(0, 3, n)) % 4, -1)
    followers = np.minimum((10 / rng.random(n) ** (1 / 1.1)).astype(np.int64), 5_000_000)
    drifts = rng.random(n) < 0.3
    declines = ~drifts & (rng.random(n) < 0.12)
    window_start = np.maximum(acq_t, 0)
    drop_t = np.where(drifts, window_start + rng.random(n) * (days * DAY - window_start), np.inf)
    return {
        "pid": np.arange(n, dtype=np.int64),
        "is_cn": is_cn,
        "surname": rng.integers(0, len(vocab.CN_SURNAMES), n),
        "given": rng.integers(0, len(vocab.CN_GIVEN), n),
        "first": rng.integers(0, len(vocab.LATIN_FIRST), n),
        "last": rng.integers(0, len(vocab.LATIN_LAST), n),
        "gender": rng.choice(np.array(["F", "M"]), size=n, p=[0.56, 0.44]),
        "birth_day": rng.integers(365 * 10, 365 * 56, n),  # days after 1950-01-01
        "city": city,
        "has_email": rng.random(n) < 0.8,
        "has_phone": rng.random(n) < 0.9,
        "email_domain": rng.integers(0, len(vocab.EMAIL_DOMAINS), n),
        "phone_prefix": rng.choice(np.array(vocab.MOBILE_PREFIXES), size=n),
        "acq_t": acq_t,
        "is_crm": rng.random(n) < 0.6,
        "lead": lead,
        "consent": rng.random(n) < 0.7,
        "is_buyer": rng.random(n) < 0.85,
        "rate": rng.gamma(0.9, MEAN_ORDERS_PER_BUYER_DAY / 0.9, n),
        "drop_t": drop_t,
        "declines": declines,
        "decay_start": window_start + rng.random(n) * 0.5 * (days * DAY - window_start),
        "decay_tau": rng.uniform(30, 90, n) * DAY,
        "channel": np.where(marketplace, vocab.ORDER_CHANNELS.index("marketplace"),
                            rng.choice(4, size=n, p=[0.35, 0.3, 0.25, 0.1])),
        "p_store": rng.beta(1.2, 2.5, n),
        "basket": rng.lognormal(0, 0.35, n) * np.where(marketplace, MARKETPLACE_BASKET, 1.0),
        "top_cats": top_cats,
        "platform1": platform1,
        "platform2": platform2,
        # accounts bound to the brand's membership (WeChat UnionID, mini-program login): events
        # from them carry the member's email or phone
        "linked": rng.random(n) < 0.95,
        "linked_second": rng.random(n) < 0.9,
        "followers": followers,
        "activity": rng.lognormal(0, 1.1, n) * (1 + np.log1p(followers) / 4),
        "satisfaction": rng.beta(5, 2, n),
    }


# --------------------------------------------------------------------------------------------
# Campaigns
# --------------------------------------------------------------------------------------------


def _campaigns(rng, start_date: date, days: int, scale: float) -> dict[str, np.ndarray]:
    n = max(3, round(48 * days / 365))
    channel = rng.choice(len(vocab.CAMPAIGN_CHANNELS), size=n,
                         p=np.array(vocab.CAMPAIGN_CHANNEL_WEIGHTS) / sum(vocab.CAMPAIGN_CHANNEL_WEIGHTS))
    start = np.sort(rng.integers(0, max(1, days - 3), n))
    duration = rng.integers(3, 22, n)
    direct = np.isin(channel, [vocab.CAMPAIGN_CHANNELS.index(c) for c in vocab.DIRECT_CHANNELS])
    level = np.array([SPEND_LEVEL_CNY[c] for c in vocab.CAMPAIGN_CHANNELS])[channel]
    month = (np.datetime64(start_date, "D") + start.astype("timedelta64[D]")).astype("datetime64[M]").astype(
        np.int64) % 12 + 1
    month_factor = np.array([SPEND_MONTH_FACTOR.get(m, 1.0) for m in range(1, 13)])[month - 1]
    spend = level * month_factor * rng.lognormal(0, 0.3, n) * max(scale, 0.05)
    return {
        "cid": np.arange(n),
        "channel": channel,
        "objective": rng.integers(0, len(vocab.CAMPAIGN_OBJECTIVES), n),
        "start": start,
        "end": np.minimum(start + duration, days - 1),
        "spend": np.round(spend, 2),
        "usd": rng.random(n) < 0.1,
        "direct": direct,
        "revised": rng.random(n) < 0.1,
    }


def _active_campaign(rng, camp, day: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    """One campaign running on each given day (uniformly among the `allowed` ones), or -1."""
    ids = camp["cid"][allowed]
    n_days = int(day.max()) + 1 if len(day) else 1
    per_day = [ids[(camp["start"][allowed] <= d) & (camp["end"][allowed] >= d)] for d in range(n_days)]
    counts = np.array([len(a) for a in per_day])
    offsets = np.concatenate([[0], np.cumsum(counts)[:-1]])
    flat = np.concatenate([*per_day, [-1]]).astype(np.int64)
    c = counts[day]
    pick = offsets[day] + (rng.random(len(day)) * np.maximum(c, 1)).astype(np.int64)
    return np.where(c > 0, flat[np.minimum(pick, len(flat) - 1)], -1)


# --------------------------------------------------------------------------------------------
# Orders and items
# --------------------------------------------------------------------------------------------


def _orders(rng, people, camp, cum, days: int, extra_person=None, extra_t=None, extra_campaign=None,
            extra_cause=None):
    """Orders from each buyer's rhythm plus the extra ones campaigns caused.

    extra_campaign is the campaign an extra order carries (-1: none), extra_cause the campaign
    whose exposure caused it (-1: not caused by an exposure); `cause` keeps it as ground truth.
    """
    n = len(people["pid"])
    buyer = people["is_buyer"]
    lo = np.maximum(people["acq_t"], 0).astype(float)
    hi = np.minimum(people["drop_t"], days * DAY)
    exposure = np.maximum(np.interp(hi / DAY, np.arange(days + 1), cum)
                          - np.interp(lo / DAY, np.arange(days + 1), cum), 0)
    counts = rng.poisson(people["rate"] * exposure * buyer)
    person = np.repeat(np.arange(n), counts)
    t = _sample_times(rng, cum, lo[person], np.maximum(hi[person], lo[person] + 1))
    # decliners: thin orders after their decline starts
    decl = people["declines"][person] & (t > people["decay_start"][person])
    keep = ~decl | (rng.random(len(t)) < np.exp(-(t - people["decay_start"][person]) / people["decay_tau"][person]))
    person, t = person[keep], t[keep]
    campaign = np.full(len(t), -1)
    cause = np.full(len(t), -1)
    if extra_person is not None:
        person = np.concatenate([person, extra_person])
        t = np.concatenate([t, extra_t])
        campaign = np.concatenate([campaign, extra_campaign])
        cause = np.concatenate([cause, extra_cause if extra_cause is not None else np.full(len(extra_t), -1)])
    order = np.argsort(t, kind="stable")
    person, t, campaign, cause = person[order], t[order], campaign[order], cause[order]
    m = len(t)
    day = t // DAY
    is_china = people["city"][person] < N_CHINA_CITIES
    own_r = rng.random(m)
    channel = np.where(own_r < 0.7, people["channel"][person], rng.integers(0, 4, m))
    # marketplace-acquired people stay mostly on the marketplace, now and then the brand's own web, app or shop
    marketplace = vocab.ORDER_CHANNELS.index("marketplace")
    channel = np.where(people["lead"][person] == vocab.LEAD_SOURCES.index("marketplace"),
                       np.where(own_r < MARKETPLACE_ORDER_SHARE, marketplace, rng.integers(0, 3, m)), channel)
    channel = np.where(~is_china & (channel == 2), 0, channel)  # no shops abroad
    store = np.where(channel == 2, people["city"][person] * STORES_PER_CITY + rng.integers(0, STORES_PER_CITY, m), -1)
    promo_campaign = _active_campaign(rng, camp, day, np.ones(len(camp["cid"]), bool))
    campaign = np.where((campaign < 0) & (rng.random(m) < 0.25), promo_campaign, campaign)
    currency = np.where(channel == 3, 0, np.where(is_china, 0, np.where(people["city"][person] >= 22, 2, 1)))
    # who the shop knows the buyer as
    crm = people["is_crm"][person]
    logged_in = crm & np.isin(channel, [0, 1]) & (rng.random(m) < 0.7)
    r = rng.random(m)
    # in shops: member phone (55%), the shop's own counter phone typed by the cashier (25%, with an
    # e-receipt email a third of the time), email only (8%), nothing (anonymous cash sale, 4%)
    # online guests: phone only (25%), email only (15%), both (60%)
    give_phone = np.where(logged_in, True, np.where(channel == 2, (r < 0.55) | ((r >= 0.8) & (r < 0.88)),
                                                    (r < 0.25) | (r >= 0.4)))
    counter = (channel == 2) & (r >= 0.55) & (r < 0.8)
    receipt = counter & (rng.random(m) < 0.33)
    give_email = np.where(logged_in, True, np.where(channel == 2, (r >= 0.92) | receipt, r >= 0.25))
    placeholder = (channel != 2) & ~logged_in & (rng.random(m) < 0.015)
    status_r = rng.random(m)
    redeliver = status_r < 0.07
    new_status = np.where(status_r < 0.035, 3, np.where(status_r < 0.05, 2, 1))  # refunded/cancelled/shipped
    lag = np.where(new_status == 2, rng.integers(1, 2 * 3600, m),
                   np.where(new_status == 3, rng.integers(2 * DAY, 30 * DAY, m), rng.integers(DAY, 3 * DAY, m)))
    late = np.where(rng.random(m) < 0.02, rng.integers(1, 8, m), 0)
    orders = {
        "oid": np.arange(m, dtype=np.int64),
        "person": person,
        "t": t,
        "channel": channel,
        "store": store,
        "currency": currency,
        "campaign": campaign,
        "cause": cause,
        "logged_in": logged_in,
        "give_phone": give_phone & ~counter,
        "give_email": give_email,
        "counter": counter,
        "placeholder": placeholder,
        "placeholder_kind": rng.integers(0, 4, m),
        "redeliver": redeliver,
        "new_status": new_status,
        "update_t": t + lag,
        "late_days": late,
        "phone_fmt": rng.integers(0, 6, m),
        "email_fmt": rng.integers(0, 6, m),
        "ts_fmt": rng.integers(0, 3, m),
    }
    # items
    n_items = 1 + np.minimum(rng.poisson(0.75 * people["basket"][person]), 4)
    item_order = np.repeat(np.arange(m), n_items)
    item_no = np.arange(len(item_order)) - np.repeat(np.cumsum(n_items) - n_items, n_items)
    ip = person[item_order]
    top = people["top_cats"][ip, rng.integers(0, 3, len(ip))]
    cat = np.where(rng.random(len(ip)) < 0.7, top, rng.integers(0, len(vocab.CATEGORIES), len(ip)))
    store_brand = rng.random(len(ip)) < people["p_store"][ip]
    sku = np.where(store_brand, SKUS_PER_CATEGORY - STORE_SKUS + rng.integers(0, STORE_SKUS, len(ip)),
                   rng.integers(0, SKUS_PER_CATEGORY - STORE_SKUS, len(ip)))
    qty = 1 + np.minimum(rng.poisson(0.3 * people["basket"][ip]), 5)
    items = {"order": item_order, "item_no": item_no, "cat": cat, "sku": sku, "qty": qty}
    return orders, items


def _catalog(rng) -> pa.Table:
    rows = {"cat": [], "sku": [], "sku_code": [], "product_name": [], "category": [], "brand": [],
            "brand_tier": [], "price_cny": []}
    nouns = ["Classic", "Plus", "Lite", "Pro", "Mini", "Family Pack", "Limited", "Essentials"]
    for ci, (cat, median, brands) in enumerate(vocab.CATEGORIES):
        prices = median * rng.lognormal(0, 0.4, SKUS_PER_CATEGORY)
        for s in range(SKUS_PER_CATEGORY):
            store = s >= SKUS_PER_CATEGORY - STORE_SKUS
            brand = vocab.STORE_BRAND if store else brands[s % len(brands)]
            rows["cat"].append(ci)
            rows["sku"].append(s)
            rows["sku_code"].append(f"SKU-{cat[:4].upper()}-{s:03d}")
            rows["product_name"].append(f"{brand} {cat} {nouns[s % len(nouns)]}")
            rows["category"].append(cat)
            rows["brand"].append(brand)
            rows["brand_tier"].append("store" if store else "national")
            rows["price_cny"].append(round(float(prices[s]) * (0.65 if store else 1.0), 2))
    return pa.table(rows)


# --------------------------------------------------------------------------------------------
# Campaign activity, CRM contacts, social, surveys
# --------------------------------------------------------------------------------------------


def _activity(rng, people, camp, days: int, scale: float):
    direct_ids = camp["cid"][camp["direct"]]
    if len(direct_ids) == 0:
        return None
    target = SENDS_PER_SCALE_YEAR * scale * days / 365 / len(direct_ids)
    reach_ok = people["is_crm"] & people["consent"]
    # CRM teams target engaged members: people active on social are picked more often, so the
    # same people meet the brand's campaigns on several channels
    weight = 1 + np.where(people["platform1"] >= 0, people["activity"], 0)
    parts = []
    for c in direct_ids:
        start_t = camp["start"][c] * DAY
        ch = vocab.CAMPAIGN_CHANNELS[camp["channel"][c]]
        eligible = reach_ok & (people["acq_t"] < start_t)
        if ch == "email":
            eligible &= people["has_email"]
        elif ch == "sms":
            eligible &= people["has_phone"]
        pool = np.flatnonzero(eligible)
        size = min(len(pool), int(rng.poisson(target)))
        if size:  # weighted sample without replacement (Efraimidis-Spirakis: the largest u ** (1 / w))
            keys = rng.random(len(pool)) ** (1 / weight[pool])
            parts.append((c, np.sort(pool[np.argpartition(-keys, size - 1)[:size]])))
    if not parts:
        return None
    camp_of = np.concatenate([np.full(len(p), c) for c, p in parts])
    person = np.concatenate([p for _, p in parts])
    k = len(person)
    ch = camp["channel"][camp_of]
    sent = camp["start"][camp_of] * DAY + 9 * 3600 + rng.integers(0, 4 * 3600, k)
    bounced = rng.random(k) < 0.05
    open_p = np.where(ch == vocab.CAMPAIGN_CHANNELS.index("sms"), 0.0,
                      np.where(ch == vocab.CAMPAIGN_CHANNELS.index("wechat"), 0.4, 0.25))
    opened = ~bounced & (rng.random(k) < open_p)
    clicked = ~bounced & np.where(open_p > 0, opened & (rng.random(k) < 0.18), rng.random(k) < 0.04)
    converted = clicked & (rng.random(k) < 0.12)
    unsub = ~bounced & (rng.random(k) < 0.006)
    t_deliv = sent + rng.integers(5, 300, k)
    t_open = t_deliv + rng.integers(60, 36 * 3600, k)
    t_click = np.where(opened, t_open, t_deliv) + rng.integers(10, 3600, k)
    t_conv = t_click + rng.integers(600, 3 * DAY, k)
    t_unsub = np.where(opened, t_open, t_deliv) + rng.integers(30, 600, k)
    kinds = [("sent", np.ones(k, bool), sent), ("bounced", bounced, sent + 60),
             ("delivered", ~bounced, t_deliv), ("opened", opened, t_open), ("clicked", clicked, t_click),
             ("converted", converted, t_conv), ("unsubscribed", unsub, t_unsub)]
    rows = {"campaign": [], "person": [], "type": [], "t": []}
    for name, mask, tt in kinds:
        rows["campaign"].append(camp_of[mask])
        rows["person"].append(person[mask])
        rows["type"].append(np.full(mask.sum(), name))
        rows["t"].append(tt[mask])
    act = {key: np.concatenate(v) for key, v in rows.items()}
    order = np.lexsort((act["person"], act["t"]))
    act = {key: v[order] for key, v in act.items()}
    act["aid"] = np.arange(len(act["t"]))
    act["channel"] = camp["channel"][act["campaign"]]
    act["late_days"] = np.where(rng.random(len(act["t"])) < 0.01, rng.integers(1, 5, len(act["t"])), 0)
    act["ts_fmt"] = rng.integers(0, 3, len(act["t"]))
    act["email_fmt"] = rng.integers(0, 6, len(act["t"]))
    act["phone_fmt"] = rng.integers(0, 6, len(act["t"]))
    conv = act["type"] == "converted"
    conversions = (act["person"][conv], act["t"][conv], act["campaign"][conv])
    unsubs = (act["person"][act["type"] == "unsubscribed"], act["t"][act["type"] == "unsubscribed"])
    # one exposure per person and campaign, at its strongest contact (clicked > opened > delivered)
    reached = ~bounced
    exposures = (person[reached], camp_of[reached],
                 np.where(clicked, t_click, np.where(opened, t_open, t_deliv))[reached])
    return act, conversions, unsubs, exposures


def _exposures(direct, social, n_campaigns: int):
    """One exposure per person and campaign: the direct contact if there was one, else the first
    campaign engagement on social (social rows come sorted by time)."""
    on_campaign = social["campaign"] >= 0
    person = np.concatenate([direct[0], social["person"][on_campaign]])
    campaign = np.concatenate([direct[1], social["campaign"][on_campaign]])
    t = np.concatenate([direct[2], social["t"][on_campaign]])
    _, first = np.unique(person * n_campaigns + campaign, return_index=True)
    return person[first], campaign[first], t[first]


def _caused_orders(rng, people, camp, exposures, days: int):
    """Extra orders that exposures cause within CAUSED_ORDER_DAYS, with the channel's lift.

    Only buyers order, inside the window and before they drift away. A caused order carries the
    causing campaign's promo code CAUSED_WITH_PROMO of the time, otherwise no campaign.
    """
    person, campaign, t = exposures
    lift = np.array([LIFT_PER_EXPOSURE.get(c, 0.0) for c in vocab.CAMPAIGN_CHANNELS])[camp["channel"][campaign]]
    t_order = t + rng.integers(600, CAUSED_ORDER_DAYS * DAY, len(t))
    caused = ((rng.random(len(t)) < lift) & people["is_buyer"][person] & (t_order < days * DAY)
              & (t_order < people["drop_t"][person]))
    person, t_order, campaign = person[caused], t_order[caused], campaign[caused]
    carried = np.where(rng.random(len(person)) < CAUSED_WITH_PROMO, campaign, -1)
    return person, t_order, carried, campaign


def _contacts(rng, people, unsubs, days: int):
    crm = np.flatnonzero(people["is_crm"])
    created = people["acq_t"][crm]
    # duplicate registrations: same phone, another email, later
    dup = crm[rng.random(len(crm)) < 0.03]
    dup_created = np.maximum(people["acq_t"][dup], 0) + rng.integers(DAY, max(2 * DAY, days * DAY // 2), len(dup))
    keep_dup = dup_created < days * DAY
    person = np.concatenate([crm, dup[keep_dup]])
    created = np.concatenate([created, dup_created[keep_dup]])
    is_dup = np.concatenate([np.zeros(len(crm), bool), np.ones(keep_dup.sum(), bool)])
    order = np.lexsort((person, created))
    person, created, is_dup = person[order], created[order], is_dup[order]
    n = len(person)
    contact_no = np.arange(n)
    # referrals: a referred contact points at an earlier contact
    referred = (people["lead"][person] == vocab.LEAD_SOURCES.index("referral")) & (contact_no > 0) & ~is_dup
    referrer = np.where(referred, (rng.random(n) * contact_no).astype(np.int64), -1)
    base = {
        "contact": contact_no, "person": person, "created": created, "is_dup": is_dup,
        "referrer": referrer, "consent": people["consent"][person], "city": people["city"][person],
        "new_phone": np.zeros(n, bool), "updated": created, "consent_at": created,
        "kind": np.zeros(n, np.int64),  # 0 new, 1 moved, 2 consent change, 3 phone change, 4 unsubscribed
    }
    # later updates
    upd = rng.random(n) < 0.15
    u_idx = np.flatnonzero(upd)
    u_t = np.maximum(created[u_idx], 0) + rng.integers(DAY, max(2 * DAY, days * DAY), len(u_idx))
    ok = u_t < days * DAY
    u_idx, u_t = u_idx[ok], u_t[ok]
    kind = rng.choice([1, 2, 3], size=len(u_idx), p=[0.5, 0.3, 0.2])
    updates = {key: v[u_idx].copy() for key, v in base.items()}
    updates["updated"] = u_t
    updates["kind"] = kind
    updates["city"] = np.where(kind == 1, rng.integers(0, N_CHINA_CITIES, len(u_idx)), updates["city"])
    updates["consent"] = np.where(kind == 2, rng.random(len(u_idx)) < 0.2, updates["consent"])
    updates["consent_at"] = np.where(kind == 2, u_t, updates["consent_at"])
    updates["new_phone"] = kind == 3
    # unsubscribes reach the CRM a day or two later for most contacts
    lookup = np.full(len(people["pid"]), -1)
    lookup[base["person"][~base["is_dup"]]] = base["contact"][~base["is_dup"]]
    un_person, un_t = unsubs
    take = (rng.random(len(un_person)) < 0.6) & (lookup[un_person] >= 0)
    un_person, un_t = un_person[take], un_t[take] + rng.integers(DAY, 2 * DAY, take.sum())
    ok = un_t < days * DAY
    un_contact = lookup[un_person[ok]]
    unsub_rows = {key: v[un_contact].copy() for key, v in base.items()}
    unsub_rows["updated"] = un_t[ok]
    unsub_rows["consent"] = np.zeros(ok.sum(), bool)
    unsub_rows["consent_at"] = un_t[ok] - DAY
    unsub_rows["kind"] = np.full(ok.sum(), 4)
    rows = {key: np.concatenate([base[key], updates[key], unsub_rows[key]]) for key in base}
    m = len(rows["contact"])
    rows["version"] = np.arange(m)
    rows["consent_spelling"] = rng.integers(0, 8, m)
    rows["email_fmt"] = rng.integers(0, 6, m)
    rows["phone_fmt"] = rng.integers(0, 6, m)
    rows["gender_fmt"] = rng.integers(0, 5, m)
    rows["ts_fmt"] = rng.integers(0, 3, m)
    # what the CRM holds about a person does not flicker between versions of the contact
    rows["has_birth"] = rows["person"] % 5 != 1
    rows["crm_email"] = people["has_email"][rows["person"]] & (rows["person"] % 10 != 3)
    rows["show_social"] = rows["person"] % 5 != 2
    return rows


def _social(rng, people, camp, cum, days: int, scale: float):
    accounts_p = np.concatenate([np.flatnonzero(people["platform1"] >= 0), np.flatnonzero(people["platform2"] >= 0)])
    is_second = np.concatenate([np.zeros((people["platform1"] >= 0).sum(), bool),
                                np.ones((people["platform2"] >= 0).sum(), bool)])
    platform = np.where(is_second, people["platform2"][accounts_p], people["platform1"][accounts_p])
    weight = people["activity"][accounts_p]
    total = SOCIAL_EVENTS_PER_SCALE_YEAR * scale * days / 365
    counts = rng.poisson(weight * total / weight.sum())
    acc = np.repeat(np.arange(len(accounts_p)), counts)
    person = accounts_p[acc]
    lo = np.maximum(people["acq_t"][person], 0).astype(float) - 30 * DAY  # they follow before they buy
    lo = np.maximum(lo, 0)
    t = _sample_times(rng, cum, lo, np.full(len(lo), days * DAY, dtype=float))
    order = np.argsort(t, kind="stable")
    acc, person, t = acc[order], person[order], t[order]
    k = len(t)
    p = np.array(vocab.SOCIAL_EVENT_WEIGHTS, float)
    etype = rng.choice(len(vocab.SOCIAL_EVENT_TYPES), size=k, p=p / p.sum())
    social_ch = np.isin(camp["channel"], [vocab.CAMPAIGN_CHANNELS.index(c) for c in ("paid_social", "wechat")])
    campaign = np.where(rng.random(k) < 0.3, _active_campaign(rng, camp, t // DAY, social_ch), -1)
    return {
        "eid": np.arange(k), "person": person, "platform": platform[acc], "is_second": is_second[acc], "t": t,
        "etype": etype, "campaign": campaign, "post": rng.integers(0, 3, k),
        "text": rng.integers(0, len(vocab.SOCIAL_TEXTS), k),
        "followers": (people["followers"][person] * (1 + 0.1 * t / (days * DAY))).astype(np.int64),
        "linked": np.where(is_second[acc], people["linked_second"][person], people["linked"][person]),
        "handle_fmt": rng.choice(3, size=k, p=[0.75, 0.2, 0.05]),
        "phone_fmt": rng.integers(0, 6, k), "email_fmt": rng.integers(0, 6, k), "ts_fmt": rng.integers(0, 3, k),
        "late_days": np.where(rng.random(k) < 0.01, rng.integers(1, 4, k), 0),
    }


def _surveys(rng, people, orders, days: int):
    pick = np.flatnonzero(rng.random(len(orders["t"])) < SURVEY_SHARE_OF_ORDERS)
    person = orders["person"][pick]
    t = orders["t"][pick] + rng.integers(3600, 7 * DAY, len(pick))
    ok = t < days * DAY
    person, t = person[ok], t[ok]
    order = np.argsort(t, kind="stable")
    person, t = person[order], t[order]
    k = len(t)
    sat = people["satisfaction"][person]
    kind = rng.choice(3, size=k, p=[0.4, 0.3, 0.3])  # 0 nps, 1 csat, 2 both
    nps = np.clip(np.round(sat * 10 + rng.normal(0, 1.5, k)), 0, 10).astype(int)
    csat = np.clip(np.round(1 + 4 * sat + rng.normal(0, 0.7, k)), 1, 5).astype(int)
    crm = people["is_crm"][person]
    r = rng.random(k)
    return {
        "rid": np.arange(k), "person": person, "t": t, "kind": kind,
        "nps": np.where(kind != 1, nps, -1), "csat": np.where(kind != 0, csat, -1),
        "with_contact": crm & (r < 0.5),
        "with_email": people["has_email"][person] & (r >= 0.3) & (r < 0.8),
        "with_phone": people["has_phone"][person] & ((r >= 0.8) | ~people["has_email"][person]),
        "placeholder": rng.random(k) < 0.004,
        "comment": np.where(rng.random(k) < 0.3, rng.integers(0, len(vocab.SURVEY_COMMENTS), k), -1),
        "email_fmt": rng.integers(0, 6, k), "phone_fmt": rng.integers(0, 6, k), "ts_fmt": rng.integers(0, 3, k),
        "late_days": np.where(rng.random(k) < 0.01, rng.integers(1, 4, k), 0),
    }


# --------------------------------------------------------------------------------------------
# Writing: DuckDB formats and writes one partitioned COPY per file kind
# --------------------------------------------------------------------------------------------

_MACROS = """
create or replace macro fmt_phone(d, f) as case f
    when 0 then '+86 ' || d[1:3] || ' ' || d[4:7] || ' ' || d[8:11]
    when 1 then d
    when 2 then '0086-' || d[1:3] || '-' || d[4:7] || '-' || d[8:11]
    when 3 then '(' || d[1:3] || ') ' || d[4:7] || '-' || d[8:11]
    when 4 then '+86' || d
    else d[1:3] || '-' || d[4:7] || '-' || d[8:11] end;
create or replace macro fmt_email(e, f) as case f
    when 1 then upper(e)
    when 2 then upper(e[1]) || e[2:]
    when 3 then ' ' || e
    when 4 then e || '  '
    else e end;
create or replace macro fmt_ts(secs, f) as case f
    when 0 then strftime(getvariable('t0') + to_seconds(secs), '%Y-%m-%d %H:%M:%S')
    when 1 then strftime(getvariable('t0') + to_seconds(secs), '%Y-%m-%dT%H:%M:%S') || '+08:00'
    else strftime(getvariable('t0') + to_seconds(secs) - interval 8 hour, '%Y-%m-%dT%H:%M:%SZ') end;
create or replace macro ccy_amount(cny, ccy) as
    cast(round(cny / case ccy when 'USD' then 7.2 when 'EUR' then 7.8 else 1 end, 2) as decimal(14, 2));
"""


def _people_sql_table(con, people) -> None:
    cols = {k: v for k, v in people.items() if k != "top_cats" and v.ndim == 1}
    cols["drop_t"] = np.nan_to_num(cols["drop_t"], posinf=-1)
    con.register("people_raw", pa.table(cols))
    con.register("cn_names", pa.table({"i": np.arange(len(vocab.CN_SURNAMES)),
                                       "zh": [s[0] for s in vocab.CN_SURNAMES],
                                       "py": [s[1] for s in vocab.CN_SURNAMES]}))
    con.register("cn_given", pa.table({"i": np.arange(len(vocab.CN_GIVEN)),
                                       "zh": [s[0] for s in vocab.CN_GIVEN],
                                       "py": [s[1] for s in vocab.CN_GIVEN]}))
    con.register("cities", pa.table({"i": np.arange(len(vocab.CITIES)),
                                     "city": [c[0] for c in vocab.CITIES],
                                     "province": [c[1] for c in vocab.CITIES],
                                     "country": [c[2] for c in vocab.CITIES]}))
    lists = {
        "latin_first": vocab.LATIN_FIRST, "latin_last": vocab.LATIN_LAST, "domains": vocab.EMAIL_DOMAINS,
        "platforms": vocab.SOCIAL_PLATFORMS_CN + vocab.SOCIAL_PLATFORMS_INTL,
    }
    for name, values in lists.items():
        con.register(name, pa.table({"i": np.arange(len(values)), "v": values}))
    con.execute("""
        create table people as
        select
            p.pid,
            p.city as city_idx,
            case when p.is_cn then g.zh else lf.v end as first_name,
            case when p.is_cn then s.zh else ll.v end as last_name,
            case when p.is_cn then s.py || g.py else lower(lf.v) || lower(ll.v) end as handle_base,
            p.gender, date '1950-01-01' + cast(p.birth_day as integer) as birth_date,
            case when p.has_email then
                (case when p.is_cn then g.py || '.' || s.py else lower(lf.v) || '.' || lower(ll.v) end)
                || format('{:x}', (p.pid * 2654435761) % 4294967296) || '@' || d.v end as email,
            case when p.has_phone then cast(p.phone_prefix as varchar)
                || lpad(cast((p.pid * 48271 + 7) % 100000000 as varchar), 8, '0') end as phone,
            p.lead, p.platform1, p.platform2
        from people_raw as p
        left join cn_names as s on s.i = p.surname
        left join cn_given as g on g.i = p.given
        left join latin_first as lf on lf.i = p.first
        left join latin_last as ll on ll.i = p.last
        left join domains as d on d.i = p.email_domain
        order by p.pid
    """)
    # a generated mobile that happens to equal a placeholder is treated as no phone
    con.execute(f"update people set phone = null where phone in {tuple(PLACEHOLDER_PHONES)}")


def _copy_partitioned(con, select_sql: str, tmp: Path, kind: str, fmt: str) -> None:
    """One COPY writes every delivery day's file of a kind (the select ends with delivery_day)."""
    target = tmp / kind
    # One thread: one file per partition, rows in the query's order (byte-identical for a seed).
    threads = con.execute("select current_setting('threads')").fetchone()[0]
    con.execute("set threads = 1")
    if fmt == "csv":
        con.execute(f"copy ({select_sql}) to '{target}' "
                    "(format csv, header true, partition_by (delivery_day), overwrite_or_ignore)")
    else:
        # COPY ... (FORMAT JSON) cannot partition: write each row's JSON text as a one-column CSV
        # without quoting (JSON text escapes control characters, so the delimiter never occurs).
        lines = (f"select regexp_replace(to_json(r), ',\"delivery_day\":[0-9]+}}$', '}}') as line, "
                 f"r.delivery_day from ({select_sql}) as r")
        con.execute(f"copy ({lines}) to '{target}' (format csv, header false, quote '', escape '', "
                    "delimiter '\x01', partition_by (delivery_day), overwrite_or_ignore)")
    con.execute(f"set threads = {threads}")


def _write_kind(con, table: str, helper_columns: str, order_by: str, tmp: Path, out: Path, source: str,
                filename: str, start: date, summary: GenerationSummary) -> None:
    """Write one file kind: every delivery day's file of `table`, without the helper columns."""
    fmt = "json" if filename.endswith(".jsonl") else "csv"
    _copy_partitioned(con, f"select * exclude ({helper_columns}), delivery_day from {table} order by {order_by}",
                      tmp, table, fmt)
    summary.files += _move_partitions(tmp, table, out, source, filename, start)
    summary.rows[f"{source}/{filename}"] = con.execute(f"select count(*) from {table}").fetchone()[0]


def _move_partitions(tmp: Path, kind: str, out: Path, source: str, filename: str, start: date) -> int:
    moved = 0
    for part in sorted((tmp / kind).iterdir()):
        day = int(part.name.split("=", 1)[1])
        files = list(part.iterdir())
        if len(files) != 1:
            raise RuntimeError(f"expected one file in {part}, found {len(files)}")
        dest = out / source / (start + timedelta(day)).isoformat()
        dest.mkdir(parents=True, exist_ok=True)
        files[0].replace(dest / filename)
        moved += 1
    return moved


def generate(out: Path, start_date: date, days: int, scale: float, seed: int,
             truth_dir: Path | None = None, progress: bool = True, threads: int | None = None,
             memory_limit: str = "14GB") -> GenerationSummary:
    """Write `days` days of landing files for `scale` x 100k people under `out`.

    The ground truth goes to `truth_dir` (default: a `ground_truth` folder beside `out`), never
    inside the landing folder, so the warehouse cannot see it.
    """
    t_start = time.perf_counter()
    out = Path(out)
    truth_dir = Path(truth_dir) if truth_dir else out.parent / "ground_truth"
    if days < 1 or scale <= 0:
        raise ValueError("days must be >= 1 and scale > 0")
    rng = np.random.default_rng(seed)
    steps = tqdm(total=12, desc="generate", unit="step", disable=not progress)

    def step(name: str) -> None:
        steps.set_postfix_str(name)
        steps.update(1)

    n = max(50, round(PEOPLE_PER_SCALE * scale))
    people = _people(rng, n, days)
    camp = _campaigns(rng, start_date, days, scale)
    season = _seasonality(start_date, days)
    lift = np.ones(days)
    for s, e in zip(camp["start"], camp["end"], strict=True):
        lift[s:e + 1] += 0.15
    cum = np.concatenate([[0.0], np.cumsum(season * lift)])
    step("people")
    act = _activity(rng, people, camp, days, scale)
    none = np.array([], np.int64)
    conv_person, conv_t, conv_camp = act[1] if act else (none, none, none)
    ok = (conv_t < days * DAY) & people["is_buyer"][conv_person]
    conv_person, conv_t, conv_camp = conv_person[ok], conv_t[ok], conv_camp[ok]
    unsubscribes = act[2] if act else (none, none)
    direct_exposures = act[3] if act else (none, none, none)
    step("campaign activity")

    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    truth_dir.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".{out.name}.tmp"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    # A file-backed scratch database lets DuckDB spill to disk at scale 10 instead of running out of memory.
    con = duckdb.connect(str(tmp / "scratch.duckdb"))
    con.execute("set enable_progress_bar = false")
    con.execute(f"set memory_limit = '{memory_limit}'")
    if threads:
        con.execute(f"set threads = {int(threads)}")
    con.execute("set preserve_insertion_order = false")  # every COPY sorts explicitly
    con.execute(f"set variable t0 = timestamp '{start_date.isoformat()} 00:00:00'")
    con.execute(_MACROS)

    # Social engagements come before orders: campaign posts people engage with cause orders.
    # They wait in the scratch database, so their arrays are freed before the orders are drawn.
    social = _social(rng, people, camp, cum, days, scale)
    exposures = _exposures(direct_exposures, social, len(camp["cid"]))
    _table(con, "social_raw", social)
    del social, direct_exposures
    step("social")
    caused_person, caused_t, caused_camp, caused_cause = _caused_orders(rng, people, camp, exposures, days)
    in_window = exposures[2] < days * DAY
    exposures_per_channel = np.bincount(camp["channel"][exposures[1][in_window]],
                                        minlength=len(vocab.CAMPAIGN_CHANNELS))
    del exposures
    orders, items = _orders(rng, people, camp, cum, days,
                            np.concatenate([conv_person, caused_person]), np.concatenate([conv_t, caused_t]),
                            np.concatenate([conv_camp, caused_camp]),
                            np.concatenate([np.full(len(conv_t), -1), caused_cause]))
    step("orders")
    contacts = _contacts(rng, people, unsubscribes, days)
    step("contacts")
    surveys = _surveys(rng, people, orders, days)
    step("surveys")
    catalog = _catalog(rng)

    _people_sql_table(con, people)
    con.register("catalog", catalog)
    con.register("camp_raw", pa.table({k: v for k, v in camp.items()}))
    con.register("camp_channels", pa.table({"i": np.arange(len(vocab.CAMPAIGN_CHANNELS)),
                                            "v": vocab.CAMPAIGN_CHANNELS}))
    con.register("objectives", pa.table({"i": np.arange(len(vocab.CAMPAIGN_OBJECTIVES)),
                                         "v": vocab.CAMPAIGN_OBJECTIVES}))
    summary = GenerationSummary(landing=out, truth_dir=truth_dir)

    # ---- CRM campaigns
    con.execute("""
        create table campaigns as
        select
            'CMP-' || lpad(cast(c.cid + 1 as varchar), 4, '0') as campaign_id, c.*,
            ch.v as channel_name, o.v as objective_name
        from camp_raw as c
        join camp_channels as ch on ch.i = c.channel
        join objectives as o on o.i = c.objective
    """)
    camp_select = """
        select campaign_id, upper(objective_name[1]) || replace(objective_name[2:], '_', ' ') || ' ' || channel_name || ' '
                || strftime(getvariable('t0') + to_days(cast(start as integer)), '%b %d') as name,
            channel_name as channel, objective_name as objective,
            strftime(getvariable('t0') + to_days(cast(start as integer)), '%Y-%m-%d') as start_date,
            strftime(getvariable('t0') + to_days(cast("end" as integer)), '%Y-%m-%d') as end_date,
            cast(round(spend * {factor} / case when usd then 7.2 else 1 end, 2) as decimal(14, 2)) as spend,
            case when usd then 'USD' else 'CNY' end as currency,
            {day} as delivery_day
        from campaigns {where}
    """
    con.execute(
        "create table campaign_rows as "
        + camp_select.format(factor="0.9", day="greatest(cast(start as integer) - 3, 0)", where="")
        + " union all "
        + camp_select.format(factor="1", day='cast("end" as integer)', where="where revised")
    )
    _write_kind(con, "campaign_rows", "delivery_day", "delivery_day, campaign_id", tmp, out, "crm", "campaigns.csv", start_date, summary)

    # ---- CRM contacts
    _table(con, "contacts_raw", contacts)
    del contacts
    con.execute(f"""
        create table contact_rows as
        select
            'CRM' || lpad(cast(c.contact + 1 as varchar), 8, '0') as contact_id,
            case when c.crm_email and p.email is not null then fmt_email(
                case when c.is_dup then replace(p.email, '@', '.2@') else p.email end, c.email_fmt) end as email,
            case when p.phone is not null then fmt_phone(
                case when c.new_phone then cast(p.phone[1:3] as varchar)
                    || lpad(cast((p.pid * 48271 + 99991) % 100000000 as varchar), 8, '0') else p.phone end,
                c.phone_fmt) end as phone,
            p.first_name, p.last_name,
            case c.gender_fmt when 0 then p.gender when 1 then lower(p.gender)
                when 2 then case p.gender when 'F' then 'female' else 'male' end
                when 3 then case p.gender when 'F' then 'Female' else 'Male' end else null end as gender,
            case when c.has_birth then strftime(p.birth_date, '%Y-%m-%d') end as birth_date,
            ci.city, ci.province, ci.country,
            case when c.show_social and p.platform1 >= 0 then pl.v end as social_platform,
            case when c.show_social and p.platform1 >= 0 then p.handle_base || '_'
                || format('{{:06x}}', (p.pid * 40503) % 16777216) end as social_handle,
            {_list_literal(vocab.LEAD_SOURCES)}[p.lead + 1] as lead_source,
            case when c.referrer >= 0 then 'CRM' || lpad(cast(c.referrer + 1 as varchar), 8, '0') end
                as referrer_contact_id,
            {_consent_spelling('c.consent', 'c.consent_spelling')} as marketing_consent,
            fmt_ts(c.consent_at, c.ts_fmt) as consent_updated_at,
            fmt_ts(c.created, c.ts_fmt) as created_at,
            fmt_ts(c.updated, c.ts_fmt) as updated_at,
            cast(greatest(c.updated, 0) // {DAY} as integer) as delivery_day,
            p.pid, c.version
        from contacts_raw as c
        join people as p on p.pid = c.person
        join cities as ci on ci.i = c.city
        left join platforms as pl on pl.i = p.platform1
    """)
    _write_kind(con, "contact_rows", "pid, version, delivery_day", "delivery_day, version", tmp, out, "crm", "contacts.csv", start_date, summary)
    step("write crm")

    # ---- CRM campaign activity
    contact_of_person = "(select pid, min(contact_id) as contact_id from contact_rows group by pid)"
    has_activity = act is not None
    if has_activity:
        a = act[0]
        _table(con, "activity_raw", a)
        del a
        con.execute(f"""
            create table activity_rows as
            select
                'ACT' || lpad(cast(a.aid + 1 as varchar), 9, '0') as activity_id,
                c.campaign_id, cp.contact_id,
                case when c.channel_name = 'email' then fmt_email(p.email, a.email_fmt) end as email,
                case when c.channel_name = 'sms' then fmt_phone(p.phone, a.phone_fmt) end as phone,
                a.type as activity_type,
                fmt_ts(a.t, a.ts_fmt) as occurred_at,
                cast(a.t // {DAY} + a.late_days as integer) as delivery_day,
                p.pid
            from activity_raw as a
            join campaigns as c on c.cid = a.campaign
            join people as p on p.pid = a.person
            left join {contact_of_person} as cp on cp.pid = a.person
            where a.t // {DAY} + a.late_days < {days}
        """)
        _write_kind(con, "activity_rows", "pid, delivery_day", "delivery_day, activity_id", tmp, out, "crm", "campaign_activity.csv", start_date, summary)
    step("write activity")

    # ---- orders (JSON lines with nested customer and items)
    _table(con, "orders_raw", orders)
    _table(con, "items_raw", items)
    del orders, items
    currencies = "['CNY', 'USD', 'EUR']"
    con.execute(f"""
        create table order_base as
        select
            o.*, 'ORD' || lpad(cast(o.oid + 1 as varchar), 10, '0') as order_id,
            {currencies}[o.currency + 1] as ccy, p.email, p.phone, cp.contact_id,
            c.campaign_id, p.pid
        from orders_raw as o
        join people as p on p.pid = o.person
        left join {contact_of_person} as cp on cp.pid = o.person
        left join campaigns as c on c.cid = o.campaign
    """)
    # Nest items into their orders a million orders at a time: a list aggregate does not spill
    # to disk, so at scale 10 one pass over every item would not fit in memory.
    n_orders = con.execute("select count(*) from orders_raw").fetchone()[0]
    con.execute("create table order_items (oid bigint, items struct(sku varchar, product_name varchar, "
                "category varchar, brand varchar, brand_tier varchar, quantity bigint, "
                "unit_price decimal(14, 2))[], subtotal decimal(38, 2), subtotal_cny double)")
    for lo in range(0, max(n_orders, 1), 1_000_000):
        con.execute(f"""
            insert into order_items
            select
                i."order" as oid,
                list({{'sku': k.sku_code, 'product_name': k.product_name, 'category': k.category, 'brand': k.brand,
                      'brand_tier': k.brand_tier, 'quantity': i.qty,
                      'unit_price': ccy_amount(k.price_cny, ['CNY', 'USD', 'EUR'][b.currency + 1])}}
                     order by i.item_no) as items,
                sum(i.qty * ccy_amount(k.price_cny, ['CNY', 'USD', 'EUR'][b.currency + 1])) as subtotal,
                sum(i.qty * k.price_cny) as subtotal_cny
            from items_raw as i
            join catalog as k on k.cat = i.cat and k.sku = i.sku
            join orders_raw as b on b.oid = i."order"
            where i."order" >= {lo} and i."order" < {lo + 1_000_000}
            group by i."order"
        """)
    status_names = "['paid', 'shipped', 'cancelled', 'refunded']"
    order_select = f"""
        select
            b.order_id,
            fmt_ts(b.t, b.ts_fmt) as ordered_at,
            fmt_ts({{updated}}, b.ts_fmt) as updated_at,
            {status_names}[{{status}} + 1] as status,
            ['web', 'app', 'store', 'marketplace'][b.channel + 1] as channel,
            case when b.store >= 0 then 'ST' || lpad(cast(b.store + 1 as varchar), 3, '0') end as store_id,
            b.ccy as currency,
            case when b.campaign_id is not null then b.campaign_id || '-SAVE10' end as promo_code,
            b.campaign_id,
            {{{{'crm_contact_id': case when b.logged_in then b.contact_id end,
              'email': case
                  when b.placeholder and b.placeholder_kind < 2 then {_list_literal(PLACEHOLDER_EMAILS)}[b.placeholder_kind + 1]
                  when b.give_email and b.email is not null then fmt_email(b.email, b.email_fmt) end,
              'phone': case
                  when b.placeholder and b.placeholder_kind >= 2 then {_list_literal(PLACEHOLDER_PHONES)}[b.placeholder_kind - 1]
                  when b.counter then '+86 21 6288 ' || lpad(cast(b.store + 100 as varchar), 4, '0')
                  when b.give_phone and b.phone is not null then fmt_phone(b.phone, b.phone_fmt) end}}}} as customer,
            i.items,
            case when b.campaign_id is not null then cast(round(i.subtotal * 0.1, 2) as decimal(14, 2))
                else cast(0 as decimal(14, 2)) end as discount,
            case when b.channel = 2 or i.subtotal_cny >= 99 then cast(0 as decimal(14, 2))
                else ccy_amount(10, b.ccy) end as shipping,
            cast(i.subtotal
                - case when b.campaign_id is not null then round(i.subtotal * 0.1, 2) else 0 end
                + case when b.channel = 2 or i.subtotal_cny >= 99 then 0 else ccy_amount(10, b.ccy) end
                as decimal(14, 2)) as total,
            {{delivery}} as delivery_day, b.oid, {{version}} as version, b.pid
        from order_base as b
        join order_items as i on i.oid = b.oid
    """
    con.execute(
        "create table order_rows as "
        + order_select.format(updated="b.t", status="0", delivery=f"cast(b.t // {DAY} + b.late_days as integer)",
                              version="0")
        + f" where b.t // {DAY} + b.late_days < {days} union all "
        + order_select.format(updated="b.update_t", status="b.new_status",
                              delivery=f"cast(b.update_t // {DAY} as integer)", version="1")
        + f" where b.redeliver and b.update_t // {DAY} < {days}"
    )
    _write_kind(con, "order_rows", "oid, version, pid, delivery_day", "delivery_day, oid, version", tmp, out, "orders", "orders.jsonl", start_date, summary)
    step("write orders")

    _write_lift_truth(con, truth_dir, exposures_per_channel)

    # ---- social engagements (drawn before the orders, see above)
    con.register("social_texts", pa.table({"i": np.arange(len(vocab.SOCIAL_TEXTS)), "v": vocab.SOCIAL_TEXTS}))
    con.register("event_types", pa.table({"i": np.arange(len(vocab.SOCIAL_EVENT_TYPES)),
                                          "v": vocab.SOCIAL_EVENT_TYPES}))
    con.execute(f"""
        create table social_rows as
        select
            'EV' || lpad(cast(s.eid + 1 as varchar), 10, '0') as event_id,
            pl.v as platform, et.v as event_type,
            fmt_ts(s.t, s.ts_fmt) as occurred_at,
            pl.v || '-' || strftime(getvariable('t0') + to_days(cast(s.t // {DAY} as integer)), '%Y%m%d')
                || '-' || cast(s.post as varchar) as post_id,
            c.campaign_id,
            case when et.v in ('comment', 'mention', 'message') then tx.v end as text,
            {{'handle': (case s.handle_fmt when 1 then upper(h.handle[1]) || h.handle[2:]
                              when 2 then upper(h.handle) else h.handle end),
              'display_name': p.last_name || p.first_name,
              'followers': s.followers,
              'email': case when s.linked and p.email is not null then fmt_email(p.email, s.email_fmt) end,
              'phone': case when s.linked and (p.email is null or s.phone_fmt < 2) and p.phone is not null
                  then fmt_phone(p.phone, s.phone_fmt) end}} as "user",
            cast(s.t // {DAY} + s.late_days as integer) as delivery_day, s.eid, p.pid
        from social_raw as s
        join people as p on p.pid = s.person
        join platforms as pl on pl.i = s.platform
        join event_types as et on et.i = s.etype
        join social_texts as tx on tx.i = s.text
        left join campaigns as c on c.cid = s.campaign
        cross join lateral (select p.handle_base || '_' || format('{{:06x}}', (p.pid * 40503 + (
            case when s.is_second then 8388608 else 0 end)) % 16777216) as handle) as h
        where s.t // {DAY} + s.late_days < {days}
    """)
    _write_kind(con, "social_rows", "eid, pid, delivery_day", "delivery_day, eid", tmp, out, "social", "engagements.jsonl", start_date, summary)
    step("write social")

    # ---- surveys
    _table(con, "survey_raw", surveys)
    del surveys
    con.register("comments", pa.table({"i": np.arange(len(vocab.SURVEY_COMMENTS)), "v": vocab.SURVEY_COMMENTS}))
    con.execute(f"""
        create table survey_rows as
        select
            'RSP' || lpad(cast(s.rid + 1 as varchar), 8, '0') as response_id,
            case when s.kind = 1 then 'CSAT-POSTPURCHASE'
                else 'NPS-' || strftime(getvariable('t0') + to_seconds(s.t), '%Y') || 'Q'
                    || cast(quarter(getvariable('t0') + to_seconds(s.t)) as varchar) end as survey_id,
            fmt_ts(s.t, s.ts_fmt) as submitted_at,
            case when s.with_contact then cp.contact_id end as contact_id,
            case when s.placeholder then 'test@test.com'
                when s.with_email and p.email is not null then fmt_email(p.email, s.email_fmt) end as email,
            case when s.with_phone and p.phone is not null then fmt_phone(p.phone, s.phone_fmt) end as phone,
            case when s.nps >= 0 then cast(s.nps as varchar) end as nps,
            case when s.csat >= 0 then cast(s.csat as varchar) end as csat,
            cm.v as comment,
            cast(s.t // {DAY} + s.late_days as integer) as delivery_day, s.rid, p.pid
        from survey_raw as s
        join people as p on p.pid = s.person
        left join {contact_of_person} as cp on cp.pid = s.person
        left join comments as cm on cm.i = s.comment
        where s.t // {DAY} + s.late_days < {days}
    """)
    _write_kind(con, "survey_rows", "rid, pid, delivery_day", "delivery_day, rid", tmp, out, "survey", "responses.csv", start_date, summary)
    step("write surveys")

    # ---- ground truth: every record that names a person, with that person
    truth = truth_dir / "identity.parquet"
    con.execute(f"""
        copy (
            select distinct source, "table", record_id, person_id from (
                select 'crm' as source, 'contacts' as "table", contact_id as record_id, pid from contact_rows
                union all select 'orders', 'orders', order_id, pid from order_rows
                union all select 'social', 'engagements', event_id, pid from social_rows
                union all select 'survey', 'responses', response_id, pid from survey_rows
                {"union all select 'crm', 'campaign_activity', activity_id, pid from activity_rows" if has_activity else ""}
            ) as r
            cross join lateral (select 'P' || lpad(cast(r.pid + 1 as varchar), 8, '0') as person_id)
            order by source, "table", record_id
        ) to '{truth}' (format parquet)
    """)
    con.close()
    shutil.rmtree(tmp, ignore_errors=True)
    summary.malformed = _inject_malformed(rng, out, truth_dir / "malformed.csv", summary.rows)
    step("ground truth")
    steps.close()
    summary.seconds = time.perf_counter() - t_start
    return summary


def _write_lift_truth(con, truth_dir: Path, exposures_per_channel: np.ndarray) -> None:
    """caused_orders.csv (every caused order that landed, with its cause) and channel_lift.csv."""
    con.execute("""
        create table caused_rows as
        select b.order_id, c.channel_name as channel, c.campaign_id
        from order_base as b
        join campaigns as c on c.cid = b.cause
        where b.oid in (select oid from order_rows)
    """)
    con.execute(f"copy (select * from caused_rows order by order_id) to '{truth_dir / 'caused_orders.csv'}' "
                "(format csv, header true)")
    caused = dict(con.execute("select channel, count(*) from caused_rows group by channel").fetchall())
    total = sum(caused.values())
    with open(truth_dir / "channel_lift.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["channel", "lift_per_exposure", "exposures", "caused_orders", "caused_share"])
        for i, channel in sorted(enumerate(vocab.CAMPAIGN_CHANNELS), key=lambda c: c[1]):
            k = caused.get(channel, 0)
            writer.writerow([channel, LIFT_PER_EXPOSURE.get(channel, 0.0), int(exposures_per_channel[i]), k,
                             round(k / total, 6) if total else 0.0])


def _table(con, name: str, arrays: dict[str, np.ndarray]) -> None:
    """Copy numpy columns into a DuckDB table, so the arrays can be freed."""
    con.register(f"_{name}_arrow", pa.table(arrays))
    con.execute(f"create table {name} as select * from _{name}_arrow")
    con.unregister(f"_{name}_arrow")


def _list_literal(values: list[str]) -> str:
    return "[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def _consent_spelling(flag_sql: str, spelling_sql: str) -> str:
    yes, no = _list_literal(["true", "yes", "1", "Y", "TRUE", "Yes", "y", "True"]), _list_literal(
        ["false", "no", "0", "N", "FALSE", "No", "n", "False"])
    return f"case when {flag_sql} then {yes}[{spelling_sql} + 1] else {no}[{spelling_sql} + 1] end"


# --------------------------------------------------------------------------------------------
# Malformed rows: a few of each kind the landing contract's "bad input" names
# --------------------------------------------------------------------------------------------

# (source, file, kind, how to break one data line)
_BREAKAGES = [
    ("crm", "contacts.csv", "unparseable_timestamp", ("replace_field", "created_at", "2026-13-45 25:61:00")),
    ("crm", "contacts.csv", "missing_required_id", ("replace_field", "contact_id", "")),
    ("crm", "contacts.csv", "wrong_field_count", ("append_fields", None, "extra,fields")),
    ("crm", "campaign_activity.csv", "unparseable_timestamp", ("replace_field", "occurred_at", "yesterday")),
    ("crm", "campaign_activity.csv", "missing_required_id", ("replace_field", "activity_id", "")),
    ("crm", "campaigns.csv", "non_numeric_amount", ("replace_field", "spend", "12k")),
    ("survey", "responses.csv", "non_numeric_amount", ("replace_field", "nps", "ten")),
    ("survey", "responses.csv", "wrong_field_count", ("truncate_fields", None, 3)),
    ("survey", "responses.csv", "missing_required_id", ("replace_field", "response_id", "")),
    ("orders", "orders.jsonl", "broken_json", ("truncate_line", None, 0.6)),
    ("orders", "orders.jsonl", "non_numeric_amount", ("json_replace", '"total":', '"total":"12O.50","_was":')),
    ("orders", "orders.jsonl", "missing_required_id", ("json_replace", '"order_id":"ORD', '"order_id":null,"_x":"')),
    ("orders", "orders.jsonl", "unparseable_timestamp", ("json_replace", '"ordered_at":"', '"ordered_at":"31/02/2026 ')),
    ("social", "engagements.jsonl", "broken_json", ("truncate_line", None, 0.5)),
    ("social", "engagements.jsonl", "missing_required_id", ("json_replace", '"event_id":"EV', '"event_id":"","_x":"')),
]


def _inject_malformed(rng, out: Path, log_path: Path, rows: dict[str, int],
                      share: float = 0.002, most: int = 10) -> int:
    """Break `share` of the rows of each file kind (`rows`: rows per "source/file") in each way
    _BREAKAGES names for it, at most `most` rows per way, one row per chosen file.

    In proportion to the rows, as in real exports: a small feed gets none or one (a fixed minimum
    would put a tiny survey feed over any quarantine limit), a large one every kind of breakage.
    Files are chosen in proportion to their size, so no small file takes a large share.
    """
    log = []
    for source, filename, kind, (how, arg, value) in _BREAKAGES:
        candidates = sorted(p for p in (out / source).glob(f"*/{filename}") if p.stat().st_size)
        count = min(most, round(rows.get(f"{source}/{filename}", 0) * share), len(candidates))
        if not count:
            continue
        sizes = np.array([p.stat().st_size for p in candidates], dtype=float)
        for path in rng.choice(candidates, size=count, replace=False, p=sizes / sizes.sum()):
            lines = path.read_text(encoding="utf-8").split("\n")
            rel = str(path.relative_to(out))
            header = 1 if filename.endswith(".csv") else 0
            used = {e[2] for e in log if e[1] == rel}
            data_lines = [i for i in range(header, len(lines)) if lines[i] and i + 1 not in used
                          and not (filename.endswith(".csv") and '"' in lines[i])]
            if not data_lines:
                continue
            i = int(rng.choice(data_lines))
            line = lines[i]
            if how == "replace_field":
                cols = lines[0].split(",")
                fields = line.split(",")
                fields[cols.index(arg)] = value
                line = ",".join(fields)
            elif how == "append_fields":
                line = line + "," + value
            elif how == "truncate_fields":
                line = ",".join(line.split(",")[:value])
            elif how == "truncate_line":
                line = line[: int(len(line) * value)]
            elif how == "json_replace":
                if arg not in line:
                    continue
                line = line.replace(arg, value, 1)
            lines[i] = line
            path.write_text("\n".join(lines), encoding="utf-8")
            log.append((source, rel, i + 1, kind))
    with open(log_path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["source", "file", "line", "kind"])
        writer.writerows(log)
    return len(log)
