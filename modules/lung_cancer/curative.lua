-- Curative treatment of localized or regional lung cancer (called by lung_cancer.lua): lobectomy
-- (+ adjuvant platinum doublet, + adjuvant osimertinib for EGFR-mutant NSCLC), stereotactic body
-- radiotherapy, concurrent chemoradiation for unresected stage III NSCLC, and chemoradiation with
-- cisplatin-etoposide for limited-stage small cell. Reads lung_seer, lung_stage_group,
-- lung_histology, lung_driver, lung_condition; sets lung_adjuvant_tki (the order lung_cancer.lua
-- ends at the third survivorship visit).
--
-- Figures and their sources (NCCN Guidelines NSCLC v3.2023 and SCLC v2.2023 for the choices; the
-- shares are [assumption] unless cited):
-- * NSCLC localized: lobectomy in 80% under 75 and 50% from 75, otherwise SBRT (3 fractions over a
--   week) [assumption near NCDB practice, e.g. surgery ~ 65-70% of stage I overall]. Regional:
--   stage II resected in 75%, stage III in 25% (resectable IIIA) [assumption]; the others get
--   concurrent chemoradiation: weekly carboplatin + paclitaxel with radiation, 6 weeks
--   (60 Gy in 30 fractions, recorded once a week) (e.g. Bradley JD et al. Lancet Oncol
--   2015;16:187-199, RTOG 0617 schedule).
-- * Adjuvant chemotherapy after resection of stage II-III NSCLC in 65% [assumption, NCDB ~ 55-70%]:
--   4 cycles every 3 weeks, cisplatin + pemetrexed (non-squamous) or carboplatin + paclitaxel
--   (squamous) (Kreuter M et al. Ann Oncol 2013;24:986-992, TREAT; NCCN). EGFR-mutant resected
--   NSCLC: osimertinib 80 mg a day for 3 years (Wu YL et al. N Engl J Med 2020;383:1711-1723,
--   ADAURA).
-- * SCLC: localized disease resected in 20% (T1-2N0) then 4 cycles of cisplatin + etoposide;
--   otherwise (limited stage) cisplatin + etoposide every 3 weeks for 4 cycles with thoracic
--   radiation in weeks 1-6 (Turrisi AT et al. N Engl J Med 1999;340:265-271) [shares assumption].
-- * Lobectomy: inpatient, 3-6 days (median length of stay about 4 days after VATS lobectomy)
--   [approximate]. Neutrophil count before each chemotherapy 1.0-6.0 x10^3/uL [assumption].

local O = lib("oncology")
local sct = codes.snomed

local LOBECTOMY = sct(173171007, "Lobectomy of lung (procedure)")

local function nonsquamous(p) local h = p:attr("lung_histology"); return h == "adeno" or h == "other" end
local function sclc(p) return p:attr("lung_histology") == "sclc" end

local function plan(p)
  local s, g, a = p:attr("lung_seer"), p:attr("lung_stage_group"), O.age(p)
  if sclc(p) then
    if s == "localized" and p:random() < 0.20 then return "surgery" end
    return "sclc_crt"
  end
  if s == "localized" then
    return p:random() < (a < 75 and 0.80 or 0.50) and "surgery" or "sbrt"
  end
  return p:random() < (g == 2 and 0.75 or 0.25) and "surgery" or "crt"
end
local function adjuvant_p(p)
  if sclc(p) then return 1 end
  return (p:attr("lung_stage_group") or 1) >= 2 and 0.65 or 0
end
-- chemoradiation: weeks of the course, radiation weeks, chemotherapy weeks
local function crt_weeks(p) return sclc(p) and 10 or 6 end
local function rt_week(p) return (p:attr("lung_crt_week") or 0) <= 6 end
local function chemo_week(p)
  local w = p:attr("lung_crt_week") or 0
  if sclc(p) then return w == 1 or w == 4 or w == 7 or w == 10 end
  return true
end

return {
  name = "Lung Cancer Curative Treatment",
  states = {
    Initial = { type = "Initial", direct_transition = "Plan" },
    Plan = { type = "SetAttribute", attribute = "lung_plan", value = plan, direct_transition = "Treatment_Delay" },
    Treatment_Delay = { type = "Delay", distribution = uniform { weeks(3), weeks(6) }, conditional_transition = when {
      { attribute("lung_plan", "==", "surgery"), "Surgery_Visit" }, { attribute("lung_plan", "==", "sbrt"), "SBRT_Visit" },
      { "CRT_Visit" } } },

    -- lobectomy ------------------------------------------------------------------------------------
    Surgery_Visit = { type = "Encounter", encounter_class = "inpatient", reason = "lung_condition", codes = { O.ENC_ADMIT },
                      direct_transition = "Lobectomy" },
    Lobectomy = { type = "Procedure", reason = "lung_condition", codes = { LOBECTOMY },
                  duration = { low = 120, high = 240, unit = "minutes" }, direct_transition = "Stay" },
    Stay = { type = "Delay", distribution = uniform { days(3), days(6) }, direct_transition = "End_Surgery" },
    End_Surgery = { type = "EncounterEnd", distributed_transition = {
      { distribution = adjuvant_p, transition = "Recovery" },
      { distribution = function(p) return 1 - adjuvant_p(p) end, transition = "TKI_Check" } } },
    Recovery = { type = "Delay", distribution = uniform { weeks(4), weeks(8) }, direct_transition = "Adj_Visit" },
    Adj_Visit = { type = "Encounter", encounter_class = "outpatient", reason = "lung_condition", codes = { O.ENC_FOLLOWUP },
                  direct_transition = "Adj_Neutrophils" },
    Adj_Neutrophils = { type = "Observation", category = "laboratory", unit = "10*3/uL", codes = { O.NEUTROPHILS },
                        range = { low = 1.0, high = 6.0, decimals = 1 }, direct_transition = "Adj_Chemo" },
    Adj_Chemo = { type = "Procedure", reason = "lung_condition", codes = { O.CHEMOTHERAPY },
                  duration = { low = 60, high = 180, unit = "minutes" }, conditional_transition = when {
                    { sclc, "Adj_Cisplatin_E" }, { nonsquamous, "Adj_Cisplatin_P" }, { "Adj_Carboplatin" } } },
    Adj_Cisplatin_E = { type = "MedicationOrder", reason = "lung_condition", administration = true, codes = { O.CISPLATIN },
                        direct_transition = "Adj_Etoposide" },
    Adj_Etoposide = { type = "MedicationOrder", reason = "lung_condition", administration = true, codes = { O.ETOPOSIDE },
                      direct_transition = "Adj_Count" },
    Adj_Cisplatin_P = { type = "MedicationOrder", reason = "lung_condition", administration = true, codes = { O.CISPLATIN },
                        direct_transition = "Adj_Pemetrexed" },
    Adj_Pemetrexed = { type = "MedicationOrder", reason = "lung_condition", administration = true, codes = { O.PEMETREXED },
                       direct_transition = "Adj_Count" },
    Adj_Carboplatin = { type = "MedicationOrder", reason = "lung_condition", administration = true, codes = { O.CARBOPLATIN },
                        direct_transition = "Adj_Paclitaxel" },
    Adj_Paclitaxel = { type = "MedicationOrder", reason = "lung_condition", administration = true, codes = { O.PACLITAXEL },
                       direct_transition = "Adj_Count" },
    Adj_Count = { type = "Counter", attribute = "lung_adj_cycles", action = "increment", direct_transition = "Adj_End" },
    Adj_End = { type = "EncounterEnd", direct_transition = "Adj_Interval" },
    Adj_Interval = { type = "Delay", exact = days(21), conditional_transition = when {
      { attribute("lung_adj_cycles", ">=", 4), "TKI_Check" }, { "Adj_Visit" } } },

    -- adjuvant osimertinib for EGFR-mutant NSCLC
    TKI_Check = { type = "Simple", conditional_transition = when { { attribute("lung_driver", "==", "EGFR"), "TKI_Visit" }, { "Terminal" } } },
    TKI_Visit = { type = "Encounter", encounter_class = "ambulatory", reason = "lung_condition", codes = { O.ENC_FOLLOWUP },
                  direct_transition = "Osimertinib" },
    Osimertinib = { type = "MedicationOrder", reason = "lung_condition", codes = { O.OSIMERTINIB }, chronic = true,
                    assign_to_attribute = "lung_adjuvant_tki",
                    prescription = { dosage = { amount = 1, frequency = 1, period = 1, unit = "days" } },
                    direct_transition = "TKI_End" },
    TKI_End = { type = "EncounterEnd", direct_transition = "Terminal" },

    -- stereotactic body radiotherapy: 3 fractions over a week ----------------------------------------
    SBRT_Visit = { type = "Encounter", encounter_class = "outpatient", reason = "lung_condition", codes = { O.ENC_FOLLOWUP },
                   direct_transition = "SBRT" },
    SBRT = { type = "Procedure", reason = "lung_condition", codes = { O.TELERADIOTHERAPY },
             duration = { low = 30, high = 60, unit = "minutes" }, direct_transition = "SBRT_Count" },
    SBRT_Count = { type = "Counter", attribute = "lung_sbrt_fractions", action = "increment", direct_transition = "SBRT_End" },
    SBRT_End = { type = "EncounterEnd", direct_transition = "SBRT_Interval" },
    SBRT_Interval = { type = "Delay", exact = days(2), conditional_transition = when {
      { attribute("lung_sbrt_fractions", ">=", 3), "Terminal" }, { "SBRT_Visit" } } },

    -- chemoradiation: a visit a week; radiation in weeks 1-6; chemotherapy every week (NSCLC:
    -- carboplatin + paclitaxel) or every third week (SCLC: cisplatin + etoposide, 4 cycles) ----------
    CRT_Visit = { type = "Encounter", encounter_class = "outpatient", reason = "lung_condition", codes = { O.ENC_FOLLOWUP },
                  direct_transition = "CRT_Week" },
    CRT_Week = { type = "Counter", attribute = "lung_crt_week", action = "increment", conditional_transition = when {
      { rt_week, "CRT_Radiation" }, { "CRT_Chemo_Check" } } },
    CRT_Radiation = { type = "Procedure", reason = "lung_condition", codes = { O.TELERADIOTHERAPY },
                      duration = { low = 15, high = 30, unit = "minutes" }, direct_transition = "CRT_Chemo_Check" },
    CRT_Chemo_Check = { type = "Simple", conditional_transition = when { { chemo_week, "CRT_Neutrophils" }, { "CRT_End" } } },
    CRT_Neutrophils = { type = "Observation", category = "laboratory", unit = "10*3/uL", codes = { O.NEUTROPHILS },
                        range = { low = 1.0, high = 6.0, decimals = 1 }, direct_transition = "CRT_Chemo" },
    CRT_Chemo = { type = "Procedure", reason = "lung_condition", codes = { O.CHEMOTHERAPY },
                  duration = { low = 60, high = 180, unit = "minutes" }, conditional_transition = when {
                    { sclc, "CRT_Cisplatin" }, { "CRT_Carboplatin" } } },
    CRT_Cisplatin = { type = "MedicationOrder", reason = "lung_condition", administration = true, codes = { O.CISPLATIN },
                      direct_transition = "CRT_Etoposide" },
    CRT_Etoposide = { type = "MedicationOrder", reason = "lung_condition", administration = true, codes = { O.ETOPOSIDE },
                      direct_transition = "CRT_End" },
    CRT_Carboplatin = { type = "MedicationOrder", reason = "lung_condition", administration = true, codes = { O.CARBOPLATIN },
                        direct_transition = "CRT_Paclitaxel" },
    CRT_Paclitaxel = { type = "MedicationOrder", reason = "lung_condition", administration = true, codes = { O.PACLITAXEL },
                       direct_transition = "CRT_End" },
    CRT_End = { type = "EncounterEnd", direct_transition = "CRT_Interval" },
    CRT_Interval = { type = "Delay", exact = days(7), conditional_transition = when {
      { function(p) return (p:attr("lung_crt_week") or 0) >= crt_weeks(p) end, "Terminal" }, { "CRT_Visit" } } },

    Terminal = { type = "Terminal" },
  },
}
