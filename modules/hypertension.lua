-- Hypertension (essential) in adults: onset drawn once by age, sex, race and adiposity; the blood
-- pressure rises from onset (the physiology reads `hypertension`), the diagnosis comes at a later
-- check-up (many stay unaware for years), treatment follows ACC/AHA 2017 and is intensified at
-- yearly reviews held at the check-ups.
-- Attributes written (docs/library.md): `hypertension` (true from onset, diagnosed or not),
-- `antihypertensives` (number of drug classes taken, 0-3). Family-private: `htn_condition`.
-- Numbers marked [assumption] are modelling choices with no published figure behind them.
--
-- Figures and their sources:
-- * Prevalence (SBP >= 130 or DBP >= 80 mmHg, or taking antihypertensive medication), August
--   2021-August 2023: 18-39 23.4%, 40-59 52.5%, 60+ 71.6%; men 18-39 30.0%, women 16.4%; men 40-59
--   55.9%, women 49.0%; no sex difference at 60+. Awareness among those with hypertension: 18-39
--   27.2%, 40-59 56.7%, 60+ 73.7% (59.2% overall); taking medication: 13.9%, 47.1%, 69.1%; BP
--   controlled < 130/80: 20.7% overall. (Fryar CD, Kit B, Carroll MD, Afful J. Hypertension
--   prevalence, awareness, treatment, and control among adults age 18 and older: United States,
--   August 2021-August 2023. NCHS Data Brief 511, 2024.) The 2017-2018 figures (22.4%, 54.5%,
--   74.5%; Ostchega Y et al. NCHS Data Brief 364, 2020, Fig. 1) are within 3 points.
-- * The attribute `hypertension` stands for the NHANES definition: with it the physiology puts the
--   untreated reading at >= 131 mmHg, without it below 130/80. Its onset hazard per year, fitted
--   (cumulative hazard over the Census 2024 age structure, adiposity frailty below) to the
--   prevalence above: men 0.0356 (18-39), 0.0096 (40-59), 0.0423 (60+); women 0.0169, 0.0370,
--   0.0253.
-- * Adiposity: relative risk exp(0.4 z - 0.08) for the person's adiposity z-score [assumption:
--   about 1.5-2 times the risk with obesity, the usual cohort estimate, e.g. Hall JE et al. Circ
--   Res 2015;116:991-1006].
-- * Race: age-adjusted prevalence non-Hispanic Black 57.1% vs White 43.6% (Ostchega 2020): hazard
--   x 1.45 for Black patients, x 0.94 for the others (so the average stays) [fitted to the ratio].
-- * Diagnosis: at each attended check-up after onset an undiagnosed patient is diagnosed with
--   probability 0.05 (18-39), 0.06 (40-59), 0.045 (60+), doubled when the last systolic reading was
--   >= 140 mmHg [assumption; calibrated so that diagnosed prevalence = prevalence x awareness
--   above: 6.4%, 29.8%, 52.8%]. ACC/AHA 2017 asks for >= 2 readings on >= 2 occasions
--   (Whelton PK et al. Hypertension 2018;71:e13-e115, section 4), so the visit repeats the reading.
-- * Treatment (Whelton 2018, sections 8.1 and 9): lifestyle care plan for all; a drug at
--   diagnosis for stage 2 (>= 140/90), age 65+ or diabetes, otherwise (stage 1, risk unknown
--   here) with probability 0.35 under 40 and 0.6 at 40-64 [assumption, shaped to treated / aware
--   51% at 18-39, 83% at 40-59]. First-line classes: ACE inhibitor, calcium channel blocker,
--   thiazide; in Black adults a thiazide or CCB first (recommendation 8.1.6.1). Order here:
--   lisinopril, then amlodipine, then hydrochlorothiazide (Black: amlodipine, hydrochlorothiazide,
--   lisinopril).
-- * Yearly review at the check-up: if the reading is >= 130/80, a drug is added (up to 3) with
--   probability 0.35, or started after lifestyle alone with probability 0.35 [assumption:
--   therapeutic inertia; control to < 130/80 in 20.7% of hypertensives, Fryar 2024].
-- * No deaths here: long-run mortality comes from the life table.

local C = lib("cardiometabolic")

local P = parameters {
  onset_multiplier = param(1.0, "multiplies the onset hazard of hypertension"),
}

local RATE = {
  M = { { 40, 0.0356 }, { 60, 0.0096 }, { 200, 0.0423 } },
  F = { { 40, 0.0169 }, { 60, 0.0370 }, { 200, 0.0253 } },
}

local function onset_wait(p)
  local mult = C.adiposity_rr(p, 0.4) * (p.race == "black" and 1.45 or 0.94) * P.onset_multiplier
  return C.wait_years(p, RATE[p.sex], mult)
end

local function sbp(p) return p:vital("Systolic Blood Pressure") or 120 end
local function dbp(p) return p:vital("Diastolic Blood Pressure") or 75 end

-- the chance that the next attended check-up diagnoses the hypertension
local function p_detect(p)
  local a = C.age_years(p)
  local q = a < 40 and 0.05 or a < 60 and 0.06 or 0.045
  if sbp(p) >= 140 then q = q * 2 end
  return math.min(q, 0.9)
end

local function stage2(p) return sbp(p) >= 140 or dbp(p) >= 90 end
local function uncontrolled(p) return sbp(p) >= 130 or dbp(p) >= 80 end

-- a drug at diagnosis?
local function p_drug_at_diagnosis(p)
  local a = C.age_years(p)
  if stage2(p) or a >= 65 or p:attr("diabetes") == true then return 1 end
  return a < 40 and 0.35 or 0.6
end

local function n_drugs(p)
  local n = p:attr("antihypertensives")
  return type(n) == "number" and n or 0
end

-- the class added next: 1 lisinopril, 2 amlodipine, 3 hydrochlorothiazide
local ORDER = { other = { 1, 2, 3 }, Black = { 2, 3, 1 } }
local function next_class(p)
  local order = ORDER[p.race == "black" and "Black" or "other"]
  return order[n_drugs(p) + 1]
end

local function p_intensify(p)
  if n_drugs(p) >= 3 or not uncontrolled(p) then return 0 end
  return 0.35
end

return {
  name = "Hypertension",
  states = {
    Initial = { type = "Initial", direct_transition = "Adulthood" },
    Adulthood = { type = "Delay", exact = years(18), direct_transition = "Await_Onset" },
    Await_Onset = { type = "Delay", distribution = onset_wait, unit = "years", direct_transition = "Onset" },
    Onset = { type = "SetAttribute", attribute = "hypertension", value = true, direct_transition = "No_Drugs" },
    No_Drugs = { type = "SetAttribute", attribute = "antihypertensives", value = 0, direct_transition = "Condition" },
    Condition = { type = "ConditionOnset", target_encounter = "Diagnosis_Visit", assign_to_attribute = "htn_condition",
                  codes = { C.HYPERTENSION }, direct_transition = "Onset_Physiology" },
    Onset_Physiology = { type = "CallSubmodule", submodule = "lifecycle/physiology", direct_transition = "Undiagnosed" },

    -- unaware: each check-up may or may not find it
    Undiagnosed = { type = "Simple", distributed_transition = {
      { distribution = p_detect, transition = "Diagnosis_Visit" },
      { distribution = function(p) return 1 - p_detect(p) end, transition = "Missed_Visit" } } },
    Missed_Visit = { type = "Encounter", wellness = true, direct_transition = "Missed_End" },
    Missed_End = { type = "EncounterEnd", direct_transition = "Missed_Gap" },
    Missed_Gap = { type = "Delay", exact = days(30), direct_transition = "Undiagnosed" },

    -- the diagnosing check-up: a repeat reading, lifestyle plan, maybe the first drug
    Diagnosis_Visit = { type = "Encounter", wellness = true, direct_transition = "Diagnosis_Physiology" },
    Diagnosis_Physiology = { type = "CallSubmodule", submodule = "lifecycle/physiology", direct_transition = "Diagnosis_BP" },
    Diagnosis_BP = C.bp_state("Lifestyle"),
    Lifestyle = { type = "CarePlanStart", reason = "htn_condition", codes = { C.HTN_PLAN },
                  activities = { C.EXERCISE, C.HEALTHY_DIET }, direct_transition = "Treat_Decision" },
    Treat_Decision = { type = "Simple", distributed_transition = {
      { distribution = p_drug_at_diagnosis, transition = "Add_Drug" },
      { distribution = function(p) return 1 - p_drug_at_diagnosis(p) end, transition = "End_Visit" } } },

    Add_Drug = { type = "Simple", conditional_transition = when {
      { function(p) return next_class(p) == 1 end, "Lisinopril" },
      { function(p) return next_class(p) == 2 end, "Amlodipine" },
      { function(p) return next_class(p) == 3 end, "Hydrochlorothiazide" },
      { "End_Visit" } } },
    Lisinopril = { type = "MedicationOrder", reason = "htn_condition", codes = { C.LISINOPRIL }, chronic = true,
                   prescription = { refills = 11, dosage = { amount = 1, frequency = 1, period = 1, unit = "days" } },
                   direct_transition = "Count_Drug" },
    Amlodipine = { type = "MedicationOrder", reason = "htn_condition", codes = { C.AMLODIPINE }, chronic = true,
                   prescription = { refills = 11, dosage = { amount = 1, frequency = 1, period = 1, unit = "days" } },
                   direct_transition = "Count_Drug" },
    Hydrochlorothiazide = { type = "MedicationOrder", reason = "htn_condition", codes = { C.HCTZ }, chronic = true,
                            prescription = { refills = 11, dosage = { amount = 1, frequency = 1, period = 1, unit = "days" } },
                            direct_transition = "Count_Drug" },
    Count_Drug = { type = "Counter", attribute = "antihypertensives", action = "increment", direct_transition = "End_Visit" },
    End_Visit = { type = "EncounterEnd", direct_transition = "Review_Gap" },

    -- yearly review at the check-up
    Review_Gap = { type = "Delay", exact = days(30), direct_transition = "Review" },
    Review = { type = "Encounter", wellness = true, direct_transition = "Review_Physiology" },
    Review_Physiology = { type = "CallSubmodule", submodule = "lifecycle/physiology", direct_transition = "Review_BP" },
    Review_BP = C.bp_state("Intensify"),
    Intensify = { type = "Simple", distributed_transition = {
      { distribution = p_intensify, transition = "Add_Drug" },
      { distribution = function(p) return 1 - p_intensify(p) end, transition = "End_Visit" } } },
  },
}
