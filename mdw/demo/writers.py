"""Landing files from the sampled world: a scratch DuckDB database formats and writes them.

The arrays `mdw.demo.population` draws go into the scratch database; vectorised SQL turns them
into the rows each feed delivers (names, formatted identifiers, nested JSON) and one partitioned
COPY per file kind writes every delivery day's file, never Python row loops. File names and source
folders are those of the landing contract (`dagster_project.ingest.contract`). The ground truth
(`identity.parquet`, `caused_orders.csv`, `channel_lift.csv`) is written from the same tables.
Nothing here draws random numbers: the bytes follow from the arrays.
"""

from __future__ import annotations

import csv
import shutil
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from dagster_project.ingest.contract import (
    CRM_CAMPAIGN_ACTIVITY,
    CRM_CAMPAIGNS,
    CRM_CONTACTS,
    ORDERS,
    SOCIAL_ENGAGEMENTS,
    SURVEY_RESPONSES,
    FeedFile,
)
from mdw.demo import vocab
from mdw.demo.population import DAY, LIFT_PER_EXPOSURE

PLACEHOLDER_EMAILS = ["test@test.com", "noemail@qq.com", "a@a.com"]
PLACEHOLDER_PHONES = ["13800000000", "13900000000"]
# CNY per unit of each currency amounts are delivered in (the SQL below spells the rates out)
FX_TO_CNY = {"CNY": 1.0, "USD": 7.2, "EUR": 7.8}

# The CRM contact a person is known as in the other feeds (their first one, if registered twice)
_CONTACT_OF_PERSON = "(select pid, min(contact_id) as contact_id from contact_rows group by pid)"

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


@dataclass
class Landing:
    """Where one generation writes, and what it has written so far."""

    out: Path  # the landing folder
    truth_dir: Path
    tmp: Path  # scratch: the DuckDB database and the COPY partitions before they move into `out`
    start: date
    days: int
    rows: dict[str, int] = field(default_factory=dict)  # rows per "source/file"
    files: int = 0


def rows_key(feed: FeedFile) -> str:
    """The key of a file kind in `Landing.rows`: "source/file"."""
    return f"{feed.source}/{feed.filename}"


def prepare(out: Path, truth_dir: Path, start: date, days: int) -> Landing:
    """An empty landing folder (an old one is removed), the truth folder and a fresh scratch folder."""
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    truth_dir.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".{out.name}.tmp"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    return Landing(out=out, truth_dir=truth_dir, tmp=tmp, start=start, days=days)


def open_scratch(landing: Landing, memory_limit: str, threads: int | None) -> duckdb.DuckDBPyConnection:
    """The scratch database in `landing.tmp`, with the formatting macros and day 0 (`t0`) set."""
    # A file-backed scratch database lets DuckDB spill to disk at scale 10 instead of running out of memory.
    con = duckdb.connect(str(landing.tmp / "scratch.duckdb"))
    con.execute("set enable_progress_bar = false")
    con.execute(f"set memory_limit = '{memory_limit}'")
    if threads:
        con.execute(f"set threads = {int(threads)}")
    con.execute("set preserve_insertion_order = false")  # every COPY sorts explicitly
    con.execute(f"set variable t0 = timestamp '{landing.start.isoformat()} 00:00:00'")
    con.execute(_MACROS)
    return con


def close_scratch(con, landing: Landing) -> None:
    """Close the scratch database and remove the scratch folder."""
    con.close()
    shutil.rmtree(landing.tmp, ignore_errors=True)


# --------------------------------------------------------------------------------------------
# The world in the scratch database
# --------------------------------------------------------------------------------------------


def table(con, name: str, arrays: dict[str, np.ndarray]) -> None:
    """Copy numpy columns into a DuckDB table, so the arrays can be freed."""
    con.register(f"_{name}_arrow", pa.table(arrays))
    con.execute(f"create table {name} as select * from _{name}_arrow")
    con.unregister(f"_{name}_arrow")


def load_world(con, people, camp, catalog: pa.Table) -> None:
    """The people, the product catalog, the campaigns and the word lists the writers join on."""
    _people_sql_table(con, people)
    con.register("catalog", catalog)
    con.register("camp_raw", pa.table({k: v for k, v in camp.items()}))
    con.register("camp_channels", pa.table({"i": np.arange(len(vocab.CAMPAIGN_CHANNELS)),
                                            "v": vocab.CAMPAIGN_CHANNELS}))
    con.register("objectives", pa.table({"i": np.arange(len(vocab.CAMPAIGN_OBJECTIVES)),
                                         "v": vocab.CAMPAIGN_OBJECTIVES}))


def _people_sql_table(con, people) -> None:
    """Table people: each person's names, email and phone as the feeds spell them, with the word lists."""
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


def _list_literal(values: list[str]) -> str:
    return "[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def _consent_spelling(flag_sql: str, spelling_sql: str) -> str:
    yes, no = _list_literal(["true", "yes", "1", "Y", "TRUE", "Yes", "y", "True"]), _list_literal(
        ["false", "no", "0", "N", "FALSE", "No", "n", "False"])
    return f"case when {flag_sql} then {yes}[{spelling_sql} + 1] else {no}[{spelling_sql} + 1] end"


# --------------------------------------------------------------------------------------------
# Writing: DuckDB formats and writes one partitioned COPY per file kind
# --------------------------------------------------------------------------------------------


def _copy_partitioned(con, select_sql: str, tmp: Path, kind: str, fmt: str) -> None:
    """One COPY writes every delivery day's file of a kind (the select ends with delivery_day).

    fmt is the contract's: "csv", or "jsonl" for one JSON object a line.
    """
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


def _write_kind(con, landing: Landing, table: str, helper_columns: str, order_by: str, feed: FeedFile) -> None:
    """Write one file kind: every delivery day's file of `table`, without the helper columns."""
    _copy_partitioned(con, f"select * exclude ({helper_columns}), delivery_day from {table} order by {order_by}",
                      landing.tmp, table, feed.fmt)
    landing.files += _move_partitions(landing, table, feed)
    landing.rows[rows_key(feed)] = con.execute(f"select count(*) from {table}").fetchone()[0]


def _move_partitions(landing: Landing, kind: str, feed: FeedFile) -> int:
    """Move each delivery day's file of a kind to <source>/<day>/<file> in the landing folder."""
    moved = 0
    for part in sorted((landing.tmp / kind).iterdir()):
        day = int(part.name.split("=", 1)[1])
        files = list(part.iterdir())
        if len(files) != 1:
            raise RuntimeError(f"expected one file in {part}, found {len(files)}")
        dest = landing.out / feed.source / (landing.start + timedelta(day)).isoformat()
        dest.mkdir(parents=True, exist_ok=True)
        files[0].replace(dest / feed.filename)
        moved += 1
    return moved


def write_campaigns(con, landing: Landing) -> None:
    """CRM campaigns: each announced a few days ahead, a tenth revised when they end."""
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
    _write_kind(con, landing, "campaign_rows", "delivery_day", "delivery_day, campaign_id", CRM_CAMPAIGNS)


def write_contacts(con, landing: Landing) -> None:
    """CRM contacts (table contacts_raw): every version of a contact on the day it changed."""
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
    _write_kind(con, landing, "contact_rows", "pid, version, delivery_day", "delivery_day, version", CRM_CONTACTS)


def write_activity(con, landing: Landing) -> None:
    """CRM campaign activity (table activity_raw): sends, opens, clicks, conversions, unsubscribes."""
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
        left join {_CONTACT_OF_PERSON} as cp on cp.pid = a.person
        where a.t // {DAY} + a.late_days < {landing.days}
    """)
    _write_kind(con, landing, "activity_rows", "pid, delivery_day", "delivery_day, activity_id", CRM_CAMPAIGN_ACTIVITY)


def write_orders(con, landing: Landing) -> None:
    """Orders (tables orders_raw, items_raw): JSON lines with nested customer and items; re-deliveries
    carry the new status."""

    currencies = "['CNY', 'USD', 'EUR']"
    con.execute(f"""
        create table order_base as
        select
            o.*, 'ORD' || lpad(cast(o.oid + 1 as varchar), 10, '0') as order_id,
            {currencies}[o.currency + 1] as ccy, p.email, p.phone, cp.contact_id,
            c.campaign_id, p.pid
        from orders_raw as o
        join people as p on p.pid = o.person
        left join {_CONTACT_OF_PERSON} as cp on cp.pid = o.person
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
        + f" where b.t // {DAY} + b.late_days < {landing.days} union all "
        + order_select.format(updated="b.update_t", status="b.new_status",
                              delivery=f"cast(b.update_t // {DAY} as integer)", version="1")
        + f" where b.redeliver and b.update_t // {DAY} < {landing.days}"
    )
    _write_kind(con, landing, "order_rows", "oid, version, pid, delivery_day", "delivery_day, oid, version", ORDERS)


def write_social(con, landing: Landing) -> None:
    """Social engagements (table social_raw)."""
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
        where s.t // {DAY} + s.late_days < {landing.days}
    """)
    _write_kind(con, landing, "social_rows", "eid, pid, delivery_day", "delivery_day, eid", SOCIAL_ENGAGEMENTS)


def write_surveys(con, landing: Landing) -> None:
    """Survey responses (table survey_raw)."""
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
        left join {_CONTACT_OF_PERSON} as cp on cp.pid = s.person
        left join comments as cm on cm.i = s.comment
        where s.t // {DAY} + s.late_days < {landing.days}
    """)
    _write_kind(con, landing, "survey_rows", "rid, pid, delivery_day", "delivery_day, rid", SURVEY_RESPONSES)


# --------------------------------------------------------------------------------------------
# Ground truth
# --------------------------------------------------------------------------------------------


def write_lift_truth(con, landing: Landing, exposures_per_channel: np.ndarray) -> None:
    """caused_orders.csv (every caused order that landed, with its cause) and channel_lift.csv."""
    con.execute("""
        create table caused_rows as
        select b.order_id, c.channel_name as channel, c.campaign_id
        from order_base as b
        join campaigns as c on c.cid = b.cause
        where b.oid in (select oid from order_rows)
    """)
    truth_dir = landing.truth_dir
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


def write_identity_truth(con, landing: Landing, has_activity: bool) -> None:
    """identity.parquet: every record that names a person, with that person."""
    # (feed, its rows table, its record id); "table" is the file's name without extension, as in the warehouse
    records = [(CRM_CONTACTS, "contact_rows", "contact_id"), (ORDERS, "order_rows", "order_id"),
               (SOCIAL_ENGAGEMENTS, "social_rows", "event_id"), (SURVEY_RESPONSES, "survey_rows", "response_id")]
    if has_activity:
        records.append((CRM_CAMPAIGN_ACTIVITY, "activity_rows", "activity_id"))
    union = "\n                union all ".join(
        f"select '{feed.source}' as source, '{Path(feed.filename).stem}' as \"table\", {record_id} as record_id, pid "
        f"from {rows}" for feed, rows, record_id in records)
    truth = landing.truth_dir / "identity.parquet"
    con.execute(f"""
        copy (
            select distinct source, "table", record_id, person_id from (
                {union}
            ) as r
            cross join lateral (select 'P' || lpad(cast(r.pid + 1 as varchar), 8, '0') as person_id)
            order by source, "table", record_id
        ) to '{truth}' (format parquet)
    """)
