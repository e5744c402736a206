# DuckDB over a generated bundle: which communes have an indicator down more than 2 points
# between 2024 and 2025. Usage: python3 benches/duck.py BUNDLE_DIR (pip install duckdb).
import duckdb, sys, time
d = sys.argv[1]
t = time.perf_counter()
con = duckdb.connect()
q = f"""
with o as (
  select unit_code, indicator, year,
         case when denominator is not null and denominator > 0 then numerator/denominator*100
              else try_cast(value as double) end as v
  from read_csv('{d}/observations.csv', header=true, all_varchar=false,
                types={{'value':'VARCHAR','numerator':'DOUBLE','denominator':'DOUBLE','unit_code':'VARCHAR','indicator':'VARCHAR'}})
  where year in (2024, 2025)
)
select a.unit_code, count(*) as declined
from o a join o b on a.unit_code = b.unit_code and a.indicator = b.indicator
where a.year = 2024 and b.year = 2025 and b.v < a.v - 2
group by a.unit_code order by a.unit_code
"""
rows = con.execute(q).fetchall()
print(f"{len(rows)} communes with an indicator down > 2 points 2024→2025; {time.perf_counter()-t:.3f} s", flush=True)
