-- Breast cancer in women: a latent (screen-detectable) tumor drawn once from SEER incidence by
-- age, family history and BMI; biennial screening mammography at 50-74 in the women who take it
-- up; diagnosis either at a screen or when symptoms appear at the end of the preclinical sojourn,
-- with a stage (SEER summary stage and AJCC stage group) that depends on how it was found;
-- work-up (diagnostic mammogram, ultrasound, core biopsy, pathology report with ER/PR/HER2);
-- curative treatment (breast_cancer/curative) or metastatic care (breast_cancer/metastatic);
-- survivorship visits, distant recurrence, lines of therapy, hospice, death from the cancer.
-- Men (about 1% of cases) are not modelled. Numbers marked [assumption] are modelling choices.
--
-- Figures and their sources:
-- * Incidence of invasive female breast cancer per 100,000 by age, SEER 22 2017-2021, rounded
--   [approximate reading of SEER*Explorer age-specific rates; verify]: 20-24 1.5, 25-29 7, 30-34
--   25, 35-39 55, 40-44 120, 45-49 190, 50-54 220, 55-59 250, 60-64 320, 65-69 410, 70-74 460,
--   75-79 450, 80-84 400, 85+ 330. Lifetime risk 12.9% (SEER Cancer Stat Facts: Female Breast
--   Cancer, 2018-2020). The table is moved 2.5 years younger for the start of the screen-
--   detectable phase, so that diagnoses, a sojourn later, fall at SEER's ages [assumption]; with
--   the 2021 female life table this gives a lifetime risk of diagnosis of about 12.5%.
-- * Family history: one affected first-degree relative RR 1.80; about 7% of women have one
--   (Collaborative Group on Hormonal Factors in Breast Cancer. Lancet 2001;358:1389-1399).
-- * Obesity (BMI >= 30): postmenopausal (here from 55) RR 1.3, premenopausal (under 50) RR 0.8
--   (Renehan AG et al. Lancet 2008;371:569-578: RR per 5 kg/m2 1.12 postmenopausal, 0.92
--   premenopausal; rounded to an obese-vs-not contrast [assumption]). The relative risks are
--   divided by their population mean (family history 1.056, obesity 1.12 / 0.93) so the table
--   stays a population rate.
-- * Screening: USPSTF 2016 (Siu AL. Ann Intern Med 2016;164:279-296): biennial mammography at
--   50-74. Uptake: 76% of women 50-74 report a mammogram in the past 2 years (NHIS 2019; NCI
--   Cancer Trends Progress Report, Breast Cancer Screening); here 72% of women are regular
--   screeners [assumption: the rest are never or rarely screened]. Interval 2 years +- 3 months
--   [assumption]. Sensitivity 86.9%, recall (abnormal interpretation) 11.6% (Lehman CD et al.
--   Radiology 2017;283:49-58, BCSC digital screening mammography 2007-2013); 10% of recalls go
--   to biopsy [assumption].
-- * Preclinical sojourn time (exponential), mean 2 years under 50, 3 at 50-69, 4 from 70
--   [assumption in the range of CISNET model estimates, Mandelblatt JS et al. Ann Intern Med
--   2016;164:215-225].
-- * Stage at diagnosis (SEER summary stage, SEER 22 2014-2020 of staged cases): localized 66%,
--   regional 28%, distant 6% (SEER Cancer Stat Facts: Female Breast Cancer; 65/27/6 with 2%
--   unstaged). By detection mode [assumption, calibrated to the total]: screen-detected 82% / 17%
--   / 1%; symptomatic 59% / 33% / 8%.
-- * AJCC stage group from the summary stage [assumption]: localized 80% stage I, 20% stage II;
--   regional 60% stage II, 40% stage III; distant stage IV.
-- * Subtypes, SEER 22 2017-2021 (Cancer Stat Facts: Female Breast Cancer Subtypes): HR+/HER2-
--   68%, HR+/HER2+ 10%, HR-/HER2+ 4%, triple negative 10%, unknown 8%; renormalized here to
--   74% / 10.5% / 4.5% / 11%. PR positive in 85% of HR+ tumors [assumption].
-- * Tumor size at diagnosis [assumption]: localized 5-30 mm, regional 15-50 mm, distant 20-80 mm.
-- * 5-year relative survival by stage, SEER 22 2014-2020: localized 99.6%, regional 86.7%,
--   distant 31.9% (Cancer Stat Facts). Matched by the recurrence and metastatic-course figures in
--   breast_cancer/curative.lua and breast_cancer/metastatic.lua.

local O = lib("oncology")
local sct = codes.snomed

local P = parameters {
  risk_multiplier = param(1.0, "multiplies the incidence of the screen-detectable tumor"),
  screening_uptake = param(0.72, "share of women who are regular screeners at 50-74"),
  screening_start_age = param(50, "age of the first screening mammogram (USPSTF 2024: 40)"),
}

local BC = sct(254837009, "Malignant neoplasm of breast (disorder)")
local ENC_CHECKUP = sct(185349003, "Encounter for check up (procedure)")
local SCREENING_MAMMO = sct(24623002, "Screening mammography (procedure)")
local MAMMOGRAPHY = sct(71651007, "Mammography (procedure)")
local BREAST_US = sct(47079000, "Ultrasonography of breast (procedure)")
local BIOPSY = sct(122548005, "Biopsy of breast (procedure)")
local ER = codes.loinc("16112-5", "Estrogen receptor [Interpretation] in Tissue")
local PR = codes.loinc("16113-3", "Progesterone receptor [Interpretation] in Tissue")
local HER2 = codes.loinc("48676-1", "HER2 [Interpretation] in Tissue")

local Y = O.YEAR_MS
-- per person-year
local INCIDENCE = { { 20, 0 }, { 25, 1.5e-5 }, { 30, 7e-5 }, { 35, 25e-5 }, { 40, 55e-5 }, { 45, 120e-5 },
  { 50, 190e-5 }, { 55, 220e-5 }, { 60, 250e-5 }, { 65, 320e-5 }, { 70, 410e-5 }, { 75, 460e-5 },
  { 80, 450e-5 }, { 85, 400e-5 }, { 110, 330e-5 } }
-- the table gives ages at diagnosis; the screen-detectable phase starts a sojourn earlier (mean
-- about 2.5 years over the ages of most cases), so the bands are moved 2.5 years younger
local LEAD = 2.5
for _, b in ipairs(INCIDENCE) do b[1] = b[1] - LEAD end
local FAMILY_RR, FAMILY_SHARE = 1.8, 0.07
local FAMILY_MEAN = 1 + FAMILY_SHARE * (FAMILY_RR - 1)
local RR_MAX = 1.3 -- the largest BMI relative risk: candidates are thinned at the instant they fall

local function bmi_rr(p)
  local a, bmi = O.age(p), p:vital("BMI") or 25
  if bmi < 30 then return a >= 55 and 1 / 1.12 or a < 50 and 1 / 0.93 or 1 end
  if a >= 55 then return 1.3 / 1.12 elseif a < 50 then return 0.8 / 0.93 end
  return 1
end

local function candidate_at(p)
  local fam = p:attr("bc_family_history") and FAMILY_RR or 1
  local t = O.wait_years(p, INCIDENCE, fam / FAMILY_MEAN * RR_MAX * 1.12 * P.risk_multiplier)
  return t and p.time + t * Y or nil
end

local function sojourn_years(p)
  local a = O.age(p)
  local mean = a < 50 and 2 or a < 70 and 3 or 4
  return -math.log(1 - p:random()) * mean
end

local function next_event_years(p)
  local t = math.min(O.years_until(p, p:attr("bc_clinical_at")), O.years_until(p, p:attr("bc_next_screen")))
  if not p:attr("bc_preclinical_at") then t = math.min(t, O.years_until(p, p:attr("bc_candidate_at"))) end
  return t
end

local function first_screen(p)
  return p.birth + (P.screening_start_age + 2 * p:random()) * Y
end

local function next_screen(p)
  local t = p.time + (2 + (p:random() - 0.5) * 0.5) * Y
  if (t - p.birth) / Y >= 75 then return nil end
  return t
end

local STAGE_BY_MODE = {
  screen = { { 0.82, "localized" }, { 0.17, "regional" }, { 0.01, "distant" } },
  clinical = { { 0.59, "localized" }, { 0.33, "regional" }, { 0.08, "distant" } },
}
local SUBTYPES = { { 0.74, "HR+/HER2-" }, { 0.105, "HR+/HER2+" }, { 0.045, "HR-/HER2+" }, { 0.11, "TN" } }

-- distant recurrence after curative treatment [assumption, fitted by simulation of this model to
-- SEER 5-year relative survival by stage: localized 99.6%, regional 86.7%]: ever in 3.5% of
-- localized and 61% of regional cases; time lognormal (sigma 0.8) with median 8 years
-- (localized) / 3.5 years (regional) for HR+/HER2- and 3 / 1.8 years for the other subtypes
-- (late recurrences of HR+ disease: Pan H et al. N Engl J Med 2017;377:1836-1846).
local RECUR = { localized = { 0.035, 8, 3 }, regional = { 0.61, 3.5, 1.8 } }
local function recurrence_years(p)
  local r = RECUR[p:attr("bc_seer")]
  if not r or p:random() >= r[1] then return nil end
  local median = p:attr("bc_subtype") == "HR+/HER2-" and r[2] or r[3]
  local u1, u2 = p:random(), p:random()
  local z = math.sqrt(-2 * math.log(1 - u1)) * math.cos(2 * math.pi * u2)
  return median * math.exp(0.8 * z)
end

local function draw_stage(p) return O.choose(p, STAGE_BY_MODE[p:attr("bc_detection")]) end
local function draw_group(p)
  local s = p:attr("bc_seer")
  if s == "localized" then return p:random() < 0.8 and 1 or 2 end
  if s == "regional" then return p:random() < 0.6 and 2 or 3 end
  return 4
end
local function tumor_mm(p)
  local s = p:attr("bc_seer")
  local lo, hi = 5, 30
  if s == "regional" then lo, hi = 15, 50 elseif s == "distant" then lo, hi = 20, 80 end
  return math.floor(lo + (hi - lo) * p:random() + 0.5)
end

local S = {
  Initial = { type = "Initial", conditional_transition = when { { female, "Adult" }, { "Terminal" } } },
  Adult = { type = "Guard", allow = age(">=", 20), distributed_transition = pick {
    { FAMILY_SHARE, "Family_History" }, { 1 - FAMILY_SHARE, "Screener" } } },
  Family_History = { type = "SetAttribute", attribute = "bc_family_history", value = true, direct_transition = "Screener" },
  Screener = { type = "Simple", distributed_transition = {
    { distribution = function() return P.screening_uptake end, transition = "Plan_Screening" },
    { distribution = function() return 1 - P.screening_uptake end, transition = "Draw_Candidate" } } },
  Plan_Screening = { type = "SetAttribute", attribute = "bc_next_screen", value = first_screen,
                     direct_transition = "Draw_Candidate" },

  -- the latent tumor: candidates of the largest hazard, thinned by the BMI relative risk then
  Draw_Candidate = { type = "SetAttribute", attribute = "bc_candidate_at", value = candidate_at, direct_transition = "Wait" },
  Wait = { type = "Delay", distribution = next_event_years, unit = "years", direct_transition = "Dispatch" },
  Dispatch = { type = "Simple", conditional_transition = when {
    { function(p) return O.due(p, p:attr("bc_clinical_at")) end, "Clinical" },
    { all_of { attribute("bc_preclinical_at", "is nil"), function(p) return O.due(p, p:attr("bc_candidate_at")) end }, "Thin" },
    { function(p) return O.due(p, p:attr("bc_next_screen")) end, "Screening_Visit" },
    { "Wait" } } },
  Thin = { type = "Simple", distributed_transition = {
    { distribution = function(p) return bmi_rr(p) * 1.12 / (RR_MAX * 1.12) end, transition = "Preclinical" },
    { distribution = function(p) return 1 - bmi_rr(p) * 1.12 / (RR_MAX * 1.12) end, transition = "Draw_Candidate" } } },
  Preclinical = { type = "SetAttribute", attribute = "bc_preclinical_at", value = function(p) return p.time end,
                  direct_transition = "Clinical_Time" },
  Clinical_Time = { type = "SetAttribute", attribute = "bc_clinical_at",
                    value = function(p) return p.time + sojourn_years(p) * Y end, direct_transition = "Wait" },

  -- screening mammography --------------------------------------------------------------------------
  Screening_Visit = { type = "Encounter", encounter_class = "outpatient", codes = { ENC_CHECKUP },
                      direct_transition = "Screening_Mammogram" },
  Screening_Mammogram = { type = "Procedure", codes = { SCREENING_MAMMO }, duration = { low = 15, high = 30, unit = "minutes" },
                          direct_transition = "Screen_Result" },
  Screen_Result = { type = "Simple", complex_transition = {
    { condition = has_attribute("bc_preclinical_at"), distributions = {
        { distribution = 0.869, transition = "Screen_Detected" }, { distribution = 0.131, transition = "Screen_Negative" } } },
    { distributions = { { distribution = 0.116, transition = "Recall" }, { distribution = 0.884, transition = "Screen_Negative" } } } } },
  Screen_Negative = { type = "EncounterEnd", direct_transition = "Plan_Next_Screen" },
  Plan_Next_Screen = { type = "SetAttribute", attribute = "bc_next_screen", value = next_screen, direct_transition = "Wait" },
  Recall = { type = "EncounterEnd", direct_transition = "Recall_Delay" },
  Recall_Delay = { type = "Delay", distribution = uniform { days(5), days(21) }, direct_transition = "Recall_Visit" },
  Recall_Visit = { type = "Encounter", encounter_class = "outpatient", codes = { O.ENC_FOLLOWUP },
                   direct_transition = "Recall_Mammogram" },
  Recall_Mammogram = { type = "Procedure", codes = { MAMMOGRAPHY }, duration = { low = 15, high = 30, unit = "minutes" },
                       direct_transition = "Recall_Ultrasound" },
  Recall_Ultrasound = { type = "Procedure", codes = { BREAST_US }, duration = { low = 15, high = 30, unit = "minutes" },
                        distributed_transition = pick { { 0.10, "Recall_Biopsy" }, { 0.90, "Recall_End" } } },
  Recall_Biopsy = { type = "Procedure", codes = { BIOPSY }, duration = { low = 20, high = 45, unit = "minutes" },
                    direct_transition = "Recall_End" },
  Recall_End = { type = "EncounterEnd", direct_transition = "Plan_Next_Screen" },

  Screen_Detected = { type = "SetAttribute", attribute = "bc_detection", value = "screen", direct_transition = "End_Screen_Visit" },
  End_Screen_Visit = { type = "EncounterEnd", direct_transition = "Workup_Delay" },
  Workup_Delay = { type = "Delay", distribution = uniform { days(5), days(21) }, direct_transition = "Stage" },
  Clinical = { type = "SetAttribute", attribute = "bc_detection", value = "clinical", direct_transition = "Stage" },

  -- diagnosis and work-up ---------------------------------------------------------------------------
  Stage = { type = "SetAttribute", attribute = "bc_seer", value = draw_stage, direct_transition = "Stage_Group" },
  Stage_Group = { type = "SetAttribute", attribute = "bc_stage_group", value = draw_group, direct_transition = "Subtype" },
  Subtype = { type = "SetAttribute", attribute = "bc_subtype", value = function(p) return O.choose(p, SUBTYPES) end,
              direct_transition = "Tumor_Size" },
  Tumor_Size = { type = "SetAttribute", attribute = "bc_tumor_mm", value = tumor_mm, direct_transition = "Stop_Screening" },
  Stop_Screening = { type = "SetAttribute", attribute = "bc_next_screen", direct_transition = "Onset" },
  Onset = { type = "ConditionOnset", codes = { BC }, target_encounter = "Diagnostic_Visit", assign_to_attribute = "bc_condition",
            conditional_transition = when { { attribute("bc_seer", "==", "distant"), "Metastasis" }, { "Diagnostic_Visit" } } },
  Metastasis = { type = "ConditionOnset", codes = { O.METASTASIS }, target_encounter = "Diagnostic_Visit",
                 direct_transition = "Diagnostic_Visit" },
  Diagnostic_Visit = { type = "Encounter", encounter_class = "outpatient", reason = "bc_condition", codes = { O.ENC_PROBLEM },
                       direct_transition = "Diagnostic_Mammogram" },
  Diagnostic_Mammogram = { type = "Procedure", reason = "bc_condition", codes = { MAMMOGRAPHY },
                           duration = { low = 15, high = 30, unit = "minutes" }, direct_transition = "Ultrasound" },
  Ultrasound = { type = "Procedure", reason = "bc_condition", codes = { BREAST_US },
                 duration = { low = 15, high = 30, unit = "minutes" }, direct_transition = "Core_Biopsy" },
  Core_Biopsy = { type = "Procedure", reason = "bc_condition", codes = { BIOPSY },
                  duration = { low = 20, high = 45, unit = "minutes" }, direct_transition = "Receptors" },
  Receptors = { type = "Simple", conditional_transition = when {
    { attribute("bc_subtype", "==", "TN"), "Path_ERneg_PRneg_HER2neg" },
    { attribute("bc_subtype", "==", "HR-/HER2+"), "Path_ERneg_PRneg_HER2pos" },
    { attribute("bc_subtype", "==", "HR+/HER2+"), "PR_Pos" },
    { "PR_Neg" } } },
  PR_Pos = { type = "Simple", distributed_transition = pick { { 0.85, "Path_ERpos_PRpos_HER2pos" }, { 0.15, "Path_ERpos_PRneg_HER2pos" } } },
  PR_Neg = { type = "Simple", distributed_transition = pick { { 0.85, "Path_ERpos_PRpos_HER2neg" }, { 0.15, "Path_ERpos_PRneg_HER2neg" } } },

  Tumor_Size_Obs = { type = "Observation", category = "laboratory", unit = "mm", codes = { O.TUMOR_SIZE },
                     attribute = "bc_tumor_mm", direct_transition = "Stage_Obs" },
  Stage_Obs = { type = "Simple", conditional_transition = when {
    { attribute("bc_stage_group", "==", 1), "Stage_1" }, { attribute("bc_stage_group", "==", 2), "Stage_2" },
    { attribute("bc_stage_group", "==", 3), "Stage_3" }, { "Stage_4" } } },
  -- the N category tells localized (N0) from regional (N1) disease in the record
  Nodes = { type = "Simple", conditional_transition = when {
    { attribute("bc_seer", "==", "localized"), "N0" }, { attribute("bc_seer", "==", "regional"), "N1" }, { "ECOG_Value" } } },
  N0 = { type = "Observation", category = "laboratory", codes = { O.NODES }, value_code = O.N0, direct_transition = "ECOG_Value" },
  N1 = { type = "Observation", category = "laboratory", codes = { O.NODES }, value_code = O.N1, direct_transition = "ECOG_Value" },
  ECOG_Value = { type = "SetAttribute", attribute = "bc_ecog",
                 value = function(p) return p:attr("bc_seer") == "distant" and (p:random() < 0.5 and 1 or 2) or (p:random() < 0.8 and 0 or 1) end,
                 direct_transition = "ECOG" },
  ECOG = { type = "Observation", category = "survey", unit = "{score}", codes = { O.ECOG }, attribute = "bc_ecog",
           direct_transition = "End_Diagnostic_Visit" },
  End_Diagnostic_Visit = { type = "EncounterEnd", conditional_transition = when {
    { attribute("bc_seer", "==", "distant"), "Metastatic" }, { "Curative" } } },

  Curative = { type = "CallSubmodule", submodule = "breast_cancer/curative", direct_transition = "Recurrence_Time" },
  Metastatic = { type = "CallSubmodule", submodule = "breast_cancer/metastatic", direct_transition = "Terminal" },

  -- survivorship: yearly visits for 5 years (endocrine therapy stops at 5 years), then waiting for
  -- a distant recurrence, if one is due ------------------------------------------------------------
  Recurrence_Time = { type = "SetAttribute", attribute = "bc_recur_at", value = function(p)
                        local t = recurrence_years(p)
                        return t and p.time + t * Y or nil end, direct_transition = "Survivorship" },
  Survivorship = { type = "Delay", distribution = function(p) return math.min(1, O.years_until(p, p:attr("bc_recur_at"))) end,
                   unit = "years", conditional_transition = when {
                     { function(p) return O.due(p, p:attr("bc_recur_at")) end, "Recurrence" }, { "Survivor_Visit" } } },
  Survivor_Visit = { type = "Encounter", encounter_class = "ambulatory", reason = "bc_condition", codes = { O.ENC_FOLLOWUP },
                     direct_transition = "Survivor_Mammogram" },
  Survivor_Mammogram = { type = "Procedure", reason = "bc_condition", codes = { MAMMOGRAPHY },
                         duration = { low = 15, high = 30, unit = "minutes" }, direct_transition = "Survivor_Trastuzumab" },
  Survivor_Trastuzumab = { type = "Simple", conditional_transition = when {
    { attribute("bc_trastuzumab", "is not nil"), "End_Trastuzumab" }, { "Survivor_Year" } } },
  End_Trastuzumab = { type = "MedicationEnd", referenced_by_attribute = "bc_trastuzumab", direct_transition = "Clear_Trastuzumab" },
  Clear_Trastuzumab = { type = "SetAttribute", attribute = "bc_trastuzumab", direct_transition = "Survivor_Year" },
  Survivor_Year = { type = "Counter", attribute = "bc_survivor_years", action = "increment", conditional_transition = when {
    { all_of { attribute("bc_survivor_years", ">=", 5), attribute("bc_endocrine", "is not nil") }, "End_Endocrine" },
    { "End_Survivor_Visit" } } },
  End_Endocrine = { type = "MedicationEnd", referenced_by_attribute = "bc_endocrine", direct_transition = "Clear_Endocrine" },
  Clear_Endocrine = { type = "SetAttribute", attribute = "bc_endocrine", direct_transition = "End_Survivor_Visit" },
  End_Survivor_Visit = { type = "EncounterEnd", conditional_transition = when {
    { attribute("bc_survivor_years", ">=", 5), "Long_Term" }, { "Survivorship" } } },
  Long_Term = { type = "Delay", distribution = function(p) return O.years_until(p, p:attr("bc_recur_at")) end, unit = "years",
                conditional_transition = when { { function(p) return O.due(p, p:attr("bc_recur_at")) end, "Recurrence" }, { "Terminal" } } },
  Recurrence = { type = "ConditionOnset", codes = { O.METASTASIS }, target_encounter = "Recurrence_Visit",
                 direct_transition = "Recurrence_Visit" },
  Recurrence_Visit = { type = "Encounter", encounter_class = "ambulatory", reason = "bc_condition", codes = { O.ENC_PROBLEM },
                       direct_transition = "Recurrence_Imaging_Done" },
  Recurrence_Imaging_Done = { type = "SetAttribute", attribute = "bc_ecog", value = 1, direct_transition = "Recurrence_ECOG" },
  Recurrence_ECOG = { type = "Observation", category = "survey", unit = "{score}", codes = { O.ECOG }, attribute = "bc_ecog",
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

-- pathology reports, one per receptor combination
local function val(pos) return pos and O.POSITIVE or O.NEGATIVE end
for _, c in ipairs { { true, true, false }, { true, false, false }, { true, true, true }, { true, false, true },
                     { false, false, true }, { false, false, false } } do
  local name = "Path_ER" .. (c[1] and "pos" or "neg") .. "_PR" .. (c[2] and "pos" or "neg") .. "_HER2" .. (c[3] and "pos" or "neg")
  S[name] = { type = "DiagnosticReport", codes = { O.PATHOLOGY_REPORT },
              observations = {
                { codes = { ER }, category = "laboratory", value_code = val(c[1]) },
                { codes = { PR }, category = "laboratory", value_code = val(c[2]) },
                { codes = { HER2 }, category = "laboratory", value_code = val(c[3]) } },
              direct_transition = "Tumor_Size_Obs" }
end

return { name = "Breast Cancer", states = S }
