"""The synthetic world behind the demo landing files, sampled with numpy.

People are simulated first (name, identifiers, city, purchase rhythm, drop-out, decline, brand
preference, social accounts, consent), then campaigns, the calendar that shapes when things happen,
and what people do: campaign activity, social engagements, orders (their own rhythm plus those
campaign exposures cause), CRM contacts and survey responses. Every function draws from the one
seeded generator it is given and returns numpy arrays, strings as indices into `vocab` (the
product catalog is a small Arrow table); turning them into files is `mdw.demo.writers`' job. The
order of the draws decides every byte of the output, so callers keep the order
`mdw.demo.generator.generate` draws in.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pyarrow as pa

from mdw.demo import vocab

DAY = 86_400
STORES_PER_CITY = 2
N_CHINA_CITIES = sum(1 for c in vocab.CITIES if c[2] == "China")
SKUS_PER_CATEGORY = 20
STORE_SKUS = 6  # the last six SKUs of each category are the store brand

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


# --------------------------------------------------------------------------------------------
# Calendar: seasonality and campaign lift shape when things happen.
# --------------------------------------------------------------------------------------------


def seasonality(start: date, days: int) -> np.ndarray:
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


def people(rng, n: int, days: int) -> dict[str, np.ndarray]:
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


def campaigns(rng, start_date: date, days: int, scale: float) -> dict[str, np.ndarray]:
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


def orders(rng, people, camp, cum, days: int, extra_person=None, extra_t=None, extra_campaign=None,
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


def catalog(rng) -> pa.Table:
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


def activity(rng, people, camp, days: int, scale: float):
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


def exposures(direct, social, n_campaigns: int):
    """One exposure per person and campaign: the direct contact if there was one, else the first
    campaign engagement on social (social rows come sorted by time)."""
    on_campaign = social["campaign"] >= 0
    person = np.concatenate([direct[0], social["person"][on_campaign]])
    campaign = np.concatenate([direct[1], social["campaign"][on_campaign]])
    t = np.concatenate([direct[2], social["t"][on_campaign]])
    _, first = np.unique(person * n_campaigns + campaign, return_index=True)
    return person[first], campaign[first], t[first]


def caused_orders(rng, people, camp, exposures, days: int):
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


def contacts(rng, people, unsubs, days: int):
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


def social(rng, people, camp, cum, days: int, scale: float):
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


def surveys(rng, people, orders, days: int):
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
