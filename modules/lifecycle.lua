-- Lifecycle: from birth, the persistent traits and the life-course behaviours every patient
-- carries (growth position, adiposity, tobacco, alcohol), updated at each birthday, and the
-- physiology (lifecycle/physiology.lua) run at birth and at every birthday so that the vital
-- signs follow the person between check-ups.
--
-- Attributes written (docs/library.md): `smoker` (true while smoking), `former_smoker` (true after
-- quitting), `alcohol` ("none", "moderate", "heavy"); the lc_* traits (z-scores, family-private)
-- read by the physiology, and lc_smoking_start, lc_quit_at (the instant of quitting, read by
-- lung_cancer.lua), lc_alcohol_u, lc_adult_height, phys_preg_seen.
-- Socioeconomic status is not modelled here: the engine gives every patient a household income
-- (`p.income`, drawn from modules/data/household_income.csv) and its tertile (`p.ses`: "Low",
-- "Middle", "High"; the `ses("Low")` condition), and the modules read those. This module uses
-- `p.ses` for the social gradient of smoking (below); education is not modelled.
-- Numbers marked [assumption] are modelling choices with no published figure behind them.
--
-- Figures and their sources:
-- * Growth and adiposity tracking: a child's height-for-age z-score drifts with a yearly
--   correlation of 0.98 until 20 (then adult height is fixed); the adiposity z-score drifts with a
--   yearly correlation of 0.95 under 20 and 0.98 after [assumption: BMI percentiles track but
--   change; 10-year correlation 0.6-0.8]. Marginal distributions stay standard normal, so the
--   population figures of lifecycle/physiology.lua hold at every age.
-- * Tobacco. Current cigarette smoking 2021 (NHIS): 18-24 5.3%, 25-44 12.6%, 45-64 14.9%, 65+ 8.3%;
--   quit ratios 50.3%, 59.0%, 62.1%, 81.9%; men 13.1%, women 10.1% (Cornelius ME et al. Tobacco
--   product use among adults - United States, 2021. MMWR 2023;72(18):475-483, Table). Adult
--   prevalence over time: 42.4% in 1965, 25.5% in 1990 (NHIS, Health, United States), 20.9% in 2005
--   and 15.1% in 2015 (Jamal A et al. MMWR 2016;65(44):1205-1211).
--   The model: whether a person ever becomes a smoker depends on the birth year (ever-smoking by
--   birth cohort: 56% for those born 1920, 50% 1945, 44% 1960, 37% 1975, 35% 1985, 15% 1995, 10%
--   2005, 5% 2020), sex (x 1.14 men, x 0.88 women: the 2021 sex ratio above) and socioeconomic
--   status (x 1.45 low, x 0.95 middle, x 0.60 high: current smoking 20.2% at household income
--   < $35,000, 14.1% at $35,000-74,999, 10.5% at $75,000-99,999, 6.2% at >= $100,000 against 12.5%
--   overall, Cornelius ME et al. MMWR 2022;71(11):397-405). Smoking starts at 13-17 (45% of
--   smokers), 18-21 (40%) or 22-26 (15%) (shaped to: 88% of adult daily smokers first tried a
--   cigarette by 18, 98% by 26; US DHHS, The Health Consequences of Smoking - 50 Years of Progress,
--   Surgeon General 2014, ch. 13). Yearly probability of quitting by age: 14% at 18, 5% at 23,
--   2.5% at 26, 1.5% at 35, 1.0% at 45, 2.2% at 55, 5.5% at 65, 9% at 75, 12% at 90, times 0.25
--   before 1960 rising to 1 by 1990 (quitting spread after the 1964 Surgeon General's report).
--   The cohort and quit figures were calibrated (expected values over the Census 2024 age
--   structure) to the NHIS figures above: 2021 current 6.1 / 12.9 / 14.5 / 9.0% by the four age
--   groups, 11.7% overall; 1965 39%, 1990 26%, 2005 18%, 2015 14%. No relapse [assumption].
-- * Alcohol: past-month drinking / heavy drinking (binge on 5+ days) by age, NSDUH 2019: 12-17 9.4%
--   / 0.8%; 18-22 47.1% / 7.0% (NIAAA Alcohol Facts and Statistics, 2019 NSDUH); 18-25 heavy 8.4%,
--   26+ heavy 6.0%, adults 18+ 54.9% / 6.3%, men 59.1% / 8.3%, women 51.0% / 4.5% (ibid.). Here
--   23-25 drink as adults with the 18-25 heavy rate; adult rates are scaled by sex with the ratios
--   above. `alcohol` = "heavy" for heavy drinkers, "moderate" for other past-month drinkers,
--   "none" otherwise (none before 12). A person keeps a stable propensity, redrawn with
--   probability 0.1 a year [assumption: drinking changes over adult life].

local LC = lib("lifecycle")
local interp, gauss = LC.interp, LC.gauss

local EVER = { { 1920, 0.56 }, { 1945, 0.50 }, { 1960, 0.44 }, { 1975, 0.37 }, { 1985, 0.35 },
  { 1995, 0.15 }, { 2005, 0.10 }, { 2020, 0.05 } }
local SEX_SMOKE = { M = 1.14, F = 0.88 }
local SES_SMOKE = { Low = 1.45, Middle = 0.95, High = 0.60 }
local QUIT_AGE = { { 18, 0.14 }, { 23, 0.05 }, { 26, 0.025 }, { 35, 0.015 }, { 45, 0.010 }, { 55, 0.022 },
  { 65, 0.055 }, { 75, 0.09 }, { 90, 0.12 } }
local QUIT_PERIOD = { { 1960, 0.25 }, { 1990, 1.0 } }

-- {age from, past-month drinking, heavy drinking}
local ALCOHOL = { { 12, 0.094, 0.008 }, { 18, 0.471, 0.070 }, { 23, 0.549, 0.084 }, { 26, 0.549, 0.060 } }
local ALC_SEX = { M = { 59.1 / 54.9, 8.3 / 6.3 }, F = { 51.0 / 54.9, 4.5 / 6.3 } }

-- traits are written through LC.set_trait, which keeps the physiology's copy of them current
local function rho_step(p, name, rho)
  local z = p:attr(name)
  if type(z) ~= "number" then return end
  LC.set_trait(p, name, rho * z + math.sqrt(1 - rho * rho) * gauss(p))
end

local function update_alcohol(p, age)
  local status = "none"
  if age >= 12 then
    local u = p:attr("lc_alcohol_u")
    if type(u) ~= "number" or p:random() < 0.1 then
      u = p:random()
      p:set("lc_alcohol_u", u)
    end
    local row = ALCOHOL[1]
    for _, r in ipairs(ALCOHOL) do
      if age >= r[1] then row = r end
    end
    local any, heavy = row[2], row[3]
    if age >= 18 then
      any, heavy = any * ALC_SEX[p.sex][1], heavy * ALC_SEX[p.sex][2]
    end
    if u < heavy then
      status = "heavy"
    elseif u < any then
      status = "moderate"
    end
  end
  return status
end

-- at birth: traits, smoking plan, behaviours; returns the initial value of `smoker`
local function birth(p)
  LC.init_traits(p)
  local ever = interp(EVER, p.year) * SEX_SMOKE[p.sex] * (SES_SMOKE[p.ses] or 1)
  if p:random() < math.min(ever, 0.95) then
    local u = p:random()
    local start
    if u < 0.45 then
      start = 13 + math.floor(p:random() * 5)
    elseif u < 0.85 then
      start = 18 + math.floor(p:random() * 4)
    else
      start = 22 + math.floor(p:random() * 5)
    end
    p:set("lc_smoking_start", start)
  end
  p:set("former_smoker", false)
  p:set("alcohol", "none")
  return false -- the value of `smoker`
end

-- at each birthday: returns the value of `alcohol`
local function birthday(p)
  -- the tick falls on the birthday within a day (years(1) is a mean year): round, not truncate
  local age = math.floor(LC.age_years(p) + 0.5)
  if age < 20 then
    rho_step(p, "lc_height_z", 0.98)
    rho_step(p, "lc_adipo_z", 0.95)
  else
    rho_step(p, "lc_adipo_z", 0.98)
  end
  local start = p:attr("lc_smoking_start")
  if p:attr("smoker") == true then
    if p:random() < interp(QUIT_AGE, age) * interp(QUIT_PERIOD, p.year) then
      p:set("smoker", false)
      p:set("former_smoker", true)
      p:set("lc_quit_at", p.time)
    end
  elseif type(start) == "number" and age >= start and p:attr("former_smoker") ~= true then
    p:set("smoker", true)
  end
  return update_alcohol(p, age)
end

local function physiology_due(p)
  local age = math.floor(LC.age_years(p) + 0.5)
  return age < 20 or age % 5 == 0
end

return {
  name = "Lifecycle",
  states = {
    Initial = { type = "Initial", direct_transition = "Birth" },
    Birth = { type = "SetAttribute", attribute = "smoker", value = birth,
              direct_transition = "Birth_Physiology" },
    Birth_Physiology = { type = "CallSubmodule", submodule = "lifecycle/physiology",
                         direct_transition = "Next_Birthday" },
    Next_Birthday = { type = "Delay", exact = years(1), direct_transition = "Birthday" },
    -- the values follow a child every year; an adult's are computed at every check-up and at
    -- every fifth birthday between them [assumption: enough to keep a value that no visit
    -- measures within five years of the truth; each run costs as much as the rest of the year]
    Birthday = { type = "SetAttribute", attribute = "alcohol", value = birthday,
                 conditional_transition = when { { physiology_due, "Birthday_Physiology" },
                                                 { "Next_Birthday" } } },
    Birthday_Physiology = { type = "CallSubmodule", submodule = "lifecycle/physiology",
                            direct_transition = "Next_Birthday" },
  },
}
