-- Treatment of localized or regional prostate cancer (called by prostate_cancer.lua): active
-- surveillance, radical prostatectomy, or external-beam radiation with androgen deprivation therapy
-- (leuprolide) by NCCN risk group and age. Reads pc_risk (low / intermediate / high), pc_condition;
-- sets pc_treatment (surveillance / prostatectomy / radiation), pc_as_plan (the surveillance care
-- plan), pc_adt and pc_adt_until (the leuprolide order and when the survivorship visits end it).
--
-- Figures and their sources (NCCN Guidelines Prostate Cancer v4.2024 for the choices):
-- * Low risk: active surveillance 60% (59.6% of low-risk men in the AUA AQUA registry in 2021:
--   Cooperberg MR et al. JAMA 2023;329:1822-1824), radical prostatectomy 25%, radiation 15%
--   [assumption]; from 80, surveillance (watchful waiting) [assumption].
-- * Intermediate risk: prostatectomy 50%, radiation + 6 months of ADT 50% [assumption]; high risk
--   (and regional disease): prostatectomy 40%, radiation + 24 months of ADT 60% [assumption; ADT
--   4-6 months for intermediate, 18-36 months for high risk: NCCN]. From 76, radiation + ADT
--   [assumption].
-- * Radiation recorded once a week for 5 weeks (moderate hypofractionation, 20-28 fractions)
--   [assumption]; ADT starts 2 months before radiation.
-- * Leuprolide acetate 7.5 mg subcutaneous monthly (Eligard 7.5 mg: 0.25 mL of 30 mg/mL).

local O = lib("oncology")
local sct, rx = codes.snomed, codes.rxnorm

local ACTIVE_SURVEILLANCE = sct(424313000, "Active surveillance (regime/therapy)")
local PROSTATECTOMY = sct(26294005, "Radical prostatectomy (procedure)")
local ADT = sct(707266006, "Androgen deprivation therapy (procedure)")
local LEUPROLIDE = rx(752899, "0.25 ML leuprolide acetate 30 MG/ML Prefilled Syringe")

local function adt_months(p) return p:attr("pc_risk") == "high" and 24 or 6 end

return {
  name = "Prostate Cancer Curative Treatment",
  states = {
    Initial = { type = "Initial", conditional_transition = when {
      { attribute("pc_risk", "==", "low"), "Low" },
      { age(">=", 76), "RT_ADT_Delay" },
      { attribute("pc_risk", "==", "intermediate"), "Intermediate" },
      { "High" } } },
    Low = { type = "Simple", complex_transition = {
      { condition = age(">=", 80), distributions = { { distribution = 1, transition = "AS_Visit" } } },
      { distributions = { { distribution = 0.60, transition = "AS_Visit" }, { distribution = 0.25, transition = "RP_Delay" },
                          { distribution = 0.15, transition = "RT_Delay" } } } } },
    Intermediate = { type = "Simple", distributed_transition = pick { { 0.5, "RP_Delay" }, { 0.5, "RT_ADT_Delay" } } },
    High = { type = "Simple", distributed_transition = pick { { 0.4, "RP_Delay" }, { 0.6, "RT_ADT_Delay" } } },

    -- active surveillance (its visits are prostate_cancer.lua's)
    AS_Visit = { type = "Encounter", encounter_class = "ambulatory", reason = "pc_condition", codes = { O.ENC_FOLLOWUP },
                 direct_transition = "AS_Plan" },
    AS_Plan = { type = "CarePlanStart", reason = "pc_condition", codes = { ACTIVE_SURVEILLANCE }, assign_to_attribute = "pc_as_plan",
                direct_transition = "AS_Set" },
    AS_Set = { type = "SetAttribute", attribute = "pc_treatment", value = "surveillance", direct_transition = "AS_End" },
    AS_End = { type = "EncounterEnd", direct_transition = "Terminal" },

    -- radical prostatectomy
    RP_Delay = { type = "Delay", distribution = uniform { weeks(4), weeks(10) }, direct_transition = "RP_Admit" },
    RP_Admit = { type = "Encounter", encounter_class = "inpatient", reason = "pc_condition", codes = { O.ENC_ADMIT },
                 direct_transition = "Prostatectomy" },
    Prostatectomy = { type = "Procedure", reason = "pc_condition", codes = { PROSTATECTOMY },
                      duration = { low = 120, high = 240, unit = "minutes" }, direct_transition = "RP_Set" },
    RP_Set = { type = "SetAttribute", attribute = "pc_treatment", value = "prostatectomy", direct_transition = "RP_Stay" },
    RP_Stay = { type = "Delay", distribution = uniform { days(1), days(2) }, direct_transition = "RP_End" },
    RP_End = { type = "EncounterEnd", direct_transition = "Terminal" },

    -- radiation with androgen deprivation
    RT_ADT_Delay = { type = "Delay", distribution = uniform { weeks(2), weeks(6) }, direct_transition = "ADT_Visit" },
    ADT_Visit = { type = "Encounter", encounter_class = "ambulatory", reason = "pc_condition", codes = { O.ENC_FOLLOWUP },
                  direct_transition = "ADT_Procedure" },
    ADT_Procedure = { type = "Procedure", reason = "pc_condition", codes = { ADT }, direct_transition = "Leuprolide" },
    Leuprolide = { type = "MedicationOrder", reason = "pc_condition", codes = { LEUPROLIDE }, chronic = true,
                   assign_to_attribute = "pc_adt",
                   prescription = { dosage = { amount = 1, frequency = 1, period = 1, unit = "months" } },
                   direct_transition = "ADT_Until" },
    ADT_Until = { type = "SetAttribute", attribute = "pc_adt_until",
                  value = function(p) return p.time + adt_months(p) / 12 * O.YEAR_MS end, direct_transition = "ADT_End" },
    ADT_End = { type = "EncounterEnd", direct_transition = "Neoadjuvant" },
    Neoadjuvant = { type = "Delay", distribution = uniform { weeks(8), weeks(10) }, direct_transition = "RT_Visit" },
    RT_Delay = { type = "Delay", distribution = uniform { weeks(4), weeks(8) }, direct_transition = "RT_Visit" },
    RT_Visit = { type = "Encounter", encounter_class = "outpatient", reason = "pc_condition", codes = { O.ENC_FOLLOWUP },
                 direct_transition = "Radiation" },
    Radiation = { type = "Procedure", reason = "pc_condition", codes = { O.TELERADIOTHERAPY },
                  duration = { low = 15, high = 30, unit = "minutes" }, direct_transition = "RT_Count" },
    RT_Count = { type = "Counter", attribute = "pc_rt_weeks", action = "increment", direct_transition = "RT_End" },
    RT_End = { type = "EncounterEnd", conditional_transition = when {
      { attribute("pc_rt_weeks", ">=", 5), "RT_Set" }, { "RT_Week" } } },
    RT_Week = { type = "Delay", exact = days(7), direct_transition = "RT_Visit" },
    RT_Set = { type = "SetAttribute", attribute = "pc_treatment", value = "radiation", direct_transition = "Terminal" },

    Terminal = { type = "Terminal" },
  },
}
