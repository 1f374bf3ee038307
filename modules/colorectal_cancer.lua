-- Colorectal cancer, both sexes: a progressive adenoma drawn once from an onset hazard fitted to
-- SEER incidence by age and sex (with family history, obesity and smoking as relative risks); the
-- adenoma becomes a preclinical (screen-detectable) cancer, then a clinical one; screening from 45
-- to 75 by colonoscopy every 10 years or yearly FIT (USPSTF 2021) removes adenomas (fewer
-- cancers) and finds preclinical cancers (earlier stage); diagnosis by colonoscopy and biopsy,
-- staging CT, CEA, pathology report with MSI (and KRAS when metastatic); curative treatment
-- (colorectal_cancer/curative) or metastatic care (colorectal_cancer/metastatic); survivorship
-- visits, distant recurrence, lines of therapy, hospice, death from the cancer.
-- Numbers marked [assumption] are modelling choices.
--
-- Figures and their sources:
-- * Incidence of invasive colorectal cancer per 100,000 by age, SEER 22 2017-2021 [approximate
--   reading of SEER*Explorer age-specific rates, rounded; verify], men / women: 20-24 1.6 / 1.5,
--   25-29 3.3 / 3.2, 30-34 6.6 / 6.3, 35-39 12 / 11.5, 40-44 20.5 / 18.5, 45-49 36 / 31, 50-54 62 /
--   48, 55-59 78 / 56, 60-64 95 / 67, 65-69 117 / 84, 70-74 145 / 108, 75-79 183 / 145, 80-84 225 /
--   185, 85+ 265 / 230. (About 152,000 US cases a year with the 2020 Census population, as in the
--   ACS estimate of 152,810 for 2024; median age at diagnosis 66, SEER Cancer Stat Facts:
--   Colorectal Cancer.) With the 2021 life table this table gives a lifetime risk of about 3.4%
--   (men and women); SEER's published lifetime risk is about 4.0% (Cancer Stat Facts, DevCan with
--   pre-2020 mortality).
-- * The table counts diagnoses in a population that is screened, so the onset hazard of the
--   progressive adenoma is fitted to it by calibration/fit_incidence.py (a Monte Carlo of this
--   module's natural history and screening): onset rate at age a = SEER rate at a + 11 years, times
--   2.0 where screening acts (ramp from onset age 42 to 52, back to 1 from 62 to 85) [fitted].
-- * Family history: a first-degree relative with colorectal cancer, RR 2.24 (Butterworth AS et al.
--   Eur J Cancer 2006;42:216-227); about 6% of adults have one [assumption near Mai PL et al.
--   Cancer Epidemiol Biomarkers Prev 2011 (NHIS 2005)].
-- * Obesity (BMI >= 30) RR 1.4 in men, 1.15 in women [approximate reading of Ma Y et al. PLoS One
--   2013;8:e53916 (obesity RR 1.33 overall, stronger in men)]; current smoking RR 1.2, former 1.15
--   [approximate reading of Botteri E et al. JAMA 2008;300:2765-2778]. Relative risks are divided
--   by their population mean (family 1.074, obesity 1.16 / 1.06, smoking 1.06 [assumption]) so
--   that the fitted rate stays a population rate; BMI and smoking are read at adenoma onset.
-- * Natural history [assumption in the range of CISNET models, e.g. Knudsen AB et al. JAMA
--   2021;325:1998-2011 (USPSTF 2021 modelling)]: adenoma to preclinical cancer uniform 4-12 years;
--   preclinical sojourn exponential, mean 4 years.
-- * Screening (USPSTF. JAMA 2021;325:1965-1977): ages 45-75, colonoscopy every 10 years or FIT
--   yearly. Uptake: 72% of adults 50-75 up to date (NHIS 2021) and about a third at 45-49; here 68%
--   screen (53% colonoscopy, 15% FIT) [assumption], starting at a uniform age 45-55 (so about 34%
--   have started by 50). Colonoscopy: sensitivity 95% for cancer, 85% for the progressive adenoma
--   (removed by polypectomy); other (non-advanced) adenomas removed in 25% of colonoscopies
--   [assumption]. FIT: sensitivity 74% for cancer, 24% for advanced adenoma, 5% positive otherwise
--   (Lin JS et al. JAMA 2021;325:1978-1998, USPSTF evidence review); 80% of positives have the
--   follow-up colonoscopy [assumption]. Next colonoscopy 3 years after an advanced adenoma, 7 after
--   other adenomas, 10 after a normal one (Gupta S et al. Gastroenterology 2020;158:1131-1153,
--   USMSTF); FIT screeners switch to colonoscopy after a follow-up colonoscopy [assumption].
-- * Stage at diagnosis (SEER summary stage, Cancer Stat Facts: Colorectal Cancer, SEER 22): localized
--   35%, regional 36%, distant 22%, unstaged 7%, renormalized to 37.6 / 38.7 / 23.7% of staged cases.
--   By detection mode [assumption, calibrated to the total]:
--   screen-detected 62 / 31 / 7%, symptomatic 32.5 / 40.3 / 27.2% (solved for the total with the
--   screen-detected share measured on the calibration cohort, 17.6% of diagnoses since 2012).
-- * AJCC stage group from the summary stage [assumption]: localized 45% stage I, 55% stage II (N0);
--   regional = stage III (N1); distant = stage IV.
-- * Site: rectum 30% (ACS Colorectal Cancer Facts & Figures 2023-2025: 46,050 of 153,020 estimated
--   2023 cases), colon otherwise.
-- * MSI-high by stage [approximate: about 20% of stage II, 12-15% of stage III, 4-5% of stage IV;
--   Gryfe R et al. N Engl J Med 2000;342:69-77; Koopman M et al. Br J Cancer 2009;100:266-273]:
--   localized 22%, regional 14%, distant 5% (about 15% of all cases). KRAS mutated in 40% (Andreyev
--   HJ et al. Br J Cancer 2001;85:692-696, RASCAL II), tested in metastatic disease.
-- * Tumor size and CEA at diagnosis [assumption]: localized 10-50 mm / CEA 1-6 ng/mL, regional 25-70
--   mm / 2-15, distant 30-90 mm / 5-200.
-- * 5-year relative survival by stage (Cancer Stat Facts, SEER 22 2014-2020): localized 91%,
--   regional 73%, distant 13%, matched by the recurrence figures below and the metastatic course in
--   colorectal_cancer/metastatic.lua.
-- * Distant recurrence after curative treatment [fitted by calibration/fit_recurrence.py to the
--   survival above, then regional moved from 42% to 45% after the calibration cohort measured 75.5%]:
--   15% of localized, 45% of regional cases; time lognormal (sigma 0.8), median
--   1.8 / 1.5 years.
-- * Survivorship (NCCN Guidelines Colon Cancer v2.2024, surveillance): visits with CEA every 6
--   months for 2 years, then yearly to 5 years; CT chest/abdomen/pelvis yearly; colonoscopy at 1 year.

local O = lib("oncology")
local sct, loinc = codes.snomed, codes.loinc

local P = parameters {
  risk_multiplier = param(1.0, "multiplies the onset rate of the progressive adenoma"),
  colonoscopy_uptake = param(0.53, "share of adults who screen by colonoscopy every 10 years"),
  fit_uptake = param(0.15, "share of adults who screen by yearly FIT"),
  screening_start_age = param(45, "earliest age of the first screening test (USPSTF 2021)"),
}

local CRC = sct(363510005, "Malignant neoplasm of large intestine (disorder)")
local ENC_CHECKUP = sct(185349003, "Encounter for check up (procedure)")
local SCREEN_COLONOSCOPY = sct(444783004, "Screening colonoscopy (procedure)")
local COLONOSCOPY = sct(73761001, "Colonoscopy (procedure)")
local POLYPECTOMY = sct(235340004, "Excision of polyp of large intestine (procedure)")
local COLON_BIOPSY = sct(76164006, "Biopsy of colon (procedure)")
local FIT_SCREEN = sct(104435004, "Screening for occult blood in feces (procedure)")
local FIT = loinc("57905-2", "Hemoglobin.gastrointestinal.lower [Presence] in Stool by Immunoassay --1st specimen")
local MSI = loinc("81695-9", "Microsatellite instability [Interpretation] in Cancer specimen Qualitative")
local MSI_H = loinc("LA26203-2", "MSI-H")
local MSS = loinc("LA14122-8", "Stable")
local KRAS = loinc("21702-6", "KRAS gene mutations found [Identifier] in Blood or Tissue by Molecular genetics method Nominal")

local Y = O.YEAR_MS

-- SEER 22 2017-2021 incidence per 100,000 by 5-year band from 20 (see header)
local SEER = {
  M = { 1.6, 3.3, 6.6, 12.0, 20.5, 36, 62, 78, 95, 117, 145, 183, 225, 265 },
  F = { 1.5, 3.2, 6.3, 11.5, 18.5, 31, 48, 56, 67, 84, 108, 145, 185, 230 },
}
local MID = { 22.5, 27.5, 32.5, 37.5, 42.5, 47.5, 52.5, 57.5, 62.5, 67.5, 72.5, 77.5, 82.5, 90 }
local LAG, COMP, RAMP_UP, RAMP_DOWN = 11, 2.0, 42, 85
local function seer_at(t, x)
  if x <= MID[1] then return t[1] end
  for i = 2, #MID do
    if x <= MID[i] then
      local f = (x - MID[i - 1]) / (MID[i] - MID[i - 1])
      return math.exp(math.log(t[i - 1]) * (1 - f) + math.log(t[i]) * f)
    end
  end
  return t[#t]
end
-- onset hazard of the progressive adenoma, per year, by 5-year band {upper age, rate}
local ONSET = {}
for _, sex in ipairs { "M", "F" } do
  local bands = {}
  for i = 1, #MID do
    local up = math.min(1, math.max(0, (MID[i] - RAMP_UP) / 10))
    local down = math.min(1, math.max(0, (RAMP_DOWN - MID[i]) / (RAMP_DOWN - 62)))
    bands[i] = { i < #MID and 20 + 5 * i or 110, seer_at(SEER[sex], MID[i] + LAG) / 1e5 * (1 + (COMP - 1) * up * down) }
  end
  ONSET[sex] = bands
end

local FAMILY_RR, FAMILY_SHARE = 2.24, 0.06
local FAMILY_MEAN = 1 + FAMILY_SHARE * (FAMILY_RR - 1)
local BMI_RR = { M = 1.4, F = 1.15 }
local BMI_MEAN = { M = 1.16, F = 1.06 }
local SMOKE_RR, FORMER_RR, SMOKE_MEAN = 1.2, 1.15, 1.06

local function lifestyle_rr(p)
  local rr = ((p:vital("BMI") or 25) >= 30) and BMI_RR[p.sex] or 1
  if p:attr("smoker") == true then rr = rr * SMOKE_RR elseif p:attr("former_smoker") == true then rr = rr * FORMER_RR end
  return rr
end
local function lifestyle_max(p) return BMI_RR[p.sex] * SMOKE_RR end

local function candidate_at(p)
  local fam = p:attr("crc_family_history") and FAMILY_RR or 1
  local mult = fam / FAMILY_MEAN * lifestyle_max(p) / (BMI_MEAN[p.sex] * SMOKE_MEAN) * P.risk_multiplier
  return p.time + O.wait_years(p, ONSET[p.sex] or ONSET.F, mult) * Y
end

local function next_event_years(p)
  local t = math.min(O.years_until(p, p:attr("crc_clinical_at")), O.years_until(p, p:attr("crc_next_screen")))
  if not p:attr("crc_adenoma_at") then t = math.min(t, O.years_until(p, p:attr("crc_candidate_at"))) end
  return t
end

-- screening schedule: an instant, or nil from 76 on
local function screen_in(p, years)
  local t = p.time + years * Y
  if (t - p.birth) / Y >= 76 then return nil end
  return t
end
local function first_screen(p)
  return p.birth + (P.screening_start_age + 10 * p:random()) * Y
end

local function preclinical(p) return p:attr("crc_preclinical_at") ~= nil and p.time >= p:attr("crc_preclinical_at") end
local function adenoma(p) return p:attr("crc_adenoma_at") ~= nil and not preclinical(p) end

-- what a colonoscopy finds: "cancer", "adenoma" (the progressive one, removed), "polyp" (another
-- adenoma, removed) or "clear"
local function scope_result(p)
  local u = p:random()
  if preclinical(p) and u < 0.95 then return "cancer" end
  if adenoma(p) and u < 0.85 then return "adenoma" end
  return p:random() < 0.25 and "polyp" or "clear"
end
local function fit_positive(p)
  if preclinical(p) then return 0.74 elseif adenoma(p) then return 0.24 end
  return 0.05
end

local STAGE_BY_MODE = {
  screen = { { 0.62, "localized" }, { 0.31, "regional" }, { 0.07, "distant" } },
  clinical = { { 0.325, "localized" }, { 0.403, "regional" }, { 0.272, "distant" } },
}
local MSI_BY_STAGE = { localized = 0.22, regional = 0.14, distant = 0.05 }
local RECUR = { localized = { 0.15, 1.8 }, regional = { 0.45, 1.5 } }

local function recurrence_years(p)
  local r = RECUR[p:attr("crc_seer")]
  if not r or p:random() >= r[1] then return nil end
  local u1, u2 = p:random(), p:random()
  local z = math.sqrt(-2 * math.log(1 - u1)) * math.cos(2 * math.pi * u2)
  return r[2] * math.exp(0.8 * z)
end

local function draw_group(p)
  local s = p:attr("crc_seer")
  if s == "localized" then return p:random() < 0.45 and 1 or 2 end
  if s == "regional" then return 3 end
  return 4
end
local SIZE = { localized = { 10, 50 }, regional = { 25, 70 }, distant = { 30, 90 } }
local CEA = { localized = { 1, 6 }, regional = { 2, 15 }, distant = { 5, 200 } }
local function tumor_mm(p)
  local r = SIZE[p:attr("crc_seer")]
  return math.floor(r[1] + (r[2] - r[1]) * p:random() + 0.5)
end
local function cea_value(p)
  local r = CEA[p:attr("crc_seer")]
  return math.floor(10 * math.exp(math.log(r[1]) + (math.log(r[2]) - math.log(r[1])) * p:random()) + 0.5) / 10
end
local function survivor_interval(p)
  return (p:attr("crc_survivor_visits") or 0) < 4 and 0.5 or 1
end

local S = {
  Initial = { type = "Initial", direct_transition = "Adult" },
  Adult = { type = "Guard", allow = age(">=", 20), distributed_transition = pick {
    { FAMILY_SHARE, "Family_History" }, { 1 - FAMILY_SHARE, "Screener" } } },
  Family_History = { type = "SetAttribute", attribute = "crc_family_history", value = true, direct_transition = "Screener" },
  Screener = { type = "Simple", distributed_transition = {
    { distribution = function() return P.colonoscopy_uptake end, transition = "Colonoscopy_Screener" },
    { distribution = function() return P.fit_uptake end, transition = "FIT_Screener" },
    { distribution = function() return 1 - P.colonoscopy_uptake - P.fit_uptake end, transition = "Draw_Candidate" } } },
  Colonoscopy_Screener = { type = "SetAttribute", attribute = "crc_screen_kind", value = "colonoscopy", direct_transition = "Plan_Screening" },
  FIT_Screener = { type = "SetAttribute", attribute = "crc_screen_kind", value = "fit", direct_transition = "Plan_Screening" },
  Plan_Screening = { type = "SetAttribute", attribute = "crc_next_screen", value = first_screen, direct_transition = "Draw_Candidate" },

  -- the progressive adenoma: candidates at the largest lifestyle risk, thinned at the instant they fall
  Draw_Candidate = { type = "SetAttribute", attribute = "crc_candidate_at", value = candidate_at, direct_transition = "Wait" },
  Wait = { type = "Delay", distribution = next_event_years, unit = "years", direct_transition = "Dispatch" },
  Dispatch = { type = "Simple", conditional_transition = when {
    { function(p) return O.due(p, p:attr("crc_clinical_at")) end, "Clinical" },
    { all_of { attribute("crc_adenoma_at", "is nil"), function(p) return O.due(p, p:attr("crc_candidate_at")) end }, "Thin" },
    { function(p) return O.due(p, p:attr("crc_next_screen")) end, "Screening_Visit" },
    { "Wait" } } },
  Thin = { type = "Simple", distributed_transition = {
    { distribution = function(p) return lifestyle_rr(p) / lifestyle_max(p) end, transition = "Adenoma" },
    { distribution = function(p) return 1 - lifestyle_rr(p) / lifestyle_max(p) end, transition = "Draw_Candidate" } } },
  Adenoma = { type = "SetAttribute", attribute = "crc_adenoma_at", value = function(p) return p.time end,
              direct_transition = "Preclinical_Time" },
  Preclinical_Time = { type = "SetAttribute", attribute = "crc_preclinical_at",
                       value = function(p) return p.time + (4 + 8 * p:random()) * Y end, direct_transition = "Clinical_Time" },
  Clinical_Time = { type = "SetAttribute", attribute = "crc_clinical_at",
                    value = function(p) return p:attr("crc_preclinical_at") - math.log(1 - p:random()) * 4 * Y end,
                    direct_transition = "Wait" },

  -- screening ---------------------------------------------------------------------------------------
  Screening_Visit = { type = "Encounter", encounter_class = "outpatient", codes = { ENC_CHECKUP },
                      conditional_transition = when { { attribute("crc_screen_kind", "==", "fit"), "FIT_Test" }, { "Screening_Colonoscopy" } } },
  FIT_Test = { type = "Procedure", codes = { FIT_SCREEN }, distributed_transition = {
    { distribution = fit_positive, transition = "FIT_Positive" },
    { distribution = function(p) return 1 - fit_positive(p) end, transition = "FIT_Negative" } } },
  FIT_Negative = { type = "Observation", category = "laboratory", codes = { FIT }, value_code = O.NEGATIVE,
                   direct_transition = "FIT_Negative_End" },
  FIT_Negative_End = { type = "EncounterEnd", direct_transition = "Next_FIT" },
  Next_FIT = { type = "SetAttribute", attribute = "crc_next_screen", value = function(p) return screen_in(p, 1) end,
               direct_transition = "Wait" },
  FIT_Positive = { type = "Observation", category = "laboratory", codes = { FIT }, value_code = O.POSITIVE,
                   direct_transition = "FIT_Positive_End" },
  FIT_Positive_End = { type = "EncounterEnd", distributed_transition = pick { { 0.8, "Followup_Delay" }, { 0.2, "Next_FIT" } } },
  Followup_Delay = { type = "Delay", distribution = uniform { weeks(2), weeks(8) }, direct_transition = "Followup_Visit" },
  Followup_Visit = { type = "Encounter", encounter_class = "outpatient", codes = { O.ENC_FOLLOWUP },
                     direct_transition = "Switch_To_Colonoscopy" },
  Switch_To_Colonoscopy = { type = "SetAttribute", attribute = "crc_screen_kind", value = "colonoscopy",
                            direct_transition = "Followup_Colonoscopy" },
  Followup_Colonoscopy = { type = "Procedure", codes = { COLONOSCOPY }, duration = { low = 20, high = 45, unit = "minutes" },
                           direct_transition = "Scope_Result" },
  Screening_Colonoscopy = { type = "Procedure", codes = { SCREEN_COLONOSCOPY }, duration = { low = 20, high = 45, unit = "minutes" },
                            direct_transition = "Scope_Result" },
  Scope_Result = { type = "SetAttribute", attribute = "crc_scope_result", value = scope_result, conditional_transition = when {
    { attribute("crc_scope_result", "==", "cancer"), "Scope_Biopsy" },
    { attribute("crc_scope_result", "==", "clear"), "Scope_Clear" },
    { "Polypectomy" } } },
  Polypectomy = { type = "Procedure", codes = { POLYPECTOMY }, duration = { low = 5, high = 20, unit = "minutes" },
                  conditional_transition = when { { attribute("crc_scope_result", "==", "adenoma"), "Remove_Adenoma" }, { "Polyp_End" } } },
  Remove_Adenoma = { type = "SetAttribute", attribute = "crc_adenoma_at", direct_transition = "Remove_Preclinical" },
  Remove_Preclinical = { type = "SetAttribute", attribute = "crc_preclinical_at", direct_transition = "Remove_Clinical" },
  Remove_Clinical = { type = "SetAttribute", attribute = "crc_clinical_at", direct_transition = "Adenoma_End" },
  Adenoma_End = { type = "EncounterEnd", direct_transition = "Surveillance_3" },
  Surveillance_3 = { type = "SetAttribute", attribute = "crc_next_screen", value = function(p) return screen_in(p, 3) end,
                     direct_transition = "Draw_Candidate" },
  Polyp_End = { type = "EncounterEnd", direct_transition = "Surveillance_7" },
  Surveillance_7 = { type = "SetAttribute", attribute = "crc_next_screen", value = function(p) return screen_in(p, 7) end,
                     direct_transition = "Wait" },
  Scope_Clear = { type = "EncounterEnd", direct_transition = "Next_Colonoscopy" },
  Next_Colonoscopy = { type = "SetAttribute", attribute = "crc_next_screen", value = function(p) return screen_in(p, 10) end,
                       direct_transition = "Wait" },
  Scope_Biopsy = { type = "Procedure", codes = { COLON_BIOPSY }, duration = { low = 5, high = 15, unit = "minutes" },
                   direct_transition = "Screen_Detected" },
  Screen_Detected = { type = "SetAttribute", attribute = "crc_detection", value = "screen", direct_transition = "End_Scope_Visit" },
  End_Scope_Visit = { type = "EncounterEnd", direct_transition = "Workup_Delay" },
  Workup_Delay = { type = "Delay", distribution = uniform { days(5), days(21) }, direct_transition = "Stage" },
  Clinical = { type = "SetAttribute", attribute = "crc_detection", value = "clinical", direct_transition = "Stage" },

  -- diagnosis and work-up ---------------------------------------------------------------------------
  Stage = { type = "SetAttribute", attribute = "crc_seer", value = function(p) return O.choose(p, STAGE_BY_MODE[p:attr("crc_detection")]) end,
            direct_transition = "Stage_Group" },
  Stage_Group = { type = "SetAttribute", attribute = "crc_stage_group", value = draw_group, direct_transition = "Site" },
  Site = { type = "SetAttribute", attribute = "crc_site", value = function(p) return p:random() < 0.30 and "rectum" or "colon" end,
           direct_transition = "MSI_Status" },
  MSI_Status = { type = "SetAttribute", attribute = "crc_msi_high",
                 value = function(p) return p:random() < MSI_BY_STAGE[p:attr("crc_seer")] end, direct_transition = "KRAS_Status" },
  KRAS_Status = { type = "SetAttribute", attribute = "crc_kras_mutant", value = function(p) return p:random() < 0.40 end,
                  direct_transition = "Tumor_Size" },
  Tumor_Size = { type = "SetAttribute", attribute = "crc_tumor_mm", value = tumor_mm, direct_transition = "CEA_Value" },
  CEA_Value = { type = "SetAttribute", attribute = "crc_cea", value = cea_value, direct_transition = "Stop_Screening" },
  Stop_Screening = { type = "SetAttribute", attribute = "crc_next_screen", direct_transition = "Onset" },
  Onset = { type = "ConditionOnset", codes = { CRC }, target_encounter = "Diagnostic_Visit", assign_to_attribute = "crc_condition",
            conditional_transition = when { { attribute("crc_seer", "==", "distant"), "Metastasis" }, { "Diagnostic_Visit" } } },
  Metastasis = { type = "ConditionOnset", codes = { O.METASTASIS }, target_encounter = "Diagnostic_Visit",
                 direct_transition = "Diagnostic_Visit" },
  Diagnostic_Visit = { type = "Encounter", encounter_class = "outpatient", reason = "crc_condition", codes = { O.ENC_PROBLEM },
                       conditional_transition = when { { attribute("crc_detection", "==", "clinical"), "Diagnostic_Colonoscopy" }, { "Staging_CT" } } },
  Diagnostic_Colonoscopy = { type = "Procedure", reason = "crc_condition", codes = { COLONOSCOPY },
                             duration = { low = 20, high = 45, unit = "minutes" }, direct_transition = "Diagnostic_Biopsy" },
  Diagnostic_Biopsy = { type = "Procedure", reason = "crc_condition", codes = { COLON_BIOPSY },
                        duration = { low = 5, high = 15, unit = "minutes" }, direct_transition = "Staging_CT" },
  Staging_CT = { type = "Procedure", reason = "crc_condition", codes = { O.CT_CAP }, duration = { low = 15, high = 30, unit = "minutes" },
                 direct_transition = "Diagnostic_CEA" },
  Diagnostic_CEA = { type = "Observation", category = "laboratory", unit = "ng/mL", codes = { O.CEA }, attribute = "crc_cea",
                     direct_transition = "Pathology" },
  -- pathology: MSI for every tumor (universal testing); KRAS in metastatic disease
  Pathology = { type = "Simple", conditional_transition = when {
    { all_of { attribute("crc_seer", "==", "distant"), attribute("crc_msi_high", "==", true), attribute("crc_kras_mutant", "==", true) }, "Path_MSIH_KRASmut" },
    { all_of { attribute("crc_seer", "==", "distant"), attribute("crc_msi_high", "==", true) }, "Path_MSIH_KRASwt" },
    { all_of { attribute("crc_seer", "==", "distant"), attribute("crc_kras_mutant", "==", true) }, "Path_MSS_KRASmut" },
    { attribute("crc_seer", "==", "distant"), "Path_MSS_KRASwt" },
    { attribute("crc_msi_high", "==", true), "Path_MSIH" },
    { "Path_MSS" } } },
  Tumor_Size_Obs = { type = "Observation", category = "laboratory", unit = "mm", codes = { O.TUMOR_SIZE },
                     attribute = "crc_tumor_mm", direct_transition = "Stage_Obs" },
  Stage_Obs = { type = "Simple", conditional_transition = when {
    { attribute("crc_stage_group", "==", 1), "Stage_1" }, { attribute("crc_stage_group", "==", 2), "Stage_2" },
    { attribute("crc_stage_group", "==", 3), "Stage_3" }, { "Stage_4" } } },
  -- the N category tells localized (N0) from regional (N1) disease in the record
  Nodes = { type = "Simple", conditional_transition = when {
    { attribute("crc_seer", "==", "localized"), "N0" }, { attribute("crc_seer", "==", "regional"), "N1" }, { "ECOG_Value" } } },
  N0 = { type = "Observation", category = "laboratory", codes = { O.NODES }, value_code = O.N0, direct_transition = "ECOG_Value" },
  N1 = { type = "Observation", category = "laboratory", codes = { O.NODES }, value_code = O.N1, direct_transition = "ECOG_Value" },
  ECOG_Value = { type = "SetAttribute", attribute = "crc_ecog",
                 value = function(p) return p:attr("crc_seer") == "distant" and (p:random() < 0.5 and 1 or 2) or (p:random() < 0.7 and 0 or 1) end,
                 direct_transition = "ECOG" },
  ECOG = { type = "Observation", category = "survey", unit = "{score}", codes = { O.ECOG }, attribute = "crc_ecog",
           direct_transition = "End_Diagnostic_Visit" },
  End_Diagnostic_Visit = { type = "EncounterEnd", conditional_transition = when {
    { attribute("crc_seer", "==", "distant"), "Metastatic" }, { "Curative" } } },

  Curative = { type = "CallSubmodule", submodule = "colorectal_cancer/curative", direct_transition = "Recurrence_Time" },
  Metastatic = { type = "CallSubmodule", submodule = "colorectal_cancer/metastatic", direct_transition = "Terminal" },

  -- survivorship: CEA every 6 months for 2 years then yearly to 5 years, CT yearly, colonoscopy at
  -- 1 year; then waiting for a distant recurrence, if one is due -------------------------------------
  Recurrence_Time = { type = "SetAttribute", attribute = "crc_recur_at", value = function(p)
                        local t = recurrence_years(p)
                        return t and p.time + t * Y or nil end, direct_transition = "Survivorship" },
  Survivorship = { type = "Delay", unit = "years",
                   distribution = function(p) return math.min(survivor_interval(p), O.years_until(p, p:attr("crc_recur_at"))) end,
                   conditional_transition = when {
                     { function(p) return O.due(p, p:attr("crc_recur_at")) end, "Recurrence" }, { "Survivor_Visit" } } },
  Survivor_Visit = { type = "Encounter", encounter_class = "ambulatory", reason = "crc_condition", codes = { O.ENC_FOLLOWUP },
                     direct_transition = "Survivor_CEA" },
  Survivor_CEA = { type = "Observation", category = "laboratory", unit = "ng/mL", codes = { O.CEA },
                   range = { low = 0.5, high = 4.5, decimals = 1 }, direct_transition = "Survivor_Count" },
  Survivor_Count = { type = "Counter", attribute = "crc_survivor_visits", action = "increment", conditional_transition = when {
    { attribute("crc_survivor_visits", "==", 2), "Survivor_Colonoscopy" },
    { attribute("crc_survivor_visits", ">=", 4), "Survivor_CT" },
    { "End_Survivor_Visit" } } },
  Survivor_Colonoscopy = { type = "Procedure", reason = "crc_condition", codes = { COLONOSCOPY },
                           duration = { low = 20, high = 45, unit = "minutes" }, direct_transition = "Survivor_CT" },
  Survivor_CT = { type = "Procedure", reason = "crc_condition", codes = { O.CT_CAP }, duration = { low = 15, high = 30, unit = "minutes" },
                  direct_transition = "End_Survivor_Visit" },
  End_Survivor_Visit = { type = "EncounterEnd", conditional_transition = when {
    { attribute("crc_survivor_visits", ">=", 7), "Long_Term" }, { "Survivorship" } } },
  Long_Term = { type = "Delay", distribution = function(p) return O.years_until(p, p:attr("crc_recur_at")) end, unit = "years",
                conditional_transition = when { { function(p) return O.due(p, p:attr("crc_recur_at")) end, "Recurrence" }, { "Terminal" } } },
  Recurrence = { type = "ConditionOnset", codes = { O.METASTASIS }, target_encounter = "Recurrence_Visit",
                 direct_transition = "Recurrence_Visit" },
  Recurrence_Visit = { type = "Encounter", encounter_class = "ambulatory", reason = "crc_condition", codes = { O.ENC_PROBLEM },
                       direct_transition = "Recurrence_CT" },
  Recurrence_CT = { type = "Procedure", reason = "crc_condition", codes = { O.CT_CAP }, duration = { low = 15, high = 30, unit = "minutes" },
                    direct_transition = "Recurrence_CEA" },
  Recurrence_CEA = { type = "Observation", category = "laboratory", unit = "ng/mL", codes = { O.CEA },
                     range = { low = 8, high = 150, decimals = 1 }, direct_transition = "Recurrence_KRAS" },
  Recurrence_KRAS = { type = "Simple", conditional_transition = when {
    { attribute("crc_kras_mutant", "==", true), "Recurrence_KRAS_Mutant" }, { "Recurrence_KRAS_Wild" } } },
  Recurrence_KRAS_Mutant = { type = "DiagnosticReport", codes = { O.PATHOLOGY_REPORT },
                             observations = { { codes = { KRAS }, category = "laboratory", value_code = O.DETECTED } },
                             direct_transition = "Recurrence_ECOG_Value" },
  Recurrence_KRAS_Wild = { type = "DiagnosticReport", codes = { O.PATHOLOGY_REPORT },
                           observations = { { codes = { KRAS }, category = "laboratory", value_code = O.NOT_DETECTED } },
                           direct_transition = "Recurrence_ECOG_Value" },
  Recurrence_ECOG_Value = { type = "SetAttribute", attribute = "crc_ecog", value = 1, direct_transition = "Recurrence_ECOG" },
  Recurrence_ECOG = { type = "Observation", category = "survey", unit = "{score}", codes = { O.ECOG }, attribute = "crc_ecog",
                      direct_transition = "Recurrence_Stage" },
  Recurrence_Stage = { type = "Observation", category = "laboratory", codes = { O.STAGE_GROUP }, value_code = O.STAGE[4],
                       direct_transition = "Recurrence_End" },
  Recurrence_End = { type = "EncounterEnd", direct_transition = "Metastatic" },

  Terminal = { type = "Terminal" },
}

-- stage group observations
for g = 1, 4 do
  S["Stage_" .. g] = { type = "Observation", category = "laboratory", codes = { O.STAGE_GROUP }, value_code = O.STAGE[g],
                       direct_transition = "Nodes" }
end

-- pathology reports: MSI always, KRAS for metastatic disease
for _, c in ipairs { { "MSIH", nil }, { "MSS", nil }, { "MSIH", "KRASmut" }, { "MSIH", "KRASwt" }, { "MSS", "KRASmut" }, { "MSS", "KRASwt" } } do
  local obs = { { codes = { MSI }, category = "laboratory", value_code = c[1] == "MSIH" and MSI_H or MSS } }
  if c[2] then
    obs[2] = { codes = { KRAS }, category = "laboratory", value_code = c[2] == "KRASmut" and O.DETECTED or O.NOT_DETECTED }
  end
  S["Path_" .. c[1] .. (c[2] and ("_" .. c[2]) or "")] = { type = "DiagnosticReport", codes = { O.PATHOLOGY_REPORT },
    observations = obs, direct_transition = "Tumor_Size_Obs" }
end

return { name = "Colorectal Cancer", states = S }
