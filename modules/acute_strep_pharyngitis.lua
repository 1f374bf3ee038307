-- Group A streptococcal pharyngitis that reaches a doctor: mostly school-age children; an office
-- or urgent-care visit with a temperature and a positive rapid antigen test, then 10 days of
-- amoxicillin (children) or penicillin V (adolescents and adults).
--
-- Figures and their sources:
-- * Group A streptococcal swab-positive pharyngitis 13 per 100 child-years at 5-12 years
--   (prospective family cohort with active surveillance, Melbourne 2001-2002): Danchin MH et al.
--   Burden of acute sore throat and group A streptococcal pharyngitis in school-aged children
--   and their families in Australia. Pediatrics 2007;120(5):950-957. With about three in four
--   such episodes brought to a doctor in usual care [assumption], 0.10 visits per child-year at
--   5-12 years; 0.04 at 3-4 and 0.05 at 13-17 [assumption: the peak is at school age, Danchin
--   2007; Shulman 2012].
-- * Adults: group A streptococci cause about 10% of sore throats in adults seeking care:
--   Barnett ML, Linder JA. Antibiotic prescribing to adults with sore throat in the United States,
--   1997-2010. JAMA Intern Med 2014;174(1):138-140. Visits with a positive test: 0.006 per
--   person-year at 18-44 and 0.002 from 45 [assumption: adults have sore throats less often than
--   children (Danchin 2007) and only one in ten is streptococcal]. No testing, hence no
--   diagnosis, under 3 years (Shulman 2012).
-- * Diagnosis by rapid antigen detection test (or culture); treatment amoxicillin 50 mg/kg once
--   daily (max 1000 mg) or penicillin V 500 mg twice daily in adults, for 10 days: Shulman ST et
--   al. Clinical practice guideline for the diagnosis and management of group A streptococcal
--   pharyngitis: 2012 update by the IDSA. Clin Infect Dis 2012;55(10):e86-e102. Amoxicillin
--   suspension under 12 years, penicillin V tablets from 12 [assumption].
-- * Office 80%, urgent care 20% [assumption]. Temperature 37.8-39.5 C (fever is one of the Centor
--   criteria); the visit comes 1-3 days after onset; symptoms are gone by the end of the course.
-- * No clean population figure of "ever diagnosed" exists, so this module has no realism row.
-- * One Delay per episode: the wait to the next visit is drawn from the age-dependent rate
--   (exact across age bands, lib/acute.lua wait_years); the diagnosis is recorded at the visit.

local A = lib("acute")

local P = parameters {
  rate_multiplier = param(1.0, "multiplies the rate of streptococcal pharyngitis visits at every age"),
}

local RATE = {}
for i, b in ipairs { { 3, 0 }, { 5, 0.04 }, { 13, 0.10 }, { 18, 0.05 }, { 45, 0.006 }, { 120, 0.002 } } do
  RATE[i] = { b[1], b[2] * P.rate_multiplier }
end

return {
  name = "Acute Streptococcal Pharyngitis",
  states = {
    Initial = { type = "Initial", direct_transition = "Wait" },
    Wait = { type = "Delay", distribution = function(p) return A.wait_years(p, RATE) end, unit = "years",
             direct_transition = "Symptoms" },

    -- the diagnosis is made at the visit, whichever setting it is
    Onset = { type = "ConditionOnset", codes = { A.STREP_THROAT }, direct_transition = "Temperature" },
    Symptoms = { type = "Delay", distribution = uniform { days(1), days(3) },
                 distributed_transition = pick { { 0.8, "Office" }, { 0.2, "Urgent_Care" } } },
    Office = { type = "Encounter", encounter_class = "ambulatory", codes = { A.ENC_SYMPTOM },
               direct_transition = "Onset" },
    Urgent_Care = { type = "Encounter", encounter_class = "urgentcare", codes = { A.ENC_URGENT },
                    direct_transition = "Onset" },
    Temperature = { type = "Observation", category = "vital-signs", unit = "Cel", codes = { A.TEMPERATURE },
                    range = { low = 37.8, high = 39.5, decimals = 1 }, direct_transition = "Rapid_Test" },
    Rapid_Test = { type = "Observation", category = "laboratory", codes = { A.RAPID_STREP }, value_code = A.POSITIVE,
                   conditional_transition = when { { age("<", 12), "Amoxicillin" }, { "Penicillin" } } },
    Amoxicillin = { type = "MedicationOrder", reason = "Onset", codes = { A.AMOX_SUSP },
                    prescription = { dosage = { amount = 1, frequency = 1, period = 1, unit = "days" },
                                     duration = { quantity = 10, unit = "days" } },
                    direct_transition = "End_Visit" },
    Penicillin = { type = "MedicationOrder", reason = "Onset", codes = { A.PEN_V_500 },
                   prescription = { dosage = { amount = 1, frequency = 2, period = 1, unit = "days" },
                                    duration = { quantity = 10, unit = "days" } },
                   direct_transition = "End_Visit" },
    End_Visit = { type = "EncounterEnd", direct_transition = "Course" },
    Course = { type = "Delay", distribution = exact(days(10)), direct_transition = "Stop_Antibiotic" },
    Stop_Antibiotic = { type = "MedicationEnd", codes = { A.AMOX_SUSP, A.PEN_V_500 }, direct_transition = "Resolved" },
    Resolved = { type = "ConditionEnd", condition_onset = "Onset", direct_transition = "Wait" },
  },
}
