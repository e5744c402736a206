# DuckDB beside ntm on the same generated bundle, in the same run (benches/national.sh).
# Loads observations.csv into a persisted table (timed, with the file's size), then asks, from
# that table, which communes have an indicator down more than 2 points between 2024 and 2025
# (the question behind ntm's `declined` finding). Usage: python3 benches/duck.py BUNDLE DB
# (pip install duckdb).
import duckdb, os, sys, time

bundle, db = sys.argv[1], sys.argv[2]
for f in (db, db + ".wal"):
    if os.path.exists(f):
        os.remove(f)
t = time.perf_counter()
con = duckdb.connect(db)
con.execute(f"""
create table obs as select * from read_csv('{bundle}/observations.csv', header=true,
  types={{'unit_code':'VARCHAR','framework':'VARCHAR','indicator':'VARCHAR','year':'SMALLINT',
          'value':'VARCHAR','numerator':'DOUBLE','denominator':'DOUBLE','stated_percent':'DOUBLE'}})
""")
con.close()
load = time.perf_counter() - t
size = os.path.getsize(db)
t = time.perf_counter()
con = duckdb.connect(db, read_only=True)
rows = con.execute("""
with o as (
  select unit_code, indicator, year,
         case when denominator is not null and denominator > 0 then numerator/denominator*100
              else try_cast(value as double) end as v
  from obs where year in (2024, 2025)
)
select a.unit_code, count(*) as declined
from o a join o b on a.unit_code = b.unit_code and a.indicator = b.indicator
where a.year = 2024 and b.year = 2025 and b.v < a.v - 2
group by a.unit_code order by a.unit_code
""").fetchall()
ask = time.perf_counter() - t
print(f"duckdb {duckdb.__version__}: load {load:.2f} s, file {size / 1e6:.1f} MB; "
      f"question from the table {ask:.3f} s ({len(rows)} communes with an indicator down > 2 points)",
      flush=True)
