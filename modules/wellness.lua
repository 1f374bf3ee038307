-- Wellness: the check-ups. Opens an encounter of class `wellness` at the ages of the well-child
-- schedule, then at the adult check-up interval; at each visit runs the physiology
-- (lifecycle/physiology.lua), records the vital signs, and the screening labs and questionnaires
-- due for the patient's age and risk. Other modules join these visits with
-- { type = "Encounter", wellness = true } (immunizations, diagnoses that the visit reveals).
-- Reads `smoker`, `former_smoker`, `alcohol` (lifecycle.lua), `depression` (mental health family),
-- `statin` (cardiometabolic family). Sets `wellness_phq2`, `wellness_auditc` (the
-- scores it records; no other module needs them).
-- Numbers marked [assumption] are modelling choices with no published figure behind them.
--
-- Figures and their sources:
-- SCHEDULE
-- * Well-child visits at 3-5 days (here 4 days), 1, 2, 4, 6, 9, 12, 15, 18, 24 and 30 months, then
--   yearly from 3 to 21 years: AAP/Bright Futures, Recommendations for Preventive Pediatric Health
--   Care (Periodicity Schedule), 2023. Children attend every scheduled visit [assumption: the
--   vaccine module models its own delays and refusals].
-- * Adults: a check-up offered every year from 22 [assumption: no US guideline fixes the interval
--   of the adult periodic examination]; each one attended with probability, by sex and age,
--   men 22-44 0.55, women 22-44 0.72, 45-64 0.70 / 0.78, 65+ 0.85 / 0.87 [assumption, shaped to:
--   about two-thirds of US adults report a routine check-up in the past year (BRFSS; CDC PLACES
--   "annual checkup" measure), and any visit to a health professional in the past 12 months rises
--   from 63.1% (men) / 82.4% (women) at 18-29 to 93.2% / 94.3% at 65+ (QuickStats, MMWR
--   2017;66(2):65, NHIS 2015); a check-up is less frequent than any visit].
-- * Blood pressure from 3 years at every visit, BMI percentile 2-20 years (Bright Futures 2023; CDC
--   2000 BMI-for-age chart).
-- SCREENING (chosen by age and risk, not all at every visit)
-- * Lipid panel: once at 9-11 years (universal screening, NHLBI Expert Panel on Integrated
--   Guidelines for Cardiovascular Health and Risk Reduction in Children and Adolescents, Pediatrics
--   2011;128 Suppl 5:S213-S256); from 17 to 75 every 5 years (lipid measurement every 4-6 years
--   for risk assessment: Grundy SM et al. 2018 AHA/ACC Guideline on the Management of Blood
--   Cholesterol, Circulation 2019;139:e1082-e1143; statin decision at 40-75: USPSTF, Statin Use for
--   the Primary Prevention of Cardiovascular Disease in Adults, JAMA 2022;328:746-753); yearly while
--   on a statin (ibid., follow-up every 3-12 months once stable).
-- * HbA1c and fasting glucose: adults 35-70 with overweight or obesity (BMI >= 25), every 3 years
--   (USPSTF, Screening for Prediabetes and Type 2 Diabetes, JAMA 2021;326:736-743); yearly once a
--   result was in the prediabetes range, HbA1c >= 5.7% (ADA Standards of Care 2024, section 2).
-- * Depression: PHQ-2 at every visit from 12 years (USPSTF, Screening for Depression and Suicide
--   Risk in Children and Adolescents, JAMA 2022;328:1534-1542: ages 12-18; USPSTF, Screening for
--   Depression and Suicide Risk in Adults, JAMA 2023;329:2057-2067). Score 0-6; a score >= 3 has
--   sensitivity 83% and specificity 92% for major depression (Kroenke K, Spitzer RL, Williams JB.
--   The Patient Health Questionnaire-2. Med Care 2003;41:1284-1292): so 8% of people without
--   depression and 83% of those with it (attribute `depression`) score >= 3; the spread of scores
--   within each group is an [assumption].
-- * Unhealthy alcohol use: AUDIT-C (score 0-12) at every adult visit (USPSTF, Screening and
--   Behavioral Counseling Interventions to Reduce Unhealthy Alcohol Use, JAMA 2018;320:1899-1909).
--   Positive at >= 4 (men) / >= 3 (women) (Bradley KA et al. Arch Intern Med 2003;163:821-829;
--   Bradley KA et al. Alcohol Clin Exp Res 2007;31:1208-1217). Scores from `alcohol`: "none" 0
--   (10%: 1, occasional drinkers), "moderate" 1-4 (men mostly 2-3, women 1-2), "heavy" 5-10
--   [assumption].
-- * Tobacco smoking status at every visit from 12 (USPSTF, Tobacco Smoking Cessation in Adults,
--   JAMA 2021;325:265-279; Prevention and Cessation of Tobacco Use in Children and Adolescents,
--   JAMA 2020;323:1590-1598). Current smokers are recorded as daily smokers [assumption: the
--   lifecycle model does not separate daily from some-day smoking].

local LC = lib("lifecycle")
local C = LC.codes
local MS_PER_YEAR = LC.MS_PER_YEAR

-- the well-child ages, in years
local CHILD_AGES = { 4 / 365.2425, 1 / 12, 2 / 12, 4 / 12, 6 / 12, 9 / 12, 1, 15 / 12, 18 / 12, 2, 2.5 }
for a = 3, 21 do CHILD_AGES[#CHILD_AGES + 1] = a end

-- adult attendance of the yearly check-up, by sex
local ATTEND = { M = { 0.55, 0.70, 0.85 }, F = { 0.72, 0.78, 0.87 } }
local function attend(sex, age)
  local a = ATTEND[sex] or ATTEND.F
  if age < 45 then return a[1] end
  if age < 65 then return a[2] end
  return a[3]
end

-- days until the next check-up the patient attends
local function next_visit(p)
  local age = (p.time - p.birth) / MS_PER_YEAR
  local eps = 1 / 365.2425 -- time must move on: the next visit is at least a day away
  local target
  for _, a in ipairs(CHILD_AGES) do
    if a > age + eps * 0.5 then
      target = a
      break
    end
  end
  if target == nil then
    target = math.max(22, math.floor(age + eps) + 1)
    while p:random() >= attend(p.sex, target) and target < 130 do target = target + 1 end
  end
  -- a quarter of a day past the scheduled age, so that the calendar age tests of the visit agree
  return math.max(1, (target - age) * 365.2425 + 0.25)
end

local function obs(code, vital, unit, next_state)
  return { type = "Observation", category = "vital-signs", codes = { code }, vital_sign = vital,
           unit = unit, direct_transition = next_state }
end

local function lab(code, vital)
  return { codes = { code }, unit = "mg/dL", vital_sign = vital }
end

local function tobacco(answer)
  return { type = "Observation", category = "social-history", codes = { C.tobacco }, value_code = answer,
           direct_transition = "PHQ2_Score" }
end

-- lipid panel: once at 9-11 years, every 5 years from 17 to 75, yearly on a statin
local lipid_due = any_of {
  all_of { age(">=", 9), age("<", 12), negate(prior_state("Lipid_Panel", { within = years(3) })) },
  all_of { age(">=", 17), attribute("statin", "is not nil"), attribute("statin", "!=", "none"),
           negate(prior_state("Lipid_Panel", { within = months(11) })) },
  all_of { age(">=", 17), age("<", 76), negate(prior_state("Lipid_Panel", { within = months(59) })) },
}

-- HbA1c and fasting glucose: every 3 years at 35-70 with BMI >= 25; yearly once an HbA1c was >= 5.7%
local glucose_due = all_of { age(">=", 35), age("<", 71), any_of {
  all_of { observation(C.a1c, ">=", 5.7), negate(prior_state("HbA1c", { within = months(11) })) },
  all_of { vital("BMI", ">=", 25), negate(prior_state("HbA1c", { within = months(35) })) } } }

-- draw from {value, cumulative probability} rows
local function draw(p, rows)
  local u = p:random()
  for _, r in ipairs(rows) do
    if u < r[2] then return r[1] end
  end
  return rows[#rows][1]
end

local PHQ2_WELL = { { 0, 0.70 }, { 1, 0.82 }, { 2, 0.92 }, { 3, 0.96 }, { 4, 0.985 }, { 5, 0.995 }, { 6, 1 } }
local PHQ2_DEPRESSED = { { 0, 0.03 }, { 1, 0.08 }, { 2, 0.17 }, { 3, 0.37 }, { 4, 0.62 }, { 5, 0.82 }, { 6, 1 } }
local function phq2_score(p)
  return draw(p, p:attr("depression") == true and PHQ2_DEPRESSED or PHQ2_WELL)
end

local AUDITC = {
  none = { { 0, 0.9 }, { 1, 1 } },
  moderate = { M = { { 1, 0.25 }, { 2, 0.55 }, { 3, 0.80 }, { 4, 1 } },
               F = { { 1, 0.35 }, { 2, 0.70 }, { 3, 0.90 }, { 4, 1 } } },
  heavy = { { 5, 0.2 }, { 6, 0.4 }, { 7, 0.6 }, { 8, 0.75 }, { 9, 0.9 }, { 10, 1 } },
}
local function auditc_score(p)
  local a = p:attr("alcohol")
  if a == "moderate" then return draw(p, AUDITC.moderate[p.sex]) end
  if a == "heavy" then return draw(p, AUDITC.heavy) end
  return draw(p, AUDITC.none)
end

return {
  name = "Wellness",
  states = {
    Initial = { type = "Initial", direct_transition = "Wait" },
    Wait = { type = "Delay", distribution = next_visit, unit = "days", direct_transition = "Route" },
    Route = { type = "Simple", conditional_transition = when {
      { age("<", 18), "Well_Child_Visit" }, { "Adult_Checkup" } } },
    Well_Child_Visit = { type = "Encounter", encounter_class = "wellness", codes = { C.well_child },
                         direct_transition = "Physiology" },
    Adult_Checkup = { type = "Encounter", encounter_class = "wellness", codes = { C.general_exam },
                      direct_transition = "Physiology" },
    Physiology = { type = "CallSubmodule", submodule = "lifecycle/physiology", direct_transition = "Height" },
    Height = obs(C.height, "Height", "cm", "Weight"),
    Weight = obs(C.weight, "Weight", "kg", "BMI"),
    BMI = obs(C.bmi, "BMI", "kg/m2", "Percentile_Check"),
    Percentile_Check = { type = "Simple", conditional_transition = when {
      { all_of { age(">=", 2), age("<", 20) }, "BMI_Percentile" }, { "BP_Check" } } },
    BMI_Percentile = obs(C.bmi_pct, "BMI Percentile", "%", "BP_Check"),
    BP_Check = { type = "Simple", conditional_transition = when {
      { age(">=", 3), "Blood_Pressure" }, { "Heart_Rate" } } },
    Blood_Pressure = { type = "MultiObservation", category = "vital-signs", codes = { C.bp_panel },
                       observations = {
                         { codes = { C.sbp }, unit = "mm[Hg]", vital_sign = "Systolic Blood Pressure" },
                         { codes = { C.dbp }, unit = "mm[Hg]", vital_sign = "Diastolic Blood Pressure" } },
                       direct_transition = "Heart_Rate" },
    Heart_Rate = obs(C.hr, "Heart Rate", "/min", "Respiratory_Rate"),
    Respiratory_Rate = obs(C.rr, "Respiratory Rate", "/min", "Lipid_Check"),

    -- screening labs
    Lipid_Check = { type = "Simple", conditional_transition = when {
      { lipid_due, "Lipid_Panel" }, { "Glucose_Check" } } },
    Lipid_Panel = { type = "DiagnosticReport", codes = { C.lipid_panel }, observations = {
                      lab(C.chol, "Total Cholesterol"), lab(C.ldl, "LDL"), lab(C.hdl, "HDL"),
                      lab(C.tg, "Triglycerides") },
                    direct_transition = "Glucose_Check" },
    Glucose_Check = { type = "Simple", conditional_transition = when {
      { glucose_due, "HbA1c" }, { "Tobacco_Check" } } },
    HbA1c = { type = "Observation", category = "laboratory", codes = { C.a1c }, vital_sign = "HbA1c",
              unit = "%", direct_transition = "Glucose" },
    Glucose = { type = "Observation", category = "laboratory", codes = { C.glucose }, vital_sign = "Glucose",
                unit = "mg/dL", direct_transition = "Tobacco_Check" },

    -- questionnaires and social history
    Tobacco_Check = { type = "Simple", conditional_transition = when {
      { age("<", 12), "End_Visit" },
      { attribute("smoker", "==", true), "Tobacco_Daily" },
      { attribute("former_smoker", "==", true), "Tobacco_Former" },
      { "Tobacco_Never" } } },
    Tobacco_Daily = tobacco(C.daily_smoker),
    Tobacco_Former = tobacco(C.ex_smoker),
    Tobacco_Never = tobacco(C.never_smoked),
    PHQ2_Score = { type = "SetAttribute", attribute = "wellness_phq2", value = phq2_score,
                   direct_transition = "PHQ2" },
    PHQ2 = { type = "MultiObservation", category = "survey", codes = { C.phq2_panel }, observations = {
               { codes = { C.phq2_score }, unit = "{score}", attribute = "wellness_phq2" } },
             direct_transition = "AUDIT_C_Check" },
    AUDIT_C_Check = { type = "Simple", conditional_transition = when {
      { age(">=", 18), "AUDIT_C_Score" }, { "End_Visit" } } },
    AUDIT_C_Score = { type = "SetAttribute", attribute = "wellness_auditc", value = auditc_score,
                      direct_transition = "AUDIT_C" },
    AUDIT_C = { type = "MultiObservation", category = "survey", codes = { C.auditc_panel }, observations = {
                  { codes = { C.auditc_score }, unit = "{score}", attribute = "wellness_auditc" } },
                direct_transition = "End_Visit" },

    End_Visit = { type = "EncounterEnd", direct_transition = "Wait" },
  },
}
