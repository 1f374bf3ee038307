-- Curative treatment of localized or regional colorectal cancer (called by colorectal_cancer.lua):
-- neoadjuvant chemoradiation for regional rectal cancer, surgery (colectomy or anterior resection
-- of the rectum), adjuvant CAPOX or FOLFOX for regional (stage III) disease. Reads crc_seer,
-- crc_site, crc_condition.
--
-- Figures and their sources (NCCN Guidelines Colon Cancer and Rectal Cancer v2.2024 for the
-- choices; the shares are [assumption] unless cited):
-- * Surgery for every localized or regional cancer: colectomy (colon) or anterior resection
--   (rectum), inpatient, stay 3-6 days [assumption near the median length of stay after
--   colectomy].
-- * Regional rectal cancer: long-course chemoradiation first, 5 weekly radiation records
--   (representing 25-28 daily fractions) with capecitabine, surgery 6-10 weeks later [assumption].
-- * Adjuvant chemotherapy for stage III: given to 90% under 75 and 50% from 75 [assumption, the
--   older less often treated]; CAPOX for 3 months (4 cycles every 3 weeks: oxaliplatin day 1,
--   capecitabine days 1-14) in 60%, FOLFOX for 6 months (12 cycles every 2 weeks) in 40%
--   [assumption; 3 months of CAPOX non-inferior for low-risk stage III: Grothey A et al. N Engl J
--   Med 2018;378:1177-1188, IDEA]. Neutrophils before each cycle 0.8-6.0 x10^3/uL [assumption].

local O = lib("oncology")
local sct, rx = codes.snomed, codes.rxnorm

local COLECTOMY = sct(23968004, "Excision of colon (procedure)")
local ANTERIOR_RESECTION = sct(4558008, "Anterior resection of rectum (procedure)")
local OXALIPLATIN = rx(1736776, "10 ML oxaliplatin 5 MG/ML Injection")
local LEUCOVORIN = rx(1803932, "Leucovorin 100 MG Injection")
local FLUOROURACIL = rx(1791701, "10 ML Fluorouracil 50 MG/ML Injection")
local CAPECITABINE = rx(200327, "capecitabine 500 MG Oral Tablet")

local function adjuvant_p(p)
  if p:attr("crc_seer") ~= "regional" then return 0 end
  return O.age(p) < 75 and 0.9 or 0.5
end

return {
  name = "Colorectal Cancer Curative Treatment",
  states = {
    Initial = { type = "Initial", conditional_transition = when {
      { all_of { attribute("crc_site", "==", "rectum"), attribute("crc_seer", "==", "regional") }, "CRT_Delay" },
      { "Surgery_Delay" } } },

    -- neoadjuvant chemoradiation (regional rectal cancer)
    CRT_Delay = { type = "Delay", distribution = uniform { weeks(2), weeks(4) }, direct_transition = "CRT_Visit" },
    CRT_Visit = { type = "Encounter", encounter_class = "outpatient", reason = "crc_condition", codes = { O.ENC_FOLLOWUP },
                  direct_transition = "CRT_Radiation" },
    CRT_Radiation = { type = "Procedure", reason = "crc_condition", codes = { O.TELERADIOTHERAPY },
                      duration = { low = 15, high = 30, unit = "minutes" }, conditional_transition = when {
                        { attribute("crc_crt_weeks", "is nil"), "CRT_Capecitabine" }, { "CRT_Count" } } },
    CRT_Capecitabine = { type = "MedicationOrder", reason = "crc_condition", codes = { CAPECITABINE }, chronic = true,
                         assign_to_attribute = "crc_capecitabine",
                         prescription = { dosage = { amount = 3, frequency = 2, period = 1, unit = "days" } },
                         direct_transition = "CRT_Count" },
    CRT_Count = { type = "Counter", attribute = "crc_crt_weeks", action = "increment", conditional_transition = when {
      { attribute("crc_crt_weeks", ">=", 5), "CRT_Stop_Capecitabine" }, { "CRT_End" } } },
    CRT_Stop_Capecitabine = { type = "MedicationEnd", referenced_by_attribute = "crc_capecitabine", direct_transition = "CRT_Clear" },
    CRT_Clear = { type = "SetAttribute", attribute = "crc_capecitabine", direct_transition = "CRT_End" },
    CRT_End = { type = "EncounterEnd", conditional_transition = when {
      { attribute("crc_crt_weeks", ">=", 5), "CRT_Recovery" }, { "CRT_Week" } } },
    CRT_Week = { type = "Delay", exact = days(7), direct_transition = "CRT_Visit" },
    CRT_Recovery = { type = "Delay", distribution = uniform { weeks(6), weeks(10) }, direct_transition = "Surgery_Visit" },

    -- surgery
    Surgery_Delay = { type = "Delay", distribution = uniform { weeks(2), weeks(6) }, direct_transition = "Surgery_Visit" },
    Surgery_Visit = { type = "Encounter", encounter_class = "inpatient", reason = "crc_condition", codes = { O.ENC_ADMIT },
                      conditional_transition = when { { attribute("crc_site", "==", "rectum"), "Anterior_Resection" }, { "Colectomy" } } },
    Colectomy = { type = "Procedure", reason = "crc_condition", codes = { COLECTOMY },
                  duration = { low = 120, high = 240, unit = "minutes" }, direct_transition = "Stay" },
    Anterior_Resection = { type = "Procedure", reason = "crc_condition", codes = { ANTERIOR_RESECTION },
                           duration = { low = 150, high = 300, unit = "minutes" }, direct_transition = "Stay" },
    Stay = { type = "Delay", distribution = uniform { days(3), days(6) }, direct_transition = "End_Surgery" },
    End_Surgery = { type = "EncounterEnd", distributed_transition = {
      { distribution = adjuvant_p, transition = "Recovery" },
      { distribution = function(p) return 1 - adjuvant_p(p) end, transition = "Terminal" } } },
    Recovery = { type = "Delay", distribution = uniform { weeks(4), weeks(8) },
                 distributed_transition = pick { { 0.6, "CAPOX_Visit" }, { 0.4, "FOLFOX_Visit" } } },

    -- CAPOX x 4, every 3 weeks
    CAPOX_Visit = { type = "Encounter", encounter_class = "outpatient", reason = "crc_condition", codes = { O.ENC_FOLLOWUP },
                    direct_transition = "CAPOX_Neutrophils" },
    CAPOX_Neutrophils = { type = "Observation", category = "laboratory", unit = "10*3/uL", codes = { O.NEUTROPHILS },
                          range = { low = 0.8, high = 6.0, decimals = 1 }, direct_transition = "CAPOX_Chemo" },
    CAPOX_Chemo = { type = "Procedure", reason = "crc_condition", codes = { O.CHEMOTHERAPY },
                    duration = { low = 120, high = 180, unit = "minutes" }, direct_transition = "CAPOX_Oxaliplatin" },
    CAPOX_Oxaliplatin = { type = "MedicationOrder", reason = "crc_condition", administration = true, codes = { OXALIPLATIN },
                          conditional_transition = when { { attribute("crc_capox_cycles", "is nil"), "CAPOX_Capecitabine" }, { "CAPOX_Count" } } },
    CAPOX_Capecitabine = { type = "MedicationOrder", reason = "crc_condition", codes = { CAPECITABINE }, chronic = true,
                           assign_to_attribute = "crc_capecitabine",
                           prescription = { dosage = { amount = 4, frequency = 2, period = 1, unit = "days" } },
                           direct_transition = "CAPOX_Count" },
    CAPOX_Count = { type = "Counter", attribute = "crc_capox_cycles", action = "increment", direct_transition = "CAPOX_End" },
    CAPOX_End = { type = "EncounterEnd", direct_transition = "CAPOX_Interval" },
    CAPOX_Interval = { type = "Delay", exact = days(21), conditional_transition = when {
      { attribute("crc_capox_cycles", ">=", 4), "CAPOX_Stop_Visit" }, { "CAPOX_Visit" } } },
    CAPOX_Stop_Visit = { type = "Encounter", encounter_class = "outpatient", reason = "crc_condition", codes = { O.ENC_FOLLOWUP },
                         direct_transition = "CAPOX_Stop" },
    CAPOX_Stop = { type = "MedicationEnd", referenced_by_attribute = "crc_capecitabine", direct_transition = "CAPOX_Clear" },
    CAPOX_Clear = { type = "SetAttribute", attribute = "crc_capecitabine", direct_transition = "CAPOX_Stop_End" },
    CAPOX_Stop_End = { type = "EncounterEnd", direct_transition = "Terminal" },

    -- FOLFOX x 12, every 2 weeks
    FOLFOX_Visit = { type = "Encounter", encounter_class = "outpatient", reason = "crc_condition", codes = { O.ENC_FOLLOWUP },
                     direct_transition = "FOLFOX_Neutrophils" },
    FOLFOX_Neutrophils = { type = "Observation", category = "laboratory", unit = "10*3/uL", codes = { O.NEUTROPHILS },
                           range = { low = 0.8, high = 6.0, decimals = 1 }, direct_transition = "FOLFOX_Chemo" },
    FOLFOX_Chemo = { type = "Procedure", reason = "crc_condition", codes = { O.CHEMOTHERAPY },
                     duration = { low = 120, high = 240, unit = "minutes" }, direct_transition = "FOLFOX_Oxaliplatin" },
    FOLFOX_Oxaliplatin = { type = "MedicationOrder", reason = "crc_condition", administration = true, codes = { OXALIPLATIN },
                           direct_transition = "FOLFOX_Leucovorin" },
    FOLFOX_Leucovorin = { type = "MedicationOrder", reason = "crc_condition", administration = true, codes = { LEUCOVORIN },
                          direct_transition = "FOLFOX_Fluorouracil" },
    FOLFOX_Fluorouracil = { type = "MedicationOrder", reason = "crc_condition", administration = true, codes = { FLUOROURACIL },
                            direct_transition = "FOLFOX_Count" },
    FOLFOX_Count = { type = "Counter", attribute = "crc_folfox_cycles", action = "increment", direct_transition = "FOLFOX_End" },
    FOLFOX_End = { type = "EncounterEnd", direct_transition = "FOLFOX_Interval" },
    FOLFOX_Interval = { type = "Delay", exact = days(14), conditional_transition = when {
      { attribute("crc_folfox_cycles", ">=", 12), "Terminal" }, { "FOLFOX_Visit" } } },

    Terminal = { type = "Terminal" },
  },
}
