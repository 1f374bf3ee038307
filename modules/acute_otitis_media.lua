-- Acute otitis media that reaches a doctor: mostly in infants and toddlers, recurring in an
-- otitis-prone minority; an office or urgent-care visit with a temperature, high-dose amoxicillin
-- (always under 2 years, most often from 2 years on), recovery in days.
--
-- Figures and their sources:
-- * Calibration targets, a prospective cohort of 615 children followed from 6 to 36 months
--   (Rochester NY, 2006-2016, pneumococcal conjugate vaccine era): by 1 year of age 23% had had
--   >= 1 episode of AOM, by 3 years 60% had had >= 1 and 24% >= 3; peak incidence 6-12 months:
--   Kaur R, Morris M, Pichichero ME. Epidemiology of acute otitis media in the postpneumococcal
--   conjugate vaccine era. Pediatrics 2017;140(3):e20170181.
-- * Fitted to those three figures (a Poisson model with a two-point susceptibility, solved by
--   least squares, see the family report): visit-reaching episodes per child-year 0.1 (<6
--   months), 0.4 (6-11 months), 0.85 (1 year), 0.48 (2 years); 30% of children are otitis-prone
--   with 2.5 times the average rate, the rest 0.357 times it (the fit gave 0.5 and 0.8 for the
--   second and third bands; shifted so that the measured band, 12-14 months, matches "by 1 year"). Later ages [assumption, OM
--   incidence falls steeply after age 3-5 (Daly KA et al. Epidemiology, natural history, and risk
--   factors: panel report. Int J Pediatr Otorhinolaryngol 2010;74(3):231-240)]: 0.3 at 3-4,
--   0.12 at 5-7, 0.05 at 8-12, 0.02 at 13-17, 0.01 in adults.
-- * Treatment: amoxicillin 80-90 mg/kg/day in two doses; antibiotics for all children under 6
--   months and for most under 2 years; observation without antibiotics is an option for
--   non-severe AOM in older children; 10 days under 2 years, 7 days at 2-5, 5-7 days from 6:
--   Lieberthal AS et al. The diagnosis and management of acute otitis media. AAP clinical
--   practice guideline. Pediatrics 2013;131(3):e964-e999. Here every child under 2 and 80% of
--   older patients get amoxicillin [assumption: observation chosen in a minority]; adolescents
--   and adults get amoxicillin 500 mg capsules three times a day.
-- * Office 85%, urgent care 15% [assumption]. Temperature 37.0-39.0 C (fever is common in AOM,
--   Lieberthal 2013); symptoms 1-3 days before the visit; pain and fever settle within 2-7 days.
-- * One Delay per episode: the wait to the next visit is drawn from the age-dependent rate
--   (exact across age bands, lib/acute.lua wait_years); the diagnosis is recorded at the visit.

local A = lib("acute")

local P = parameters {
  rate_multiplier = param(1.0, "multiplies the rate of otitis media visits at every age"),
}

local RATE = {}
for i, b in ipairs { { 0.5, 0.1 }, { 1, 0.4 }, { 2, 0.85 }, { 3, 0.48 }, { 5, 0.3 }, { 8, 0.12 }, { 13, 0.05 },
                     { 18, 0.02 }, { 120, 0.01 } } do
  RATE[i] = { b[1], b[2] * P.rate_multiplier }
end

local function wait(p)
  return A.wait_years(p, RATE, p:attr("acute_om_susceptibility") or 1)
end

return {
  name = "Acute Otitis Media",
  states = {
    Initial = { type = "Initial", direct_transition = "Susceptibility" },
    Susceptibility = { type = "SetAttribute", attribute = "acute_om_susceptibility",
                       value = function(p) return A.susceptibility(p, 0.30, 2.5) end,
                       direct_transition = "Wait" },
    Wait = { type = "Delay", distribution = wait, unit = "years", direct_transition = "Symptoms" },

    -- the diagnosis is made at the visit, whichever setting it is
    Onset = { type = "ConditionOnset", codes = { A.OTITIS_MEDIA }, direct_transition = "Temperature" },
    Symptoms = { type = "Delay", distribution = uniform { days(1), days(3) },
                 distributed_transition = pick { { 0.85, "Office" }, { 0.15, "Urgent_Care" } } },
    Office = { type = "Encounter", encounter_class = "ambulatory", codes = { A.ENC_SYMPTOM },
               direct_transition = "Onset" },
    Urgent_Care = { type = "Encounter", encounter_class = "urgentcare", codes = { A.ENC_URGENT },
                    direct_transition = "Onset" },
    Temperature = { type = "Observation", category = "vital-signs", unit = "Cel", codes = { A.TEMPERATURE },
                    range = { low = 37.0, high = 39.0, decimals = 1 },
                    conditional_transition = when { { age("<", 2), "Amoxicillin_Suspension" }, { "Treat_Or_Observe" } } },
    Treat_Or_Observe = { type = "Simple",
                         distributed_transition = pick { { 0.8, "Antibiotic_Choice" }, { 0.2, "End_Visit" } } },

    -- watchful waiting
    End_Visit = { type = "EncounterEnd", direct_transition = "Recovery" },
    Recovery = { type = "Delay", distribution = uniform { days(2), days(7) }, direct_transition = "Resolved" },
    Resolved = { type = "ConditionEnd", condition_onset = "Onset", direct_transition = "Wait" },

    -- amoxicillin
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
                             conditional_transition = when { { age("<", 2), "Course_10" }, { "Course_7" } } },
    Course_10 = { type = "Delay", distribution = exact(days(10)), direct_transition = "Stop_Antibiotic" },
    Course_7 = { type = "Delay", distribution = exact(days(7)), direct_transition = "Stop_Antibiotic" },
    Stop_Antibiotic = { type = "MedicationEnd", codes = { A.AMOX_SUSP_HIGH, A.AMOX_500 }, direct_transition = "Resolved" },
  },
}
