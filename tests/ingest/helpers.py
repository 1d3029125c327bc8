"""Hand-made landing files for the loader tests."""

import json

SURVEY_HEADER = "response_id,survey_id,submitted_at,contact_id,email,phone,nps,csat,comment"
CAMPAIGN_HEADER = "campaign_id,name,channel,objective,start_date,end_date,spend,currency"


def write(landing, rel, text, encoding="utf-8"):
    path = landing / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return path


def order(order_id, total="10.00", items=None, **extra):
    obj = {"order_id": order_id, "ordered_at": "2026-01-01 10:00:00", "updated_at": "2026-01-01 10:00:00",
           "status": "paid", "channel": "web", "store_id": None, "currency": "CNY", "promo_code": None,
           "campaign_id": None, "customer": {"crm_contact_id": None, "email": "a@b.com", "phone": None},
           "items": items if items is not None else [
               {"sku": "S1", "product_name": "P", "category": "snacks", "brand": "B", "brand_tier": "store",
                "quantity": 1, "unit_price": 10.0}],
           "discount": 0, "shipping": 0, "total": total, **extra}
    return json.dumps(obj, ensure_ascii=False)


def rows(con, sql, params=None):
    return con.execute(sql, params).fetchall()
