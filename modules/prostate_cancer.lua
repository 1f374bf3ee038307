-- Prostate cancer in men: a latent (PSA-detectable) tumour drawn once from SEER incidence by age,
-- race and family history; PSA screening at 55-69 in the men who choose it (shared decision);
-- diagnosis either at a screen or clinically at the end of the preclinical sojourn, with a stage
-- (SEER summary stage and AJCC stage group) that depends on how it was found; work-up (PSA, digital
-- rectal examination, prostate MRI, biopsy, pathology report with the ISUP grade group, bone scan for
-- unfavourable disease); NCCN risk group; active surveillance, radical prostatectomy or radiation +
-- androgen deprivation (prostate_cancer/curative); survivorship PSA follow-up, metastatic recurrence;
-- metastatic care by lines (prostate_cancer/metastatic), castration resistance as progression,
-- hospice and death from the cancer. Numbers marked [assumption] are modelling choices.
--
-- Figures and their sources:
-- * Incidence per 100,000 men by age at diagnosis, all races [approximate reading of SEER 22
--   2017-2021 age-specific rates (SEER*Explorer), adjusted so that with the 2021 male life table the
--   lifetime risk and median age at diagnosis come out at SEER's; verify]: 40-44 10, 45-49 45, 50-54
--   155, 55-59 360, 60-64 630, 65-69 870, 70-74 870, 75-79 660, 80-84 480, 85+ 390 (35-39: 0.5).
--   Lifetime risk 12.9%, median age at diagnosis 67 (SEER Cancer Stat Facts: Prostate Cancer; lifetime
--   risk from 2018-2021 data). calibration/lifetime.py gives 12.7% and 67.5 years from this table.
--   The table is moved LEAD = 3 years younger for the start of the PSA-detectable phase and scaled
--   by 1.09, so that diagnoses (a sojourn later, or earlier at a screen; some men die first) fall
--   at SEER's ages and rate: calibration/mc.py gives a birth-cohort lifetime risk of 12.9% and a
--   median age at diagnosis of 67.2 [assumption, fitted].
-- * Preclinical (PSA-detectable) sojourn: exponential, mean 5 years [assumption in the range of US
--   PSA lead-time estimates, 5.4-6.9 years: Draisma G et al. J Natl Cancer Inst 2009;101:374-383].
-- * Race: Black men RR 1.7 against the all-race rate of other men (SEER 22 2017-2021 age-adjusted
--   incidence about 184 vs 110 per 100,000 in White men; ACS Cancer Facts & Figures for African
--   American/Black People 2022-2024); Asian/Pacific Islander RR 0.55 (about 60 per 100,000, same
--   source) [approximate]. Divided by their mean over Lifesim's race mix (1.06) so the table stays
--   the all-race rate.
-- * Family history (father or brother with prostate cancer): RR 2.48 (Kicinski M et al. PLoS One
--   2011;6:e27130, meta-analysis); about 10% of men have one [assumption]. Divided by the mean 1.148.
-- * Screening: USPSTF 2018 (Grossman DC et al. JAMA 2018;319:1901-1913): individual decision at
--   55-69, none from 70. About 35% of men 55-69 report a PSA test in the past year (NHIS 2018/2019
--   [approximate]); here 35% of men are regular screeners (parameter screening_uptake), tested every
--   1-2 years from 55-56 to 69 [assumption].
-- * PSA (ng/mL) [assumption, shaped to published operating characteristics: at the 4.0 cut-off about
--   70% sensitivity for PSA-detectable cancer and 5-10% positive tests without cancer; Thompson IM
--   et al. N Engl J Med 2004;350:2239-2246 (PCPT)]: without cancer lognormal, median 1.0 at 55 rising
--   3% a year of age, sigma 0.8; with a preclinical cancer lognormal median 5.5, sigma 0.6.
--   PSA >= 4.0: a preclinical cancer is found at biopsy in 90% [assumption]; without cancer, 50%
--   go to MRI and biopsy (benign) [assumption].
-- * Stage at diagnosis, SEER summary stage (SEER 22 2014-2020, Cancer Stat Facts: localized 70%,
--   regional 13%, distant 8%, unknown 9%; renormalised over staged cases 76.9 / 14.3 / 8.8). By
--   detection mode [assumption, calibrated to the total]: screen-detected 92 / 7 / 1; clinical
--   72.5 / 16 / 11.5.
-- * ISUP grade group 1-5 by stage [assumption, shaped to an all-stage mix of about 26 / 31 / 16 /
--   11 / 15%, in the range reported for US biopsies after 2015]: localized 33/35/16/9/7, regional
--   5/25/22/15/33, distant 3/7/10/20/60.
-- * PSA at clinical diagnosis (lognormal) [assumption]: localized median 6.5 (sigma 0.55),
--   regional 14 (0.8), distant 45 (1.3).
-- * AJCC 8th edition stage group (Buyyounouski MK et al. CA Cancer J Clin 2017;67:245-253):
--   localized: grade group 1 and PSA < 10 stage I; grade group 5 or PSA >= 20 stage III; else II.
--   Regional: node-positive (30% [assumption]) stage IV (IVA), otherwise stage III (T3-4 N0).
--   Distant: stage IV (IVB). The record gives every regional case N1 (21906-3), the library's
--   convention for SEER regional stage: see NOTES.md.
-- * NCCN risk group (NCCN Guidelines Prostate Cancer v4.2024, simplified to PSA and grade group):
--   low = grade group 1 and PSA < 10; high = grade group 4-5 or PSA > 20 (and all regional);
--   intermediate otherwise. Bone scan for high risk, regional and distant disease.
-- * Index lesion size on MRI [assumption]: localized 5-20 mm, regional 15-35, distant 20-45.
-- * Metastatic recurrence after curative treatment or surveillance [assumption, fitted to SEER 5-year
--   relative survival > 99% for localized and regional disease]: ever in 3% (low risk), 10%
--   (intermediate), 22% (high), 35% (regional); time lognormal (sigma 0.5), median 10 / 9 / 8 / 7.5
--   years. PSA rises (doubling time 7 months) for 3 years before (biochemical recurrence).
-- * Survivorship: PSA every 6 months for 5 years, then yearly to 10 years (NCCN v4.2024).
-- * 5-year relative survival by stage, SEER 2014-2020: localized > 99%, regional > 99%, distant 37%
--   (American Cancer Society, Survival Rates for Prostate Cancer, 2025; SEER Cancer Stat Facts gave
--   34.1% for 2013-2019): matched by the figures of prostate_cancer/metastatic.lua.

local O = lib("oncology")
local sct, loinc = codes.snomed, codes.loinc

local P = parameters {
  risk_multiplier = param(1.0, "multiplies the incidence of the PSA-detectable tumour"),
  screening_uptake = param(0.35, "share of men who are regular PSA screeners at 55-69"),
}

local PC = sct(399068003, "Malignant tumor of prostate (disorder)")
local ENC_CHECKUP = sct(185349003, "Encounter for check up (procedure)")
local DRE = sct(410006001, "Digital examination of rectum (procedure)")
local MRI = sct(719178004, "Multiparametric magnetic resonance imaging of prostate (procedure)")
local BIOPSY = sct(86273004, "Biopsy of prostate (procedure)")
local BONE_SCAN = sct(41747008, "Radioisotope scan of bone (procedure)")
local GRADE_GROUP = loinc("94734-1", "Prostate cancer grade group [Score] in Prostate tumor Qualitative")
local GG = {
  loinc("LA30794-4", "ISUP Grade (Grade Group) 1 (Gleason score <=6)"),
  loinc("LA30795-1", "ISUP Grade (Grade Group) 2 (Gleason score 3+4=7)"),
  loinc("LA30796-9", "ISUP Grade (Grade Group) 3 (Gleason score 4+3=7)"),
  loinc("LA30797-7", "ISUP Grade (Grade Group) 4 (Gleason score 8)"),
  loinc("LA30798-5", "ISUP Grade (Group Group) 5 (Gleason score 9-10)"), -- LOINC's own spelling
}

local Y = O.YEAR_MS
-- per person-year, by age at diagnosis
local INCIDENCE = { { 35, 0 }, { 40, 0.5e-5 }, { 45, 10e-5 }, { 50, 45e-5 }, { 55, 155e-5 }, { 60, 360e-5 },
  { 65, 630e-5 }, { 70, 870e-5 }, { 75, 870e-5 }, { 80, 660e-5 }, { 85, 480e-5 }, { 110, 390e-5 } }
local LEAD, SOJOURN, SCALE = 3, 5, 1.09
for _, b in ipairs(INCIDENCE) do b[1], b[2] = b[1] - LEAD, b[2] * SCALE end
local FAMILY_RR, FAMILY_SHARE = 2.48, 0.10
local FAMILY_MEAN = 1 + FAMILY_SHARE * (FAMILY_RR - 1)
local RACE_RR = { black = 1.7, asian = 0.55 }
local RACE_MEAN = 1.06

local function lognormal(p, median, sigma)
  local u1, u2 = p:random(), p:random()
  local z = math.sqrt(-2 * math.log(1 - u1)) * math.cos(2 * math.pi * u2)
  return median * math.exp(sigma * z)
end
local function round(x, d) local m = 10 ^ d; return math.floor(x * m + 0.5) / m end

local function candidate_at(p)
  local rr = (RACE_RR[p.race] or 1) / RACE_MEAN
  if p:attr("pc_family_history") then rr = rr * FAMILY_RR end
  local t = O.wait_years(p, INCIDENCE, rr / FAMILY_MEAN * P.risk_multiplier)
  return p.time + t * Y
end

local function next_event_years(p)
  local t = math.min(O.years_until(p, p:attr("pc_clinical_at")), O.years_until(p, p:attr("pc_next_screen")))
  if not p:attr("pc_preclinical_at") then t = math.min(t, O.years_until(p, p:attr("pc_candidate_at"))) end
  return t
end

local function first_screen(p) return p.birth + (55 + p:random()) * Y end
local function next_screen(p)
  local t = p.time + (1 + p:random()) * Y
  if (t - p.birth) / Y >= 70 then return nil end
  return t
end

-- the PSA of a screening test
local function screen_psa(p)
  if p:attr("pc_preclinical_at") then return round(math.min(lognormal(p, 5.5, 0.6), 60), 1) end
  local median = 1.0 * 1.03 ^ (O.age(p) - 55)
  return round(math.min(lognormal(p, median, 0.8), 40), 1)
end

local STAGE_BY_MODE = {
  screen = { { 0.92, "localized" }, { 0.07, "regional" }, { 0.01, "distant" } },
  clinical = { { 0.725, "localized" }, { 0.16, "regional" }, { 0.115, "distant" } },
}
local GRADE_BY_STAGE = {
  localized = { { 0.33, 1 }, { 0.35, 2 }, { 0.16, 3 }, { 0.09, 4 }, { 0.07, 5 } },
  regional = { { 0.05, 1 }, { 0.25, 2 }, { 0.22, 3 }, { 0.15, 4 }, { 0.33, 5 } },
  distant = { { 0.03, 1 }, { 0.07, 2 }, { 0.10, 3 }, { 0.20, 4 }, { 0.60, 5 } },
}
local PSA_BY_STAGE = { localized = { 6.5, 0.55 }, regional = { 14, 0.8 }, distant = { 45, 1.3 } }

local function draw_stage(p) return O.choose(p, STAGE_BY_MODE[p:attr("pc_detection")]) end
local function draw_grade(p) return O.choose(p, GRADE_BY_STAGE[p:attr("pc_seer")]) end
local function dx_psa(p)
  if p:attr("pc_detection") == "screen" then return p:attr("pc_psa") end
  local m = PSA_BY_STAGE[p:attr("pc_seer")]
  return round(math.max(1.0, math.min(lognormal(p, m[1], m[2]), 5000)), 1)
end
local function draw_group(p)
  local s, gg, psa = p:attr("pc_seer"), p:attr("pc_grade"), p:attr("pc_psa")
  if s == "distant" then return 4 end
  if s == "regional" then return p:random() < 0.30 and 4 or 3 end
  if gg == 1 and psa < 10 then return 1 end
  if gg == 5 or psa >= 20 then return 3 end
  return 2
end
local function draw_risk(p)
  local s, gg, psa = p:attr("pc_seer"), p:attr("pc_grade"), p:attr("pc_psa")
  if s ~= "localized" then return "high" end
  if gg >= 4 or psa > 20 then return "high" end
  if gg == 1 and psa < 10 then return "low" end
  return "intermediate"
end
local function tumor_mm(p)
  local s = p:attr("pc_seer")
  local lo, hi = 5, 20
  if s == "regional" then lo, hi = 15, 35 elseif s == "distant" then lo, hi = 20, 45 end
  return math.floor(lo + (hi - lo) * p:random() + 0.5)
end

-- metastatic recurrence, drawn once at the end of treatment (or at the start of surveillance)
local RECUR = { low = { 0.03, 10 }, intermediate = { 0.10, 9 }, high = { 0.22, 8 } }
local RECUR_REGIONAL = { 0.35, 7.5 }
local function recur_at(p)
  local r = p:attr("pc_seer") == "regional" and RECUR_REGIONAL or RECUR[p:attr("pc_risk")]
  if p:random() >= r[1] then return nil end
  return p.time + lognormal(p, r[2], 0.5) * Y
end

-- PSA at a follow-up visit: surveillance (slow rise), after prostatectomy (undetectable), after
-- radiation (nadir); in the 3 years before a metastatic recurrence, doubling every 7 months
local function followup_psa(p)
  local ttr = O.years_until(p, p:attr("pc_recur_at"))
  local tx = p:attr("pc_treatment")
  local base
  if tx == "surveillance" then
    local yrs = (p.time - (p:attr("pc_dx_at") or p.time)) / Y
    base = (p:attr("pc_psa") or 5) * (1 + 0.06 * yrs) * math.exp(0.15 * (p:random() - 0.5))
  elseif tx == "prostatectomy" then
    base = 0.01 + 0.04 * p:random()
  else
    base = 0.2 + 0.8 * p:random()
  end
  if ttr < 3 then base = math.max(base, 0.2 * 2 ^ ((3 - ttr) * 12 / 7)) end
  return round(base, 2)
end

local function survivor_interval(p)
  local n = p:attr("pc_followups") or 0
  local step = n < 10 and 0.5 or 1
  return math.min(step, O.years_until(p, p:attr("pc_recur_at")))
end

local S = {
  Initial = { type = "Initial", conditional_transition = when { { male, "Adult" }, { "Terminal" } } },
  Adult = { type = "Guard", allow = age(">=", 30), distributed_transition = pick {
    { FAMILY_SHARE, "Family_History" }, { 1 - FAMILY_SHARE, "Screener" } } },
  Family_History = { type = "SetAttribute", attribute = "pc_family_history", value = true, direct_transition = "Screener" },
  Screener = { type = "Simple", distributed_transition = {
    { distribution = function() return P.screening_uptake end, transition = "Plan_Screening" },
    { distribution = function() return 1 - P.screening_uptake end, transition = "Draw_Candidate" } } },
  Plan_Screening = { type = "SetAttribute", attribute = "pc_next_screen", value = first_screen,
                     direct_transition = "Draw_Candidate" },

  Draw_Candidate = { type = "SetAttribute", attribute = "pc_candidate_at", value = candidate_at, direct_transition = "Wait" },
  Wait = { type = "Delay", distribution = next_event_years, unit = "years", direct_transition = "Dispatch" },
  Dispatch = { type = "Simple", conditional_transition = when {
    { function(p) return O.due(p, p:attr("pc_clinical_at")) end, "Clinical" },
    { all_of { attribute("pc_preclinical_at", "is nil"), function(p) return O.due(p, p:attr("pc_candidate_at")) end }, "Preclinical" },
    { function(p) return O.due(p, p:attr("pc_next_screen")) end, "Screening_Visit" },
    { "Wait" } } },
  Preclinical = { type = "SetAttribute", attribute = "pc_preclinical_at", value = function(p) return p.time end,
                  direct_transition = "Clinical_Time" },
  Clinical_Time = { type = "SetAttribute", attribute = "pc_clinical_at",
                    value = function(p) return p.time - math.log(1 - p:random()) * SOJOURN * Y end, direct_transition = "Wait" },

  -- PSA screening ---------------------------------------------------------------------------------
  Screening_Visit = { type = "Encounter", encounter_class = "ambulatory", codes = { ENC_CHECKUP },
                      direct_transition = "Screen_PSA_Value" },
  Screen_PSA_Value = { type = "SetAttribute", attribute = "pc_psa", value = screen_psa, direct_transition = "Screen_PSA" },
  Screen_PSA = { type = "Observation", category = "laboratory", unit = "ng/mL", codes = { O.PSA }, attribute = "pc_psa",
                 conditional_transition = when {
                   { attribute("pc_psa", "<", 4), "Screen_Negative" },
                   { has_attribute("pc_preclinical_at"), "Screen_Positive_Cancer" },
                   { "Screen_Positive_Benign" } } },
  Screen_Positive_Cancer = { type = "Simple", distributed_transition = pick { { 0.90, "Screen_Detected" }, { 0.10, "Recall" } } },
  Screen_Positive_Benign = { type = "Simple", distributed_transition = pick { { 0.50, "Recall" }, { 0.50, "Screen_Negative" } } },
  Screen_Negative = { type = "EncounterEnd", direct_transition = "Plan_Next_Screen" },
  Plan_Next_Screen = { type = "SetAttribute", attribute = "pc_next_screen", value = next_screen, direct_transition = "Wait" },
  -- a positive test without a cancer found: MRI and a benign biopsy
  Recall = { type = "EncounterEnd", direct_transition = "Recall_Delay" },
  Recall_Delay = { type = "Delay", distribution = uniform { days(14), days(42) }, direct_transition = "Recall_Visit" },
  Recall_Visit = { type = "Encounter", encounter_class = "outpatient", codes = { O.ENC_FOLLOWUP }, direct_transition = "Recall_MRI" },
  Recall_MRI = { type = "Procedure", codes = { MRI }, duration = { low = 30, high = 45, unit = "minutes" },
                 direct_transition = "Recall_Biopsy" },
  Recall_Biopsy = { type = "Procedure", codes = { BIOPSY }, duration = { low = 20, high = 40, unit = "minutes" },
                    direct_transition = "Recall_End" },
  Recall_End = { type = "EncounterEnd", direct_transition = "Plan_Next_Screen" },

  Screen_Detected = { type = "SetAttribute", attribute = "pc_detection", value = "screen", direct_transition = "End_Screen_Visit" },
  End_Screen_Visit = { type = "EncounterEnd", direct_transition = "Workup_Delay" },
  Workup_Delay = { type = "Delay", distribution = uniform { days(14), days(56) }, direct_transition = "Stage" },
  Clinical = { type = "SetAttribute", attribute = "pc_detection", value = "clinical", direct_transition = "Stage" },

  -- diagnosis and work-up ---------------------------------------------------------------------------
  Stage = { type = "SetAttribute", attribute = "pc_seer", value = draw_stage, direct_transition = "Grade" },
  Grade = { type = "SetAttribute", attribute = "pc_grade", value = draw_grade, direct_transition = "Dx_PSA" },
  Dx_PSA = { type = "SetAttribute", attribute = "pc_psa", value = dx_psa, direct_transition = "Stage_Group" },
  Stage_Group = { type = "SetAttribute", attribute = "pc_stage_group", value = draw_group, direct_transition = "Risk" },
  Risk = { type = "SetAttribute", attribute = "pc_risk", value = draw_risk, direct_transition = "Tumor_Size" },
  Tumor_Size = { type = "SetAttribute", attribute = "pc_tumor_mm", value = tumor_mm, direct_transition = "Stop_Screening" },
  Stop_Screening = { type = "SetAttribute", attribute = "pc_next_screen", direct_transition = "Dx_Time" },
  Dx_Time = { type = "SetAttribute", attribute = "pc_dx_at", value = function(p) return p.time end, direct_transition = "Onset" },
  Onset = { type = "ConditionOnset", codes = { PC }, target_encounter = "Diagnostic_Visit", assign_to_attribute = "pc_condition",
            conditional_transition = when { { attribute("pc_seer", "==", "distant"), "Metastasis" }, { "Diagnostic_Visit" } } },
  Metastasis = { type = "ConditionOnset", codes = { O.METASTASIS }, target_encounter = "Diagnostic_Visit",
                 direct_transition = "Diagnostic_Visit" },
  Diagnostic_Visit = { type = "Encounter", encounter_class = "outpatient", reason = "pc_condition", codes = { O.ENC_PROBLEM },
                       direct_transition = "Dx_DRE" },
  Dx_DRE = { type = "Procedure", reason = "pc_condition", codes = { DRE }, direct_transition = "Dx_PSA_Obs" },
  Dx_PSA_Obs = { type = "Observation", category = "laboratory", unit = "ng/mL", codes = { O.PSA }, attribute = "pc_psa",
                 direct_transition = "Dx_MRI" },
  Dx_MRI = { type = "Procedure", reason = "pc_condition", codes = { MRI }, duration = { low = 30, high = 45, unit = "minutes" },
             direct_transition = "Tumor_Size_Obs" },
  Tumor_Size_Obs = { type = "Observation", category = "imaging", unit = "mm", codes = { O.TUMOR_SIZE }, attribute = "pc_tumor_mm",
                     direct_transition = "Dx_Biopsy" },
  Dx_Biopsy = { type = "Procedure", reason = "pc_condition", codes = { BIOPSY }, duration = { low = 20, high = 40, unit = "minutes" },
                conditional_transition = when {
                  { attribute("pc_grade", "==", 1), "Path_GG1" }, { attribute("pc_grade", "==", 2), "Path_GG2" },
                  { attribute("pc_grade", "==", 3), "Path_GG3" }, { attribute("pc_grade", "==", 4), "Path_GG4" },
                  { "Path_GG5" } } },
  Bone_Scan_Check = { type = "Simple", conditional_transition = when {
    { attribute("pc_risk", "==", "high"), "Bone_Scan" }, { "Stage_Obs" } } },
  Bone_Scan = { type = "Procedure", reason = "pc_condition", codes = { BONE_SCAN }, duration = { low = 30, high = 60, unit = "minutes" },
                direct_transition = "Stage_Obs" },
  Stage_Obs = { type = "Simple", conditional_transition = when {
    { attribute("pc_stage_group", "==", 1), "Stage_1" }, { attribute("pc_stage_group", "==", 2), "Stage_2" },
    { attribute("pc_stage_group", "==", 3), "Stage_3" }, { "Stage_4" } } },
  -- the N category tells localized (N0) from regional (N1) disease in the record
  Nodes = { type = "Simple", conditional_transition = when {
    { attribute("pc_seer", "==", "localized"), "N0" }, { attribute("pc_seer", "==", "regional"), "N1" }, { "ECOG_Value" } } },
  N0 = { type = "Observation", category = "laboratory", codes = { O.NODES }, value_code = O.N0, direct_transition = "ECOG_Value" },
  N1 = { type = "Observation", category = "laboratory", codes = { O.NODES }, value_code = O.N1, direct_transition = "ECOG_Value" },
  ECOG_Value = { type = "SetAttribute", attribute = "pc_ecog",
                 value = function(p) return p:attr("pc_seer") == "distant" and (p:random() < 0.6 and 1 or 2) or (p:random() < 0.85 and 0 or 1) end,
                 direct_transition = "ECOG" },
  ECOG = { type = "Observation", category = "survey", unit = "{score}", codes = { O.ECOG }, attribute = "pc_ecog",
           direct_transition = "End_Diagnostic_Visit" },
  End_Diagnostic_Visit = { type = "EncounterEnd", conditional_transition = when {
    { attribute("pc_seer", "==", "distant"), "Metastatic" }, { "Curative" } } },

  Curative = { type = "CallSubmodule", submodule = "prostate_cancer/curative", direct_transition = "Recurrence_Time" },
  Metastatic = { type = "CallSubmodule", submodule = "prostate_cancer/metastatic", direct_transition = "Terminal" },

  Recurrence_Time = { type = "SetAttribute", attribute = "pc_recur_at", value = recur_at, conditional_transition = when {
    { attribute("pc_treatment", "==", "surveillance"), "Surveillance" }, { "Survivorship" } } },

  -- active surveillance: PSA every 6 months, biopsy at 1 year and every 3 years after; definitive
  -- treatment when the disease is reclassified (7% a year: about half by 10 years, as in ProtecT's
  -- active monitoring arm, Hamdy FC et al. N Engl J Med 2023;388:1547-1558) [assumption]; visits
  -- stop at 80 (watchful waiting) [assumption]
  Surveillance = { type = "SetAttribute", attribute = "pc_convert_at",
                   value = function(p) return p.time - math.log(1 - p:random()) / 0.07 * Y end, direct_transition = "AS_Wait" },
  AS_Wait = { type = "Delay", unit = "years", distribution = function(p)
                return math.min(0.5, O.years_until(p, p:attr("pc_convert_at")), O.years_until(p, p:attr("pc_recur_at"))) end,
              conditional_transition = when {
                { function(p) return O.due(p, p:attr("pc_recur_at")) end, "AS_Stop_Recurrence" },
                { age(">=", 80), "Long_Term" },
                { "AS_Visit" } } },
  AS_Visit = { type = "Encounter", encounter_class = "ambulatory", reason = "pc_condition", codes = { O.ENC_FOLLOWUP },
               direct_transition = "AS_PSA_Value" },
  AS_PSA_Value = { type = "SetAttribute", attribute = "pc_followup_psa", value = followup_psa, direct_transition = "AS_PSA" },
  AS_PSA = { type = "Observation", category = "laboratory", unit = "ng/mL", codes = { O.PSA }, attribute = "pc_followup_psa",
             direct_transition = "AS_Count" },
  AS_Count = { type = "Counter", attribute = "pc_as_visits", action = "increment", conditional_transition = when {
    { function(p) local n = p:attr("pc_as_visits"); return n == 2 or (n > 2 and (n - 2) % 6 == 0) end, "AS_Biopsy" },
    { "AS_Decide" } } },
  AS_Biopsy = { type = "Procedure", reason = "pc_condition", codes = { BIOPSY }, duration = { low = 20, high = 40, unit = "minutes" },
                direct_transition = "AS_Decide" },
  AS_Decide = { type = "EncounterEnd", conditional_transition = when {
    { function(p) return O.due(p, p:attr("pc_convert_at")) end, "AS_Convert" }, { "AS_Wait" } } },
  AS_Convert = { type = "SetAttribute", attribute = "pc_convert_at", direct_transition = "AS_End_Plan" },
  AS_End_Plan = { type = "CarePlanEnd", referenced_by_attribute = "pc_as_plan", direct_transition = "AS_Reclassify" },
  AS_Reclassify = { type = "SetAttribute", attribute = "pc_risk", value = "intermediate", direct_transition = "Curative" },
  AS_Stop_Recurrence = { type = "CarePlanEnd", referenced_by_attribute = "pc_as_plan", direct_transition = "Recurrence" },

  -- survivorship: PSA every 6 months for 5 years, then yearly to 10 years; then waiting for a
  -- metastatic recurrence, if one is due ----------------------------------------------------------
  Survivorship = { type = "Delay", distribution = survivor_interval, unit = "years", conditional_transition = when {
    { function(p) return O.due(p, p:attr("pc_recur_at")) end, "Recurrence" }, { "Survivor_Visit" } } },
  Survivor_Visit = { type = "Encounter", encounter_class = "ambulatory", reason = "pc_condition", codes = { O.ENC_FOLLOWUP },
                     direct_transition = "Survivor_PSA_Value" },
  Survivor_PSA_Value = { type = "SetAttribute", attribute = "pc_followup_psa", value = followup_psa, direct_transition = "Survivor_PSA" },
  Survivor_PSA = { type = "Observation", category = "laboratory", unit = "ng/mL", codes = { O.PSA }, attribute = "pc_followup_psa",
                   conditional_transition = when {
                     { all_of { attribute("pc_adt", "is not nil"), function(p) return O.due(p, p:attr("pc_adt_until")) end }, "End_ADT" },
                     { "Survivor_Count" } } },
  End_ADT = { type = "MedicationEnd", referenced_by_attribute = "pc_adt", direct_transition = "Clear_ADT" },
  Clear_ADT = { type = "SetAttribute", attribute = "pc_adt", direct_transition = "Survivor_Count" },
  Survivor_Count = { type = "Counter", attribute = "pc_followups", action = "increment", direct_transition = "End_Survivor_Visit" },
  End_Survivor_Visit = { type = "EncounterEnd", conditional_transition = when {
    { attribute("pc_followups", ">=", 15), "Long_Term" }, { "Survivorship" } } },
  Long_Term = { type = "Delay", distribution = function(p) return O.years_until(p, p:attr("pc_recur_at")) end, unit = "years",
                conditional_transition = when { { function(p) return O.due(p, p:attr("pc_recur_at")) end, "Recurrence" }, { "Terminal" } } },
  Recurrence = { type = "ConditionOnset", codes = { O.METASTASIS }, target_encounter = "Recurrence_Visit",
                 direct_transition = "Recurrence_Visit" },
  Recurrence_Visit = { type = "Encounter", encounter_class = "ambulatory", reason = "pc_condition", codes = { O.ENC_PROBLEM },
                       direct_transition = "Recurrence_PSA_Value" },
  Recurrence_PSA_Value = { type = "SetAttribute", attribute = "pc_psa", value = function(p) return round(8 + 40 * p:random(), 1) end,
                           direct_transition = "Recurrence_PSA" },
  Recurrence_PSA = { type = "Observation", category = "laboratory", unit = "ng/mL", codes = { O.PSA }, attribute = "pc_psa",
                     direct_transition = "Recurrence_Bone_Scan" },
  Recurrence_Bone_Scan = { type = "Procedure", reason = "pc_condition", codes = { BONE_SCAN }, duration = { low = 30, high = 60, unit = "minutes" },
                           direct_transition = "Recurrence_ECOG_Value" },
  Recurrence_ECOG_Value = { type = "SetAttribute", attribute = "pc_ecog", value = 1, direct_transition = "Recurrence_ECOG" },
  Recurrence_ECOG = { type = "Observation", category = "survey", unit = "{score}", codes = { O.ECOG }, attribute = "pc_ecog",
                      direct_transition = "Recurrence_Stage" },
  Recurrence_Stage = { type = "Observation", category = "laboratory", codes = { O.STAGE_GROUP }, value_code = O.STAGE[4],
                       direct_transition = "Recurrence_End" },
  Recurrence_End = { type = "EncounterEnd", direct_transition = "Metastatic" },

  Terminal = { type = "Terminal" },
}

for g = 1, 4 do
  S["Stage_" .. g] = { type = "Observation", category = "laboratory", codes = { O.STAGE_GROUP }, value_code = O.STAGE[g],
                       direct_transition = "Nodes" }
end
-- the pathology report of the biopsy, one per grade group
for g = 1, 5 do
  S["Path_GG" .. g] = { type = "DiagnosticReport", codes = { O.PATHOLOGY_REPORT },
                        observations = { { codes = { GRADE_GROUP }, category = "laboratory", value_code = GG[g] } },
                        direct_transition = "Bone_Scan_Check" }
end

return { name = "Prostate Cancer", states = S }
