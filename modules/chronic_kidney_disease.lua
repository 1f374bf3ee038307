-- Chronic kidney disease (CKD): albuminuria (stages 1-2) in people with diabetes or hypertension,
-- and loss of kidney function from age, diabetes and hypertension, stage by stage (KDIGO GFR
-- categories G3-G5); found by the urine albumin/creatinine ratio (stages 1-2, screened yearly in
-- diabetes) or the eGFR (stage 3) measured at a check-up, or at a nephrology visit (stages 4-5);
-- an ACE inhibitor for CKD with hypertension or diabetes; dialysis for most kidney failure.
-- Owns `ckd_stage` (0 none, 1-5): the physiology puts eGFR in the stage's band and computes
-- creatinine from it (CKD-EPI 2021), and the eGFR and creatinine recorded here are those values.
-- Numbers marked [assumption] are modelling choices with no published figure behind them.
--
-- Figures and their sources:
-- * Calibration target: CKD stage 3 (eGFR 30-59) in 6.6% of US adults 20 and over, NHANES
--   2011-2014 (United States Renal Data System. 2016 USRDS Annual Data Report, Volume 1, chapter 1,
--   Table 1.2); moderately reduced GFR 7.7% and severely reduced GFR (stage 4) 0.35% in 1999-2004
--   (Coresh J et al. Prevalence of chronic kidney disease in the United States. JAMA
--   2007;298:2038-2047). Low eGFR is mostly a disease of old age ("age is the best correlate of
--   low eGFR", USRDS 2016, ch. 1).
-- * Lifetime risk from birth of CKD stage 3a+ 59.1%, stage 4+ 11.5%, kidney failure 3.6% (Grams ME
--   et al. Lifetime incidence of CKD stages 3-5 in the United States. Am J Kidney Dis
--   2013;62:245-252).
-- * Hazard of stage 3 per year (population average): 0.025% at 20-39, 0.18% at 40-59, 1.1% at
--   60-69, 3.1% at 70-79, 6% from 80, set to the figures above by simulation. Relative risks,
--   divided by their population mean at each age (lib/cardiovascular.lua): diabetes 2.0,
--   hypertension 1.6, current smoking 1.2 [assumption: diabetes and hypertension are the leading
--   causes of CKD, and CKD prevalence is 38.5% with diabetes and 26.3% with hypertension against
--   10.8% and 7.7% without (CDC Chronic Kidney Disease Surveillance System, NHANES 2017-March
--   2020), ratios that include age confounding].
-- * Albuminuria (stage 1 if eGFR >= 90, else stage 2): 2.5% a year with diabetes, 0.7% a year
--   with hypertension alone [assumption: about a quarter of adults with diabetes have
--   albuminuria, CDC Chronic Kidney Disease in the United States, 2023; it is rarer with
--   hypertension alone]; it doubles the hazard of stage 3 [assumption]. Urine albumin/creatinine
--   ratio 30-300 mg/g at diagnosis (KDIGO A2) [assumption]. Diagnosed at a check-up with
--   diabetes (yearly ACR screening, ADA Standards of Care 2024, section 11) and, with
--   hypertension alone, at a third of them [assumption: ACR is tested far less often without
--   diabetes].
-- * Progression: stage 3 to 4 1.2% a year (1.8% with diabetes); stage 4 to 5 10% a year
--   [assumption: set to the stage 4 prevalence of Coresh 2007 (0.35%) by simulation; stage 4+ is
--   then rarer relative to stage 3 than the lifetime risks of Grams 2013 suggest].
-- * Diagnosis (KDIGO 2024 Clinical Practice Guideline for the Evaluation and Management of CKD,
--   Kidney Int 2024;105(4S):S117-S314): stage 3 at the next check-up, from eGFR and creatinine;
--   stages 4-5 at a nephrology visit 1-3 months after the change [assumption]. ACE inhibitor
--   (lisinopril 10 mg) for CKD with diabetes (KDIGO 2024, rec. 3.6.1), unless already taken; with
--   hypertension the drug classes are left to hypertension.lua (the ACE inhibitor started here
--   is stopped at the yearly review once hypertension has begun).
-- * Kidney failure: about 85% of patients start dialysis, mostly hemodialysis (USRDS 2023 Annual
--   Data Report, Volume 2, chapter 1) [rounded]; recorded as a yearly dialysis summary visit
--   (not every session). Long-run mortality comes from the life table.

local CV = lib("cardiovascular")

local P = parameters {
  risk_multiplier = param(1.0, "multiplies the hazard of CKD stage 3"),
}

local HAZARD = { { 20, 0.00025 }, { 39.99, 0.00025 }, { 40, 0.0018 }, { 59.99, 0.0018 }, { 60, 0.011 },
  { 69.99, 0.011 }, { 70, 0.031 }, { 79.99, 0.031 }, { 80, 0.06 } }
local RR = { smoker = 1.2, former = 1.0, hypertension = 1.6, diabetes = 2.0, hyperlipidemia = 1.0,
             statin_moderate = 1, statin_high = 1 }

local function stage(p)
  local s = p:attr("ckd_stage")
  return type(s) == "number" and s or 0
end

local function draw(p, rate)
  return p:random() < 1 - math.exp(-rate)
end

local function onset3(p)
  local s = stage(p)
  if s >= 3 then return false end
  local a = CV.age(p)
  return draw(p, CV.interp(HAZARD, a) * CV.relative_risk(p, RR, a) * P.risk_multiplier * (s > 0 and 2 or 1))
end
local function albuminuria(p)
  if stage(p) ~= 0 then return false end
  if p:attr("diabetes") == true then return draw(p, 0.025) end
  if p:attr("hypertension") == true then return draw(p, 0.007) end
  return false
end
-- G1 or G2 by the eGFR the physiology last computed
local function albuminuric_stage(p)
  local e = p:vital("eGFR")
  return (e ~= nil and e >= 90) and 1 or 2
end
local function progress4(p)
  return stage(p) == 3 and draw(p, p:attr("diabetes") == true and 0.018 or 0.012)
end
local function progress5(p)
  return stage(p) == 4 and draw(p, 0.10)
end

-- with hypertension the antihypertensive classes are chosen by hypertension.lua (which owns
-- `antihypertensives`); here the ACE inhibitor of CKD with diabetes alone
local ace_indicated = all_of {
  attribute("diabetes", "==", true), negate(attribute("hypertension", "==", true)),
  negate(active_medication(CV.LISINOPRIL)) }

local S = {
  Initial = { type = "Initial", direct_transition = "Adult" },
  Adult = { type = "Guard", allow = age(">=", 20), direct_transition = "Year" },
  Year = { type = "Simple", conditional_transition = when {
    { all_of { attribute("hypertension", "==", true), attribute("cv_ckd_ace", "is not nil"),
               negate(prior_state("Hand_Over")) }, "Hand_Over" },
    { onset3, "Stage_3" }, { progress4, "Stage_4" }, { progress5, "Stage_5" }, { albuminuria, "Stage_1_2" },
    { all_of { attribute("ckd_stage", ">=", 1), attribute("ckd_stage", "<=", 2), attribute("cv_ckd_condition", "is nil") },
      "Screening" },
    { "Next_Year" } } },

  -- stages 1-2: albuminuria, found by the ACR of a check-up
  Stage_1_2 = { type = "SetAttribute", attribute = "ckd_stage", value = albuminuric_stage,
                direct_transition = "Screening" },
  Screening = { type = "Encounter", wellness = true, conditional_transition = when {
    { attribute("diabetes", "==", true), "S12_Physiology" },
    { "Screened_Or_Not" } } },
  Screened_Or_Not = { type = "Simple", distributed_transition = pick { { 1 / 3, "S12_Physiology" }, { 2 / 3, "Screening_End" } } },
  Screening_End = { type = "EncounterEnd", direct_transition = "Next_Year" },
  S12_ACR = { type = "Observation", category = "laboratory", codes = { CV.ACR }, unit = "mg/g",
              range = { low = 30, high = 300 }, conditional_transition = when {
                { attribute("ckd_stage", "==", 1), "S1_Diagnosis" }, { "S2_Diagnosis" } } },
  S1_Diagnosis = { type = "ConditionOnset", codes = { CV.CKD[1] }, assign_to_attribute = "cv_ckd_condition",
                   conditional_transition = when { { ace_indicated, "S12_ACE" }, { "Checkup_End" } } },
  S2_Diagnosis = { type = "ConditionOnset", codes = { CV.CKD[2] }, assign_to_attribute = "cv_ckd_condition",
                   conditional_transition = when { { ace_indicated, "S12_ACE" }, { "Checkup_End" } } },
  S12_ACE = { type = "MedicationOrder", reason = "cv_ckd_condition", codes = { CV.LISINOPRIL }, chronic = true,
              assign_to_attribute = "cv_ckd_ace",
              prescription = { dosage = { amount = 1, frequency = 1, period = 1, unit = "days" } },
              direct_transition = "Checkup_End" },
  Next_Year = { type = "Delay", exact = years(1), direct_transition = "Year" },
  -- hypertension has begun: its module chooses the antihypertensives from now on
  Hand_Over = { type = "MedicationEnd", referenced_by_attribute = "cv_ckd_ace", direct_transition = "Year" },

  -- stage 3: found at the next check-up
  Stage_3 = { type = "SetAttribute", attribute = "ckd_stage", value = 3, direct_transition = "Checkup" },
  Checkup = { type = "Encounter", wellness = true, direct_transition = "S3_Physiology" },
  S3_End_Prior = { type = "ConditionEnd", referenced_by_attribute = "cv_ckd_condition", direct_transition = "S3_Diagnosis" },
  S3_Diagnosis = { type = "ConditionOnset", codes = { CV.CKD[3] }, assign_to_attribute = "cv_ckd_condition",
                   conditional_transition = when { { ace_indicated, "S3_ACE" }, { "Checkup_End" } } },
  S3_ACE = { type = "MedicationOrder", reason = "cv_ckd_condition", codes = { CV.LISINOPRIL }, chronic = true,
             assign_to_attribute = "cv_ckd_ace",
             prescription = { dosage = { amount = 1, frequency = 1, period = 1, unit = "days" } },
             direct_transition = "Checkup_End" },
  Checkup_End = { type = "EncounterEnd", direct_transition = "Next_Year" },

  -- stages 4 and 5: a nephrology visit
  Stage_4 = { type = "SetAttribute", attribute = "ckd_stage", value = 4, direct_transition = "S4_Delay" },
  S4_Delay = { type = "Delay", distribution = uniform { months(1), months(3) }, direct_transition = "S4_Visit" },
  S4_Visit = { type = "Encounter", encounter_class = "ambulatory", reason = "cv_ckd_condition",
               codes = { CV.ENC_FOLLOWUP }, direct_transition = "S4_Physiology" },
  S4_End_Prior = { type = "ConditionEnd", referenced_by_attribute = "cv_ckd_condition", direct_transition = "S4_Diagnosis" },
  S4_Diagnosis = { type = "ConditionOnset", codes = { CV.CKD[4] }, assign_to_attribute = "cv_ckd_condition",
                   direct_transition = "S4_Visit_End" },
  S4_Visit_End = { type = "EncounterEnd", direct_transition = "Next_Year" },

  Stage_5 = { type = "SetAttribute", attribute = "ckd_stage", value = 5, direct_transition = "S5_Delay" },
  S5_Delay = { type = "Delay", distribution = uniform { months(1), months(3) }, direct_transition = "S5_Visit" },
  S5_Visit = { type = "Encounter", encounter_class = "ambulatory", reason = "cv_ckd_condition",
               codes = { CV.ENC_FOLLOWUP }, direct_transition = "S5_Physiology" },
  S5_End_Prior = { type = "ConditionEnd", referenced_by_attribute = "cv_ckd_condition", direct_transition = "S5_Diagnosis" },
  S5_Diagnosis = { type = "ConditionOnset", codes = { CV.CKD[5] }, assign_to_attribute = "cv_ckd_condition",
                   direct_transition = "S5_Visit_End" },
  S5_Visit_End = { type = "EncounterEnd",
                   distributed_transition = pick { { 0.85, "Dialysis_Visit" }, { 0.15, "Terminal" } } },

  -- dialysis: one summary record a year
  Dialysis_Visit = { type = "Encounter", encounter_class = "outpatient", reason = "cv_ckd_condition",
                     codes = { CV.ENC_PROBLEM }, direct_transition = "Dialysis" },
  Dialysis = { type = "Procedure", reason = "cv_ckd_condition", codes = { CV.DIALYSIS },
               duration = { low = 3, high = 4, unit = "hours" }, direct_transition = "D_Physiology" },
  Dialysis_End = { type = "EncounterEnd", direct_transition = "Dialysis_Year" },
  Dialysis_Year = { type = "Delay", exact = years(1), direct_transition = "Dialysis_Visit" },

  Terminal = { type = "Terminal" },
}

-- the labs of a visit: physiology, then eGFR and creatinine
local function labs(prefix, next_state)
  S[prefix .. "_Physiology"] = { type = "CallSubmodule", submodule = "lifecycle/physiology",
                                 direct_transition = prefix .. "_eGFR" }
  S[prefix .. "_eGFR"] = { type = "Observation", category = "laboratory", codes = { CV.EGFR },
                           vital_sign = "eGFR", unit = "mL/min/{1.73_m2}", direct_transition = prefix .. "_Creatinine" }
  S[prefix .. "_Creatinine"] = { type = "Observation", category = "laboratory", codes = { CV.CREATININE },
                                 vital_sign = "Creatinine", unit = "mg/dL", direct_transition = next_state }
end
labs("S12", "S12_ACR")
labs("S3", "S3_Check_Prior")
S.S3_Check_Prior = { type = "Simple", conditional_transition = when {
  { attribute("cv_ckd_condition", "is not nil"), "S3_End_Prior" }, { "S3_Diagnosis" } } }
labs("S4", "S4_End_Prior")
labs("S5", "S5_End_Prior")
labs("D", "Dialysis_End")

return { name = "Chronic Kidney Disease", states = S }
