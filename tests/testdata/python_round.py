# Generates python_round.json (run from tests/testdata/, then `deno fmt python_round.json`):
# Python round(x, d) and exact decimal truncation (Decimal ROUND_DOWN) of fixed and random values.
import json, random
from decimal import Decimal, ROUND_DOWN
random.seed(20240119)
xs = [0.125, 0.375, 2.5, 3.5, -2.5, 0.5, 1.5, 1.005, 2.675, 0.285, 1.115, 0.045, 65.64957421860304, 0.29, 0.57, 1e-7, 123456.785, 0.615, 81.5, 82.5]
for _ in range(100):
    d = random.randint(0, 4)
    k = random.randint(0, 10**(d + 3))
    xs.append((k + 0.5) / 10**d)          # decimal ties as typed (usually not exact in binary)
    xs.append(random.uniform(0, 300))
for k in range(0, 64):
    xs.append(k / 8)                        # exact binary ties at 0, 1 and 2 digits
cases = []
for x in xs:
    for d in (0, 1, 2, 3):
        cases.append([repr(x), d, repr(round(x, d)), repr(float(Decimal(x).quantize(Decimal(1).scaleb(-d), rounding=ROUND_DOWN)))])
json.dump({"generator": "python3 round(x, d) and Decimal(x).quantize(10**-d, ROUND_DOWN); seed 20240119", "cases": cases}, open("python_round.json", "w"))
