-- Asthma: childhood-onset asthma (much of which remits by early adulthood) and adult-onset asthma
-- (more often in women), diagnosed at an office visit, treated per NAEPP/GINA with an as-needed
-- reliever for everyone, a daily inhaled corticosteroid for persistent asthma and a step-up to
-- ICS-formoterol after exacerbations; exacerbations bring emergency (and inpatient), urgent-care
-- and office visits at the published rates. Remission ends the condition, its drugs and its plan.
-- Numbers marked [assumption] are modelling choices.
-- Sets attribute `asthma` = true while the disease is present (the physiology reads it).
--
-- Figures and their sources:
-- * Current asthma by age and sex, the calibration target (percent): all 0-4 1.9, 5-14 7.7,
--   15-19 9.0, 20-24 9.5, 25-34 7.8, 35-64 8.2, 65+ 7.2; children <18 6.5, adults 18+ 8.0;
--   males 2.1/9.1/9.7/8.4/7.0/6.0/4.6, females 1.8/6.2/8.4/10.6/8.7/10.4/9.4 over the same bands:
--   CDC, 2021 National Health Interview Survey asthma data, Table 4-1 (Current asthma by age).
-- * Lifetime asthma (upper bound for how many are ever diagnosed), 15-19 years: 18.4% of males,
--   21.6% of females; children <18 11.6%, adults 13.4%: CDC, 2018 NHIS asthma data, Table 2-1.
--   The gap between lifetime and current asthma is the remission this module models.
-- * Parameters fitted to the two tables above (a prevalence model by age and sex solved by least
--   squares; the model's form is an [assumption]): childhood onset in 13.5% of boys and 12% of
--   girls, onset age in the bands 1-3 / 3-6 / 6-10 / 10-14 / 14-20 years with weights
--   .13/.43/.25/.17/.02 (boys) and .15/.20/.25/.25/.15 (girls: later, peri-pubertal onset); 66% of boys' and 42% of girls'
--   childhood asthma remits, at an age uniform between 8 and 30; adult onset 0.04%/year in men,
--   0.28%/year in women 18-44 and 0.16%/year from 45; adult asthma remits after a mean of 25 years
--   (men) or 22 years (women). A remitted patient can develop asthma again as an adult.
-- * Persistent asthma (daily controller indicated) in 63.8% of people with current asthma: Zahran
--   HS et al. Assessing asthma severity among children and adults with current asthma. J Asthma
--   2014;51(6):610-617 (BRFSS Asthma Call-back Survey 2006-2010).
-- * Treatment (NHLBI NAEPP Expert Panel Report 3, 2007, and 2020 Focused Updates; Global Initiative
--   for Asthma, Global Strategy for Asthma Management and Prevention 2023, "Track 2" with a
--   short-acting beta-agonist reliever): an as-needed albuterol inhaler for everyone; first line
--   for persistent asthma (step 2) a daily low-dose inhaled corticosteroid (fluticasone propionate
--   44 mcg, 2 puffs twice a day); after an exacerbation, a patient on no controller starts the
--   inhaled corticosteroid (EPR-3: consider starting one at ED discharge), and one on it is stepped
--   up (step 3, second line) to low-dose ICS-formoterol: budesonide/formoterol 80/4.5 mcg at 6-11
--   years, 160/4.5 mcg from 12 (the 80/4.5 inhaler is switched to 160/4.5 at an exacerbation after
--   12; budesonide/formoterol inhalers were approved in the US in July 2006 (FDA, Symbicort NDA
--   021929), so step 3 is offered from 2007 on); 30% of the exacerbations lead to a step-up
--   [assumption: control is reviewed, adherence and technique are checked first]. Under 6 the
--   inhaled corticosteroid is the only controller. Oral corticosteroid burst for exacerbations from
--   12 years (prednisone 40 mg daily for 5 days); spirometry at diagnosis from age 6; an asthma
--   self-management plan. All asthma drugs and the plan end at remission.
-- * Emergency department visits with asthma first-listed, per 10,000 population, 2019: 0-4 97.5,
--   5-17 66.5, 18-34 51.7, 35-64 38.6, 65+ 18.6: CDC Asthma Healthcare Use Data 2019, Table A
--   (NHAMCS). Divided by the current prevalence above: about 0.08 visits per person-year with
--   asthma at 5-17, 0.06 at 18-34, 0.047 at 35-64, 0.026 at 65+; at 0-4 the quotient (0.51)
--   counts wheezing infants not labelled as current asthma, so 0.40 is used.
-- * Physician office visits with asthma as primary diagnosis, per 10,000 population, 2014: children
--   568.8, adults 285.2: CDC Asthma Healthcare Use Data 2014, Table A (NAMCS). Divided by the 2021
--   prevalence: 0.87 visits per person-year for children, 0.36 for adults.
-- * 41.2% of people with current asthma had an asthma attack in the past year (children 44.3%,
--   adults 40.4%): CDC, 2019 NHIS asthma data, Table 6-1. Model assumption: 40% of asthma office
--   visits are for an exacerbation (oral steroid burst) and a third of those are seen in urgent
--   care rather than the office.
-- * Hospital admission after 20% of asthma emergency visits: 439,400 asthma hospitalizations and
--   1.8 million asthma emergency department visits in 2010 (CDC. Asthma Facts - CDC's National
--   Asthma Control Program Grantees, July 2013). Length of stay 2-4 days [assumption]. Symptoms
--   precede the diagnosing visit by 1-8 weeks [assumption]; FEV1/FVC recorded 62-84% at diagnosis
--   [assumption].
-- * Asthma deaths are not added here: all-cause mortality comes from the life table.

local R = lib("respiratory")
local sct = codes.snomed

local P = parameters {
  onset_multiplier = param(1.0, "multiplies the probability of childhood onset and the adult onset rate"),
}

local ASTHMA, CHILDHOOD_ASTHMA = R.ASTHMA, R.CHILDHOOD_ASTHMA
local ICS, BF80, BF160 = R.FLUTICASONE_44, R.BUD_FORM_80, R.BUD_FORM_160
local PLAN = sct(699728000, "Asthma self management (procedure)")
local SMOKE_FREE = sct(710081004, "Smoke free environment (regime/therapy)")

local YEAR = R.YEAR_MS

-- childhood onset
local CHILD_P = { M = 0.135 * P.onset_multiplier, F = 0.12 * P.onset_multiplier }
local ONSET_BANDS = { { 1, 3 }, { 3, 6 }, { 6, 10 }, { 10, 14 }, { 14, 20 } }
local ONSET_W = { M = { 0.13, 0.43, 0.25, 0.17, 0.02 }, F = { 0.15, 0.20, 0.25, 0.25, 0.15 } }
local CHILD_REMIT_P = { M = 0.66, F = 0.42 }
-- adult onset (events per year, by age)
local ADULT_ONSET = {
  M = { { 18, 0 }, { 120, 0.0004 * P.onset_multiplier } },
  F = { { 18, 0 }, { 45, 0.0028 * P.onset_multiplier }, { 120, 0.0016 * P.onset_multiplier } },
}
local ADULT_REMIT_MEAN = { M = 25, F = 22 }
-- visits per person-year with asthma
local ED_RATE = { { 5, 0.40 }, { 18, 0.08 }, { 35, 0.06 }, { 65, 0.047 }, { 200, 0.026 } }
local OFFICE_RATE = { { 18, 0.87 }, { 200, 0.36 } }
local STEP_UP_P = 0.3

-- years from now to the childhood onset, drawn once at birth
local function onset_years(p)
  local w = ONSET_W[p.sex]
  local u, acc = p:random(), 0
  for i = 1, #w do
    acc = acc + w[i]
    if u <= acc or i == #w then
      local lo, hi = ONSET_BANDS[i][1], ONSET_BANDS[i][2]
      local age = lo + (hi - lo) * p:random()
      return math.max(0, age - R.age_years(p))
    end
  end
end

-- when (ms) this episode of asthma remits, or false for lifelong asthma
local function remission_time(p)
  local a = R.age_years(p)
  if p:attr("asthma_onset_type") == "child" then
    if p:random() >= CHILD_REMIT_P[p.sex] then return false end
    local at = 8 + 22 * p:random()
    if at < a + 1 then at = a + 1 end
    return p.birth + at * YEAR
  end
  local mean = ADULT_REMIT_MEAN[p.sex]
  return p.time + (-math.log(1 - p:random()) * mean) * YEAR
end

-- years to the next asthma visit of any kind, cut short at the remission
local function years_to_next_event(p)
  local rate = R.rate_now(p, ED_RATE) + R.rate_now(p, OFFICE_RATE)
  local wait = -math.log(1 - p:random()) / rate
  local remit = p:attr("asthma_remit_at")
  if remit then
    local left = (remit - p.time) / YEAR
    if left < wait then wait = math.max(left, 0) end
  end
  return wait
end

local function remission_due(p)
  local remit = p:attr("asthma_remit_at")
  return remit ~= nil and remit ~= false and p.time >= remit - 1000
end

local function p_emergency(p)
  local ed = R.rate_now(p, ED_RATE)
  return ed / (ed + R.rate_now(p, OFFICE_RATE))
end

local on_controller = any_of { active_medication(ICS), active_medication(BF80), active_medication(BF160) }

local function controller_order(code, next_state)
  return { type = "MedicationOrder", reason = "asthma_condition", codes = { code }, chronic = true,
           prescription = { refills = 11, dosage = { amount = 2, frequency = 2, period = 1, unit = "days" } },
           direct_transition = next_state }
end

return {
  name = "Asthma",
  states = {
    Initial = { type = "Initial", conditional_transition = when { { male, "Male" }, { "Female" } } },
    Male = { type = "Simple", distributed_transition = pick { { CHILD_P.M, "Childhood_Track" }, { 1 - CHILD_P.M, "Adult_Track" } } },
    Female = { type = "Simple", distributed_transition = pick { { CHILD_P.F, "Childhood_Track" }, { 1 - CHILD_P.F, "Adult_Track" } } },

    -- childhood-onset asthma
    Childhood_Track = { type = "Delay", distribution = onset_years, unit = "years", direct_transition = "Set_Child_Type" },
    Set_Child_Type = { type = "SetAttribute", attribute = "asthma_onset_type", value = "child",
                       conditional_transition = when { { age("<", 18), "Childhood_Onset" }, { "Adult_Onset" } } },
    Childhood_Onset = { type = "ConditionOnset", target_encounter = "Diagnosis", assign_to_attribute = "asthma_condition",
                        codes = { CHILDHOOD_ASTHMA }, direct_transition = "Present" },

    -- adult-onset asthma (also a relapse after childhood asthma remitted)
    Adult_Track = { type = "Delay", distribution = function(p) return R.wait_years(p, ADULT_ONSET[p.sex]) end,
                    unit = "years", direct_transition = "Set_Adult_Type" },
    Set_Adult_Type = { type = "SetAttribute", attribute = "asthma_onset_type", value = "adult", direct_transition = "Adult_Onset" },
    Adult_Onset = { type = "ConditionOnset", target_encounter = "Diagnosis", assign_to_attribute = "asthma_condition",
                    codes = { ASTHMA }, direct_transition = "Present" },

    Present = { type = "SetAttribute", attribute = "asthma", value = true, direct_transition = "Plan_Course" },
    Plan_Course = { type = "SetAttribute", attribute = "asthma_remit_at", value = remission_time,
                    direct_transition = "Symptoms_To_Visit" },
    Symptoms_To_Visit = { type = "Delay", distribution = uniform { weeks(1), weeks(8) }, direct_transition = "Diagnosis" },

    Diagnosis = { type = "Encounter", encounter_class = "ambulatory", reason = "asthma_condition",
                  codes = { R.ENC_PROBLEM }, conditional_transition = when { { age(">=", 6), "Spirometry" }, { "Reliever" } } },
    Spirometry = { type = "Procedure", reason = "asthma_condition", codes = { R.SPIROMETRY },
                   duration = { low = 15, high = 30, unit = "minutes" }, direct_transition = "FEV1_FVC" },
    FEV1_FVC = { type = "Observation", category = "procedure", unit = "%", codes = { R.FEV1_FVC },
                 range = { low = 62, high = 84, decimals = 0 }, direct_transition = "Reliever" },
    Reliever = { type = "MedicationOrder", reason = "asthma_condition", codes = { R.ALBUTEROL_MDI }, chronic = true,
                 prescription = { as_needed = true, refills = 3,
                                  dosage = { amount = 2, frequency = 1, period = 4, unit = "hours" } },
                 direct_transition = "Self_Management" },
    Self_Management = { type = "CarePlanStart", reason = "asthma_condition", codes = { PLAN }, activities = { SMOKE_FREE },
                        distributed_transition = pick { { 0.638, "Controller" }, { 0.362, "End_Diagnosis" } } },
    Controller = controller_order(ICS, "End_Diagnosis"),
    End_Diagnosis = { type = "EncounterEnd", direct_transition = "Living" },

    -- the course: emergency visits, exacerbation visits and reviews until remission
    Living = { type = "Delay", distribution = years_to_next_event, unit = "years", direct_transition = "Next" },
    Next = { type = "Simple", conditional_transition = when { { remission_due, "Remission" }, { "Event" } } },
    Event = { type = "Simple", distributed_transition = {
      { distribution = p_emergency, transition = "Emergency" },
      { distribution = function(p) return 1 - p_emergency(p) end, transition = "Office_Care" } } },
    Office_Care = { type = "Simple", distributed_transition = pick { { 0.4, "Exacerbation" }, { 0.6, "Review" } } },

    Emergency = { type = "Encounter", encounter_class = "emergency", reason = "asthma_condition",
                  codes = { sct(183478001, "Emergency hospital admission for asthma (procedure)") }, direct_transition = "Nebulizer" },
    Nebulizer = { type = "MedicationOrder", reason = "asthma_condition", codes = { R.ALBUTEROL_NEB }, administration = true,
                  conditional_transition = when { { age(">=", 12), "ED_Steroid" }, { "Step_Up_Check" } } },
    ED_Steroid = { type = "MedicationOrder", reason = "asthma_condition", codes = { R.PREDNISONE_20 },
                   prescription = { dosage = { amount = 2, frequency = 1, period = 1, unit = "days" },
                                    duration = { quantity = 5, unit = "days" } },
                   direct_transition = "Step_Up_Check" },
    Admit_Or_Home = { type = "Simple", distributed_transition = pick { { 0.2, "End_ED_Admit" }, { 0.8, "End_ED" } } },
    End_ED = { type = "EncounterEnd", direct_transition = "Steroid_Course" },
    End_ED_Admit = { type = "EncounterEnd", direct_transition = "Admission" },
    Admission = { type = "Encounter", encounter_class = "inpatient", reason = "asthma_condition",
                  codes = { R.ENC_ADMIT }, direct_transition = "Inpatient_Stay" },
    Inpatient_Stay = { type = "Delay", distribution = uniform { days(2), days(4) }, direct_transition = "Discharge" },
    Discharge = { type = "EncounterEnd", discharge_disposition = R.DISCHARGE_HOME, direct_transition = "Steroid_Course" },

    Exacerbation = { type = "Simple", distributed_transition = pick { { 1 / 3, "Urgent_Visit" }, { 2 / 3, "Office_Visit" } } },
    Urgent_Visit = { type = "Encounter", encounter_class = "urgentcare", reason = "asthma_condition",
                     codes = { R.ENC_URGENT }, direct_transition = "Burst_Check" },
    Office_Visit = { type = "Encounter", encounter_class = "ambulatory", reason = "asthma_condition",
                     codes = { R.ENC_SYMPTOM }, direct_transition = "Burst_Check" },
    Burst_Check = { type = "Simple", conditional_transition = when { { age(">=", 12), "Burst" }, { "Step_Up_Check" } } },
    Burst = { type = "MedicationOrder", reason = "asthma_condition", codes = { R.PREDNISONE_20 },
              prescription = { dosage = { amount = 2, frequency = 1, period = 1, unit = "days" },
                               duration = { quantity = 5, unit = "days" } },
              direct_transition = "Step_Up_Check" },

    -- stepping up the controller after an exacerbation (inside the exacerbation's encounter)
    Step_Up_Check = { type = "Simple", distributed_transition = pick { { STEP_UP_P, "Step_Up" }, { 1 - STEP_UP_P, "After_Step" } } },
    Step_Up = { type = "Simple", conditional_transition = when {
      { negate(on_controller), "Start_ICS" },
      { date("<", 2007), "After_Step" },
      { all_of { active_medication(ICS), age(">=", 12) }, "End_ICS_Adult" },
      { all_of { active_medication(ICS), age(">=", 6) }, "End_ICS_Child" },
      { all_of { active_medication(BF80), age(">=", 12) }, "End_BF80" },
      { "After_Step" } } },
    Start_ICS = controller_order(ICS, "After_Step"),
    End_ICS_Adult = { type = "MedicationEnd", codes = { ICS }, direct_transition = "Start_BF160" },
    End_ICS_Child = { type = "MedicationEnd", codes = { ICS }, direct_transition = "Start_BF80" },
    End_BF80 = { type = "MedicationEnd", codes = { BF80 }, direct_transition = "Start_BF160" },
    Start_BF80 = controller_order(BF80, "After_Step"),
    Start_BF160 = controller_order(BF160, "After_Step"),
    After_Step = { type = "Simple", conditional_transition = when {
      { prior_state("Emergency", { since = "Living" }), "Admit_Or_Home" }, { "End_Exacerbation" } } },
    End_Exacerbation = { type = "EncounterEnd", direct_transition = "Steroid_Course" },
    Steroid_Course = { type = "Delay", distribution = exact(days(5)), direct_transition = "Steroid_Done" },
    Steroid_Done = { type = "MedicationEnd", codes = { R.PREDNISONE_20 }, direct_transition = "Living" },

    Review = { type = "Encounter", encounter_class = "ambulatory", reason = "asthma_condition",
               codes = { R.ENC_CHECKUP }, direct_transition = "End_Review" },
    End_Review = { type = "EncounterEnd", direct_transition = "Living" },

    -- remission: the condition, its drugs and the plan end; adult-onset asthma may follow later
    Remission = { type = "ConditionEnd", referenced_by_attribute = "asthma_condition", direct_transition = "Stop_Reliever" },
    Stop_Reliever = { type = "MedicationEnd", codes = { R.ALBUTEROL_MDI }, direct_transition = "Stop_ICS" },
    Stop_ICS = { type = "MedicationEnd", codes = { ICS }, direct_transition = "Stop_BF80" },
    Stop_BF80 = { type = "MedicationEnd", codes = { BF80 }, direct_transition = "Stop_BF160" },
    Stop_BF160 = { type = "MedicationEnd", codes = { BF160 }, direct_transition = "Stop_Plan" },
    Stop_Plan = { type = "CarePlanEnd", careplan = "Self_Management", direct_transition = "Absent" },
    Absent = { type = "SetAttribute", attribute = "asthma", direct_transition = "Clear_Plan" },
    Clear_Plan = { type = "SetAttribute", attribute = "asthma_remit_at", direct_transition = "Adult_Track" },
  },
}
