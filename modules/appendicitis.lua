-- Appendicitis: onset, emergency presentation, appendectomy, recovery or in-hospital death.
--
-- Figures and their sources:
-- * Lifetime risk of appendicitis 8.6% for males and 6.7% for females: Addiss DG, Shaffer N,
--   Fowler BS, Tauxe RV. The epidemiology of appendicitis and appendectomy in the United States.
--   Am J Epidemiol 1990;132(5):910-925 (life-table model on NHDS 1979-1984).
-- * Age at onset among cases, 1-17: 26.3%, 18-44: 42.3%, 45-64: 22.1%, 65 and over: 9.3%:
--   HCUP statistics on appendicitis hospitalizations (NCBI Bookshelf NBK169006, Table 1), the
--   figures Synthea's appendicitis module uses.
-- * Perforation in 30.3% of 683,590 US discharges for appendicitis (NIS and KID, 1988-2008):
--   Papandria D et al. Risk of perforation increases with delay in recognition and surgery for
--   acute appendicitis. J Surg Res 2013;184(2):723-729 (PMC4398569).
-- * Case fatality 0.12% without and 1.18% with perforation (9,652 cases): Peltokallio P, Tykka H.
--   Evolution of the age distribution and mortality of acute appendicitis. Arch Surg
--   1981;116(2):153-156.
-- * Median hospital stay 2.9 days without perforation, 5.1-6.0 days with surgically confirmed
--   perforation (1,438 adults): Kim HY et al., Ann Surg Treat Res 2017 (PMC5566752).
-- * Elevated temperature (37.3 C or more) is one of the signs of the Alvarado score: Alvarado A.
--   A practical score for the early diagnosis of acute appendicitis. Ann Emerg Med
--   1986;15(5):557-564.
-- * Operative time about 55 minutes on average (PMID 17658102, as cited by Synthea); symptoms
--   usually last 12-72 hours before presentation.
-- * Discharge analgesia with acetaminophen, as needed, for about five days.

local sct, loinc, rx = codes.snomed, codes.loinc, codes.rxnorm

local P = parameters {
  risk_multiplier = param(1.0, "multiplies the lifetime risk of appendicitis (both sexes)"),
}

local APPENDICITIS = sct(74400008, "Appendicitis (disorder)")
local RUPTURE = sct(47693006, "Rupture of appendix (disorder)")

local male_risk, female_risk = 0.086 * P.risk_multiplier, 0.067 * P.risk_multiplier

return {
  name = "Appendicitis",
  states = {
    Initial = { type = "Initial", conditional_transition = when { { male, "Male" }, { "Female" } } },

    Male = { type = "Simple",
             distributed_transition = pick { { male_risk, "Age_At_Onset" }, { 1 - male_risk, "Terminal" } } },
    Female = { type = "Simple",
               distributed_transition = pick { { female_risk, "Age_At_Onset" }, { 1 - female_risk, "Terminal" } } },

    -- the age band of the episode, among those who will have one
    Age_At_Onset = { type = "Simple",
                     distributed_transition = pick {
                       { 0.263, "Reach_1" }, { 0.423, "Reach_18" }, { 0.221, "Reach_45" }, { 0.093, "Reach_65" } } },
    Reach_1 = { type = "Guard", allow = age(">=", 1), direct_transition = "Within_1_17" },
    Reach_18 = { type = "Guard", allow = age(">=", 18), direct_transition = "Within_18_44" },
    Reach_45 = { type = "Guard", allow = age(">=", 45), direct_transition = "Within_45_64" },
    Reach_65 = { type = "Guard", allow = age(">=", 65), direct_transition = "Within_65_99" },
    Within_1_17 = { type = "Delay", distribution = uniform { years(0), years(17) }, direct_transition = "Symptoms" },
    Within_18_44 = { type = "Delay", distribution = uniform { years(0), years(27) }, direct_transition = "Symptoms" },
    Within_45_64 = { type = "Delay", distribution = uniform { years(0), years(20) }, direct_transition = "Symptoms" },
    Within_65_99 = { type = "Delay", distribution = uniform { years(0), years(35) }, direct_transition = "Symptoms" },

    Symptoms = { type = "Delay", distribution = uniform { hours(12), hours(72) }, direct_transition = "Onset" },

    Onset = { type = "ConditionOnset", target_encounter = "Emergency_Visit", codes = { APPENDICITIS },
              distributed_transition = pick { { 0.303, "Perforation" }, { 0.697, "Emergency_Visit" } } },
    Perforation = { type = "ConditionOnset", target_encounter = "Emergency_Visit", codes = { RUPTURE },
                    direct_transition = "Emergency_Visit" },

    Emergency_Visit = { type = "Encounter", encounter_class = "emergency", reason = "Onset",
                        codes = { sct(50849002, "Emergency room admission (procedure)") },
                        direct_transition = "Temperature" },
    Temperature = { type = "Observation", category = "vital-signs", unit = "Cel",
                    codes = { loinc("8310-5", "Body temperature") },
                    range = { low = 37.3, high = 38.6, decimals = 1 },
                    direct_transition = "Transfer" },
    Transfer = { type = "EncounterEnd", direct_transition = "Admission" },

    Admission = { type = "Encounter", encounter_class = "inpatient", reason = "Onset",
                  codes = { sct(32485007, "Hospital admission (procedure)") },
                  direct_transition = "Appendectomy" },
    Appendectomy = { type = "Procedure", reason = "Onset",
                     codes = { sct(80146002, "Excision of appendix (procedure)") },
                     duration = { low = 40, high = 70, unit = "minutes" },
                     direct_transition = "Record_Appendectomy" },
    Record_Appendectomy = { type = "SetAttribute", attribute = "appendectomy", value = true,
                            conditional_transition = when { { prior_state("Perforation"), "Outcome_Perforated" },
                                                            { "Outcome" } } },

    Outcome = { type = "Simple",
                distributed_transition = pick { { 0.0012, "Death" }, { 0.9988, "Recovery" } } },
    Outcome_Perforated = { type = "Simple",
                           distributed_transition = pick { { 0.0118, "Death" }, { 0.9882, "Recovery_Perforated" } } },
    Death = { type = "Death", condition_onset = "Onset", direct_transition = "Terminal" },

    Recovery = { type = "Delay", distribution = triangular { min = days(1), mode = days(2.9), max = days(5) },
                 direct_transition = "Resolved" },
    Recovery_Perforated = { type = "Delay", distribution = triangular { min = days(3), mode = days(5.5), max = days(10) },
                            direct_transition = "Resolved" },

    Resolved = { type = "ConditionEnd", condition_onset = "Onset",
                 conditional_transition = when { { prior_state("Perforation"), "Resolved_Perforation" },
                                                 { "History" } } },
    Resolved_Perforation = { type = "ConditionEnd", condition_onset = "Perforation", direct_transition = "History" },
    History = { type = "ConditionOnset", codes = { sct(428251008, "History of appendectomy (situation)") },
                direct_transition = "Pain_Relief" },
    Pain_Relief = { type = "MedicationOrder", reason = "Onset",
                    codes = { rx(313782, "acetaminophen 325 MG Oral Tablet") },
                    prescription = { as_needed = true,
                                     dosage = { amount = 2, frequency = 1, period = 6, unit = "hours" },
                                     duration = { quantity = 5, unit = "days" } },
                    direct_transition = "Discharge" },
    Discharge = { type = "EncounterEnd",
                  discharge_disposition = codes.nubc("01", "Discharged to home care or self care (routine discharge)"),
                  direct_transition = "Convalescence" },
    Convalescence = { type = "Delay", distribution = exact(days(5)), direct_transition = "Stop_Pain_Relief" },
    Stop_Pain_Relief = { type = "MedicationEnd", medication_order = "Pain_Relief", direct_transition = "Terminal" },

    Terminal = { type = "Terminal" },
  },
}
