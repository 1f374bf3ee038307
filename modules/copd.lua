-- Chronic obstructive pulmonary disease: onset driven by age and tobacco (the `smoker` and
-- `former_smoker` attributes that lifecycle.lua keeps), diagnosis by spirometry at an office visit,
-- GOLD maintenance inhalers stepped up after exacerbations, and exacerbations seen in the office,
-- the emergency department and the hospital. Sets attribute `copd` = true once present (the
-- physiology reads it). COPD does not remit. No Death state: its long-run mortality is in the life
-- table (docs/library.md "Death"). Numbers marked [assumption] are modelling choices.
--
-- Figures and their sources:
-- * Self-reported physician-diagnosed COPD by age, BRFSS 2011: 18-44 3.2%, 45-54 6.6%, 55-64 9.2%,
--   65-74 12.1%, 75+ 11.6%; among people with COPD, 76.0% had been given a breathing test, 55.6%
--   took at least one daily COPD medication, 17.7% had an ED visit or hospital stay for COPD in the
--   past year: CDC. Chronic obstructive pulmonary disease among adults - United States, 2011. MMWR
--   2012;61(46):938-943. Age-standardized prevalence unchanged by 2021 (6.1% -> 6.0%), falling at
--   18-44 (average annual change -2.0%) and rising at 75+ (+1.3%/year): Liu Y et al. Trends in the
--   prevalence of COPD among adults aged >=18 years - United States, 2011-2021. MMWR
--   2023;72(46):1250-1256.
-- * Age-adjusted COPD prevalence by smoking status, BRFSS 2017: current smokers 15.2%, former 7.6%,
--   never 2.8%: Wheaton AG et al. Chronic obstructive pulmonary disease and smoking status - United
--   States, 2017. MMWR 2019;68(24):533-538. Used as hazard ratios against never smokers: current
--   5.4, former 2.7.
-- * Onset rate of diagnosed COPD in never smokers, per year, fitted to the BRFSS 2011 age profile
--   above given the smoking histories of lifecycle.lua (a hazard piecewise constant in age; see
--   ONSET below): 0.09% at 18-40 (self-reported COPD in young adults includes chronic bronchitis),
--   0.165% at 40-50, 0.17% at 50-60, 0.03% at 60-70, none from 70. Prevalence stops rising after 75
--   in the survey because COPD (and smoking) shorten life; here everyone has the same life table,
--   so new diagnoses tail off in the sixties instead [assumption]. Simulated at -p 2000: 18-44
--   2.2%, 45-54 6.8%, 55-64 9.3%, 65-74 12.6%, 75+ 13.7% (modules/data/realism/respiratory.csv).
-- * Health care use, 2010: 10.3 million physician office visits, 1.5 million ED visits and 699,000
--   hospital discharges for COPD, with 13.7 million adults reporting diagnosed COPD (2011): Ford
--   ES et al. COPD surveillance - United States, 1999-2011. Chest 2013;144(1):284-305. Per person
--   with COPD: 0.75 office visits, 0.11 ED visits a year; 47% of ED visits end in admission
--   (699,000 / 1.5 million). 40% of office visits are for an exacerbation [assumption].
-- * Treatment: GOLD 2023 report (Global Initiative for Chronic Obstructive Lung Disease, Global
--   Strategy for the Diagnosis, Management and Prevention of COPD, 2023): spirometry
--   (post-bronchodilator FEV1/FVC < 0.70) confirms the diagnosis; smokers are advised to quit
--   (smoking cessation education at the diagnosing visit); a short-acting bronchodilator
--   (albuterol) for everyone; a long-acting bronchodilator (here the LAMA tiotropium) as maintenance,
--   at diagnosis for the 55.6% on daily medication (BRFSS above) and for the others at their first
--   exacerbation; after 2 moderate or severe exacerbations within a year on a LAMA, an inhaled
--   corticosteroid / LABA inhaler is added (triple therapy: LAMA + LABA + ICS). Tiotropium was approved in the US
--   in January 2004 (FDA, Spiriva HandiHaler NDA 021395): before 2004 patients get the reliever
--   only, and a LAMA at their first exacerbation from 2004 on. Exacerbations are treated with
--   prednisone 40 mg a day for 5 days (Leuppi JD et al. Short-term vs conventional glucocorticoid
--   therapy in acute exacerbations of COPD: the REDUCE randomized clinical trial. JAMA
--   2013;309(21):2223-2231) and with an antibiotic when sputum is purulent (here: azithromycin for
--   5 days in half of exacerbations [assumption]); nebulized albuterol in hospital. Hospital stay
--   3-6 days [assumption; HCUP mean length of stay for COPD is about 4-5 days]. Recovery from an
--   exacerbation 7-14 days [assumption]. Symptoms precede the diagnosing visit by 2-26 weeks
--   [assumption]. FEV1/FVC recorded 38-69% at diagnosis (below the 0.70 GOLD threshold), 30-69% at
--   reviews [assumption]; spirometry at half the yearly reviews [assumption].

local R = lib("respiratory")
local sct = codes.snomed

local P = parameters {
  onset_multiplier = param(1.0, "multiplies the onset rate of diagnosed COPD at every age"),
}

local COPD = R.COPD
local EXACERBATION = sct(195951007, "Acute exacerbation of chronic obstructive airways disease (disorder)")

local M = P.onset_multiplier
-- onset hazard of diagnosed COPD in never smokers: {upper age, events per year}
local ONSET = { { 18, 0 }, { 40, 0.0009 * M }, { 50, 0.00165 * M }, { 60, 0.0017 * M },
  { 70, 0.0003 * M }, { 200, 0 } }
local LAST_ONSET_AGE = 70
local HR = { current = 5.4, former = 2.7 }
local OFFICE, ED = 0.75, 0.11

local function tobacco_hr(p)
  if p:attr("smoker") == true then return HR.current end
  if p:attr("former_smoker") == true then return HR.former end
  return 1
end

-- Wait at most two years, then look at the smoking status again: the hazard is memoryless, so the
-- draw is exact while the status holds over the window, and a change of status (starting or
-- quitting, decided by lifecycle.lua at birthdays) is taken up within two years. About 25 wakes
-- per adult life.
local function next_look(p)
  local w = R.wait_years(p, ONSET, tobacco_hr(p))
  if w <= 2 then
    p:set("copd_onset_due", true)
    return w
  end
  p:set("copd_onset_due", false)
  return 2
end

-- records this exacerbation's time and whether another one came within the past year
local function note_exacerbation(p)
  local last = p:attr("copd_last_exacerbation")
  p:set("copd_frequent_exacerbations", type(last) == "number" and p.time - last < R.YEAR_MS)
  return p.time
end

return {
  name = "COPD",
  states = {
    Initial = { type = "Initial", direct_transition = "Adult" },
    Adult = { type = "Guard", allow = age(">=", 18), direct_transition = "At_Risk" },
    At_Risk = { type = "Delay", distribution = next_look, unit = "years",
                conditional_transition = when { { attribute("copd_onset_due", "==", true), "Onset" },
                                                { age(">=", LAST_ONSET_AGE), "Terminal" }, { "At_Risk" } } },

    Onset = { type = "ConditionOnset", target_encounter = "Diagnosis", assign_to_attribute = "copd_condition",
              codes = { COPD }, direct_transition = "Present" },
    Present = { type = "SetAttribute", attribute = "copd", value = true, direct_transition = "Symptoms_To_Visit" },
    Symptoms_To_Visit = { type = "Delay", distribution = uniform { weeks(2), weeks(26) }, direct_transition = "Diagnosis" },

    Diagnosis = { type = "Encounter", encounter_class = "ambulatory", reason = "copd_condition",
                  codes = { R.ENC_PROBLEM }, direct_transition = "Spirometry" },
    Spirometry = { type = "Procedure", reason = "copd_condition", codes = { R.SPIROMETRY },
                   duration = { low = 15, high = 30, unit = "minutes" }, direct_transition = "FEV1_FVC" },
    FEV1_FVC = { type = "Observation", category = "procedure", unit = "%", codes = { R.FEV1_FVC },
                 range = { low = 38, high = 69, decimals = 0 },
                 conditional_transition = when { { attribute("smoker", "==", true), "Cessation_Advice" }, { "Reliever" } } },
    Cessation_Advice = { type = "Procedure", reason = "copd_condition",
                         codes = { sct(225323000, "Smoking cessation education (procedure)") },
                         duration = { low = 5, high = 15, unit = "minutes" }, direct_transition = "Reliever" },
    Reliever = { type = "MedicationOrder", reason = "copd_condition", codes = { R.ALBUTEROL_MDI }, chronic = true,
                 prescription = { as_needed = true, refills = 3, dosage = { amount = 2, frequency = 1, period = 4, unit = "hours" } },
                 conditional_transition = when { { date("<", 2004), "End_Diagnosis" }, { "Maintenance_Choice" } } },
    Maintenance_Choice = { type = "Simple", distributed_transition = pick { { 0.556, "Maintenance" }, { 0.444, "End_Diagnosis" } } },
    Maintenance = { type = "MedicationOrder", reason = "copd_condition", codes = { R.TIOTROPIUM }, chronic = true,
                    prescription = { refills = 11, dosage = { amount = 1, frequency = 1, period = 1, unit = "days" } },
                    direct_transition = "End_Diagnosis" },
    End_Diagnosis = { type = "EncounterEnd", direct_transition = "Living" },

    -- the course: office reviews, exacerbations, emergency visits and admissions
    Living = { type = "Delay", distribution = exponential { mean = years(1 / (OFFICE + ED)) }, direct_transition = "Event" },
    Event = { type = "Simple", distributed_transition = pick {
      { ED / (OFFICE + ED), "Emergency" },
      { OFFICE / (OFFICE + ED) * 0.4, "Exacerbation_Visit" },
      { OFFICE / (OFFICE + ED) * 0.6, "Review" } } },

    Review = { type = "Encounter", encounter_class = "ambulatory", reason = "copd_condition",
               codes = { R.ENC_FOLLOWUP }, distributed_transition = pick { { 0.5, "Review_Spirometry" }, { 0.5, "End_Review" } } },
    Review_Spirometry = { type = "Procedure", reason = "copd_condition", codes = { R.SPIROMETRY },
                          duration = { low = 15, high = 30, unit = "minutes" }, direct_transition = "Review_FEV1_FVC" },
    Review_FEV1_FVC = { type = "Observation", category = "procedure", unit = "%", codes = { R.FEV1_FVC },
                        range = { low = 30, high = 69, decimals = 0 }, direct_transition = "End_Review" },
    End_Review = { type = "EncounterEnd", direct_transition = "Living" },

    Exacerbation_Visit = { type = "Encounter", encounter_class = "ambulatory", reason = "copd_condition",
                           codes = { R.ENC_SYMPTOM }, direct_transition = "Exacerbation" },
    Emergency = { type = "Encounter", encounter_class = "emergency", reason = "copd_condition",
                  codes = { R.ENC_ER }, direct_transition = "Exacerbation" },
    Exacerbation = { type = "ConditionOnset", assign_to_attribute = "copd_exacerbation", codes = { EXACERBATION },
                     direct_transition = "Count" },
    Count = { type = "SetAttribute", attribute = "copd_last_exacerbation", value = note_exacerbation,
              direct_transition = "Steroid" },
    Steroid = { type = "MedicationOrder", reason = "copd_exacerbation", codes = { R.PREDNISONE_20 },
                prescription = { dosage = { amount = 2, frequency = 1, period = 1, unit = "days" },
                                 duration = { quantity = 5, unit = "days" } },
                distributed_transition = pick { { 0.5, "Antibiotic" }, { 0.5, "Escalate_Check" } } },
    Antibiotic = { type = "MedicationOrder", reason = "copd_exacerbation", codes = { R.AZITHROMYCIN },
                   prescription = { dosage = { amount = 1, frequency = 1, period = 1, unit = "days" },
                                    duration = { quantity = 5, unit = "days" } },
                   direct_transition = "Escalate_Check" },
    -- GOLD follow-up pharmacological treatment: no maintenance yet -> a long-acting bronchodilator;
    -- on a LAMA with a second exacerbation within a year -> add ICS/LABA (triple therapy)
    Escalate_Check = { type = "Simple", conditional_transition = when {
      { date("<", 2004), "Where_Treated" },
      { negate(active_medication(R.TIOTROPIUM)), "Start_LAMA" },
      { all_of { attribute("copd_frequent_exacerbations", "==", true), negate(active_medication(R.FLUTICASONE_SALMETEROL)) },
        "Triple_Therapy" },
      { "Where_Treated" } } },
    Start_LAMA = { type = "MedicationOrder", reason = "copd_condition", codes = { R.TIOTROPIUM }, chronic = true,
                   prescription = { refills = 11, dosage = { amount = 1, frequency = 1, period = 1, unit = "days" } },
                   direct_transition = "Where_Treated" },
    Triple_Therapy = { type = "MedicationOrder", reason = "copd_condition", codes = { R.FLUTICASONE_SALMETEROL }, chronic = true,
                       prescription = { refills = 11, dosage = { amount = 1, frequency = 2, period = 1, unit = "days" } },
                       direct_transition = "Where_Treated" },
    Where_Treated = { type = "Simple", conditional_transition = when {
      { prior_state("Emergency", { since = "Living" }), "Admit_Or_Home" }, { "End_Visit" } } },
    Admit_Or_Home = { type = "Simple", distributed_transition = pick { { 0.47, "End_ED_Admit" }, { 0.53, "End_Visit" } } },
    End_Visit = { type = "EncounterEnd", direct_transition = "Recovery" },
    End_ED_Admit = { type = "EncounterEnd", direct_transition = "Admission" },
    Admission = { type = "Encounter", encounter_class = "inpatient", reason = "copd_exacerbation",
                  codes = { R.ENC_ADMIT }, direct_transition = "Nebulizer" },
    Nebulizer = { type = "MedicationOrder", reason = "copd_exacerbation", codes = { R.ALBUTEROL_NEB }, administration = true,
                  direct_transition = "Inpatient_Stay" },
    Inpatient_Stay = { type = "Delay", distribution = uniform { days(3), days(6) }, direct_transition = "Discharge" },
    Discharge = { type = "EncounterEnd", discharge_disposition = R.DISCHARGE_HOME, direct_transition = "Recovery" },
    Recovery = { type = "Delay", distribution = uniform { days(7), days(14) }, direct_transition = "Resolved" },
    Resolved = { type = "ConditionEnd", referenced_by_attribute = "copd_exacerbation", direct_transition = "Stop_Steroid" },
    Stop_Steroid = { type = "MedicationEnd", codes = { R.PREDNISONE_20 }, direct_transition = "Stop_Antibiotic" },
    Stop_Antibiotic = { type = "MedicationEnd", codes = { R.AZITHROMYCIN }, direct_transition = "Living" },

    Terminal = { type = "Terminal" },
  },
}
