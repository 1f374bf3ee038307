-- Lung cancer, both sexes: a preclinical (CT-detectable) tumor whose onset hazard is a never-smoker
-- baseline by age and sex times a relative risk from the person's tobacco history (lifecycle.lua's
-- `smoker`, `former_smoker`, `lc_smoking_start`; `lc_quit_at`, the instant of quitting;
-- a smoking intensity drawn here); annual low-dose CT screening of eligible people who take it
-- up (USPSTF 2021); diagnosis at a screen or when symptoms appear at the end of the sojourn;
-- histology (adenocarcinoma, squamous, other non-small cell, small cell) by smoking; SEER summary
-- stage and AJCC stage group by detection mode and histology; work-up (CT chest, needle biopsy or
-- bronchoscopy, pathology report with EGFR / ALK / PD-L1 for non-small cell); curative treatment
-- (lung_cancer/curative) or metastatic care (lung_cancer/metastatic); survivorship CT, distant
-- recurrence, lines of therapy, hospice, death from the cancer.
-- Numbers marked [assumption] are modelling choices; [approximate] are readings to verify.
--
-- Figures and their sources:
-- * Incidence of lung and bronchus cancer per 100,000 by age and sex, SEER 22 2017-2021
--   [approximate reading of SEER*Explorer age-specific rates; verify]: men 30-34 1.0, 35-39 2.0,
--   40-44 5.5, 45-49 14, 50-54 36, 55-59 80, 60-64 145, 65-69 235, 70-74 330, 75-79 400, 80-84
--   410, 85+ 340; women 1.2, 2.3, 6.5, 16, 38, 75, 130, 200, 270, 310, 290, 210.
--   These rates cover every smoking status. The module's hazard is BASE(age, sex) x RR(tobacco);
--   BASE (the never-smoker rate) is the SEER rate divided by the mean RR of the people of that
--   age in 2017-2021, computed by calibration/lung_base.py from lifecycle.lua's smoking process
--   (birth-cohort ever-smoking, start ages, quit probabilities) and the RR model below. The
--   result, e.g. 47 (men) / 47 (women) per 100,000 at 70-74, is above the never-smoker incidence
--   of cohort studies (Wakelee HA et al. J Clin Oncol 2007;25:472-478: 14.4-20.8 per 100,000 in
--   women and 4.8-13.7 in men at 40-79, age-adjusted) [known limitation: the RR model or the
--   lifecycle smoking histories give a smaller smoking-attributable share than the ~85-90% usually
--   cited; the totals by age are what is calibrated]. The table is moved LEAD = 2 years younger
--   because it gives ages at diagnosis and the preclinical sojourn (mean 2 years) comes before,
--   and multiplied by 1.3 (BASE_FACTOR, calibrated to the lifetime risk below on the realism
--   harness's birth cohort: smokers die earlier of other modules' causes).
--   SEER Cancer Stat Facts: Lung and Bronchus Cancer: lifetime risk about 5.7%, median age at
--   diagnosis 71 [approximate; verify against the current page].
-- * Tobacco relative risk [assumption in the form, figures cited]: a linear excess relative risk
--   in pack-years, ERR 0.5 per pack-year (Lubin JH, Caporaso NE. Cancer Epidemiol Biomarkers
--   Prev 2006;15:517-523 report ERR/pack-year of about 0.3-0.8 at 20+ cigarettes a day; 0.5 gives
--   a current smoker of 45 pack-years an RR of 23.5, near the contemporary US current-smoker RR of
--   about 25 for lung cancer death: Thun MJ et al. N Engl J Med 2013;368:351-364). After quitting
--   the excess halves every 12 years (Tindle HA et al. J Natl Cancer Inst 2018;110:1201-1207,
--   Framingham: heavy smokers 25+ years after quitting still HR 3.8 vs never, about a quarter of
--   the current-smoker excess). Intensity per smoker, drawn once [assumption, mean 0.93 pack a
--   day, near the historical US mean of about 20 cigarettes a day]: 0.5 pack/day 35%, 1 45%,
--   1.5 15%, 2 5%.
-- * Screening (USPSTF. JAMA 2021;325:962-970): annual low-dose CT at 50-80 with >= 20 pack-years,
--   current smokers or quit within 15 years. Uptake: 12% of eligible people are regular screeners
--   (parameter screening_uptake) [assumption within the 5-16% reported for 2019-2022, e.g. Fedewa
--   SA et al. JAMA Intern Med 2021 / ACS 2022 estimates]. Sensitivity 90% for a preclinical cancer
--   (NLST first round 93.8%: National Lung Screening Trial Research Team. N Engl J Med
--   2013;368:1980-1991) [rounded]; 7% of other screens are positive (Lung-RADS 3/4: 12.8% at
--   baseline, 5.3% later rounds, Pinsky PF et al. Ann Intern Med 2015;162:485-491) and get a
--   diagnostic CT 1-3 months later, 10% of those a needle biopsy [assumption].
-- * Preclinical sojourn exponential, mean 2 years [assumption; CISNET lung models estimate mean
--   CT-detectable sojourn times of about 2-4 years for NSCLC, shorter for SCLC: ten Haaf K et al.
--   Cancer Epidemiol Biomarkers Prev 2015;24:154-161].
-- * Histology [approximate, SEER distribution of microscopically confirmed cases: adenocarcinoma
--   ~50%, squamous ~23%, small cell ~13%, other ~14%; never-smokers mostly adenocarcinoma]:
--   ever-smokers adeno 48% / squamous 25% / other NSCLC 12% / SCLC 15%; never-smokers 80 / 8 / 9 / 3.
-- * Stage at diagnosis, SEER summary stage, SEER 22 (Cancer Stat Facts: Lung and Bronchus
--   Cancer): localized 27%, regional 22%, distant 45%, unstaged 6% -> 28.7 / 23.4 / 47.9% of
--   staged cases. Small cell (SEER Cancer Statistics Review 1975-2015, Table 15.13, 2008-2014):
--   4 / 19 / 75% (unstaged 2%) -> 4 / 20 / 76%. Screen-detected NSCLC 60 / 25 / 15% [assumption
--   near the NLST CT arm's ~60% stage I: Aberle DR et al. N Engl J Med 2011;365:395-409];
--   symptomatic NSCLC fitted so that the totals match SEER (see NSCLC_CLINICAL below).
-- * AJCC stage group from the summary stage [assumption]: localized 75% stage I, 25% stage II;
--   regional 30% stage II, 70% stage III; distant stage IV.
-- * Biomarkers of non-squamous NSCLC [approximate]: EGFR sensitizing mutation in 45% of never-
--   smokers and 10% of ever-smokers (about 15% overall, US; e.g. Zhang YL et al. Oncotarget
--   2016;7:78985 meta-analysis, North America 22% of adenocarcinoma in mixed series); ALK
--   rearrangement 12% / 2.5% (about 4-5% overall: Chia PL et al. Clin Epidemiol 2014;6:423-432),
--   mutually exclusive. PD-L1 (22C3) tumor proportion score in all NSCLC: >= 50% 30%, 1-49%
--   32%, < 1% 38% (KEYNOTE-001/024 screening populations: Reck M et al. N Engl J Med 2016;375:
--   1823-1833, about 30% >= 50%; Dietel M et al. Lung Cancer 2019;134:174-179, EXPRESS).
-- * Tumor size at diagnosis [assumption]: localized 8-35 mm, regional 20-60 mm, distant 25-90 mm;
--   CEA 1-8 ng/mL at diagnosis, 5-60 for distant disease [assumption].
-- * ECOG at diagnosis [assumption]: localized/regional 0 (60%) / 1 (40%); distant 1 (55%) /
--   2 (35%) / 3 (10%).
-- * 5-year relative survival by stage, SEER 22 (Cancer Stat Facts): localized 64.7%, regional
--   37.5%, distant 9.2% [verify the release]; matched by the recurrence figures below and the
--   metastatic course in lung_cancer/metastatic.lua.

local O = lib("oncology")
local sct, loinc = codes.snomed, codes.loinc

local P = parameters {
  risk_multiplier = param(1.0, "multiplies the onset hazard of the preclinical tumor"),
  screening_uptake = param(0.12, "share of ever-smokers who would take up annual low-dose CT when eligible"),
  screening_start_age = param(50, "first age of lung cancer screening (USPSTF 2021: 50)"),
}

local ADENO = sct(254626006, "Adenocarcinoma of lung (disorder)")
local SQUAMOUS = sct(254634000, "Squamous cell carcinoma of lung (disorder)")
local NSCLC = sct(254637007, "Non-small cell lung cancer (disorder)")
local SCLC = sct(254632001, "Small cell carcinoma of lung (disorder)")
local ENC_CHECKUP = sct(185349003, "Encounter for check up (procedure)")
local LDCT = sct(16334891000119106, "Low dose computed tomography of thorax (procedure)")
local CT_CHEST = sct(169069000, "Computed tomography of chest (procedure)")
local NEEDLE_BIOPSY = sct(274319000, "Needle biopsy of lung (procedure)")
local BRONCHOSCOPY = sct(173160006, "Diagnostic fiberoptic bronchoscopy (procedure)")
local EGFR = loinc("21665-5", "EGFR gene mutations found [Identifier] in Blood or Tissue by Molecular genetics method Nominal")
local ALK = loinc("76042-8", "ALK gene rearrangements [Presence] in Tissue by FISH")
local PDL1 = loinc("83052-1", "PD-L1 by clone 22C3 [Presence] in Tissue by Immune stain")

local Y = O.YEAR_MS
local LEAD = 2
local ERR, HALF_LIFE = 0.5, 12
local PPD = { { 0.35, 0.5 }, { 0.45, 1.0 }, { 0.15, 1.5 }, { 0.05, 2.0 } }

-- never-smoker onset rate per person-year {upper age of the band at diagnosis, rate}; from
-- calibration/lung_base.py (ERR 0.5, half-life 12 years)
local BASE = {
  M = { { 35, 0.44e-5 }, { 40, 0.68e-5 }, { 45, 1.67e-5 }, { 50, 3.66e-5 }, { 55, 8.11e-5 }, { 60, 15.72e-5 },
        { 65, 24.76e-5 }, { 70, 36.13e-5 }, { 75, 47.12e-5 }, { 80, 56.31e-5 }, { 85, 61.01e-5 }, { 110, 58.38e-5 } },
  F = { { 35, 0.60e-5 }, { 40, 0.92e-5 }, { 45, 2.34e-5 }, { 50, 4.99e-5 }, { 55, 10.35e-5 }, { 60, 18.01e-5 },
        { 65, 27.68e-5 }, { 70, 37.66e-5 }, { 75, 47.29e-5 }, { 80, 54.62e-5 }, { 85, 54.51e-5 }, { 110, 44.75e-5 } },
}
for _, t in pairs(BASE) do for _, b in ipairs(t) do b[1] = b[1] - LEAD end end

-- [calibration] x 1.3: with the plain table the harness's 1950 birth cohort had a lifetime risk of
-- 4.25% (se 0.3) against 5.5% expected by lung_base.py, which ignores that smokers die earlier of
-- the other modules' causes (COPD, coronary heart disease, stroke) and so reach the ages of lung
-- cancer less often than never-smokers
local BASE_FACTOR = 1.3
local function base_rate(sex, a)
  local t = BASE[sex] or BASE.F
  if a < 30 - LEAD then return 0 end
  for i = 1, #t do if a < t[i][1] then return t[i][2] * BASE_FACTOR end end
  return 0
end

-- tobacco ---------------------------------------------------------------------------------------
local function ever_smoker(p) return p:attr("lc_smoking_start") ~= nil end
local function start_age(p) return p:attr("lc_smoking_start") or 0 end
local function quit_age(p)
  local q = p:attr("lc_quit_at")
  return q and (q - p.birth) / Y or nil
end
-- pack-years at the current instant
local function pack_years(p)
  if not ever_smoker(p) then return 0 end
  local a, q = O.age(p), quit_age(p)
  local stop = (p:attr("smoker") == true or not q) and a or q
  return math.max(0, (stop - start_age(p)) * (p:attr("lung_ppd") or 0))
end
-- the relative risk now
local function rr_now(p)
  if not ever_smoker(p) then return 1 end
  local a, q = O.age(p), quit_age(p)
  if p:attr("smoker") == true or not q then return 1 + ERR * pack_years(p) end
  return 1 + ERR * pack_years(p) * 0.5 ^ ((a - q) / HALF_LIFE)
end
-- the bound used to draw candidates: the relative risk if the person smokes on, at the end of
-- each year of age
local function rr_bound(p, a)
  if not ever_smoker(p) then return 1 end
  return 1 + ERR * (p:attr("lung_ppd") or 0) * math.max(0, math.floor(a) + 1 - start_age(p))
end

local function candidate_at(p)
  local a0 = math.floor(O.age(p))
  local bands = {}
  for a = a0, 109 do bands[#bands + 1] = { a + 1, base_rate(p.sex, a) * rr_bound(p, a) } end
  local t = O.wait_years(p, bands, P.risk_multiplier)
  return t < 200 and p.time + t * Y or nil
end
local function accept_p(p)
  return math.min(1, rr_now(p) / rr_bound(p, O.age(p)))
end

local function sojourn_years(p) return -math.log(1 - p:random()) * 2 end

-- screening -------------------------------------------------------------------------------------
local function eligible(p)
  local a = O.age(p)
  if a < P.screening_start_age or a >= 81 or pack_years(p) < 20 then return false end
  if p:attr("smoker") == true then return true end
  local q = quit_age(p)
  return q ~= nil and a - q < 15
end
-- the next instant a screen can be due: in about a year after a screen while eligible; else the
-- age at which a person could first be eligible (the start age, or 20 pack-years for a current
-- smoker); never for a former smoker who is not eligible now (pack-years fixed, the quit recedes)
local function plan_screen(p, after_screen)
  if after_screen and eligible(p) then
    local t = p.time + (1 + (p:random() - 0.5) / 6) * Y
    return (t - p.birth) / Y < 81 and t or nil
  end
  local a, ppd = O.age(p), p:attr("lung_ppd") or 0
  if ppd <= 0 then return nil end
  if p:attr("smoker") ~= true and p:attr("former_smoker") == true and a >= P.screening_start_age then return nil end
  local at = math.max(start_age(p) + 20 / ppd, P.screening_start_age + p:random())
  if at >= 81 or at <= a + 1 / 365 then return nil end
  return p.birth + at * Y
end

local function next_event_years(p)
  local t = math.min(O.years_until(p, p:attr("lung_clinical_at")), O.years_until(p, p:attr("lung_next_screen")))
  if not p:attr("lung_preclinical_at") then t = math.min(t, O.years_until(p, p:attr("lung_candidate_at"))) end
  return t
end

-- diagnosis -------------------------------------------------------------------------------------
local HISTOLOGY = {
  ever = { { 0.48, "adeno" }, { 0.25, "squamous" }, { 0.12, "other" }, { 0.15, "sclc" } },
  never = { { 0.80, "adeno" }, { 0.08, "squamous" }, { 0.09, "other" }, { 0.03, "sclc" } },
}
-- SEER target of staged cases and the small cell distribution; NSCLC: screen-detected fixed,
-- symptomatic solved so that all cases give the SEER target (SCREEN_SHARE: share of NSCLC found
-- at a screen, measured on the calibration cohort)
local TARGET = { localized = 0.287, regional = 0.234, distant = 0.479 }
local SCLC_STAGE = { { 0.04, "localized" }, { 0.20, "regional" }, { 0.76, "distant" } }
local SCLC_SHARE, SCREEN_SHARE = 0.14, 0.06
local SCREEN_STAGE = { localized = 0.60, regional = 0.25, distant = 0.15 }
local NSCLC_CLINICAL = {}
do
  local sc = { localized = 0.04, regional = 0.20, distant = 0.76 }
  for _, s in ipairs { "localized", "regional", "distant" } do
    local nsclc = (TARGET[s] - SCLC_SHARE * sc[s]) / (1 - SCLC_SHARE)
    NSCLC_CLINICAL[#NSCLC_CLINICAL + 1] = { (nsclc - SCREEN_SHARE * SCREEN_STAGE[s]) / (1 - SCREEN_SHARE), s }
  end
end
local NSCLC_SCREEN = { { SCREEN_STAGE.localized, "localized" }, { SCREEN_STAGE.regional, "regional" },
                       { SCREEN_STAGE.distant, "distant" } }

local function draw_histology(p) return O.choose(p, HISTOLOGY[ever_smoker(p) and "ever" or "never"]) end
local function draw_stage(p)
  if p:attr("lung_histology") == "sclc" then return O.choose(p, SCLC_STAGE) end
  return O.choose(p, p:attr("lung_detection") == "screen" and NSCLC_SCREEN or NSCLC_CLINICAL)
end
local function draw_group(p)
  local s = p:attr("lung_seer")
  if s == "localized" then return p:random() < 0.75 and 1 or 2 end
  if s == "regional" then return p:random() < 0.30 and 2 or 3 end
  return 4
end
-- "EGFR", "ALK" or "none" for non-squamous NSCLC; nil otherwise
local function draw_driver(p)
  local h = p:attr("lung_histology")
  if h ~= "adeno" and h ~= "other" then return "none" end
  local never = not ever_smoker(p)
  local e, a = never and 0.45 or 0.10, never and 0.12 or 0.025
  return O.choose(p, { { e, "EGFR" }, { a, "ALK" }, { 1 - e - a, "none" } })
end
local function draw_pdl1(p)
  if p:attr("lung_histology") == "sclc" then return "na" end
  return O.choose(p, { { 0.30, "high" }, { 0.32, "low" }, { 0.38, "negative" } })
end
local function tumor_mm(p)
  local s = p:attr("lung_seer")
  local lo, hi = 8, 35
  if s == "regional" then lo, hi = 20, 60 elseif s == "distant" then lo, hi = 25, 90 end
  return math.floor(lo + (hi - lo) * p:random() + 0.5)
end
local function draw_ecog(p)
  if p:attr("lung_seer") == "distant" then return O.choose(p, { { 0.55, 1 }, { 0.35, 2 }, { 0.10, 3 } }) end
  return p:random() < 0.6 and 0 or 1
end

-- distant recurrence after curative treatment [assumption, fitted by simulation of this model to
-- SEER 5-year relative survival, localized 64.7% and regional 37.5% (calibration/lung_rec.py, calibration/lung_an.py)]: ever in
-- RECUR[stage][1] of NSCLC cases (x 1.3 for small cell, at most 0.95); time lognormal (sigma
-- 0.7) with median RECUR[stage][2] years (most recurrences within 2-3 years of resection:
-- e.g. Lou F et al. J Thorac Cardiovasc Surg 2013;145:75-81).
local RECUR = { localized = { 0.50, 2.0 }, regional = { 0.67, 1.2 } }
local function recurrence_years(p)
  local r = RECUR[p:attr("lung_seer")]
  if not r then return nil end
  local prob = r[1]
  if p:attr("lung_histology") == "sclc" then prob = math.min(0.95, prob * 1.3) end
  if p:random() >= prob then return nil end
  local u1, u2 = p:random(), p:random()
  local z = math.sqrt(-2 * math.log(1 - u1)) * math.cos(2 * math.pi * u2)
  return math.max(0.3, r[2] * math.exp(0.7 * z))
end

local S = {
  Initial = { type = "Initial", direct_transition = "Adult" },
  Adult = { type = "Guard", allow = age(">=", 25), conditional_transition = when {
    { attribute("lc_smoking_start", "is not nil"), "Intensity" }, { "Draw_Candidate" } } },
  Intensity = { type = "SetAttribute", attribute = "lung_ppd", value = function(p) return O.choose(p, PPD) end,
                direct_transition = "Screener" },
  Screener = { type = "Simple", distributed_transition = {
    { distribution = function() return P.screening_uptake end, transition = "Plan_Screening" },
    { distribution = function() return 1 - P.screening_uptake end, transition = "Draw_Candidate" } } },
  Plan_Screening = { type = "SetAttribute", attribute = "lung_next_screen", value = function(p) return plan_screen(p, false) end,
                     direct_transition = "Draw_Candidate" },

  -- the preclinical tumor: candidates of the continuing-smoker hazard, thinned by the actual one
  Draw_Candidate = { type = "SetAttribute", attribute = "lung_candidate_at", value = candidate_at, direct_transition = "Wait" },
  Wait = { type = "Delay", distribution = next_event_years, unit = "years", direct_transition = "Dispatch" },
  Dispatch = { type = "Simple", conditional_transition = when {
    { function(p) return O.due(p, p:attr("lung_clinical_at")) end, "Clinical" },
    { all_of { attribute("lung_preclinical_at", "is nil"), function(p) return O.due(p, p:attr("lung_candidate_at")) end }, "Thin" },
    { function(p) return O.due(p, p:attr("lung_next_screen")) end, "Screen_Check" },
    { "Wait" } } },
  Thin = { type = "Simple", distributed_transition = {
    { distribution = accept_p, transition = "Preclinical" },
    { distribution = function(p) return 1 - accept_p(p) end, transition = "Draw_Candidate" } } },
  Preclinical = { type = "SetAttribute", attribute = "lung_preclinical_at", value = function(p) return p.time end,
                  direct_transition = "Clinical_Time" },
  Clinical_Time = { type = "SetAttribute", attribute = "lung_clinical_at",
                    value = function(p) return p.time + sojourn_years(p) * Y end, direct_transition = "Wait" },

  -- low-dose CT screening ------------------------------------------------------------------------
  Screen_Check = { type = "Simple", conditional_transition = when { { eligible, "Screening_Visit" }, { "Replan_Screen" } } },
  Replan_Screen = { type = "SetAttribute", attribute = "lung_next_screen", value = function(p) return plan_screen(p, true) end,
                    direct_transition = "Wait" },
  Screening_Visit = { type = "Encounter", encounter_class = "outpatient", codes = { ENC_CHECKUP },
                      direct_transition = "Screening_CT" },
  Screening_CT = { type = "Procedure", codes = { LDCT }, duration = { low = 10, high = 20, unit = "minutes" },
                   direct_transition = "Screen_Result" },
  Screen_Result = { type = "Simple", complex_transition = {
    { condition = has_attribute("lung_preclinical_at"), distributions = {
        { distribution = 0.90, transition = "Screen_Detected" }, { distribution = 0.10, transition = "Screen_Negative" } } },
    { distributions = { { distribution = 0.07, transition = "Recall" }, { distribution = 0.93, transition = "Screen_Negative" } } } } },
  Screen_Negative = { type = "EncounterEnd", direct_transition = "Plan_Next_Screen" },
  Plan_Next_Screen = { type = "SetAttribute", attribute = "lung_next_screen", value = function(p) return plan_screen(p, true) end,
                       direct_transition = "Wait" },
  Recall = { type = "EncounterEnd", direct_transition = "Recall_Delay" },
  Recall_Delay = { type = "Delay", distribution = uniform { months(1), months(3) }, direct_transition = "Recall_Visit" },
  Recall_Visit = { type = "Encounter", encounter_class = "outpatient", codes = { O.ENC_FOLLOWUP },
                   direct_transition = "Recall_CT" },
  Recall_CT = { type = "Procedure", codes = { CT_CHEST }, duration = { low = 10, high = 30, unit = "minutes" },
                distributed_transition = pick { { 0.10, "Recall_Biopsy" }, { 0.90, "Recall_End" } } },
  Recall_Biopsy = { type = "Procedure", codes = { NEEDLE_BIOPSY }, duration = { low = 30, high = 60, unit = "minutes" },
                    direct_transition = "Recall_End" },
  Recall_End = { type = "EncounterEnd", direct_transition = "Plan_Next_Screen" },

  Screen_Detected = { type = "SetAttribute", attribute = "lung_detection", value = "screen", direct_transition = "End_Screen_Visit" },
  End_Screen_Visit = { type = "EncounterEnd", direct_transition = "Workup_Delay" },
  Workup_Delay = { type = "Delay", distribution = uniform { days(7), days(28) }, direct_transition = "Histology" },
  Clinical = { type = "SetAttribute", attribute = "lung_detection", value = "clinical", direct_transition = "Histology" },

  -- diagnosis and work-up ------------------------------------------------------------------------
  Histology = { type = "SetAttribute", attribute = "lung_histology", value = draw_histology, direct_transition = "Stage" },
  Stage = { type = "SetAttribute", attribute = "lung_seer", value = draw_stage, direct_transition = "Stage_Group" },
  Stage_Group = { type = "SetAttribute", attribute = "lung_stage_group", value = draw_group, direct_transition = "Driver" },
  Driver = { type = "SetAttribute", attribute = "lung_driver", value = draw_driver, direct_transition = "PDL1" },
  PDL1 = { type = "SetAttribute", attribute = "lung_pdl1", value = draw_pdl1, direct_transition = "Tumor_Size" },
  Tumor_Size = { type = "SetAttribute", attribute = "lung_tumor_mm", value = tumor_mm, direct_transition = "ECOG_Value" },
  ECOG_Value = { type = "SetAttribute", attribute = "lung_ecog", value = draw_ecog, direct_transition = "Stop_Screening" },
  Stop_Screening = { type = "SetAttribute", attribute = "lung_next_screen", direct_transition = "Onset_Kind" },
  Onset_Kind = { type = "Simple", conditional_transition = when {
    { attribute("lung_histology", "==", "adeno"), "Onset_Adeno" }, { attribute("lung_histology", "==", "squamous"), "Onset_Squamous" },
    { attribute("lung_histology", "==", "sclc"), "Onset_SCLC" }, { "Onset_NSCLC" } } },
  Metastasis_Check = { type = "Simple", conditional_transition = when {
    { attribute("lung_seer", "==", "distant"), "Metastasis" }, { "Diagnostic_Visit" } } },
  Metastasis = { type = "ConditionOnset", codes = { O.METASTASIS }, target_encounter = "Diagnostic_Visit",
                 direct_transition = "Diagnostic_Visit" },
  Diagnostic_Visit = { type = "Encounter", encounter_class = "outpatient", reason = "lung_condition", codes = { O.ENC_PROBLEM },
                       direct_transition = "Diagnostic_CT" },
  Diagnostic_CT = { type = "Procedure", reason = "lung_condition", codes = { CT_CHEST },
                    duration = { low = 10, high = 30, unit = "minutes" }, conditional_transition = when {
                      { any_of { attribute("lung_histology", "==", "squamous"), attribute("lung_histology", "==", "sclc") }, "Bronchoscopy" },
                      { "Needle_Biopsy" } } },
  Needle_Biopsy = { type = "Procedure", reason = "lung_condition", codes = { NEEDLE_BIOPSY },
                    duration = { low = 30, high = 60, unit = "minutes" }, direct_transition = "Pathology" },
  Bronchoscopy = { type = "Procedure", reason = "lung_condition", codes = { BRONCHOSCOPY },
                   duration = { low = 30, high = 60, unit = "minutes" }, direct_transition = "Pathology" },
  Pathology = { type = "Simple", conditional_transition = when {
    { attribute("lung_histology", "==", "sclc"), "Tumor_Size_Obs" },
    { all_of { attribute("lung_histology", "==", "squamous"), attribute("lung_pdl1", "==", "negative") }, "Path_SQ_PDL1neg" },
    { attribute("lung_histology", "==", "squamous"), "Path_SQ_PDL1pos" },
    { all_of { attribute("lung_driver", "==", "EGFR"), attribute("lung_pdl1", "==", "negative") }, "Path_EGFRpos_ALKneg_PDL1neg" },
    { attribute("lung_driver", "==", "EGFR"), "Path_EGFRpos_ALKneg_PDL1pos" },
    { all_of { attribute("lung_driver", "==", "ALK"), attribute("lung_pdl1", "==", "negative") }, "Path_EGFRneg_ALKpos_PDL1neg" },
    { attribute("lung_driver", "==", "ALK"), "Path_EGFRneg_ALKpos_PDL1pos" },
    { attribute("lung_pdl1", "==", "negative"), "Path_EGFRneg_ALKneg_PDL1neg" },
    { "Path_EGFRneg_ALKneg_PDL1pos" } } },

  Tumor_Size_Obs = { type = "Observation", category = "laboratory", unit = "mm", codes = { O.TUMOR_SIZE },
                     attribute = "lung_tumor_mm", direct_transition = "CEA_Check" },
  CEA_Check = { type = "Simple", conditional_transition = when {
    { attribute("lung_seer", "==", "distant"), "CEA_High" }, { "CEA_Low" } } },
  CEA_Low = { type = "Observation", category = "laboratory", unit = "ng/mL", codes = { O.CEA },
              range = { low = 1, high = 8, decimals = 1 }, direct_transition = "Stage_Obs" },
  CEA_High = { type = "Observation", category = "laboratory", unit = "ng/mL", codes = { O.CEA },
               range = { low = 5, high = 60, decimals = 1 }, direct_transition = "Stage_Obs" },
  Stage_Obs = { type = "Simple", conditional_transition = when {
    { attribute("lung_stage_group", "==", 1), "Stage_1" }, { attribute("lung_stage_group", "==", 2), "Stage_2" },
    { attribute("lung_stage_group", "==", 3), "Stage_3" }, { "Stage_4" } } },
  -- the N category tells localized (N0) from regional (N1) disease in the record
  Nodes = { type = "Simple", conditional_transition = when {
    { attribute("lung_seer", "==", "localized"), "N0" }, { attribute("lung_seer", "==", "regional"), "N1" }, { "ECOG" } } },
  N0 = { type = "Observation", category = "laboratory", codes = { O.NODES }, value_code = O.N0, direct_transition = "ECOG" },
  N1 = { type = "Observation", category = "laboratory", codes = { O.NODES }, value_code = O.N1, direct_transition = "ECOG" },
  ECOG = { type = "Observation", category = "survey", unit = "{score}", codes = { O.ECOG }, attribute = "lung_ecog",
           direct_transition = "End_Diagnostic_Visit" },
  End_Diagnostic_Visit = { type = "EncounterEnd", conditional_transition = when {
    { attribute("lung_seer", "==", "distant"), "Metastatic" }, { "Curative" } } },

  Curative = { type = "CallSubmodule", submodule = "lung_cancer/curative", direct_transition = "Recurrence_Time" },
  Metastatic = { type = "CallSubmodule", submodule = "lung_cancer/metastatic", direct_transition = "Terminal" },

  -- survivorship: a visit with CT chest every year for 5 years (adjuvant osimertinib ends at the
  -- third), then waiting for a distant recurrence, if one is due ---------------------------------
  Recurrence_Time = { type = "SetAttribute", attribute = "lung_recur_at", value = function(p)
                        local t = recurrence_years(p)
                        return t and p.time + t * Y or nil end, direct_transition = "Survivorship" },
  Survivorship = { type = "Delay", distribution = function(p) return math.min(1, O.years_until(p, p:attr("lung_recur_at"))) end,
                   unit = "years", conditional_transition = when {
                     { function(p) return O.due(p, p:attr("lung_recur_at")) end, "Recurrence" }, { "Survivor_Visit" } } },
  Survivor_Visit = { type = "Encounter", encounter_class = "ambulatory", reason = "lung_condition", codes = { O.ENC_FOLLOWUP },
                     direct_transition = "Survivor_CT" },
  Survivor_CT = { type = "Procedure", reason = "lung_condition", codes = { CT_CHEST },
                  duration = { low = 10, high = 30, unit = "minutes" }, direct_transition = "Survivor_Year" },
  Survivor_Year = { type = "Counter", attribute = "lung_survivor_years", action = "increment", conditional_transition = when {
    { all_of { attribute("lung_survivor_years", ">=", 3), attribute("lung_adjuvant_tki", "is not nil") }, "End_Adjuvant_TKI" },
    { "End_Survivor_Visit" } } },
  End_Adjuvant_TKI = { type = "MedicationEnd", referenced_by_attribute = "lung_adjuvant_tki", direct_transition = "Clear_Adjuvant_TKI" },
  Clear_Adjuvant_TKI = { type = "SetAttribute", attribute = "lung_adjuvant_tki", direct_transition = "End_Survivor_Visit" },
  End_Survivor_Visit = { type = "EncounterEnd", conditional_transition = when {
    { attribute("lung_survivor_years", ">=", 5), "Long_Term" }, { "Survivorship" } } },
  Long_Term = { type = "Delay", distribution = function(p) return O.years_until(p, p:attr("lung_recur_at")) end, unit = "years",
                conditional_transition = when { { function(p) return O.due(p, p:attr("lung_recur_at")) end, "Recurrence" }, { "Terminal" } } },
  Recurrence = { type = "ConditionOnset", codes = { O.METASTASIS }, target_encounter = "Recurrence_Visit",
                 direct_transition = "Recurrence_Visit" },
  Recurrence_Visit = { type = "Encounter", encounter_class = "ambulatory", reason = "lung_condition", codes = { O.ENC_PROBLEM },
                       direct_transition = "Recurrence_CT" },
  Recurrence_CT = { type = "Procedure", reason = "lung_condition", codes = { CT_CHEST },
                    duration = { low = 10, high = 30, unit = "minutes" }, direct_transition = "Recurrence_ECOG_Value" },
  Recurrence_ECOG_Value = { type = "SetAttribute", attribute = "lung_ecog", value = function(p) return p:random() < 0.6 and 1 or 2 end,
                            direct_transition = "Recurrence_ECOG" },
  Recurrence_ECOG = { type = "Observation", category = "survey", unit = "{score}", codes = { O.ECOG }, attribute = "lung_ecog",
                      direct_transition = "Recurrence_Stage" },
  Recurrence_Stage = { type = "Observation", category = "laboratory", codes = { O.STAGE_GROUP }, value_code = O.STAGE[4],
                       direct_transition = "Recurrence_End" },
  Recurrence_End = { type = "EncounterEnd", direct_transition = "Metastatic" },

  Terminal = { type = "Terminal" },
}

-- one ConditionOnset per histology (the cancer is one condition; its code names the histology)
for name, code in pairs { Onset_Adeno = ADENO, Onset_Squamous = SQUAMOUS, Onset_NSCLC = NSCLC, Onset_SCLC = SCLC } do
  S[name] = { type = "ConditionOnset", codes = { code }, target_encounter = "Diagnostic_Visit",
              assign_to_attribute = "lung_condition", direct_transition = "Metastasis_Check" }
end

-- stage group observations
for g = 1, 4 do
  S["Stage_" .. g] = { type = "Observation", category = "laboratory", codes = { O.STAGE_GROUP }, value_code = O.STAGE[g],
                       direct_transition = "Nodes" }
end

-- pathology reports: non-squamous NSCLC with EGFR, ALK and PD-L1; squamous with PD-L1
local function val(pos) return pos and O.POSITIVE or O.NEGATIVE end
for _, c in ipairs { { true, false }, { false, true }, { false, false } } do
  for _, pd in ipairs { true, false } do
    local name = "Path_EGFR" .. (c[1] and "pos" or "neg") .. "_ALK" .. (c[2] and "pos" or "neg") .. "_PDL1" .. (pd and "pos" or "neg")
    S[name] = { type = "DiagnosticReport", codes = { O.PATHOLOGY_REPORT },
                observations = {
                  { codes = { EGFR }, category = "laboratory", value_code = val(c[1]) },
                  { codes = { ALK }, category = "laboratory", value_code = val(c[2]) },
                  { codes = { PDL1 }, category = "laboratory", value_code = val(pd) } },
                direct_transition = "Tumor_Size_Obs" }
  end
end
for _, pd in ipairs { true, false } do
  S["Path_SQ_PDL1" .. (pd and "pos" or "neg")] = { type = "DiagnosticReport", codes = { O.PATHOLOGY_REPORT },
    observations = { { codes = { PDL1 }, category = "laboratory", value_code = val(pd) } },
    direct_transition = "Tumor_Size_Obs" }
end

return { name = "Lung Cancer", states = S }
