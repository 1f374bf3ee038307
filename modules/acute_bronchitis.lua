-- Acute bronchitis that reaches a doctor: an office or urgent-care visit with a temperature;
-- antibiotics are not indicated, yet most adults and many children get one (azithromycin from 12
-- years, amoxicillin suspension under 12); the cough settles within about three weeks.
--
-- Figures and their sources:
-- * Acute bronchitis affects about 5% of adults a year and more than 90% of them seek medical
--   advice: Knutson D, Braun C. Diagnosis and management of acute bronchitis. Am Fam Physician
--   2002;65(10):2039-2044 (also StatPearls, Acute Bronchitis, NCBI Bookshelf NBK448067, 2023).
--   Here 0.045 visits per adult-year; children 1-17 0.05 [assumption: about 6% of children a
--   year are reported to have an episode, with a similar share seen]; infants 0.02 [assumption:
--   lower-airway illness in infancy is mostly labelled bronchiolitis].
-- * Routine antibiotic treatment of uncomplicated acute bronchitis is not recommended: Gonzales R
--   et al. Principles of appropriate antibiotic use for treatment of uncomplicated acute
--   bronchitis. Ann Intern Med 2001;134(6):521-529; Harris AM et al. Ann Intern Med
--   2016;164(6):425-434. Cough lasts up to 3 weeks: Braman SS. Chronic cough due to acute
--   bronchitis: ACCP evidence-based clinical practice guidelines. Chest 2006;129(1 Suppl):95S-103S.
-- * Antibiotics were prescribed at 71% of adult visits for acute bronchitis (NAMCS/NHAMCS
--   1996-2010), mostly broad-spectrum (macrolides): Barnett ML, Linder JA. Antibiotic prescribing
--   for adults with acute bronchitis in the United States, 1996-2010. JAMA 2014;311(19):2020-2022.
--   Children: 75% of visits for bronchitis in 1992 (Nyquist AC et al. JAMA 1998;279(11):875-877);
--   50% is used for children [assumption: prescribing for children fell more than for adults].
-- * Azithromycin 500 mg on day 1 then 250 mg daily on days 2-5 (a 5-day course) from 12 years;
--   amoxicillin suspension for 10 days under 12 [assumption: the common choices].
-- * Office 80%, urgent care 20% [assumption]. Temperature 36.6-38.3 C (fever is uncommon and
--   mild; Knutson 2002). The visit comes 2-7 days after onset.
-- * No clean population figure of "ever diagnosed" exists, so this module has no realism row.
-- * One Delay per episode: the wait to the next visit is drawn from the age-dependent rate
--   (exact across age bands, lib/acute.lua wait_years); the diagnosis is recorded at the visit.

local A = lib("acute")

local P = parameters {
  rate_multiplier = param(1.0, "multiplies the rate of acute bronchitis visits at every age"),
  adult_antibiotic_share = param(0.71, "share of adult bronchitis visits ending with an antibiotic"),
  child_antibiotic_share = param(0.50, "share of children's bronchitis visits ending with an antibiotic"),
}

local RATE = {}
for i, b in ipairs { { 1, 0.02 }, { 18, 0.05 }, { 120, 0.045 } } do
  RATE[i] = { b[1], b[2] * P.rate_multiplier }
end

return {
  name = "Acute Bronchitis",
  states = {
    Initial = { type = "Initial", direct_transition = "Wait" },
    Wait = { type = "Delay", distribution = function(p) return A.wait_years(p, RATE) end, unit = "years",
             direct_transition = "Symptoms" },

    -- the diagnosis is made at the visit, whichever setting it is
    Onset = { type = "ConditionOnset", codes = { A.BRONCHITIS }, direct_transition = "Temperature" },
    Symptoms = { type = "Delay", distribution = uniform { days(2), days(7) },
                 distributed_transition = pick { { 0.8, "Office" }, { 0.2, "Urgent_Care" } } },
    Office = { type = "Encounter", encounter_class = "ambulatory", codes = { A.ENC_SYMPTOM },
               direct_transition = "Onset" },
    Urgent_Care = { type = "Encounter", encounter_class = "urgentcare", codes = { A.ENC_URGENT },
                    direct_transition = "Onset" },
    Temperature = { type = "Observation", category = "vital-signs", unit = "Cel", codes = { A.TEMPERATURE },
                    range = { low = 36.6, high = 38.3, decimals = 1 },
                    complex_transition = {
                      { condition = age(">=", 18),
                        distributions = { { distribution = P.adult_antibiotic_share, transition = "Antibiotic_Choice" },
                                          { distribution = 1 - P.adult_antibiotic_share, transition = "End_Visit" } } },
                      { distributions = { { distribution = P.child_antibiotic_share, transition = "Antibiotic_Choice" },
                                          { distribution = 1 - P.child_antibiotic_share, transition = "End_Visit" } } } } },

    -- no antibiotic
    End_Visit = { type = "EncounterEnd", direct_transition = "Recovery" },
    Recovery = { type = "Delay", distribution = uniform { days(7), days(18) }, direct_transition = "Resolved" },
    Resolved = { type = "ConditionEnd", condition_onset = "Onset", direct_transition = "Wait" },

    -- antibiotic (not indicated, but prescribed in practice)
    Antibiotic_Choice = { type = "Simple", conditional_transition = when { { age("<", 12), "Amoxicillin" },
                                                                            { "Azithromycin" } } },
    Amoxicillin = { type = "MedicationOrder", reason = "Onset", codes = { A.AMOX_SUSP_HIGH },
                    prescription = { dosage = { amount = 1, frequency = 2, period = 1, unit = "days" },
                                     duration = { quantity = 10, unit = "days" } },
                    direct_transition = "End_Visit_Amoxicillin" },
    Azithromycin = { type = "MedicationOrder", reason = "Onset", codes = { A.AZITHRO_250 },
                     prescription = { dosage = { amount = 1, frequency = 1, period = 1, unit = "days" },
                                      duration = { quantity = 5, unit = "days" } },
                     direct_transition = "End_Visit_Azithromycin" },
    End_Visit_Amoxicillin = { type = "EncounterEnd", direct_transition = "Course_10" },
    End_Visit_Azithromycin = { type = "EncounterEnd", direct_transition = "Course_5" },
    Course_10 = { type = "Delay", distribution = exact(days(10)), direct_transition = "Stop_Antibiotic" },
    Course_5 = { type = "Delay", distribution = exact(days(5)), direct_transition = "Stop_Antibiotic" },
    Stop_Antibiotic = { type = "MedicationEnd", codes = { A.AMOX_SUSP_HIGH, A.AZITHRO_250 },
                        direct_transition = "Cough_Settles" },
    Cough_Settles = { type = "Delay", distribution = uniform { days(0), days(10) }, direct_transition = "Resolved" },
  },
}
