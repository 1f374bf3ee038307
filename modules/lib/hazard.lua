-- Time and hazard helpers shared by every family: loaded with lib("hazard").
--
-- * YEAR_MS: a year in milliseconds, the engine's `years` unit (365.2425 days, the mean Gregorian
--   year).
-- * age_years(p): the patient's age in (fractional) years.
-- * wait_years(p, bands, mult): years until the next event of a process whose rate is piecewise
--   constant in age. `bands` is an ascending list of {upper_age, events_per_year}; past the last
--   band there are no events; `mult` (default 1) multiplies every rate. One uniform draw: the
--   event comes when the cumulative hazard from now reaches an Exp(1) variate, so the wait is
--   exact across band edges without waking the patient at them. 300 (beyond any life) when no
--   event comes.
-- * rate_now(p, bands): the rate of such a schedule at the patient's current age.
-- * interp(knots, x): piecewise-linear interpolation through ascending {x, y} knots, flat beyond
--   the ends.

local H = {}

local YEAR_MS = 31556952000
H.YEAR_MS = YEAR_MS

function H.age_years(p)
  return (p.time - p.birth) / YEAR_MS
end

function H.wait_years(p, bands, mult)
  local a = (p.time - p.birth) / YEAR_MS
  local need = -math.log(1 - p:random())
  local t = 0
  mult = mult or 1
  for i = 1, #bands do
    local hi, r = bands[i][1], bands[i][2] * mult
    if a < hi then
      local span = hi - a
      if r > 0 and need <= r * span then return t + need / r end
      if r > 0 then need = need - r * span end
      t = t + span
      a = hi
    end
  end
  return 300
end

function H.rate_now(p, bands)
  local a = (p.time - p.birth) / YEAR_MS
  for i = 1, #bands do
    if a < bands[i][1] then return bands[i][2] end
  end
  return 0
end

function H.interp(knots, x)
  if x <= knots[1][1] then return knots[1][2] end
  for i = 2, #knots do
    local k1 = knots[i]
    if x <= k1[1] then
      local k0 = knots[i - 1]
      return k0[2] + (k1[2] - k0[2]) * (x - k0[1]) / (k1[1] - k0[1])
    end
  end
  return knots[#knots][2]
end

return H
