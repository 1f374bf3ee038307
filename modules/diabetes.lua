-- Type 2 diabetes and prediabetes in adults. Onset ages are drawn once (by age, sex and adiposity);
-- prediabetes precedes diabetes. HbA1c and glucose follow the attributes (lifecycle/physiology.lua).
-- Prediabetes is seldom diagnosed; diabetes is diagnosed at a later check-up (a quarter to a third
-- stay undiagnosed), treated per ADA Standards of Care (metformin, then a sulfonylurea, then basal
-- insulin) with a yearly review at the check-up, where complications may be found.
-- Attributes written (docs/library.md): `prediabetes`, `diabetes` (true while present, diagnosed or
-- not), `diabetes_treatment` ("none", "metformin", "dual", "insulin"). Family-private: dm_pre_at,
-- dm_at (planned onset times, ms), dm_condition, dm_pre_condition.
-- Numbers marked [assumption] are modelling choices with no published figure behind them.
--
-- Figures and their sources:
-- * Total (diagnosed + undiagnosed: fasting glucose >= 126 mg/dL or HbA1c >= 6.5%) diabetes,
--   August 2021-August 2023: 20-39 3.5%, 40-59 17.7%, 60+ 27.3%; diagnosed 2.2%, 12.1%, 20.5%;
--   undiagnosed 1.3%, 5.6%, 6.8%; men 18.0% vs women 13.7% total; BMI < 25 6.8%, 25-29.9 12.3%,
--   >= 30 24.2% (Gwira JA, Fryar CD, Gu Q. Prevalence of total, diagnosed, and undiagnosed diabetes
--   in adults: United States, August 2021-August 2023. NCHS Data Brief 516, 2024).
-- * `diabetes` stands for total diabetes (the physiology holds untreated HbA1c >= 6.5%). Onset
--   hazard per year (fitted to the totals above with realism runs, x 18.0/15.8 for men and
--   x 13.7/15.8 for women): 0.002 (18-29), 0.006 (30-39), 0.017 (40-49), 0.014 (50-59), 0.0015
--   (60-69), 0 (70+). The fall after 60 stands in for the excess mortality of diabetes, which
--   the life table does not give to diabetics [assumption].
-- * Adiposity: relative risk exp(0.6 z - 0.18) for the adiposity z-score: about 3.5 times from the
--   leanest to the obese third, as 24.2% vs 6.8% above.
-- * Prediabetes (HbA1c 5.7-6.4% or fasting glucose 100-125), 2013-2016: 18-44 24.3%, 45-64 41.7%,
--   65+ 46.6%; men 37.4%, women 29.2% (age-adjusted); aware of it 8.8%, 16.0%, 22.6% (CDC
--   National Diabetes Statistics Report 2020, Table 3 and Appendix Table 6). Onset hazard per
--   year, fitted to prevalence + total diabetes by age (everyone with diabetes passed through
--   prediabetes): men 0.0318 (18-44), 0.0427 (45-64), 0.0338 (65+); women 0.0243, 0.0224,
--   0.0132; adiposity relative risk exp(0.4 z - 0.08) [assumption]. Before diabetes the person has
--   prediabetes for 2-8 years at least [assumption].
-- * Prediabetes diagnosis: the wait from onset is exponential with mean 140 years (so most are
--   never told) [assumption, calibrated to the awareness above]; at that check-up HbA1c and glucose
--   are recorded with a lifestyle plan (ADA Standards of Care 2024, section 3).
-- * Diabetes diagnosis: 25% of patients are never diagnosed (no screening, no symptoms); for the
--   others each attended check-up after onset diagnoses it with probability 0.25 [assumption,
--   both calibrated to the undiagnosed shares above: 37%, 32%, 25% of total diabetes]. The visit
--   records HbA1c and fasting glucose (ADA Standards of Care 2024, section 2: HbA1c >= 6.5% or
--   FPG >= 126 mg/dL).
-- * Treatment (ADA Standards of Care 2024, section 9): metformin at diagnosis with a
--   self-management plan; at the yearly review, if HbA1c >= 7.0% (the usual target, section 6) the
--   treatment is intensified with probability 0.5 [assumption: therapeutic inertia]: a second
--   agent (glipizide), then basal insulin glargine in place of the sulfonylurea.
-- * Complications, recorded at a review [assumption: yearly incidence shaped to prevalence after
--   10-15 years of diabetes]: retinopathy 2% a year (28.5% of US adults with diabetes aged 40+ had
--   retinopathy: Zhang X et al. JAMA 2010;304:649-656); neuropathy 2% a year; microalbuminuria
--   2.5% a year. Chronic kidney disease itself is modelled by the cardiovascular family.
-- * No deaths here: long-run mortality comes from the life table.

local C = lib("cardiometabolic")

local P = parameters {
  onset_multiplier = param(1.0, "multiplies the onset hazard of type 2 diabetes"),
}

local YEAR = C.YEAR_MS
local SEX_DM = { M = 18.0 / 15.8, F = 13.7 / 15.8 }
local DM_RATE = { { 30, 0.002 }, { 40, 0.006 }, { 50, 0.017 }, { 60, 0.014 }, { 70, 0.0015 }, { 200, 0 } }
local PRE_RATE = {
  M = { { 45, 0.0318 }, { 65, 0.0427 }, { 200, 0.0338 } },
  F = { { 45, 0.0243 }, { 65, 0.0224 }, { 200, 0.0132 } },
}

-- plan both onsets (ms times); stored in attributes, returns the diabetes onset time
local function plan(p)
  local dm = C.wait_years(p, DM_RATE, SEX_DM[p.sex] * C.adiposity_rr(p, 0.6) * P.onset_multiplier)
  local pre = C.wait_years(p, PRE_RATE[p.sex], C.adiposity_rr(p, 0.4))
  if dm < 300 then
    pre = math.min(pre, dm - 2 - 6 * p:random())
    if pre < 0 then pre = 0 end
  end
  local dm_at = p.time + dm * YEAR
  p:set("dm_pre_at", p.time + pre * YEAR)
  return dm_at
end

-- years from now to the time t (an attribute's value, read where it is named so that lint sees it)
local function years_until(p, t)
  if type(t) ~= "number" then return 300 end
  return math.max(0, (t - p.time) / YEAR)
end

local function diabetes_due(p)
  local t = p:attr("dm_at")
  return type(t) == "number" and p.time >= t - 1000
end

-- prediabetes diagnosis: wait to the check-up that finds it, or skip when diabetes comes first
local PRE_DX_MEAN = 140
local function pre_dx_wait(p)
  local w = -math.log(1 - p:random()) * PRE_DX_MEAN
  local left = years_until(p, p:attr("dm_at"))
  if w >= left then return left end
  return w
end

local function a1c(p) return p:vital("HbA1c") or 7 end
local function treatment(p) return p:attr("diabetes_treatment") or "none" end
local function p_intensify(p)
  local tx = treatment(p)
  if a1c(p) < 7.0 or tx == "insulin" then return 0 end
  return 0.5
end

local DETECT = 0.25
local NEVER_DIAGNOSED = 0.25

local function complication(name, code, rate, next_state)
  return { type = "Simple", conditional_transition = when {
    { active_condition(code), next_state },
    { function(p) return p:random() < rate end, name },
    { next_state } } }
end

return {
  name = "Diabetes",
  states = {
    Initial = { type = "Initial", direct_transition = "Adulthood" },
    Adulthood = { type = "Delay", exact = years(18), direct_transition = "Plan" },
    Plan = { type = "SetAttribute", attribute = "dm_at", value = plan, direct_transition = "Await_Prediabetes" },
    Await_Prediabetes = { type = "Delay", distribution = function(p) return years_until(p, p:attr("dm_pre_at")) end,
                          unit = "years", direct_transition = "Prediabetes_Onset" },
    Prediabetes_Onset = { type = "SetAttribute", attribute = "prediabetes", value = true,
                          direct_transition = "Prediabetes_Physiology" },
    Prediabetes_Physiology = { type = "CallSubmodule", submodule = "lifecycle/physiology",
                               direct_transition = "Await_Prediabetes_Diagnosis" },
    Await_Prediabetes_Diagnosis = { type = "Delay", distribution = pre_dx_wait, unit = "years",
                                    conditional_transition = when { { diabetes_due, "Diabetes_Onset" },
                                                                    { "Prediabetes_Visit" } } },
    Prediabetes_Visit = { type = "Encounter", wellness = true, conditional_transition = when {
      { diabetes_due, "Prediabetes_Visit_End" }, { "Prediabetes_Visit_Physiology" } } },
    Prediabetes_Visit_Physiology = { type = "CallSubmodule", submodule = "lifecycle/physiology",
                                     direct_transition = "Prediabetes_Condition" },
    Prediabetes_Condition = { type = "ConditionOnset", assign_to_attribute = "dm_pre_condition",
                              codes = { C.PREDIABETES }, direct_transition = "Prediabetes_A1c" },
    Prediabetes_A1c = C.a1c_state("Prediabetes_Glucose"),
    Prediabetes_Glucose = C.glucose_state("Prediabetes_Plan"),
    Prediabetes_Plan = { type = "CarePlanStart", reason = "dm_pre_condition", codes = { C.DM_PLAN },
                         activities = { C.DIABETIC_DIET, C.EXERCISE }, direct_transition = "Prediabetes_Visit_End" },
    Prediabetes_Visit_End = { type = "EncounterEnd", direct_transition = "Await_Diabetes" },
    Await_Diabetes = { type = "Delay", distribution = function(p) return years_until(p, p:attr("dm_at")) end,
                       unit = "years", direct_transition = "Diabetes_Onset" },

    -- diabetes begins (prediabetes ends)
    Diabetes_Onset = { type = "SetAttribute", attribute = "diabetes", value = true, direct_transition = "Clear_Prediabetes" },
    Clear_Prediabetes = { type = "SetAttribute", attribute = "prediabetes", direct_transition = "No_Treatment" },
    No_Treatment = { type = "SetAttribute", attribute = "diabetes_treatment", value = "none",
                     conditional_transition = when { { has_attribute("dm_pre_condition"), "End_Prediabetes" },
                                                     { "Diabetes_Condition" } } },
    End_Prediabetes = { type = "ConditionEnd", referenced_by_attribute = "dm_pre_condition",
                        direct_transition = "End_Prediabetes_Plan" },
    End_Prediabetes_Plan = { type = "CarePlanEnd", careplan = "Prediabetes_Plan", direct_transition = "Diabetes_Condition" },
    Diabetes_Condition = { type = "ConditionOnset", target_encounter = "Diagnosis_Visit", assign_to_attribute = "dm_condition",
                           codes = { C.DIABETES }, direct_transition = "Onset_Physiology" },
    Onset_Physiology = { type = "CallSubmodule", submodule = "lifecycle/physiology", direct_transition = "Access" },
    Access = { type = "Simple", distributed_transition = pick { { NEVER_DIAGNOSED, "Never_Diagnosed" },
                                                                { 1 - NEVER_DIAGNOSED, "Undiagnosed" } } },
    Never_Diagnosed = { type = "Terminal" },

    Undiagnosed = { type = "Simple", distributed_transition = pick { { DETECT, "Diagnosis_Visit" }, { 1 - DETECT, "Missed_Visit" } } },
    Missed_Visit = { type = "Encounter", wellness = true, direct_transition = "Missed_End" },
    Missed_End = { type = "EncounterEnd", direct_transition = "Missed_Gap" },
    Missed_Gap = { type = "Delay", exact = days(30), direct_transition = "Undiagnosed" },

    Diagnosis_Visit = { type = "Encounter", wellness = true, direct_transition = "Diagnosis_Physiology" },
    Diagnosis_Physiology = { type = "CallSubmodule", submodule = "lifecycle/physiology", direct_transition = "Diagnosis_A1c" },
    Diagnosis_A1c = C.a1c_state("Diagnosis_Glucose"),
    Diagnosis_Glucose = C.glucose_state("Self_Management"),
    Self_Management = { type = "CarePlanStart", reason = "dm_condition", codes = { C.DM_PLAN },
                        activities = { C.DIABETIC_DIET, C.EXERCISE }, direct_transition = "Metformin" },
    Metformin = { type = "MedicationOrder", reason = "dm_condition", codes = { C.METFORMIN }, chronic = true,
                  prescription = { refills = 11, dosage = { amount = 1, frequency = 2, period = 1, unit = "days" } },
                  direct_transition = "On_Metformin" },
    On_Metformin = { type = "SetAttribute", attribute = "diabetes_treatment", value = "metformin", direct_transition = "End_Visit" },
    End_Visit = { type = "EncounterEnd", direct_transition = "Review_Gap" },

    -- yearly review at the check-up
    Review_Gap = { type = "Delay", exact = days(30), direct_transition = "Review" },
    Review = { type = "Encounter", wellness = true, direct_transition = "Review_Physiology" },
    Review_Physiology = { type = "CallSubmodule", submodule = "lifecycle/physiology", direct_transition = "Review_A1c" },
    Review_A1c = C.a1c_state("Review_Glucose"),
    Review_Glucose = C.glucose_state("Retinopathy_Check"),
    Retinopathy_Check = complication("Retinopathy", C.RETINOPATHY, 0.02, "Neuropathy_Check"),
    Retinopathy = { type = "ConditionOnset", codes = { C.RETINOPATHY }, direct_transition = "Neuropathy_Check" },
    Neuropathy_Check = complication("Neuropathy", C.NEUROPATHY, 0.02, "Albuminuria_Check"),
    Neuropathy = { type = "ConditionOnset", codes = { C.NEUROPATHY }, direct_transition = "Albuminuria_Check" },
    Albuminuria_Check = complication("Microalbuminuria", C.MICROALBUMINURIA, 0.025, "Intensify"),
    Microalbuminuria = { type = "ConditionOnset", codes = { C.MICROALBUMINURIA }, direct_transition = "Intensify" },
    Intensify = { type = "Simple", distributed_transition = {
      { distribution = p_intensify, transition = "Next_Step" },
      { distribution = function(p) return 1 - p_intensify(p) end, transition = "End_Visit" } } },
    Next_Step = { type = "Simple", conditional_transition = when {
      { attribute("diabetes_treatment", "==", "metformin"), "Glipizide" },
      { attribute("diabetes_treatment", "==", "dual"), "Stop_Glipizide" },
      { "End_Visit" } } },
    Glipizide = { type = "MedicationOrder", reason = "dm_condition", codes = { C.GLIPIZIDE }, chronic = true,
                  prescription = { refills = 11, dosage = { amount = 1, frequency = 1, period = 1, unit = "days" } },
                  direct_transition = "On_Dual" },
    On_Dual = { type = "SetAttribute", attribute = "diabetes_treatment", value = "dual", direct_transition = "End_Visit" },
    Stop_Glipizide = { type = "MedicationEnd", medication_order = "Glipizide", direct_transition = "Glargine" },
    Glargine = { type = "MedicationOrder", reason = "dm_condition", codes = { C.GLARGINE }, chronic = true,
                 prescription = { refills = 11, dosage = { amount = 10, frequency = 1, period = 1, unit = "days" } },
                 direct_transition = "On_Insulin" },
    On_Insulin = { type = "SetAttribute", attribute = "diabetes_treatment", value = "insulin", direct_transition = "End_Visit" },
  },
}
