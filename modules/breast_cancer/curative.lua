-- Curative treatment of localized or regional breast cancer (called by breast_cancer.lua):
-- surgery, adjuvant chemotherapy, trastuzumab, radiation and endocrine therapy by stage and
-- receptors. Reads bc_seer, bc_subtype, bc_condition; sets bc_endocrine and bc_trastuzumab (the
-- orders breast_cancer.lua ends at the survivorship visits).
--
-- Figures and their sources (NCCN Guidelines Breast Cancer v4.2023 for the choices; the shares
-- are [assumption] unless cited):
-- * Breast-conserving surgery (lumpectomy) in 65% of localized and 45% of regional cases, otherwise
--   mastectomy [assumption near NCDB early-stage rates]; sentinel lymph node biopsy for all.
-- * Whole-breast radiation after every lumpectomy, post-mastectomy radiation for regional disease.
--   Recorded once a week for 4 weeks (representing 15-30 daily fractions) [assumption].
-- * Adjuvant chemotherapy: all regional; localized triple-negative or HER2+ 85%; localized HR+/HER2-
--   20% (high genomic risk) [assumption]. Regimen dose-dense AC-T: doxorubicin + cyclophosphamide
--   every 2 weeks x 4, then paclitaxel (recorded every 3 weeks x 4) (Citron ML et al. J Clin
--   Oncol 2003;21:1431-1439); trastuzumab with paclitaxel for HER2+, then to complete a year.
-- * Neutrophil count before each cycle 0.8-6.0 x10^3/uL [assumption].
-- * Endocrine therapy for HR+ disease for 5 years: tamoxifen 20 mg a day under 50, anastrozole
--   1 mg a day from 50 (postmenopausal) [assumption: age as a proxy for menopause].

local O = lib("oncology")
local sct, rx = codes.snomed, codes.rxnorm

local LUMPECTOMY = sct(392021009, "Lumpectomy of breast (procedure)")
local MASTECTOMY = sct(172043006, "Simple mastectomy (procedure)")
local SLNB = sct(396487001, "Sentinel lymph node biopsy (procedure)")
local DOXORUBICIN = rx(1790099, "10 ML doxorubicin hydrochloride 2 MG/ML Injection")
local CYCLOPHOSPHAMIDE = rx(1734919, "cyclophosphamide 1000 MG Injection")
local PACLITAXEL = O.PACLITAXEL
local TRASTUZUMAB = rx(1922509, "trastuzumab 150 MG Injection")
local TAMOXIFEN = rx(198240, "tamoxifen 10 MG Oral Tablet")
local ANASTROZOLE = rx(199224, "anastrozole 1 MG Oral Tablet")

local function her2(p) local s = p:attr("bc_subtype"); return s == "HR+/HER2+" or s == "HR-/HER2+" end
local function hr(p) local s = p:attr("bc_subtype"); return s == "HR+/HER2-" or s == "HR+/HER2+" end
local function chemo_p(p)
  if p:attr("bc_seer") == "regional" then return 1 end
  return p:attr("bc_subtype") == "HR+/HER2-" and 0.20 or 0.85
end

return {
  name = "Breast Cancer Curative Treatment",
  states = {
    Initial = { type = "Initial", direct_transition = "Surgery_Delay" },
    Surgery_Delay = { type = "Delay", distribution = uniform { weeks(2), weeks(6) }, complex_transition = {
      { condition = attribute("bc_seer", "==", "regional"), distributions = {
          { distribution = 0.45, transition = "Lumpectomy_Visit" }, { distribution = 0.55, transition = "Mastectomy_Visit" } } },
      { distributions = { { distribution = 0.65, transition = "Lumpectomy_Visit" }, { distribution = 0.35, transition = "Mastectomy_Visit" } } } } },
    Lumpectomy_Visit = { type = "Encounter", encounter_class = "outpatient", reason = "bc_condition", codes = { O.ENC_PROBLEM },
                         direct_transition = "Lumpectomy" },
    Lumpectomy = { type = "Procedure", reason = "bc_condition", codes = { LUMPECTOMY },
                   duration = { low = 45, high = 90, unit = "minutes" }, direct_transition = "SLNB" },
    Mastectomy_Visit = { type = "Encounter", encounter_class = "inpatient", reason = "bc_condition", codes = { O.ENC_ADMIT },
                         direct_transition = "Mastectomy" },
    Mastectomy = { type = "Procedure", reason = "bc_condition", codes = { MASTECTOMY },
                   duration = { low = 90, high = 180, unit = "minutes" }, direct_transition = "SLNB" },
    SLNB = { type = "Procedure", reason = "bc_condition", codes = { SLNB }, duration = { low = 20, high = 40, unit = "minutes" },
             conditional_transition = when { { prior_state("Mastectomy"), "Stay" }, { "End_Surgery" } } },
    Stay = { type = "Delay", distribution = uniform { days(1), days(2) }, direct_transition = "End_Surgery" },
    End_Surgery = { type = "EncounterEnd", distributed_transition = {
      { distribution = chemo_p, transition = "Recovery" },
      { distribution = function(p) return 1 - chemo_p(p) end, transition = "Radiation_Check" } } },
    Recovery = { type = "Delay", distribution = uniform { weeks(3), weeks(6) }, direct_transition = "AC_Visit" },

    -- AC x 4, every 2 weeks
    AC_Visit = { type = "Encounter", encounter_class = "outpatient", reason = "bc_condition", codes = { O.ENC_FOLLOWUP },
                 direct_transition = "AC_Neutrophils" },
    AC_Neutrophils = { type = "Observation", category = "laboratory", unit = "10*3/uL", codes = { O.NEUTROPHILS },
                       range = { low = 0.8, high = 6.0, decimals = 1 }, direct_transition = "AC_Chemo" },
    AC_Chemo = { type = "Procedure", reason = "bc_condition", codes = { O.CHEMOTHERAPY },
                 duration = { low = 60, high = 120, unit = "minutes" }, direct_transition = "Doxorubicin" },
    Doxorubicin = { type = "MedicationOrder", reason = "bc_condition", administration = true, codes = { DOXORUBICIN },
                    direct_transition = "Cyclophosphamide" },
    Cyclophosphamide = { type = "MedicationOrder", reason = "bc_condition", administration = true, codes = { CYCLOPHOSPHAMIDE },
                         direct_transition = "AC_Count" },
    AC_Count = { type = "Counter", attribute = "bc_ac_cycles", action = "increment", direct_transition = "AC_End" },
    AC_End = { type = "EncounterEnd", direct_transition = "AC_Interval" },
    AC_Interval = { type = "Delay", exact = days(14), conditional_transition = when {
      { attribute("bc_ac_cycles", ">=", 4), "T_Visit" }, { "AC_Visit" } } },

    -- paclitaxel (+ trastuzumab) x 4 records, every 3 weeks
    T_Visit = { type = "Encounter", encounter_class = "outpatient", reason = "bc_condition", codes = { O.ENC_FOLLOWUP },
                direct_transition = "T_Neutrophils" },
    T_Neutrophils = { type = "Observation", category = "laboratory", unit = "10*3/uL", codes = { O.NEUTROPHILS },
                      range = { low = 1.0, high = 6.0, decimals = 1 }, direct_transition = "T_Chemo" },
    T_Chemo = { type = "Procedure", reason = "bc_condition", codes = { O.CHEMOTHERAPY },
                duration = { low = 60, high = 180, unit = "minutes" }, direct_transition = "Paclitaxel" },
    Paclitaxel = { type = "MedicationOrder", reason = "bc_condition", administration = true, codes = { PACLITAXEL },
                   conditional_transition = when { { her2, "Trastuzumab" }, { "T_Count" } } },
    Trastuzumab = { type = "MedicationOrder", reason = "bc_condition", administration = true, codes = { TRASTUZUMAB },
                    direct_transition = "T_Count" },
    T_Count = { type = "Counter", attribute = "bc_t_cycles", action = "increment", conditional_transition = when {
      { all_of { attribute("bc_t_cycles", ">=", 4), her2 }, "Trastuzumab_Year" }, { "T_End" } } },
    Trastuzumab_Year = { type = "MedicationOrder", reason = "bc_condition", codes = { TRASTUZUMAB }, chronic = true,
                         assign_to_attribute = "bc_trastuzumab",
                         prescription = { dosage = { amount = 1, frequency = 1, period = 3, unit = "weeks" },
                                          duration = { quantity = 9, unit = "months" } },
                         direct_transition = "T_End" },
    T_End = { type = "EncounterEnd", direct_transition = "T_Interval" },
    T_Interval = { type = "Delay", exact = days(21), conditional_transition = when {
      { attribute("bc_t_cycles", ">=", 4), "Radiation_Check" }, { "T_Visit" } } },

    -- radiation
    Radiation_Check = { type = "Simple", conditional_transition = when {
      { any_of { prior_state("Lumpectomy"), attribute("bc_seer", "==", "regional") }, "Radiation_Visit" },
      { "Endocrine_Check" } } },
    Radiation_Visit = { type = "Encounter", encounter_class = "outpatient", reason = "bc_condition", codes = { O.ENC_FOLLOWUP },
                        direct_transition = "Radiation" },
    Radiation = { type = "Procedure", reason = "bc_condition", codes = { O.TELERADIOTHERAPY },
                  duration = { low = 15, high = 30, unit = "minutes" }, direct_transition = "Radiation_Count" },
    Radiation_Count = { type = "Counter", attribute = "bc_rt_weeks", action = "increment", direct_transition = "Radiation_End" },
    Radiation_End = { type = "EncounterEnd", direct_transition = "Radiation_Week" },
    Radiation_Week = { type = "Delay", exact = days(7), conditional_transition = when {
      { attribute("bc_rt_weeks", ">=", 4), "Endocrine_Check" }, { "Radiation_Visit" } } },

    -- endocrine therapy
    Endocrine_Check = { type = "Simple", conditional_transition = when { { hr, "Endocrine_Visit" }, { "Terminal" } } },
    Endocrine_Visit = { type = "Encounter", encounter_class = "ambulatory", reason = "bc_condition", codes = { O.ENC_FOLLOWUP },
                        conditional_transition = when { { age("<", 50), "Tamoxifen" }, { "Anastrozole" } } },
    Tamoxifen = { type = "MedicationOrder", reason = "bc_condition", codes = { TAMOXIFEN }, chronic = true,
                  assign_to_attribute = "bc_endocrine",
                  prescription = { dosage = { amount = 2, frequency = 1, period = 1, unit = "days" } },
                  direct_transition = "Endocrine_End" },
    Anastrozole = { type = "MedicationOrder", reason = "bc_condition", codes = { ANASTROZOLE }, chronic = true,
                    assign_to_attribute = "bc_endocrine",
                    prescription = { dosage = { amount = 1, frequency = 1, period = 1, unit = "days" } },
                    direct_transition = "Endocrine_End" },
    Endocrine_End = { type = "EncounterEnd", direct_transition = "Terminal" },

    Terminal = { type = "Terminal" },
  },
}
