-- Physiology: every vital sign of docs/library.md, computed together from age, sex, the
-- persistent traits (lib/lifecycle.lua: a person's stable z-scores), the behaviours set by
-- lifecycle.lua and the disease/treatment attributes set by the other families. A submodule:
-- lifecycle.lua runs it at birth and every birthday, wellness.lua at every check-up, and any
-- module that changes an attribute runs it before it records values.
--
-- Each run draws fresh measurement noise around the person's stable values; the stable part
-- comes from the traits, so a person's values track over time instead of being redrawn.
-- Numbers marked [assumption] are modelling choices with no published figure behind them.
--
-- Figures and their sources:
-- GROWTH
-- * Length/weight (birth-24 months), stature and BMI (2-20 years): CDC 2000 growth charts, LMS
--   method (Kuczmarski RJ et al., Vital Health Stat 11(246), 2002); table in
--   modules/lib/growth_cdc2000.lua. A child keeps his height-for-age z-score (drifting yearly,
--   lifecycle.lua); infant weight-for-age z = 0.6 x height z + 0.8 x adiposity z [assumption:
--   weight tracks length].
-- * Childhood obesity (BMI >= 95th percentile of the CDC 2000 chart) by age band and period, the
--   shift of the BMI z-score away from the 1963-94 reference: 1976-80 2-5 y 5.0%, 6-11 y 6.5%,
--   12-19 y 5.0%; 1988-94 7.2/11.3/10.5; 2003-04 13.9/18.8/17.4; 2007-08 10.1/19.6/18.1;
--   2011-12 8.4/17.7/20.5; 2015-16 13.9/18.4/20.6 (Fryar CD, Carroll MD, Afful J. Prevalence of
--   overweight, obesity, and severe obesity among children and adolescents aged 2-19 years,
--   1963-1965 through 2017-2018. NCHS Health E-Stats 2020, Table 2); 2017-March 2020 12.7/20.7/22.2
--   (Stierman B et al. NHSR 158, 2021). Before 1976 the 1976-80 figures, after 2019 the 2017-20.
-- * Severe childhood obesity (>= 120% of the 95th percentile) 6.1% vs obesity 19.3% (2017-18, Fryar
--   2020 Table 1): above the 95th percentile BMI = P95 x exp(0.27 x (z - 1.645)), the slope that
--   reproduces that ratio (the LMS curve itself diverges above ~2.5 SD).
-- * Adult BMI = M(age, sex) x period x exp(S x z), z the adiposity z-score. Calibrated to obesity
--   (BMI >= 30) 2017-2018: men 20-39 40.3%, 40-59 46.4%, 60+ 42.2%; women 39.7%, 43.3%, 43.3%
--   (Hales CM et al. NCHS Data Brief 360, 2020, Fig. 2) and severe obesity (BMI >= 40) men 6.9%,
--   women 11.5% (ibid.); age-adjusted mean BMI men 29.1, women 29.6 (Fryar CD et al. NHSR 122, 2018);
--   lower obesity at 75+ (women 65-74 43.5%, 75+ 32.7%; Health, United States 2017 Table 58,
--   NHANES 2013-2016). S = 0.215 (men), 0.29 (women); M knots below.
-- * Period: mean adult BMI about 25 in 1960-62, 28 in 1999-2002 (Ogden CL et al. Advance Data 347,
--   2004), 29.1-29.6 in 2015-16 (Fryar 2018): M x 0.85 up to 1961, x 0.95 in 2000, x 1 from 2018.
-- * Children 18-20 blend linearly into the adult model.
-- * Adult height fixed at the CDC 240-month stature for the person's z-score; height loss from age
--   30: 3 cm (men) / 5 cm (women) by 70, 5 / 8 cm by 80 (Sorkin JD, Muller DC, Andres R. Am J
--   Epidemiol 1999;150:969-977, Baltimore Longitudinal Study); continued at the 70-80 rate after 80.
-- * Pregnancy weight gain (IOM 2009, Weight Gain During Pregnancy: Reexamining the Guidelines):
--   0.5-2 kg in the first trimester (1.25 kg by week 13 here), then 0.51 / 0.42 / 0.28 / 0.22 kg per
--   week for pre-pregnancy BMI < 18.5 / 18.5-24.9 / 25-29.9 / >= 30. Gestational age is counted from
--   the first run that sees `pregnant`, taken as week 8 [assumption: no attribute carries it].
-- BLOOD PRESSURE, HEART AND RESPIRATORY RATE
-- * Children 1-17: the NHBPEP Fourth Report regression (Pediatrics 2004;114:555-576, Appendix B
--   Table B-1): expected BP = alpha + sum beta_j (age-10)^j + sum gamma_k Zht^k with, boys SBP
--   102.19768, 1.82416, 0.12776, 0.00249, -0.00135, 2.73157, -0.19618, -0.04659, 0.00947,
--   sigma 10.7128; boys DBP 61.01217, 0.68314, -0.09835, 0.01711, 0.00045, 1.46993, -0.07849,
--   -0.03144, 0.00967, sigma 11.6032; girls SBP 102.01027, 1.94397, 0.00598, -0.00789, -0.00059,
--   2.03526, 0.02534, -0.01884, 0.00121, sigma 10.4855; girls DBP 60.50510, 1.01301, 0.01157,
--   0.00424, -0.00137, 1.16641, 0.12795, -0.03869, -0.00079, sigma 10.9573. The person keeps
--   0.6 sigma of it as a stable offset, 0.4 sigma is visit-to-visit noise [assumption]; under 1
--   year the age-1 value. 17-20 blend into the adult model.
-- * Adults, without hypertension: SBP/DBP by age and sex shaped to the NHANES 2001-2008 means
--   (Wright JD et al. NHSR 35, 2011: all adults 122/71, normotensive 116/69; SBP rises with age,
--   DBP rises then falls; men higher): SBP men 116 at 18 to 127 at 80, women 107 to 124; DBP men
--   70 / 76 at 45 / 68 at 80, women 67 / 73 / 66. Person SD 8 (SBP), 6 (DBP); visit noise SD 6, 4
--   [assumption]. Without `hypertension` the reading stays below 130/80 (smooth cap).
-- * BMI: +0.85 mmHg SBP per kg/m2 (cross-sectional gradient: SBP 120 at mean BMI 17.2 to 133 at
--   32.5, Gajalakshmi V et al. Lancet Public Health 2018;3:e259, Table 1), +0.5 mmHg DBP
--   [assumption]. Heavy drinking +5.5/+4.0 mmHg (the fall when drinkers of > 2 drinks a day cut
--   down, Roerecke M et al. Lancet Public Health 2017;2:e108-e120).
-- * `hypertension`: untreated level = the person's usual value + an excess of 20 +/- 8 mmHg SBP
--   (half of it DBP before 50, a fifth by 75: isolated systolic hypertension of the elderly),
--   never below 131 mmHg: untreated hypertensive adults average 146/85 (Wright 2011).
--   `antihypertensives` (0-3): -9.1/-5.5 mmHg per drug at standard dose, additive across classes
--   (Law MR, Wald NJ, Morris JK, Jordan RE. BMJ 2003;326:1427, 354 trials), so treated
--   hypertensives land near the treated mean 130/75 (Wright 2011).
-- * Pregnancy: heart rate +10/min (rises 10-20/min, Sanghavi M, Rutherford JD. Circulation
--   2014;130:1003-1008); BP dips in mid-pregnancy (ibid.): -3/-5 mmHg in weeks 13-28 [assumption].
-- * Heart rate: median 127/min at birth, 145 at 1 month, 113 at 2 years (Fleming S et al. Lancet
--   2011;377:1011-1018); mean 96 at 5 years, 78 in early adolescence, adults 71 (men) and 74 (women)
--   (Ostchega Y et al. NHSR 41, 2011). Person SD 8%, visit noise 5% [assumption]; smokers +4/min
--   [assumption: nicotine is sympathomimetic, Benowitz NL, Burbank AD. Trends Cardiovasc Med
--   2016;26:515-523].
-- * Respiratory rate: median 44/min at birth, 26 at 2 years (Fleming 2011), 16 from age 15 (the
--   middle of the adult normal range 12-20, NEWS2, Royal College of Physicians 2017); person and
--   visit SD 1.5/min; `copd` +3, `asthma` +1 [assumption].
-- GLUCOSE AND HbA1c
-- * HbA1c without diabetes rises 0.010 %/year with age (NHANES 2001-2004; 97.5th percentile 5.6%
--   under 40, Pani LN et al. Diabetes Care 2008;31:1991-1996): 5.2% at 20, person SD 0.2; children
--   5.1% [assumption]; +0.01 per kg/m2 of BMI above 25 [assumption]; assay noise SD 0.05.
-- * Categories (ADA Standards of Care 2024, section 2): normal < 5.7%; `prediabetes` 5.7-6.4%;
--   `diabetes` >= 6.5%. Untreated diabetes 6.6 + 1.2 x exp(0.5 z) % (median 7.8) [assumption].
--   `diabetes_treatment`: metformin -1.12% (Hirst JA et al. Diabetologia 2012;55:2593-2603);
--   "dual" a further -0.8% (each added non-insulin class -0.5 to -1.0%: Sherifali D et al.
--   Diabetes Care 2010;33:1859-1864); "insulin" titrated to about 7% (the usual target, ADA
--   Standards 2024 section 6). Treated HbA1c is not below 6.0%.
-- * Fasting glucose from HbA1c through the points (5.7, 100) and (6.5, 126) (the ADA prediabetes
--   and diabetes cut points, which correspond), then the mean fasting glucose of Wei N, Zheng H,
--   Nathan DM. Diabetes Care 2014;37:1048-1051 (ADAG data): 142 at 6.75%, 152 at 7.25%, 167 at
--   7.75%, 178 at 8.25%, and above that the ADAG slope 28.7 mg/dL per % (Nathan DM et al.
--   Diabetes Care 2008;31:1473-1478, eAG = 28.7 x A1C - 46.7); below 5.7% 20.6 mg/dL per %
--   [assumption], giving 90-94 at HbA1c 5.2-5.4. Day-to-day variation 6% [assumption]; without
--   diabetes or prediabetes the reading stays below 100.
-- LIPIDS
-- * Adult means: total cholesterol 189 mg/dL, LDL 111, triglycerides (geometric) 97 in 2013-14
--   (Rosinger A, Carroll MD, Lacher D. JAMA Cardiol 2017;2:339-341); high total cholesterol
--   (>= 240) peaks at 40-59 (men 14.5%, women 16.9%) and stays high in women 60+ (15.9%) but not men
--   (6.0%) (Carroll MD, Fryar CD. NCHS Data Brief 363, 2020); low HDL (< 40) men 26.6%, women 8.5%
--   (ibid.). From these: untreated LDL men 100 at 20, 122 at 40, 126 at 55, 108 at 90; women 98,
--   110, 128 at 55, 130 at 70, 122 at 90; person SD 28. HDL men 46-49, women 56-61, person SD 11 /
--   13. Triglyceride geometric mean men 80 at 20, 118 at 45, 100 at 90; women 72, 100 at 50, 112
--   at 70; log SD 0.45.
-- * Children (< 18): LDL 92 +/- 22, HDL 52 +/- 11, triglycerides 60 (< 10 y) / 75 (10-17 y), about
--   the NHLBI acceptable levels (LDL < 110, HDL > 45, TG < 75 / < 90; Expert Panel on Integrated
--   Guidelines for Cardiovascular Health and Risk Reduction in Children, Pediatrics 2011;128:S213).
-- * Per kg of body weight (here: above the weight at BMI 27 for the person's height):
--   triglycerides +1.33, HDL -0.35 mg/dL (Dattilo AM, Kris-Etherton PM. Am J Clin Nutr
--   1992;56:320-328, weight-loss meta-analysis); LDL +0.25 mg/dL, a third of that meta-analysis'
--   +0.77 [assumption: across people LDL varies little with BMI, unlike triglycerides and HDL; the
--   full slope gave a BMI-LDL correlation near 0.5].
-- * Smokers: LDL +1.7%, triglycerides +9.1%, HDL -5.7% (Craig WY, Palomaki GE, Haddow JE. BMJ
--   1989;298:784-788); former smokers as non-smokers (HDL recovers: Maeda K et al. Prev Med
--   2003;37:283-290).
-- * Alcohol per 30 g/day: HDL +3.99, triglycerides +5.69 mg/dL (Rimm EB et al. BMJ
--   1999;319:1523-1528); "moderate" taken as 14 g/day (one US standard drink), "heavy" as 56 g.
-- * `hyperlipidemia`: untreated LDL = the person's value + 40 +/- 15 mg/dL, at least 160;
--   without it LDL stays below 160 [assumption: the attribute decides, the values follow].
-- * `statin`: LDL -30% (moderate), -50% (high intensity) (Grundy SM et al. 2018 AHA/ACC
--   cholesterol guideline, Circulation 2019;139:e1082, Table 3).
-- * Total cholesterol = LDL + HDL + triglycerides/5 (Friedewald WT, Levy RI, Fredrickson DS. Clin
--   Chem 1972;18:499-502), so the panel adds up.
-- KIDNEY
-- * eGFR falls with age: about 118 mL/min/1.73 m2 at 20 to 106 at 40, then 0.75 per year
--   (Lindeman RD, Tobin J, Shock NW. J Am Geriatr Soc 1985;33:278-285); person SD 12. Infants: 20
--   at birth, doubling by 2 weeks, adult levels by 2 years (Schwartz GJ, Work DF. Adv Chronic
--   Kidney Dis 2009;16:181-192).
-- * `ckd_stage` sets the KDIGO 2012 GFR category: G1 >= 90, G2 60-89, G3 30-59, G4 15-29, G5 < 15
--   (the person sits at a stable position in the band); without CKD eGFR >= 60.
-- * Adults: creatinine from eGFR by inverting CKD-EPI 2021 (Inker LA et al. N Engl J Med
--   2021;385:1737-1749): eGFR = 142 x min(Scr/k, 1)^a x max(Scr/k, 1)^-1.200 x 0.9938^age
--   x 1.012 [female], k = 0.7 (F) / 0.9 (M), a = -0.241 (F) / -0.302 (M). Under 18: bedside
--   Schwartz, Scr = 0.413 x height (cm) / eGFR (Schwartz GJ et al. J Am Soc Nephrol
--   2009;20:629-637).

local LC = lib("lifecycle")
local G = lib("growth_cdc2000")

local clamp, round, curve, at = LC.clamp, LC.round, LC.curve, LC.at
local soft_max, soft_min, noise = LC.soft_max, LC.soft_min, LC.noise
local lms, value_at, z_of = G.lms, G.value_at, G.z_of
local exp, max, min, floor = math.exp, math.max, math.min, math.floor
local MS_PER_YEAR = LC.MS_PER_YEAR

-- the chart value at z-score z, and the z-score of value x
local function chart(name, sex, agemos, z)
  local L, M, S = lms(name, sex, agemos)
  return value_at(L, M, S, z)
end
local function chart_z(name, sex, agemos, x)
  local L, M, S = lms(name, sex, agemos)
  return z_of(L, M, S, x)
end

local V = {} -- the values of the run in progress, read by the VitalSign states that follow

-- growth --------------------------------------------------------------------------------------
local OBESE_CHILD = { -- {year, 2-5 y, 6-11 y, 12-19 y} percent
  { 1978, 5.0, 6.5, 5.0 }, { 1991, 7.2, 11.3, 10.5 }, { 2004, 13.9, 18.8, 17.4 },
  { 2008, 10.1, 19.6, 18.1 }, { 2012, 8.4, 17.7, 20.5 }, { 2016, 13.9, 18.4, 20.6 },
  { 2019, 12.7, 20.7, 22.2 },
}
local P95_Z = 1.6448536
-- the shift of the BMI z-score that gives the period's obesity prevalence, by band and year
local SHIFT = {}
for col = 2, 4 do
  local knots = {}
  for i, r in ipairs(OBESE_CHILD) do knots[i] = { r[1], r[col] } end
  local t = { lo = 1900, hi = 2150 }
  for y = 1900, 2150 do t[y - 1900] = P95_Z - LC.phi_inv(1 - LC.interp(knots, y) / 100) end
  SHIFT[col - 1] = t
end
local function child_shift(age, year)
  return at(SHIFT[age < 6 and 1 or age < 12 and 2 or 3], year)
end

local function child_bmi(sex, agemos, z)
  local L, M, S = lms("bmi", sex, agemos)
  if z <= P95_Z then return value_at(L, M, S, z) end
  return value_at(L, M, S, P95_Z) * exp(0.27 * (z - P95_Z))
end

local ADULT_M = {
  M = curve({ { 20, 25.0 }, { 30, 29.3 }, { 40, 29.3 }, { 50, 29.5 }, { 60, 29.5 }, { 70, 29.6 }, { 80, 27.3 }, { 90, 25.8 } }, 20, 120),
  F = curve({ { 20, 24.5 }, { 30, 28.6 }, { 40, 28.6 }, { 50, 28.3 }, { 60, 29.3 }, { 70, 29.5 }, { 80, 27.2 }, { 90, 24.8 } }, 20, 120),
}
local ADULT_S = { M = 0.215, F = 0.29 }
local PERIOD = curve({ { 1961, 0.85 }, { 2000, 0.95 }, { 2018, 1.0 } }, 1900, 2150)
local ADULT_CAL = 1.01 -- the knots' scale, recalibrated on realism runs to the obesity figures above
local function adult_bmi(sex, age, year, z)
  return ADULT_CAL * at(ADULT_M[sex], age) * at(PERIOD, year) * exp(ADULT_S[sex] * z)
end

local HEIGHT_LOSS = {
  M = curve({ { 30, 0 }, { 70, 3 }, { 80, 5 }, { 110, 11 } }, 20, 120),
  F = curve({ { 30, 0 }, { 70, 5 }, { 80, 8 }, { 110, 17 } }, 20, 120),
}

-- blood pressure --------------------------------------------------------------------------------
local BP4 = { -- Fourth Report Table B-1: alpha, beta1-4, gamma1-4, sigma
  MS = { 102.19768, 1.82416, 0.12776, 0.00249, -0.00135, 2.73157, -0.19618, -0.04659, 0.00947, 10.7128 },
  MD = { 61.01217, 0.68314, -0.09835, 0.01711, 0.00045, 1.46993, -0.07849, -0.03144, 0.00967, 11.6032 },
  FS = { 102.01027, 1.94397, 0.00598, -0.00789, -0.00059, 2.03526, 0.02534, -0.01884, 0.00121, 10.4855 },
  FD = { 60.50510, 1.01301, 0.01157, 0.00424, -0.00137, 1.16641, 0.12795, -0.03869, -0.00079, 10.9573 },
}
local function child_bp(c, age, hz)
  local y = clamp(age, 1, 17) - 10
  local h = clamp(hz, -3, 3)
  local mu = c[1] + y * (c[2] + y * (c[3] + y * (c[4] + y * c[5])))
    + h * (c[6] + h * (c[7] + h * (c[8] + h * c[9])))
  return mu, c[10]
end
local SBP_BASE = { M = curve({ { 18, 116 }, { 40, 119 }, { 60, 123 }, { 80, 127 } }, 18, 120),
  F = curve({ { 18, 107 }, { 40, 111 }, { 60, 119 }, { 80, 124 } }, 18, 120) }
local DBP_BASE = { M = curve({ { 18, 70 }, { 45, 76 }, { 60, 75 }, { 80, 68 } }, 18, 120),
  F = curve({ { 18, 67 }, { 45, 73 }, { 60, 72 }, { 80, 66 } }, 18, 120) }
local DBP_SHARE = curve({ { 50, 0.5 }, { 75, 0.2 } }, 18, 120) -- share of the hypertensive excess in DBP

-- heart and respiratory rate ---------------------------------------------------------------------
local HR_INFANT = curve({ { 0, 127 }, { 1, 145 }, { 24, 113 } }, 0, 24) -- by month
local HR_CHILD = curve({ { 2, 113 }, { 5, 96 }, { 13, 78 } }, 2, 13)   -- by year
local HR_ADULT = { M = 71, F = 74 }
local RR_KNOTS = curve({ { 0, 44 }, { 24, 26 }, { 180, 16 } }, 0, 180) -- by month

-- glucose -------------------------------------------------------------------------------------------
local FPG_KNOTS = { { 4.0, 65 }, { 5.7, 100 }, { 6.5, 126 }, { 6.75, 142 }, { 7.25, 152 }, { 7.75, 167 },
  { 8.25, 178 }, { 15.0, 178 + 28.7 * 6.75 } }
local FPG = curve((function()
  local k = {}
  for i, v in ipairs(FPG_KNOTS) do k[i] = { v[1] * 100, v[2] } end
  return k
end)(), 400, 1500) -- by hundredths of a percent

-- lipids --------------------------------------------------------------------------------------------
local LDL_BASE = { M = curve({ { 20, 100 }, { 40, 122 }, { 55, 126 }, { 90, 108 } }, 18, 120),
  F = curve({ { 20, 98 }, { 40, 110 }, { 55, 128 }, { 70, 130 }, { 90, 122 } }, 18, 120) }
local HDL_BASE = { M = curve({ { 20, 46 }, { 50, 46 }, { 80, 49 } }, 18, 120),
  F = curve({ { 20, 56 }, { 50, 59 }, { 80, 61 } }, 18, 120) }
local HDL_SD = { M = 11, F = 13 }
local TG_BASE = { M = curve({ { 20, 80 }, { 45, 118 }, { 70, 110 }, { 90, 100 } }, 18, 120),
  F = curve({ { 20, 72 }, { 50, 100 }, { 70, 112 }, { 90, 105 } }, 18, 120) }
local ALC_G = { moderate = 14, heavy = 56 }

-- kidney ----------------------------------------------------------------------------------------------
local EGFR_BASE = curve({ { 20, 118 }, { 40, 106 }, { 100, 61 } }, 18, 120)
local CKD_BAND = { { 90, 125 }, { 60, 89 }, { 30, 59 }, { 15, 29 }, { 6, 14 } }

-- Scr that gives eGFR e (CKD-EPI 2021 inverted)
local function creatinine_for(e, age, sex)
  local k, a = 0.9, -0.302
  if sex == "F" then k, a = 0.7, -0.241 end
  local r = e / (142 * 0.9938 ^ age * (sex == "F" and 1.012 or 1))
  if r >= 1 then return k * r ^ (1 / a) end
  return k * r ^ (-1 / 1.200)
end

local function num(v, default)
  if type(v) == "number" then return v end
  return default
end

-- the computation ------------------------------------------------------------------------------------
local function compute(p)
  local T = LC.traits(p)
  LC.seed(p)
  local sex = p.sex
  local now = p.time
  local age = (now - p.birth) / MS_PER_YEAR
  local agemos = age * 12
  local year = p.year
  local hz = T.lc_height_z
  local az = T.lc_adipo_z

  -- height (cm)
  local height
  if agemos < 24 then
    height = chart("len", sex, agemos, hz)
  elseif age < 20 then
    height = chart("stat", sex, agemos, hz)
  else
    local adult = p:attr("lc_adult_height")
    if adult == nil then
      adult = chart("stat", sex, 240, hz)
      p:set("lc_adult_height", adult)
    end
    height = adult - at(HEIGHT_LOSS[sex], age)
  end
  height = height + 0.3 * noise()
  local hm = height / 100

  -- weight (kg) and BMI
  local bmi, weight
  if agemos < 24 then
    weight = chart("wt", sex, agemos, 0.6 * hz + 0.8 * az)
    bmi = weight / (hm * hm)
  else
    if age < 20 then
      bmi = child_bmi(sex, agemos, az + child_shift(age, year))
      if age >= 18 then
        local w = (age - 18) / 2
        bmi = (1 - w) * bmi + w * adult_bmi(sex, 20, year, az)
      end
    else
      bmi = adult_bmi(sex, age, year, az)
    end
    weight = bmi * hm * hm
  end

  -- pregnancy
  local pregnant = p:attr("pregnant") == true
  local gest = 0
  local seen = p:attr("phys_preg_seen")
  if pregnant then
    if type(seen) ~= "number" then
      seen = now
      p:set("phys_preg_seen", seen)
    end
    gest = min(40, 8 + (now - seen) / 604800000)
    local rate = bmi < 18.5 and 0.51 or bmi < 25 and 0.42 or bmi < 30 and 0.28 or 0.22
    weight = weight + (gest <= 13 and 1.25 * gest / 13 or 1.25 + rate * (gest - 13))
  elseif seen ~= nil then
    p:set("phys_preg_seen", nil)
  end
  weight = max(1.5, weight + 0.2 * noise())
  bmi = weight / (hm * hm)

  V.height = round(height, 1)
  V.weight = round(weight, 1)
  V.bmi = round(bmi, 1)
  V.bmi_pct = nil
  if age >= 2 and age < 20 then
    V.bmi_pct = clamp(round(100 * LC.phi(chart_z("bmi", sex, agemos, bmi)), 1), 0.1, 99.9)
  end

  -- behaviours and diseases
  local smoker = p:attr("smoker") == true
  local alcohol = p:attr("alcohol")
  local heavy = alcohol == "heavy"

  -- blood pressure
  local sbp_z = T.lc_sbp_z
  local dz = 0.6 * sbp_z + 0.8 * T.lc_dbp_z
  local sbp, dbp
  if age < 20 then
    local ms, ss = child_bp(sex == "M" and BP4.MS or BP4.FS, age, hz)
    local md, sd = child_bp(sex == "M" and BP4.MD or BP4.FD, age, hz)
    sbp = ms + 0.6 * ss * sbp_z + 0.4 * ss * noise()
    dbp = md + 0.6 * sd * dz + 0.4 * sd * noise()
  end
  if age >= 17 then
    local a = max(age, 18)
    local usual_s = at(SBP_BASE[sex], a) + 0.85 * (bmi - 27) + 8 * sbp_z + (heavy and 5.5 or 0)
    local usual_d = at(DBP_BASE[sex], a) + 0.5 * (bmi - 27) + 6 * dz + (heavy and 4.0 or 0)
    local s, d
    if p:attr("hypertension") == true then
      local n_drugs = clamp(num(p:attr("antihypertensives"), 0), 0, 3)
      local excess = max(6, 20 + 8 * T.lc_htn_z)
      s = soft_min(usual_s + excess, 131, 1.5) - 9.1 * n_drugs + 6 * noise()
      d = usual_d + at(DBP_SHARE, a) * excess - 5.5 * n_drugs + 4 * noise()
      s = soft_min(s, 100, 3)
      d = soft_min(d, 55, 3)
    else
      s = soft_max(usual_s + 6 * noise(), 129, 2.5)
      d = soft_max(usual_d + 4 * noise(), 79, 2)
    end
    if age < 20 then
      local w = clamp((age - 17) / 3, 0, 1)
      sbp = (1 - w) * sbp + w * s
      dbp = (1 - w) * dbp + w * d
    else
      sbp, dbp = s, d
    end
  end
  if pregnant and gest >= 13 and gest <= 28 then
    sbp, dbp = sbp - 3, dbp - 5
  end
  dbp = clamp(dbp, 30, 130)
  sbp = clamp(sbp, max(60, dbp + 20), 230)
  V.sbp = round(sbp)
  V.dbp = round(dbp)

  -- heart rate
  local hr
  if agemos < 24 then
    hr = at(HR_INFANT, agemos)
  elseif age < 13 then
    hr = at(HR_CHILD, age)
  elseif age < 20 then
    hr = 78 + (HR_ADULT[sex] - 78) * (age - 13) / 7
  else
    hr = HR_ADULT[sex]
  end
  hr = hr * (1 + 0.08 * T.lc_hr_z + 0.05 * noise())
  if smoker then hr = hr + 4 end
  if pregnant then hr = hr + 10 end
  V.hr = round(clamp(hr, age < 1 and 90 or 45, age < 1 and 190 or 150))

  -- respiratory rate
  local rr = at(RR_KNOTS, agemos) + 1.5 * T.lc_rr_z + 1.5 * noise()
  if p:attr("copd") == true then rr = rr + 3 end
  if p:attr("asthma") == true then rr = rr + 1 end
  V.rr = round(clamp(rr, age < 2 and 20 or 10, age < 2 and 70 or 30))

  -- HbA1c and fasting glucose
  local a1c
  local diabetes, prediabetes = p:attr("diabetes") == true, p:attr("prediabetes") == true
  if diabetes then
    local untreated = 6.6 + 1.2 * exp(0.5 * T.lc_dm_z)
    local tx = p:attr("diabetes_treatment")
    if tx == "metformin" then
      a1c = max(6.0, untreated - 1.12)
    elseif tx == "dual" then
      a1c = max(6.0, untreated - 1.92)
    elseif tx == "insulin" then
      a1c = max(6.0, 7.0 + 0.3 * (untreated - 7.8))
    else
      a1c = untreated
    end
    a1c = a1c + 0.05 * noise()
    if tx == nil or tx == "none" then a1c = max(6.5, a1c) end
  elseif prediabetes then
    a1c = clamp(5.7 + 0.7 * T.lc_prediab_u + 0.05 * noise(), 5.7, 6.4)
  else
    local base = age < 18 and 5.1 or 5.2 + 0.010 * (age - 20)
    a1c = base + 0.2 * T.lc_a1c_z + 0.01 * max(0, bmi - 25) + 0.05 * noise()
    a1c = soft_max(a1c, 5.64, 0.05)
  end
  a1c = clamp(a1c, 4.0, 15.0)
  local fpg = at(FPG, a1c * 100) * (1 + 0.06 * noise())
  if diabetes then
    fpg = max(fpg, 70)
  elseif prediabetes then
    fpg = clamp(fpg, 85, 125)
  else
    fpg = soft_max(fpg, 99, 1.5)
  end
  V.a1c = round(a1c, 1)
  V.glucose = round(clamp(fpg, 55, 600))

  -- lipids
  local ldl, hdl, tg
  if age < 18 then
    ldl = 92 + 22 * T.lc_ldl_z
    hdl = 52 + 11 * T.lc_hdl_z
    tg = (age < 10 and 60 or 75) * exp(0.4 * T.lc_tg_z)
  else
    local kg = (bmi - 27) * hm * hm
    local g = ALC_G[alcohol] or 0
    ldl = at(LDL_BASE[sex], age) + 28 * T.lc_ldl_z + 0.25 * kg
    hdl = at(HDL_BASE[sex], age) + HDL_SD[sex] * T.lc_hdl_z - 0.35 * kg + 3.99 * g / 30
    tg = at(TG_BASE[sex], age) * exp(0.45 * T.lc_tg_z) + 1.33 * kg + 5.69 * g / 30
    if smoker then
      ldl, hdl, tg = ldl * 1.017, hdl * 0.943, tg * 1.091
    end
    if p:attr("hyperlipidemia") == true then
      ldl = soft_min(ldl + max(10, 40 + 15 * T.lc_lip_z), 160, 4)
    else
      ldl = soft_max(ldl, 158, 4)
    end
    local statin = p:attr("statin")
    if statin == "moderate" then
      ldl = ldl * 0.70
    elseif statin == "high" then
      ldl = ldl * 0.50
    end
  end
  ldl = clamp(ldl * (1 + 0.04 * noise()), 30, 400)
  hdl = clamp(hdl * (1 + 0.04 * noise()), 20, 120)
  tg = clamp(tg * (1 + 0.08 * noise()), 30, 1500)
  V.ldl = round(ldl)
  V.hdl = round(hdl)
  V.tg = round(tg)
  V.chol = round(ldl + hdl + tg / 5)

  -- kidney
  local egfr
  local stage = floor(clamp(num(p:attr("ckd_stage"), 0), 0, 5))
  local ez = T.lc_egfr_z
  if agemos < 24 then
    -- 20 at birth, 40 at two weeks, 110 at two years
    egfr = (age < 0.0383 and 20 + 20 * age / 0.0383 or 40 + 70 * (age - 0.0383) / 1.9617) * (1 + 0.1 * ez)
  elseif age < 18 then
    egfr = 110 + 12 * ez
  else
    egfr = at(EGFR_BASE, age) + 12 * ez
  end
  egfr = egfr * (1 + 0.04 * noise())
  if stage >= 1 then
    local band = CKD_BAND[stage]
    if stage == 1 then
      egfr = clamp(egfr, 91, band[2])
    else
      egfr = band[1] + (band[2] - band[1]) * (0.1 + 0.8 * T.lc_ckd_u) + 1.5 * noise()
      egfr = clamp(egfr, band[1], band[2])
    end
  elseif agemos >= 24 then
    egfr = soft_min(egfr, 62, 1.5)
  end
  egfr = clamp(egfr, 4, 150)
  local scr
  if age >= 18 then
    scr = creatinine_for(egfr, age, sex)
  else
    scr = 0.413 * height / egfr
  end
  V.egfr = round(egfr)
  V.creatinine = round(clamp(scr, 0.1, 15), 2)
  return now
end

-- One state sets every value of the run: the computation, then p:set_vital for each (one Lua call
-- per run, not one state and one call per value).
local function run(p)
  compute(p)
  p:set_vital("Weight", V.weight)
  p:set_vital("BMI", V.bmi)
  -- BMI percentile only where the CDC chart defines it (2-20 years)
  if V.bmi_pct ~= nil then p:set_vital("BMI Percentile", V.bmi_pct) end
  p:set_vital("Systolic Blood Pressure", V.sbp)
  p:set_vital("Diastolic Blood Pressure", V.dbp)
  p:set_vital("Heart Rate", V.hr)
  p:set_vital("Respiratory Rate", V.rr)
  p:set_vital("Glucose", V.glucose)
  p:set_vital("HbA1c", V.a1c)
  p:set_vital("Total Cholesterol", V.chol)
  p:set_vital("LDL", V.ldl)
  p:set_vital("HDL", V.hdl)
  p:set_vital("Triglycerides", V.tg)
  p:set_vital("Creatinine", V.creatinine)
  p:set_vital("eGFR", V.egfr)
  return V.height
end

return {
  name = "Lifecycle Physiology",
  states = {
    Initial = { type = "Initial", direct_transition = "Height" },
    -- (named Height: a state's random draws are keyed by its name, so the values stay the same)
    Height = { type = "VitalSign", vital_sign = "Height", unit = "cm", value = run,
               direct_transition = "Terminal" },
    Terminal = { type = "Terminal" },
  },
}
