-- Coronary heart disease (CHD): a first coronary event from age, sex and the risk factors other
-- modules keep (smoking, hypertension, diabetes, hyperlipidemia and statins), presenting either as
-- stable angina (office visit) or as an acute myocardial infarction (emergency visit, admission,
-- revascularization, death within 30 days for some); secondary prevention after either;
-- recurrent infarctions. Its coronary arteriosclerosis record raises the stroke risk (stroke.lua).
-- Numbers marked [assumption] are modelling choices with no published figure behind them.
--
-- Figures and their sources:
-- * Calibration target: coronary heart disease, angina or heart attack ever diagnosed, NHIS 2019:
--   18-44 1.0%, 45-54 3.6%, 55-64 9.0%, 65-74 14.3%, 75 and over 24.2%; age-adjusted men 7.0%,
--   women 4.2% (NCHS, Health, United States 2020-2021, Table HDPrv, "Heart disease prevalence").
--   45-64 combined (population-weighted) 6.3%.
-- * Baseline hazard of a first coronary event per year (population average, both sexes): 0.05%
--   at 20-29, 0.13% at 30-39, 0.2% at 40-49, 0.45% at 50-59, 0.7% at 60-69, 1.1% at 70-79, 1.4%
--   from 80, fitted to the prevalences above by simulation; men x1.3, women x0.75 (the 7.0/4.2
--   age-adjusted ratio).
-- * Relative risks, divided by their population mean at each age (lib/cardiovascular.lua):
--   current smoking 2.0 (Huxley RR, Woodward M. Lancet 2011;378:1297-1305: pooled RR of CHD in
--   smokers about 2), former smoking 1.2 [assumption]; hypertension 1.9 (INTERHEART: Yusuf S et
--   al. Lancet 2004;364:937-952, odds ratio of MI for history of hypertension 1.91); diabetes
--   2.0 (Emerging Risk Factors Collaboration, Sarwar N et al. Lancet 2010;375:2215-2222, HR for
--   coronary heart disease 2.00); hyperlipidemia 1.5 [assumption, modest next to the INTERHEART
--   ApoB/ApoA1 OR 3.25 for the top quintile], of which a moderate statin removes half and a
--   high-intensity statin 70% (Cholesterol Treatment Trialists' Collaboration, Lancet
--   2010;376:1670-1681: 22% fewer major vascular events per 1 mmol/L LDL lowered).
-- * First presentation as myocardial infarction in 50% of men and 35% of women, otherwise as
--   angina (Lerner DJ, Kannel WB. Patterns of coronary heart disease morbidity and mortality in
--   the sexes: a 26-year follow-up of the Framingham population. Am Heart J 1986;111:383-390:
--   angina is the commoner first presentation in women) [rounded].
-- * Infarction with known CHD: 2% a year [assumption, the order of the REACH registry's yearly
--   rate of cardiovascular events in established coronary disease: Bhatt DL et al. JAMA
--   2010;304:1350-1357].
-- * ST-elevation infarction in 30% of infarctions (Yeh RW et al. N Engl J Med 2010;362:
--   2155-2165: STEMI 47% of MI hospitalizations in 1999, 23% in 2008).
-- * Revascularization within 30 days in Medicare beneficiaries with MI, 2014: PCI 43.3%, CABG
--   10.2%; 30-day mortality 12.4% (Krumholz HM, Normand ST, Wang Y. Twenty-year trends in
--   outcomes for older adults with acute myocardial infarction in the United States. JAMA Netw
--   Open 2019;2(3):e191938). Here: STEMI PCI 85%, CABG 5%; NSTEMI coronary angiography in 70%,
--   PCI 40%, CABG 10% [assumption around Krumholz]. 30-day case fatality by age: under 65 5%,
--   65-74 8%, 75-84 13%, 85 and over 20% [assumption: mean near 12.4% over the age mix of
--   Medicare infarctions], all deaths during the admission (0-7 days).
-- * Care (Amsterdam EA et al. 2014 AHA/ACC NSTE-ACS guideline, Circulation 2014;130:e344; O'Gara
--   PT et al. 2013 ACCF/AHA STEMI guideline, Circulation 2013;127:e362; Virani SS et al. 2023
--   AHA/ACC chronic coronary disease guideline, Circulation 2023;148:e9): ECG and
--   high-sensitivity troponin at arrival, aspirin at once; at discharge aspirin 81 mg,
--   high-intensity statin (atorvastatin 80 mg, unless the patient already takes a statin from
--   the hyperlipidemia module), beta-blocker (metoprolol succinate) and nitroglycerin as needed
--   (0.4 mg/actuation spray, used sublingually); clopidogrel for 12 months after PCI. Stable
--   angina: ECG, aspirin, beta-blocker, statin and nitroglycerin as needed. Each drug is started
--   once and not duplicated when another module already gave it; the atorvastatin stops at the
--   yearly review once hyperlipidemia.lua (owner of `statin`) treats with its own statin. Length of stay 2-5 days, 6-10
--   after CABG [assumption].
-- * Troponin I (high-sensitivity) in infarction 100-5000 ng/L; 99th percentile upper reference
--   limit about 26 ng/L (Fourth Universal Definition of Myocardial Infarction, Thygesen K et al.
--   Circulation 2018;138:e618) [range: assumption].

local CV = lib("cardiovascular")
local sct, loinc = codes.snomed, codes.loinc

local P = parameters {
  risk_multiplier = param(1.0, "multiplies the hazard of a first coronary event"),
  case_fatality_multiplier = param(1.0, "multiplies the 30-day case fatality of myocardial infarction"),
}

local HAZARD = { { 20, 0.0005 }, { 29.99, 0.0005 }, { 30, 0.0013 }, { 39.99, 0.0013 }, { 40, 0.002 },
  { 49.99, 0.002 }, { 50, 0.0045 }, { 59.99, 0.0045 }, { 60, 0.007 }, { 69.99, 0.007 },
  { 70, 0.011 }, { 79.99, 0.011 }, { 80, 0.014 } }
local SEX = { M = 1.3, F = 0.75 }
local RR = { smoker = 2.0, former = 1.2, hypertension = 1.9, diabetes = 2.0, hyperlipidemia = 1.5,
             statin_moderate = 0.5, statin_high = 0.3 }
local MI_FIRST = { M = 0.50, F = 0.35 }
local RECURRENT = 0.02

local function onset_now(p)
  local a = CV.age(p)
  local h = CV.interp(HAZARD, a) * SEX[p.sex] * CV.relative_risk(p, RR, a) * P.risk_multiplier
  return p:random() < 1 - math.exp(-h)
end

local function case_fatality(p)
  local a = CV.age(p)
  local f = a < 65 and 0.05 or a < 75 and 0.08 or a < 85 and 0.13 or 0.20
  return math.min(1, f * P.case_fatality_multiplier)
end

local function on_statin(p)
  local s = p:attr("statin")
  return s == "moderate" or s == "high"
end

local S -- the states, filled below

-- secondary prevention (chronic medications), started once: at the angina visit or at discharge
-- after an infarction. Adds the states <prefix>_* and returns the first one.
local CHRONIC = {
  { "Aspirin", CV.ASPIRIN, never },
  { "Statin", CV.ATORVASTATIN, on_statin },
  { "Beta_Blocker", CV.METOPROLOL, never },
  { "Nitroglycerin", CV.NITROGLYCERIN, never },
}
local function prevention(prefix, reason, next_state)
  local first
  for i = #CHRONIC, 1, -1 do
    local name, code, skip = CHRONIC[i][1], CHRONIC[i][2], CHRONIC[i][3]
    local check, order = prefix .. "_" .. name .. "_Check", prefix .. "_" .. name
    local other = (prefix == "Angina" and "MI" or "Angina") .. "_" .. name
    S[order] = { type = "MedicationOrder", reason = reason, codes = { code }, chronic = true,
                 prescription = name == "Nitroglycerin" and { as_needed = true } or
                   { dosage = { amount = 1, frequency = 1, period = 1, unit = "days" } },
                 assign_to_attribute = name == "Statin" and "cv_statin" or nil,
                 direct_transition = next_state }
    S[check] = { type = "Simple", conditional_transition = when {
      { any_of { skip, active_medication(code), prior_state(order), prior_state(other) }, next_state },
      { order } } }
    next_state = check
    first = check
  end
  return first
end

S = {
  Initial = { type = "Initial", direct_transition = "Adult" },
  Adult = { type = "Guard", allow = age(">=", 20), direct_transition = "Year" },

  -- one draw a year until the first event
  Year = { type = "Simple", conditional_transition = when { { onset_now, "First_Event" }, { "Next_Year" } } },
  Next_Year = { type = "Delay", exact = years(1), direct_transition = "Year" },

  First_Event = { type = "Simple",
                  complex_transition = {
                    { condition = male, distributions = {
                        { distribution = MI_FIRST.M, transition = "MI" },
                        { distribution = 1 - MI_FIRST.M, transition = "Angina" } } },
                    { distributions = {
                        { distribution = MI_FIRST.F, transition = "MI" },
                        { distribution = 1 - MI_FIRST.F, transition = "Angina" } } } } },

  -- stable angina: diagnosed at an office visit ---------------------------------------------------
  Angina = { type = "ConditionOnset", target_encounter = "Angina_Visit", codes = { CV.ANGINA },
             direct_transition = "CHD_From_Angina" },
  CHD_From_Angina = { type = "ConditionOnset", target_encounter = "Angina_Visit", codes = { CV.CHD },
                      direct_transition = "Symptoms" },
  Symptoms = { type = "Delay", distribution = uniform { days(7), days(60) }, direct_transition = "Angina_Visit" },
  Angina_Visit = { type = "Encounter", encounter_class = "ambulatory", reason = "Angina",
                   codes = { CV.ENC_PROBLEM }, direct_transition = "Angina_ECG" },
  Angina_ECG = { type = "Procedure", reason = "Angina", codes = { CV.ECG },
                 duration = { low = 5, high = 10, unit = "minutes" }, direct_transition = "Angina_Aspirin_Check" },
  Angina_Visit_End = { type = "EncounterEnd", direct_transition = "Follow_Year" },

  -- myocardial infarction --------------------------------------------------------------------------
  MI = { type = "Simple", distributed_transition = pick { { 0.30, "STEMI" }, { 0.70, "NSTEMI" } } },
  STEMI = { type = "ConditionOnset", target_encounter = "Emergency", codes = { CV.STEMI },
            assign_to_attribute = "cv_mi_condition", direct_transition = "CHD_Check" },
  NSTEMI = { type = "ConditionOnset", target_encounter = "Emergency", codes = { CV.NSTEMI },
             assign_to_attribute = "cv_mi_condition", direct_transition = "CHD_Check" },
  CHD_Check = { type = "Simple", conditional_transition = when {
    { active_condition(CV.CHD), "Emergency" }, { "CHD_From_MI" } } },
  CHD_From_MI = { type = "ConditionOnset", target_encounter = "Emergency", codes = { CV.CHD },
                  direct_transition = "Emergency" },
  Emergency = { type = "Encounter", encounter_class = "emergency", reason = "cv_mi_condition",
                codes = { CV.ENC_ER }, direct_transition = "ECG" },
  ECG = { type = "Procedure", reason = "cv_mi_condition", codes = { CV.ECG },
          duration = { low = 5, high = 10, unit = "minutes" }, direct_transition = "Troponin" },
  Troponin = { type = "Observation", category = "laboratory", unit = "ng/L", codes = { CV.TROPONIN },
               range = { low = 100, high = 5000 }, direct_transition = "Aspirin_Now" },
  Aspirin_Now = { type = "MedicationOrder", reason = "cv_mi_condition", administration = true,
                  codes = { CV.ASPIRIN }, direct_transition = "Leave_Emergency" },
  Leave_Emergency = { type = "EncounterEnd", direct_transition = "Admission" },

  Admission = { type = "Encounter", encounter_class = "inpatient", reason = "cv_mi_condition",
                codes = { CV.ENC_ADMIT },
                conditional_transition = when { { prior_state("STEMI", { since = "MI" }), "STEMI_Care" },
                                                { "NSTEMI_Care" } } },
  STEMI_Care = { type = "Simple", distributed_transition = pick {
    { 0.85, "Angiography_PCI" }, { 0.05, "Angiography_CABG" }, { 0.10, "Outcome" } } },
  NSTEMI_Care = { type = "Simple", distributed_transition = pick {
    { 0.40, "Angiography_PCI" }, { 0.10, "Angiography_CABG" }, { 0.20, "Angiography_Only" },
    { 0.30, "Outcome" } } },
  Angiography_PCI = { type = "Procedure", reason = "cv_mi_condition", codes = { CV.CORONARY_ANGIOGRAPHY },
                      duration = { low = 30, high = 60, unit = "minutes" }, direct_transition = "PCI" },
  PCI = { type = "Procedure", reason = "cv_mi_condition", codes = { CV.PCI },
          duration = { low = 45, high = 90, unit = "minutes" }, direct_transition = "Outcome" },
  Angiography_CABG = { type = "Procedure", reason = "cv_mi_condition", codes = { CV.CORONARY_ANGIOGRAPHY },
                       duration = { low = 30, high = 60, unit = "minutes" }, direct_transition = "Before_CABG" },
  Before_CABG = { type = "Delay", distribution = uniform { days(1), days(4) }, direct_transition = "CABG" },
  CABG = { type = "Procedure", reason = "cv_mi_condition", codes = { CV.CABG },
           duration = { low = 180, high = 300, unit = "minutes" }, direct_transition = "Outcome" },
  Angiography_Only = { type = "Procedure", reason = "cv_mi_condition", codes = { CV.CORONARY_ANGIOGRAPHY },
                       duration = { low = 30, high = 60, unit = "minutes" }, direct_transition = "Outcome" },

  Outcome = { type = "Simple", distributed_transition = {
    { distribution = case_fatality, transition = "Dying" },
    { distribution = function(p) return 1 - case_fatality(p) end, transition = "Stay" } } },
  Dying = { type = "Delay", distribution = uniform { hours(2), days(7) }, direct_transition = "Death" },
  Death = { type = "Death", referenced_by_attribute = "cv_mi_condition", direct_transition = "Terminal" },

  Stay = { type = "Delay", distribution = uniform { days(2), days(5) },
           conditional_transition = when { { prior_state("CABG", { since = "MI" }), "Longer_Stay" },
                                           { "Discharge_Meds" } } },
  Longer_Stay = { type = "Delay", distribution = uniform { days(4), days(5) }, direct_transition = "Discharge_Meds" },
  Discharge_Meds = { type = "Simple", direct_transition = "MI_Aspirin_Check" },
  After_Meds = { type = "Simple", conditional_transition = when {
                       { all_of { prior_state("PCI", { since = "MI" }), negate(active_medication(CV.CLOPIDOGREL)) },
                         "Clopidogrel" },
                       { "Discharge" } } },
  Clopidogrel = { type = "MedicationOrder", reason = "cv_mi_condition", codes = { CV.CLOPIDOGREL },
                  chronic = true, prescription = { dosage = { amount = 1, frequency = 1, period = 1, unit = "days" },
                                                   duration = { quantity = 12, unit = "months" } },
                  direct_transition = "Discharge" },
  Discharge = { type = "EncounterEnd",
                discharge_disposition = codes.nubc("01", "Discharged to home care or self care (routine discharge)"),
                direct_transition = "MI_Over" },
  MI_Over = { type = "ConditionEnd", referenced_by_attribute = "cv_mi_condition",
              conditional_transition = when { { active_condition(CV.MI_HISTORY), "Follow_Year" }, { "MI_History" } } },
  MI_History = { type = "ConditionOnset", codes = { CV.MI_HISTORY }, direct_transition = "Follow_Year" },

  -- living with CHD: a yearly check for a new infarction and the end of clopidogrel ----------------
  Follow_Year = { type = "Delay", exact = years(1), conditional_transition = when {
    { all_of { active_medication(CV.CLOPIDOGREL), negate(prior_state("Clopidogrel", { within = months(11) })) },
      "Stop_Clopidogrel" },
    { "Statin_Review" } } },
  Stop_Clopidogrel = { type = "MedicationEnd", medication_order = "Clopidogrel", direct_transition = "Statin_Review" },
  -- once the hyperlipidemia module treats with its own statin, the atorvastatin started here stops
  Statin_Review = { type = "Simple", conditional_transition = when {
    { all_of { on_statin, active_medication(CV.ATORVASTATIN), attribute("cv_statin", "is not nil") }, "Statin_Hand_Over" },
    { "Recurrence" } } },
  Statin_Hand_Over = { type = "MedicationEnd", referenced_by_attribute = "cv_statin", direct_transition = "Recurrence" },
  Recurrence = { type = "Simple", distributed_transition = pick {
    { RECURRENT, "MI" }, { 1 - RECURRENT, "Follow_Year" } } },

  Terminal = { type = "Terminal" },
}
prevention("Angina", "Angina", "Angina_Visit_End")
prevention("MI", "cv_mi_condition", "After_Meds")

return { name = "Coronary Heart Disease", states = S }
