"""The DuckDB side of bench/reconcile_vs_duckdb.sh.

Runs the SQL equivalent of the core of `bonded reconcile` over the same CSV files: imports per
material, and exports per product joined to the norm version valid on the export date, times
the effective norm, summed per material. Prints the wall time of the whole query (CSV parsing
included) and, with --check REPORT.json, compares both columns with bonded's report: imports
exactly, consumption to a relative 1e-12 (DuckDB divides decimals in floating point, so the
percent_of_gross norms come back as doubles).
"""

import argparse
import json
import sys
import time
from decimal import Decimal

import duckdb

SQL = """
WITH decl AS (
    SELECT * FROM read_csv('{dir}/declarations.csv', header = true, columns = {{
        'declaration_no': 'VARCHAR', 'type_code': 'VARCHAR', 'date': 'DATE',
        'line_no': 'INTEGER', 'item_code': 'VARCHAR', 'quantity': 'DECIMAL(18,3)',
        'unit': 'VARCHAR', 'value_vnd': 'BIGINT'}})
),
norm_rows AS (
    SELECT * FROM read_csv('{dir}/norms.csv', header = true, columns = {{
        'product_code': 'VARCHAR', 'material_code': 'VARCHAR', 'norm': 'DECIMAL(18,6)',
        'loss_percent': 'DECIMAL(9,3)', 'loss_convention': 'VARCHAR', 'valid_from': 'DATE',
        'valid_to': 'DATE'}})
),
versions AS (
    SELECT product_code, valid_from,
           COALESCE(ANY_VALUE(valid_to),
                    LEAD(valid_from) OVER (PARTITION BY product_code ORDER BY valid_from)
                        - INTERVAL 1 DAY) AS valid_until
    FROM norm_rows GROUP BY product_code, valid_from
),
norms AS (
    SELECT n.product_code, n.material_code, v.valid_from, v.valid_until,
           CASE n.loss_convention
               WHEN 'percent_of_norm' THEN n.norm * (1 + n.loss_percent / 100)
               WHEN 'percent_of_gross' THEN ROUND(n.norm / (1 - n.loss_percent / 100), 12)
               ELSE n.norm END AS effective
    FROM norm_rows n JOIN versions v USING (product_code, valid_from)
),
imports AS (
    SELECT item_code AS material, SUM(quantity) AS imported FROM decl
    WHERE type_code IN ('E11', 'E15', 'E21', 'E23', 'E31', 'E33') AND unit IN ('MTR', 'MTK', 'KGM', 'PCE', 'PR')
    GROUP BY item_code
),
exports AS (
    SELECT item_code AS product, date, SUM(quantity) AS exported FROM decl
    WHERE type_code IN ('E42', 'E52', 'E62') GROUP BY item_code, date
),
consumed AS (
    SELECT n.material_code AS material, SUM(e.exported * n.effective) AS consumed
    FROM exports e JOIN norms n
      ON n.product_code = e.product AND e.date >= n.valid_from
     AND (n.valid_until IS NULL OR e.date <= n.valid_until)
    GROUP BY n.material_code
)
SELECT i.material, CAST(i.imported AS VARCHAR), CAST(c.consumed AS VARCHAR)
FROM imports i LEFT JOIN consumed c USING (material) ORDER BY i.material
"""


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("dir")
    parser.add_argument("--check", help="bonded's JSON report to compare with")
    args = parser.parse_args()

    started = time.perf_counter()
    rows = duckdb.connect().execute(SQL.format(dir=args.dir)).fetchall()
    seconds = time.perf_counter() - started
    print(f"duckdb: {len(rows)} materials in {seconds:.3f} s")

    if args.check:
        with open(args.check, encoding="utf-8") as file:
            report = json.load(file)
        ours = {row["code"]: row for row in report["materials"]}
        mismatches = 0
        for material, imported, consumed in rows:
            row = ours.get(material)
            consumed = Decimal(consumed or "0")
            if row is None or Decimal(row["imported"]) != Decimal(imported) \
                    or abs(Decimal(row["consumed_by_exports"]) - consumed) > consumed * Decimal("1e-12"):
                mismatches += 1
                if mismatches <= 5:
                    ours_pair = row and (row["imported"], row["consumed_by_exports"])
                    print("mismatch", material, imported, consumed, ours_pair)
        print(f"check: {len(rows) - mismatches} of {len(rows)} materials agree")
        return 1 if mismatches else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
