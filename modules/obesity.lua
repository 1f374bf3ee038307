-- Obesity in adults, as a diagnosis: recorded at a check-up whose measured BMI is >= 30 kg/m2, with
-- weight-loss counselling as a care plan; ended at a later check-up whose BMI is below 29.5. The BMI
-- itself is the physiology's (lifecycle/physiology.lua, calibrated there to NHANES 2017-2018);
-- this module only reads it.
-- Attributes written: `obesity_condition` (family-private: the active condition).
--
-- Figures and their sources:
-- * Adult obesity is BMI >= 30 kg/m2 (CDC, Defining adult overweight and obesity; WHO Technical
--   Report Series 894, 2000). The intensive behavioural counselling offered to adults with
--   obesity: USPSTF, Weight loss to prevent obesity-related morbidity and mortality in adults:
--   behavioral interventions, JAMA 2018;320:1163-1171.
-- * Every attended check-up from 18 with BMI >= 30 records the diagnosis [assumption: in records
--   obesity is under-coded; the condition here mirrors the measurement].
-- * The diagnosis ends at a check-up whose BMI is below 29.5 [assumption: half a unit of margin, so
--   that a reading near the cut-off does not open and close the diagnosis every other year].
-- * No deaths here: long-run mortality comes from the life table.

local C = lib("cardiometabolic")

local RESOLVED_BELOW = 29.5
local function bmi(p) return p:vital("BMI") or 25 end

return {
  name = "Obesity",
  states = {
    Initial = { type = "Initial", direct_transition = "Adulthood" },
    Adulthood = { type = "Delay", exact = years(18), direct_transition = "Watch" },
    -- wait until a measurement shows obesity, then for the check-up that sees it
    Watch = { type = "Guard", allow = vital("BMI", ">=", 30), direct_transition = "Visit" },
    Visit = { type = "Encounter", wellness = true, conditional_transition = when {
      { function(p) return bmi(p) >= 30 end, "Diagnosis" }, { "Visit_End" } } },
    Visit_End = { type = "EncounterEnd", direct_transition = "Visit_Gap" },
    Visit_Gap = { type = "Delay", exact = days(30), direct_transition = "Watch" },

    Diagnosis = { type = "ConditionOnset", assign_to_attribute = "obesity_condition", codes = { C.OBESITY },
                  direct_transition = "Counselling" },
    Counselling = { type = "CarePlanStart", reason = "obesity_condition", codes = { C.WEIGHT_DIET },
                    activities = { C.WEIGHT_ADVICE, C.EXERCISE }, direct_transition = "Diagnosis_End" },
    Diagnosis_End = { type = "EncounterEnd", direct_transition = "Obese_Gap" },
    Obese_Gap = { type = "Delay", exact = days(30), direct_transition = "Watch_Below" },

    -- wait until a measurement falls below 30, then for the check-up that confirms it
    Watch_Below = { type = "Guard", allow = vital("BMI", "<", RESOLVED_BELOW), direct_transition = "Review" },
    Review = { type = "Encounter", wellness = true, conditional_transition = when {
      { function(p) return bmi(p) < RESOLVED_BELOW end, "Resolved" }, { "Diagnosis_End" } } },
    Resolved = { type = "ConditionEnd", referenced_by_attribute = "obesity_condition", direct_transition = "Counselling_End" },
    Counselling_End = { type = "CarePlanEnd", careplan = "Counselling", direct_transition = "Clear" },
    Clear = { type = "SetAttribute", attribute = "obesity_condition", direct_transition = "Visit_End" },
  },
}
