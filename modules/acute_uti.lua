-- Urinary tract infection that reaches a doctor: infants of both sexes, then mostly girls and
-- women (with a recurrence-prone minority), and older men; an office, urgent-care or emergency
-- visit with a temperature and a urine dipstick (culture for children and men), then a short
-- antibiotic course per guideline; recovery within days. Pyelonephritis is not modelled apart.
--
-- Figures and their sources:
-- * Calibration targets (random-digit-dial survey of 2,000 US women; UTI = told by a health
--   professional and treated with a prescription): by age 24 one-third of women have had at
--   least one physician-diagnosed UTI; 60.4% of women report ever having had one; 10.8% of women
--   18+ (17.5% at 18-24) report at least one presumed UTI in the past 12 months, most of them in
--   women with two or more earlier episodes: Foxman B, Barlow R, D'Arcy H, Gillespie B, Sobel JD.
--   Urinary tract infection: self-reported incidence and associated costs. Ann Epidemiol
--   2000;10(8):509-515 (figures as restated in Butler CC et al. Br J Gen Pract 2015;65(639):e702).
-- * 10.5 million ambulatory visits for UTI in the US in 2007, 21.3% of them to emergency
--   departments: Foxman B. Urinary tract infection syndromes: occurrence, recurrence,
--   bacteriology, risk factors, and disease burden. Infect Dis Clin North Am 2014;28(1):1-13.
--   That is about 0.07 visits per woman-year [assumption: about four visits in five are by
--   women], below the survey's self-reports (which include telephone and self-started
--   treatment), so the adult rate is held near the visit figure.
-- * Fitted to these (a Poisson model with a two-point susceptibility, solved by least squares,
--   see the family report): women's episodes per year 0.015 under 2, 0.008 at 2-14, 0.23 at
--   15-24, 0.08 from 25; 15% of girls and women are recurrence-prone with 6 times the average
--   rate, the rest 0.118 times it. The model gives 34% by 24, 58% ever by 70, 13.5% with an
--   episode in a year at 18-24 and 6.5% from 25.
-- * Children: by age 7, 7.8% of girls and 1.6% of boys have had a symptomatic culture-confirmed
--   UTI, boys mostly in infancy: Hellstrom A, Hanson E, Hansson S, Hjalmas K, Jodal U. Association
--   between urinary symptoms at 7 years old and previous urinary tract infection. Arch Dis Child
--   1991;66(2):232-234. Men: 0.012 per year under 1, 0.001 from 1 to 49, 0.004 at 50-69 and
--   0.012 from 70 [assumption: UTI is rare in young men and rises with prostatic enlargement].
-- * Treatment of acute uncomplicated cystitis in women: nitrofurantoin monohydrate/macrocrystals
--   100 mg twice daily for 5 days, or trimethoprim-sulfamethoxazole 160/800 mg twice daily for 3
--   days: Gupta K et al. International clinical practice guidelines for the treatment of acute
--   uncomplicated cystitis and pyelonephritis in women: 2010 update by the IDSA and ESCMID. Clin
--   Infect Dis 2011;52(5):e103-e120. Split 70/30 [assumption]. Men: trimethoprim-sulfamethoxazole
--   for 7 days [assumption, a complicated UTI]. Children under 12: an oral cephalosporin for 7-14
--   days after a urine culture (AAP Subcommittee on Urinary Tract Infection. Pediatrics
--   2011;128(3):595-610); cephalexin suspension for 10 days here.
-- * E. coli is the most common cause of UTI in all settings (Foxman 2014); the culture records it.
--   Nitrite positive in 60% [assumption: the dipstick nitrite test misses many infections].
-- * Visits: office 60%, urgent care 19%, emergency 21% (Foxman 2014 for the emergency share; the
--   office/urgent-care split is an assumption). Temperature 36.5-37.8 C (cystitis is usually
--   afebrile); symptoms 1-3 days before the visit; symptoms settle within about 3-7 days.
-- * One Delay per episode: the wait to the next visit is drawn from the age-dependent rate
--   (exact across age bands, lib/acute.lua wait_years); the diagnosis is recorded at the visit.

local A = lib("acute")

local P = parameters {
  rate_multiplier = param(1.0, "multiplies the rate of UTI visits at every age, both sexes"),
}

local function scaled(bands)
  local out = {}
  for i, b in ipairs(bands) do out[i] = { b[1], b[2] * P.rate_multiplier } end
  return out
end
local RATE_F = scaled { { 2, 0.015 }, { 15, 0.008 }, { 25, 0.23 }, { 120, 0.08 } }
local RATE_M = scaled { { 1, 0.012 }, { 50, 0.001 }, { 70, 0.004 }, { 120, 0.012 } }

local function wait(p)
  if p.sex == "F" then return A.wait_years(p, RATE_F, p:attr("acute_uti_susceptibility") or 1) end
  return A.wait_years(p, RATE_M)
end

return {
  name = "Acute Urinary Tract Infection",
  states = {
    Initial = { type = "Initial", conditional_transition = when { { female, "Susceptibility" }, { "Wait" } } },
    Susceptibility = { type = "SetAttribute", attribute = "acute_uti_susceptibility",
                       value = function(p) return A.susceptibility(p, 0.15, 6) end,
                       direct_transition = "Wait" },
    Wait = { type = "Delay", distribution = wait, unit = "years", direct_transition = "Symptoms" },

    -- the diagnosis is made at the visit, whichever setting it is
    Onset = { type = "ConditionOnset", codes = { A.UTI }, direct_transition = "Temperature" },
    Symptoms = { type = "Delay", distribution = uniform { days(1), days(3) },
                 distributed_transition = pick { { 0.60, "Office" }, { 0.19, "Urgent_Care" }, { 0.21, "Emergency" } } },
    Office = { type = "Encounter", encounter_class = "ambulatory", codes = { A.ENC_SYMPTOM },
               direct_transition = "Onset" },
    Urgent_Care = { type = "Encounter", encounter_class = "urgentcare", codes = { A.ENC_URGENT },
                    direct_transition = "Onset" },
    Emergency = { type = "Encounter", encounter_class = "emergency", codes = { A.ENC_ER },
                  direct_transition = "Onset" },
    Temperature = { type = "Observation", category = "vital-signs", unit = "Cel", codes = { A.TEMPERATURE },
                    range = { low = 36.5, high = 37.8, decimals = 1 }, direct_transition = "Leukocyte_Esterase" },
    Leukocyte_Esterase = { type = "Observation", category = "laboratory", codes = { A.URINE_LEUK },
                           value_code = A.POSITIVE,
                           distributed_transition = pick { { 0.6, "Nitrite_Positive" }, { 0.4, "Nitrite_Negative" } } },
    Nitrite_Positive = { type = "Observation", category = "laboratory", codes = { A.URINE_NITRITE },
                         value_code = A.POSITIVE, direct_transition = "Culture_Check" },
    Nitrite_Negative = { type = "Observation", category = "laboratory", codes = { A.URINE_NITRITE },
                         value_code = A.NEGATIVE, direct_transition = "Culture_Check" },
    Culture_Check = { type = "Simple", conditional_transition = when { { any_of { age("<", 18), male }, "Culture" },
                                                                        { "Antibiotic_Choice" } } },
    Culture = { type = "Observation", category = "laboratory", codes = { A.URINE_CULTURE }, value_code = A.E_COLI,
                direct_transition = "Antibiotic_Choice" },

    Antibiotic_Choice = { type = "Simple", conditional_transition = when { { age("<", 12), "Cephalexin" },
                                                                            { male, "TMP_SMX_Men" },
                                                                            { "Women_Choice" } } },
    Women_Choice = { type = "Simple", distributed_transition = pick { { 0.7, "Nitrofurantoin" }, { 0.3, "TMP_SMX_Women" } } },
    Cephalexin = { type = "MedicationOrder", reason = "Onset", codes = { A.CEPHALEXIN_SUSP },
                   prescription = { dosage = { amount = 1, frequency = 3, period = 1, unit = "days" },
                                    duration = { quantity = 10, unit = "days" } },
                   direct_transition = "End_Visit" },
    Nitrofurantoin = { type = "MedicationOrder", reason = "Onset", codes = { A.NITROFURANTOIN },
                       prescription = { dosage = { amount = 1, frequency = 2, period = 1, unit = "days" },
                                        duration = { quantity = 5, unit = "days" } },
                       direct_transition = "End_Visit" },
    TMP_SMX_Women = { type = "MedicationOrder", reason = "Onset", codes = { A.TMP_SMX_DS },
                      prescription = { dosage = { amount = 1, frequency = 2, period = 1, unit = "days" },
                                       duration = { quantity = 3, unit = "days" } },
                      direct_transition = "End_Visit" },
    TMP_SMX_Men = { type = "MedicationOrder", reason = "Onset", codes = { A.TMP_SMX_DS },
                    prescription = { dosage = { amount = 1, frequency = 2, period = 1, unit = "days" },
                                     duration = { quantity = 7, unit = "days" } },
                    direct_transition = "End_Visit" },
    End_Visit = { type = "EncounterEnd", conditional_transition = when {
      { prior_state("Cephalexin", { since = "Onset" }), "Course_10" },
      { prior_state("Nitrofurantoin", { since = "Onset" }), "Course_5" },
      { prior_state("TMP_SMX_Women", { since = "Onset" }), "Course_3" },
      { "Course_7" } } },
    Course_10 = { type = "Delay", distribution = exact(days(10)), direct_transition = "Stop_Antibiotic" },
    Course_7 = { type = "Delay", distribution = exact(days(7)), direct_transition = "Stop_Antibiotic" },
    Course_5 = { type = "Delay", distribution = exact(days(5)), direct_transition = "Stop_Antibiotic" },
    Course_3 = { type = "Delay", distribution = exact(days(3)), direct_transition = "Stop_Antibiotic" },
    Stop_Antibiotic = { type = "MedicationEnd", codes = { A.CEPHALEXIN_SUSP, A.NITROFURANTOIN, A.TMP_SMX_DS },
                        direct_transition = "Resolved" },
    Resolved = { type = "ConditionEnd", condition_onset = "Onset", direct_transition = "Wait" },
  },
}
