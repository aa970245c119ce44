"""The data the benchmark pages render (plain Python, shared by the three engines)."""

import datetime
from decimal import Decimal


class Row:
    def __init__(self, i):
        self.id = i
        self.name = f"item number {i} <{i % 7}>"
        self.price = Decimal(i * 37 % 1000) / 7
        self.qty = i * 13 % 29
        self.date = datetime.date(2024, 1 + i % 12, 1 + i % 28)
        self.note = "" if i % 3 else f"note & remark {i}"
        self.tags = ["a", "b", "c"][: i % 4]

    def total(self):
        return self.price * self.qty


def report_context(rows=200):
    return {
        "title": "Quarterly report",
        "user": {"name": "Ada Lovelace", "is_staff": True},
        "rows": [Row(i) for i in range(rows)],
        "nav": [("Home", "/"), ("Reports", "/reports/"), ("Settings", "/settings/")],
    }


def list_context(items=500):
    return {"items": [{"id": i, "label": f"Entry {i}", "ok": i % 2 == 0} for i in range(items)]}
