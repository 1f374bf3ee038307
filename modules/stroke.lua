-- Stroke: a first (and recurrent) stroke from age, sex and the risk factors other modules keep;
-- ischemic or hemorrhagic; emergency visit with CT of the head, alteplase for some ischemic
-- strokes, admission, death within 30 days for some, rehabilitation and secondary prevention.
-- Numbers marked [assumption] are modelling choices with no published figure behind them.
--
-- Figures and their sources:
-- * Calibration target: adults ever told they had a stroke, NHIS 2016: 18-44 0.6%, 45-64 3.2%,
--   65-74 6.6%, 75 and over 11.1% (NCHS, Summary Health Statistics: National Health Interview
--   Survey 2016, Table A-1). NHANES 1999-2018 agrees (20-39 0.4%, 40-59 2.0%, 60+ 7.7%: Andres W
--   et al. Trends in the prevalence of stroke among community-dwelling individuals in the US,
--   1999-2018. JAMA Neurol 2023;80:646-648).
-- * Baseline hazard of a first stroke per year (population average, both sexes): 0.03% at 20-29,
--   0.07% at 30-39, 0.1% at 40-49, 0.18% at 50-59, 0.33% at 60-69, 0.5% at 70-79, 0.75% from 80,
--   fitted to the prevalences above by simulation; men x1.1, women x0.9 [assumption: age-specific
--   incidence is somewhat higher in men, prevalence nearly equal].
-- * Relative risks, divided by their population mean at each age (lib/cardiovascular.lua):
--   hypertension 2.6, current smoking 1.7 (INTERSTROKE: O'Donnell MJ et al. Lancet
--   2016;388:761-775, odds ratios 2.98 for hypertension and 1.67 for current smoking, taken
--   modestly), former smoking 1.1 [assumption]; diabetes 1.8 (Emerging Risk Factors
--   Collaboration, Sarwar N et al. Lancet 2010;375:2215-2222: HR 2.27 for ischaemic stroke, 1.56
--   for haemorrhagic); hyperlipidemia 1.15 [assumption: cholesterol is a weak stroke risk
--   factor, Prospective Studies Collaboration, Lancet 2007;370:1829-1839]; coronary heart disease
--   (an active coronary arteriosclerosis record) 1.5 [assumption].
-- * 87% of strokes are ischemic, the rest hemorrhagic (Tsao CW et al. Heart Disease and Stroke
--   Statistics-2023 Update. Circulation 2023;147:e93-e621, chapter 15).
-- * 30-day case fatality: intracerebral hemorrhage 40.4% (van Asch CJ et al. Lancet Neurol
--   2010;9:167-176, meta-analysis); ischemic stroke 4% under 65, 9% at 65-79, 16% from 80
--   [assumption: about 10% overall, as in US community cohorts, Koton S et al. JAMA
--   2014;312:259-268]. Deaths during the admission (0-14 days).
-- * Recurrent stroke 3% a year after a first stroke [assumption; recurrence is 5-15% in the first
--   year and lower after, Kleindorfer DO et al. 2021 AHA/ASA secondary prevention guideline,
--   Stroke 2021;52:e364-e467].
-- * Care (Powers WJ et al. 2019 AHA/ASA acute ischemic stroke guideline, Stroke 2019;50:
--   e344-e418; Kleindorfer 2021): CT of the head at arrival; intravenous alteplase for eligible
--   ischemic strokes (about 10% of them [assumption: the share treated in US registries]);
--   aspirin and a high-intensity statin after ischemic stroke (atorvastatin 80 mg unless a
--   statin is already taken; it stops at the yearly review once hyperlipidemia.lua treats with its
--   own statin); rehabilitation after discharge for 3 months [assumption]. Length
--   of stay 3-7 days [assumption].
-- * After discharge a lasting history-of-stroke record, with residual deficit for half of the
--   survivors ("nearly half of older stroke survivors experience moderate to severe disability",
--   CDC. Prevalence of stroke - United States, 2006-2010. MMWR 2012;61(20):379-382).

local CV = lib("cardiovascular")

local P = parameters {
  risk_multiplier = param(1.0, "multiplies the hazard of a first stroke"),
  case_fatality_multiplier = param(1.0, "multiplies the 30-day case fatality of stroke"),
}

local HAZARD = { { 20, 0.0003 }, { 29.99, 0.0003 }, { 30, 0.0007 }, { 39.99, 0.0007 }, { 40, 0.001 },
  { 49.99, 0.001 }, { 50, 0.0018 }, { 59.99, 0.0018 }, { 60, 0.0033 }, { 69.99, 0.0033 },
  { 70, 0.005 }, { 79.99, 0.005 }, { 80, 0.0075 } }
local SEX = { M = 1.1, F = 0.9 }
local RR = { smoker = 1.7, former = 1.1, hypertension = 2.6, diabetes = 1.8, hyperlipidemia = 1.15,
             statin_moderate = 0.5, statin_high = 0.3, chd = 1.5 }
local RECURRENT = 0.03

local function onset_now(p)
  local a = CV.age(p)
  local h = CV.interp(HAZARD, a) * SEX[p.sex] * CV.relative_risk(p, RR, a) * P.risk_multiplier
  return p:random() < 1 - math.exp(-h)
end

local function fatality(p)
  local f
  if p:attr("cv_stroke_type") == "hemorrhagic" then
    f = 0.404
  else
    local a = CV.age(p)
    f = a < 65 and 0.04 or a < 80 and 0.09 or 0.16
  end
  return math.min(1, f * P.case_fatality_multiplier)
end

local function on_statin(p)
  local s = p:attr("statin")
  return s == "moderate" or s == "high"
end

return {
  name = "Stroke",
  states = {
    Initial = { type = "Initial", direct_transition = "Adult" },
    Adult = { type = "Guard", allow = age(">=", 20), direct_transition = "Year" },
    Year = { type = "Simple", conditional_transition = when { { onset_now, "Stroke" }, { "Next_Year" } } },
    Next_Year = { type = "Delay", exact = years(1), direct_transition = "Year" },

    Stroke = { type = "Simple", distributed_transition = pick { { 0.87, "Ischemic_Type" }, { 0.13, "Hemorrhagic_Type" } } },
    Ischemic_Type = { type = "SetAttribute", attribute = "cv_stroke_type", value = "ischemic", direct_transition = "Ischemic" },
    Hemorrhagic_Type = { type = "SetAttribute", attribute = "cv_stroke_type", value = "hemorrhagic",
                         direct_transition = "Hemorrhagic" },
    Ischemic = { type = "ConditionOnset", target_encounter = "Emergency", codes = { CV.ISCHEMIC_STROKE },
                 assign_to_attribute = "cv_stroke_condition", direct_transition = "Emergency" },
    Hemorrhagic = { type = "ConditionOnset", target_encounter = "Emergency", codes = { CV.HEMORRHAGIC_STROKE },
                    assign_to_attribute = "cv_stroke_condition", direct_transition = "Emergency" },

    Emergency = { type = "Encounter", encounter_class = "emergency", reason = "cv_stroke_condition",
                  codes = { CV.ENC_ER }, direct_transition = "CT_Head" },
    CT_Head = { type = "Procedure", reason = "cv_stroke_condition", codes = { CV.CT_HEAD },
                duration = { low = 10, high = 20, unit = "minutes" },
                conditional_transition = when {
                  { attribute("cv_stroke_type", "==", "ischemic"), "Thrombolysis_Check" }, { "Leave_Emergency" } } },
    Thrombolysis_Check = { type = "Simple", distributed_transition = pick {
      { 0.10, "Alteplase" }, { 0.90, "Leave_Emergency" } } },
    Alteplase = { type = "MedicationOrder", reason = "cv_stroke_condition", administration = true,
                  codes = { CV.ALTEPLASE }, direct_transition = "Leave_Emergency" },
    Leave_Emergency = { type = "EncounterEnd", direct_transition = "Admission" },

    Admission = { type = "Encounter", encounter_class = "inpatient", reason = "cv_stroke_condition",
                  codes = { CV.ENC_ADMIT }, direct_transition = "Outcome" },
    Outcome = { type = "Simple", distributed_transition = {
      { distribution = fatality, transition = "Dying" },
      { distribution = function(p) return 1 - fatality(p) end, transition = "Stay" } } },
    Dying = { type = "Delay", distribution = uniform { hours(6), days(14) }, direct_transition = "Death" },
    Death = { type = "Death", referenced_by_attribute = "cv_stroke_condition", direct_transition = "Terminal" },

    Stay = { type = "Delay", distribution = uniform { days(3), days(7) }, conditional_transition = when {
      { attribute("cv_stroke_type", "==", "ischemic"), "Aspirin_Check" }, { "Rehabilitation" } } },
    Aspirin_Check = { type = "Simple", conditional_transition = when {
      { active_medication(CV.ASPIRIN), "Statin_Check" }, { "Aspirin" } } },
    Aspirin = { type = "MedicationOrder", reason = "cv_stroke_condition", codes = { CV.ASPIRIN }, chronic = true,
                prescription = { dosage = { amount = 1, frequency = 1, period = 1, unit = "days" } },
                direct_transition = "Statin_Check" },
    Statin_Check = { type = "Simple", conditional_transition = when {
      { any_of { on_statin, active_medication(CV.ATORVASTATIN) }, "Rehabilitation" }, { "Statin" } } },
    Statin = { type = "MedicationOrder", reason = "cv_stroke_condition", codes = { CV.ATORVASTATIN }, chronic = true,
               assign_to_attribute = "cv_statin",
               prescription = { dosage = { amount = 1, frequency = 1, period = 1, unit = "days" } },
               direct_transition = "Rehabilitation" },
    Rehabilitation = { type = "CarePlanStart", reason = "cv_stroke_condition", codes = { CV.REHAB },
                       direct_transition = "Discharge" },
    Discharge = { type = "EncounterEnd",
                  discharge_disposition = codes.nubc("01", "Discharged to home care or self care (routine discharge)"),
                  direct_transition = "Acute_Over" },
    Acute_Over = { type = "ConditionEnd", referenced_by_attribute = "cv_stroke_condition", conditional_transition = when {
    { any_of { active_condition(CV.STROKE_HISTORY_DEFICIT), active_condition(CV.STROKE_HISTORY) }, "Rehab_Time" },
    { "Sequelae" } } },
  Sequelae = { type = "Simple", distributed_transition = pick { { 0.5, "History_Deficit" }, { 0.5, "History" } } },
  History_Deficit = { type = "ConditionOnset", codes = { CV.STROKE_HISTORY_DEFICIT }, direct_transition = "Rehab_Time" },
  History = { type = "ConditionOnset", codes = { CV.STROKE_HISTORY }, direct_transition = "Rehab_Time" },
    Rehab_Time = { type = "Delay", exact = months(3), direct_transition = "Rehab_Over" },
    Rehab_Over = { type = "CarePlanEnd", careplan = "Rehabilitation", direct_transition = "Follow_Year" },

    Follow_Year = { type = "Delay", exact = years(1), conditional_transition = when {
      { all_of { on_statin, active_medication(CV.ATORVASTATIN), prior_state("Statin"), attribute("cv_statin", "is not nil") },
        "Statin_Hand_Over" },
      { "Recurrence" } } },
    -- once the hyperlipidemia module treats with its own statin, the atorvastatin started here stops
    Statin_Hand_Over = { type = "MedicationEnd", referenced_by_attribute = "cv_statin", direct_transition = "Recurrence" },
    Recurrence = { type = "Simple", distributed_transition = pick { { RECURRENT, "Stroke" }, { 1 - RECURRENT, "Follow_Year" } } },

    Terminal = { type = "Terminal" },
  },
}
