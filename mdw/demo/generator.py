"""Demo landing data that behaves like real exports, with a ground truth for identity resolution.

Everything random is drawn with numpy from one seeded generator, so a seed gives the same files
byte for byte. Per-row decisions are vectorised in numpy (`mdw.demo.population`); strings and files
are assembled by a scratch DuckDB database (vectorised SQL, one partitioned COPY per file kind,
`mdw.demo.writers`), never by Python row loops; `mdw.demo.breakage` then breaks a few rows on
purpose. This module orders the three: the order of the draws decides every byte.

The people behind the records are simulated first (name, identifiers, city, purchase rhythm,
drop-out, decline, brand preference, social accounts, consent); every record written to the
landing folder is an observation of one of them, and `ground_truth/identity.parquet` says which.
Campaign exposures cause some of their orders; `ground_truth/channel_lift.csv` and
`ground_truth/caused_orders.csv` say how many and which, so attribution can be checked.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
from tqdm import tqdm

from mdw.demo import breakage, population, vocab, writers
from mdw.demo.population import DAY


@dataclass
class GenerationSummary:
    landing: Path
    truth_dir: Path
    rows: dict[str, int] = field(default_factory=dict)
    files: int = 0
    malformed: int = 0
    seconds: float = 0.0


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

    n = max(50, round(population.PEOPLE_PER_SCALE * scale))
    people = population.people(rng, n, days)
    camp = population.campaigns(rng, start_date, days, scale)
    season = population.seasonality(start_date, days)
    lift = np.ones(days)
    for s, e in zip(camp["start"], camp["end"], strict=True):
        lift[s:e + 1] += 0.15
    cum = np.concatenate([[0.0], np.cumsum(season * lift)])
    step("people")
    act = population.activity(rng, people, camp, days, scale)
    none = np.array([], np.int64)
    conv_person, conv_t, conv_camp = act[1] if act else (none, none, none)
    ok = (conv_t < days * DAY) & people["is_buyer"][conv_person]
    conv_person, conv_t, conv_camp = conv_person[ok], conv_t[ok], conv_camp[ok]
    unsubscribes = act[2] if act else (none, none)
    direct_exposures = act[3] if act else (none, none, none)
    step("campaign activity")

    landing = writers.prepare(out, truth_dir, start_date, days)
    con = writers.open_scratch(landing, memory_limit, threads)

    # Social engagements come before orders: campaign posts people engage with cause orders.
    # They wait in the scratch database, so their arrays are freed before the orders are drawn.
    social = population.social(rng, people, camp, cum, days, scale)
    exposures = population.exposures(direct_exposures, social, len(camp["cid"]))
    writers.table(con, "social_raw", social)
    del social, direct_exposures
    step("social")
    caused_person, caused_t, caused_camp, caused_cause = population.caused_orders(rng, people, camp, exposures, days)
    in_window = exposures[2] < days * DAY
    exposures_per_channel = np.bincount(camp["channel"][exposures[1][in_window]],
                                        minlength=len(vocab.CAMPAIGN_CHANNELS))
    del exposures
    orders, items = population.orders(rng, people, camp, cum, days,
                                      np.concatenate([conv_person, caused_person]), np.concatenate([conv_t, caused_t]),
                                      np.concatenate([conv_camp, caused_camp]),
                                      np.concatenate([np.full(len(conv_t), -1), caused_cause]))
    step("orders")
    contacts = population.contacts(rng, people, unsubscribes, days)
    step("contacts")
    surveys = population.surveys(rng, people, orders, days)
    step("surveys")
    catalog = population.catalog(rng)

    # Each kind's arrays go into the scratch database just before it is written and are freed.
    writers.load_world(con, people, camp, catalog)
    writers.write_campaigns(con, landing)
    writers.table(con, "contacts_raw", contacts)
    del contacts
    writers.write_contacts(con, landing)
    step("write crm")

    if act is not None:
        writers.table(con, "activity_raw", act[0])
        writers.write_activity(con, landing)
    step("write activity")

    writers.table(con, "orders_raw", orders)
    writers.table(con, "items_raw", items)
    del orders, items
    writers.write_orders(con, landing)
    step("write orders")

    writers.write_lift_truth(con, landing, exposures_per_channel)

    writers.write_social(con, landing)  # drawn before the orders, see above
    step("write social")

    writers.table(con, "survey_raw", surveys)
    del surveys
    writers.write_surveys(con, landing)
    step("write surveys")

    writers.write_identity_truth(con, landing, has_activity=act is not None)
    writers.close_scratch(con, landing)
    malformed = breakage.inject_malformed(rng, out, truth_dir / "malformed.csv", landing.rows)
    step("ground truth")
    steps.close()
    return GenerationSummary(landing=out, truth_dir=truth_dir, rows=landing.rows, files=landing.files,
                             malformed=malformed, seconds=time.perf_counter() - t_start)
