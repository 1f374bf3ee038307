-- Acute upper respiratory infection (common cold) that reaches a doctor: an office or urgent-care
-- visit with a temperature, no antibiotic as guidelines advise, or an inappropriate antibiotic at
-- the share seen in practice; recovery in 1-2 weeks. Colds that never reach a visit are not
-- modelled (the record only holds visits).
--
-- Figures and their sources:
-- * Colds per person-year: adults 2-4, children 6-8: Heikkinen T, Jarvinen A. The common cold.
--   Lancet 2003;361(9351):51-59.
-- * Visits per person-year with a URI diagnosis used here: <3 months 0.3, 3-11 months 0.9,
--   1-2 years 0.7, 3-5 0.45, 6-11 0.25, 12-17 0.15, 18-64 0.10, 65+ 0.07 [assumption: about one
--   cold in eight to ten reaches a visit in young children and one in thirty in adults]. No clean
--   population figure of "ever diagnosed" exists (published figures are annual visit rates), so
--   this module has no realism row.
-- * Antibiotics are not indicated for the common cold / nonspecific URI: Harris AM, Hicks LA,
--   Qaseem A. Appropriate antibiotic use for acute respiratory tract infection in adults: advice
--   for high-value care from the ACP and CDC. Ann Intern Med 2016;164(6):425-434.
-- * Yet antibiotics were prescribed at 44% of children's visits for colds and 46% for URI
--   (NAMCS 1992): Nyquist AC, Gonzales R, Steiner JF, Sande MA. Antibiotic prescribing for
--   children with colds, upper respiratory tract infections, and bronchitis. JAMA
--   1998;279(11):875-877; prescribing for these diagnoses has fallen since (e.g. a 0.69 odds ratio
--   1998 vs 1995: Nash DR et al. Arch Pediatr Adolesc Med 2002;156(11):1114-1119). 30% is used
--   here [assumption]: amoxicillin (suspension under 12 years), 10 days for children, 7 for adults.
-- * Office 80%, urgent care 20% [assumption]. Temperature 36.6-38.2 C (low-grade fever at most,
--   Heikkinen 2003). Symptoms last 7-10 days (Heikkinen 2003); the visit comes 1-4 days in.
-- * One Delay per episode: the wait to the next visit is drawn from the age-dependent rate
--   (exact across age bands, lib/acute.lua wait_years); the diagnosis is recorded at the visit.

local A = lib("acute")

local P = parameters {
  rate_multiplier = param(1.0, "multiplies the rate of URI visits at every age"),
  antibiotic_share = param(0.30, "share of URI visits that end with an (inappropriate) antibiotic"),
}

local RATE = {}
for i, b in ipairs { { 0.25, 0.3 }, { 1, 0.9 }, { 3, 0.7 }, { 6, 0.45 }, { 12, 0.25 }, { 18, 0.15 },
                     { 65, 0.10 }, { 120, 0.07 } } do
  RATE[i] = { b[1], b[2] * P.rate_multiplier }
end

return {
  name = "Acute Upper Respiratory Infection",
  states = {
    Initial = { type = "Initial", direct_transition = "Wait" },
    Wait = { type = "Delay", distribution = function(p) return A.wait_years(p, RATE) end, unit = "years",
             direct_transition = "Symptoms" },

    -- the diagnosis is made at the visit, whichever setting it is
    Onset = { type = "ConditionOnset", codes = { A.URI }, direct_transition = "Temperature" },
    Symptoms = { type = "Delay", distribution = uniform { days(1), days(4) },
                 distributed_transition = pick { { 0.8, "Office" }, { 0.2, "Urgent_Care" } } },
    Office = { type = "Encounter", encounter_class = "ambulatory", codes = { A.ENC_SYMPTOM },
               direct_transition = "Onset" },
    Urgent_Care = { type = "Encounter", encounter_class = "urgentcare", codes = { A.ENC_URGENT },
                    direct_transition = "Onset" },
    Temperature = { type = "Observation", category = "vital-signs", unit = "Cel", codes = { A.TEMPERATURE },
                    range = { low = 36.6, high = 38.2, decimals = 1 },
                    distributed_transition = pick { { P.antibiotic_share, "Antibiotic_Choice" },
                                                    { 1 - P.antibiotic_share, "End_Visit" } } },

    -- no antibiotic: recovery
    End_Visit = { type = "EncounterEnd", direct_transition = "Recovery" },
    Recovery = { type = "Delay", distribution = uniform { days(4), days(10) }, direct_transition = "Resolved" },
    Resolved = { type = "ConditionEnd", condition_onset = "Onset", direct_transition = "Wait" },

    -- antibiotic (not indicated, but prescribed in practice)
    Antibiotic_Choice = { type = "Simple", conditional_transition = when { { age("<", 12), "Amoxicillin_Suspension" },
                                                                            { "Amoxicillin_Capsule" } } },
    Amoxicillin_Suspension = { type = "MedicationOrder", reason = "Onset", codes = { A.AMOX_SUSP_HIGH },
                               prescription = { dosage = { amount = 1, frequency = 2, period = 1, unit = "days" },
                                                duration = { quantity = 10, unit = "days" } },
                               direct_transition = "End_Visit_Antibiotic" },
    Amoxicillin_Capsule = { type = "MedicationOrder", reason = "Onset", codes = { A.AMOX_500 },
                            prescription = { dosage = { amount = 1, frequency = 3, period = 1, unit = "days" },
                                             duration = { quantity = 7, unit = "days" } },
                            direct_transition = "End_Visit_Antibiotic" },
    End_Visit_Antibiotic = { type = "EncounterEnd",
                             conditional_transition = when { { age("<", 12), "Course_10" }, { "Course_7" } } },
    Course_10 = { type = "Delay", distribution = exact(days(10)), direct_transition = "Stop_Antibiotic" },
    Course_7 = { type = "Delay", distribution = exact(days(7)), direct_transition = "Stop_Antibiotic" },
    Stop_Antibiotic = { type = "MedicationEnd", codes = { A.AMOX_SUSP_HIGH, A.AMOX_500 }, direct_transition = "Resolved" },
  },
}
