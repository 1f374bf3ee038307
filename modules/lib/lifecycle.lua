-- Shared pieces of the lifecycle family (lifecycle.lua, lifecycle/physiology.lua, wellness.lua):
-- the codes they record, a few numeric helpers and the persistent traits every patient carries.
--
-- Codes: LOINC long common names and SNOMED CT fully specified names as published (checked
-- against LOINC/FHIR value sets and Synthea's output in shared/data/synthea-sample).
-- The helpers hold no figures; the figures are cited in the headers of the modules that use them.

local loinc, sct = codes.loinc, codes.snomed

local C = {
  -- vital signs (category vital-signs)
  height = loinc("8302-2", "Body height"),
  weight = loinc("29463-7", "Body weight"),
  bmi = loinc("39156-5", "Body mass index (BMI) [Ratio]"),
  bmi_pct = loinc("59576-9", "Body mass index (BMI) [Percentile] Per age and sex"),
  bp_panel = loinc("85354-9", "Blood pressure panel with all children optional"),
  sbp = loinc("8480-6", "Systolic blood pressure"),
  dbp = loinc("8462-4", "Diastolic blood pressure"),
  hr = loinc("8867-4", "Heart rate"),
  rr = loinc("9279-1", "Respiratory rate"),
  -- laboratory
  lipid_panel = loinc("57698-3", "Lipid panel with direct LDL - Serum or Plasma"),
  chol = loinc("2093-3", "Cholesterol [Mass/volume] in Serum or Plasma"),
  ldl = loinc("18262-6", "Cholesterol in LDL [Mass/volume] in Serum or Plasma by Direct assay"),
  hdl = loinc("2085-9", "Cholesterol in HDL [Mass/volume] in Serum or Plasma"),
  tg = loinc("2571-8", "Triglyceride [Mass/volume] in Serum or Plasma"),
  glucose = loinc("2339-0", "Glucose [Mass/volume] in Blood"),
  a1c = loinc("4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood"),
  -- questionnaires (category survey) and social history
  phq2_panel = loinc("55757-9", "Patient Health Questionnaire 2 item (PHQ-2) [Reported]"),
  phq2_score = loinc("55758-7", "Patient Health Questionnaire 2 item (PHQ-2) total score [Reported]"),
  auditc_panel = loinc("72109-2", "Alcohol Use Disorder Identification Test - Consumption [AUDIT-C]"),
  auditc_score = loinc("75626-2", "Total score [AUDIT-C]"),
  tobacco = loinc("72166-2", "Tobacco smoking status"),
  never_smoked = sct(266919005, "Never smoked tobacco (finding)"),
  ex_smoker = sct(8517006, "Ex-smoker (finding)"),
  daily_smoker = sct(449868002, "Smokes tobacco daily (finding)"),
  -- encounters
  well_child = sct(410620009, "Well child visit (procedure)"),
  general_exam = sct(162673000, "General examination of patient (procedure)"),
}

local H = lib("hazard")
local MS_PER_YEAR = H.YEAR_MS
local age_years = H.age_years

-- a standard normal draw from the module's stream (Box-Muller)
local function gauss(p)
  local u = p:random()
  if u < 1e-12 then u = 1e-12 end
  return math.sqrt(-2 * math.log(u)) * math.cos(2 * math.pi * p:random())
end

-- standard normal cumulative distribution (Abramowitz-Stegun 7.1.26 erf, |error| < 1.5e-7)
local function phi(x)
  local z = math.abs(x) / math.sqrt(2)
  local t = 1 / (1 + 0.3275911 * z)
  local y = 1 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t
    + 0.254829592) * t * math.exp(-z * z)
  if x >= 0 then return 0.5 * (1 + y) end
  return 0.5 * (1 - y)
end

-- inverse of phi (Acklam's rational approximation, relative error < 1.2e-9)
local A = { -3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
  1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00 }
local B = { -5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
  6.680131188771972e+01, -1.328068155288572e+01 }
local Cc = { -7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
  -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00 }
local D = { 7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
  3.754408661907416e+00 }
local function phi_inv(q)
  if q <= 0 then return -8 end
  if q >= 1 then return 8 end
  if q < 0.02425 then
    local r = math.sqrt(-2 * math.log(q))
    return (((((Cc[1] * r + Cc[2]) * r + Cc[3]) * r + Cc[4]) * r + Cc[5]) * r + Cc[6]) /
      ((((D[1] * r + D[2]) * r + D[3]) * r + D[4]) * r + 1)
  elseif q <= 1 - 0.02425 then
    local r = q - 0.5
    local s = r * r
    return (((((A[1] * s + A[2]) * s + A[3]) * s + A[4]) * s + A[5]) * s + A[6]) * r /
      (((((B[1] * s + B[2]) * s + B[3]) * s + B[4]) * s + B[5]) * s + 1)
  end
  local r = math.sqrt(-2 * math.log(1 - q))
  return -(((((Cc[1] * r + Cc[2]) * r + Cc[3]) * r + Cc[4]) * r + Cc[5]) * r + Cc[6]) /
    ((((D[1] * r + D[2]) * r + D[3]) * r + D[4]) * r + 1)
end

local interp = H.interp -- piecewise-linear in {x, y} knots, constant beyond the ends

local function clamp(x, lo, hi)
  if x < lo then return lo end
  if x > hi then return hi end
  return x
end

-- a smooth upper bound: ~x well below cap, never above cap (softplus with width k)
local function soft_max(x, cap, k)
  local d = (cap - x) / k
  if d > 30 then return x end
  return cap - k * math.log(1 + math.exp(d))
end
-- a smooth lower bound
local function soft_min(x, floor, k) return -soft_max(-x, -floor, k) end

local function round(x, decimals)
  local m = 10 ^ (decimals or 0)
  return math.floor(x * m + 0.5) / m
end

-- The persistent traits of a person, drawn once (at birth, by lifecycle.lua; or by the
-- physiology the first time it runs, if another module calls it first). Each is a standard
-- normal z-score (a person's stable position in the population) or a uniform in [0, 1).
-- Their meaning and the figures that scale them are in lifecycle/physiology.lua.
local Z_TRAITS = { "lc_height_z", "lc_adipo_z", "lc_sbp_z", "lc_dbp_z", "lc_hr_z", "lc_rr_z",
  "lc_ldl_z", "lc_hdl_z", "lc_tg_z", "lc_a1c_z", "lc_egfr_z", "lc_htn_z", "lc_dm_z", "lc_lip_z" }
local U_TRAITS = { "lc_prediab_u", "lc_ckd_u" }

-- The traits are attributes (the record of truth); a copy is kept here for the patient being
-- simulated, so that the physiology does not read sixteen attributes on every run. The copy is
-- keyed by the patient's lc_id attribute (a random number drawn with the traits) and every write
-- goes through set_trait, so it never differs from the attributes.
local cache = { id = nil }

local function set_trait(p, name, value)
  p:set(name, value)
  cache[name] = value
end

local function init_traits(p)
  if p:attr("lc_height_z") ~= nil then return end
  for _, name in ipairs(Z_TRAITS) do set_trait(p, name, gauss(p)) end
  for _, name in ipairs(U_TRAITS) do set_trait(p, name, p:random()) end
  local id = p:random()
  p:set("lc_id", id)
  cache.id = id
end

local function traits(p)
  local id = p:attr("lc_id")
  if id == nil then
    init_traits(p)
    return cache
  end
  if id ~= cache.id then
    for _, name in ipairs(Z_TRAITS) do cache[name] = p:attr(name) end
    for _, name in ipairs(U_TRAITS) do cache[name] = p:attr(name) end
    cache.id = id
  end
  return cache
end

-- A fast local generator for measurement noise, seeded by one draw of the module's stream per
-- run, so a run costs one p:random() instead of one per value: a 64-bit linear congruential
-- generator (Knuth's MMIX constants) whose top 12 bits pick one of 4096 equiprobable standard
-- normal quantiles (|z| < 3.6; ample for measurement noise).
local NORMAL = {}
for i = 0, 4095 do NORMAL[i] = phi_inv((i + 0.5) / 4096) end
local state = 1
local function seed(p)
  state = math.floor(p:random() * 9007199254740992)
end
local function noise()
  state = state * 6364136223846793005 + 1442695040888963407
  return NORMAL[state >> 52]
end

-- A precomputed piecewise-linear curve over whole numbers lo..hi, looked up in constant time.
local function curve(knots, lo, hi)
  local t = { lo = lo, hi = hi }
  for x = lo, hi do t[x - lo] = interp(knots, x) end
  return t
end
local function at(t, x)
  if x <= t.lo then return t[0] end
  if x >= t.hi then return t[t.hi - t.lo] end
  local i = math.floor(x - t.lo)
  local f = x - t.lo - i
  local a = t[i]
  return a + f * (t[i + 1] - a)
end

return {
  codes = C,
  MS_PER_YEAR = MS_PER_YEAR,
  age_years = age_years,
  gauss = gauss,
  phi = phi,
  phi_inv = phi_inv,
  interp = interp,
  clamp = clamp,
  soft_max = soft_max,
  soft_min = soft_min,
  round = round,
  init_traits = init_traits,
  traits = traits,
  set_trait = set_trait,
  seed = seed,
  noise = noise,
  curve = curve,
  at = at,
}
