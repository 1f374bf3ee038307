-- Metastatic lung cancer (called by lung_cancer.lua at a de novo stage IV diagnosis or at a distant
-- recurrence): lines of systemic therapy by histology and biomarker, each with response
-- assessments (RECIST), tumor size, CEA and ECOG; progression to the next line or to palliative
-- care; best supportive care only for part of the patients; hospice; death certified to the lung
-- cancer (lung_condition).
--
-- Figures and their sources (medians of progression-free survival, months; time on a line is
-- exponential with that median):
-- * EGFR-mutant: 1st osimertinib 18.9 (Soria JC et al. N Engl J Med 2018;378:113-125, FLAURA);
--   2nd carboplatin + pemetrexed 4.2 (Passaro A et al. Ann Oncol 2024;35:77-90, MARIPOSA-2
--   chemotherapy arm); 3rd docetaxel 3.0 (Garon EB et al. Lancet 2014;384:665-673, REVEL
--   docetaxel arm).
-- * ALK-rearranged: 1st alectinib 34.8 (Mok T et al. Ann Oncol 2020;31:1056-1064, ALEX);
--   2nd carboplatin + pemetrexed 4.2 [assumption, as above]; 3rd docetaxel 3.0.
-- * PD-L1 >= 50%, no driver: 1st pembrolizumab 10.3 (Reck M et al. N Engl J Med 2016;375:
--   1823-1833, KEYNOTE-024); 2nd platinum doublet 4.9 (carboplatin + pemetrexed, or + paclitaxel
--   if squamous; KEYNOTE-189 placebo-combination arm: Gandhi L et al. N Engl J Med 2018;378:
--   2078-2092); 3rd docetaxel 3.0.
-- * Other non-squamous: 1st carboplatin + pemetrexed + pembrolizumab 8.8 (KEYNOTE-189); 2nd
--   docetaxel 3.0. Other squamous: 1st carboplatin + paclitaxel + pembrolizumab 6.4 (Paz-Ares L
--   et al. N Engl J Med 2018;379:2040-2051, KEYNOTE-407); 2nd docetaxel 3.0.
-- * Small cell (extensive or recurrent): 1st carboplatin + etoposide 4.3 (Horn L et al. N Engl J
--   Med 2018;379:2220-2229, IMpower133 control arm; atezolizumab not modelled); 2nd carboplatin +
--   etoposide rechallenge 4.7 (Baize N et al. Lancet Oncol 2020;21:1224-1233).
--   After the listed lines the last two alternate (docetaxel stands for later lines).
-- * Best response by line (CR/PR/SD/PD): 1st 3/40/35/22%, later 1/15/40/44% [assumption; objective
--   response about 40-50% first line, 10-25% later]; PD as best response ends the line at the first
--   assessment (6-10 weeks). Assessments every 3 months (every 2 months is usual; 3 keeps the
--   record smaller) [assumption].
-- * Best supportive care only [assumption near NCDB, ~25-30% of stage IV NSCLC receive no
--   systemic therapy]: 15% at ECOG 1, 35% at ECOG 2, 60% at ECOG 3; overall survival then
--   exponential with median 2.5 months.
-- * Overall survival of treated patients, drawn once from the start of metastatic care (Weibull
--   shape, median months), about 0.8 of the trial medians for real-world patients [fitted with
--   calibration/lung_met.py, then on the keep-cohort, to SEER 5-year relative survival of distant lung
--   cancer, 9.2%]: EGFR (1.0, 32; FLAURA median OS 38.6: Ramalingam SS et al. N Engl J Med
--   2020;382:41-50), ALK (0.9, 62; ALEX 5-year OS 62.5%), PD-L1 >= 50% (0.8, 20.5; KEYNOTE-024
--   median OS 26.3: Reck M et al. J Clin Oncol 2021;39:2339-2349), other non-squamous (0.9, 16;
--   KEYNOTE-189 22.0), other squamous (0.9, 11.5; KEYNOTE-407 17.1), small cell (1.3, 10;
--   IMpower133 12.3 / 10.3).
--   Lines follow one another until 1-3 months before that time, up to 4 lines [assumption:
--   real-world series of advanced NSCLC see about half of the patients reach a second line, a
--   quarter a third and one in ten a fourth]; a long survivor's lines last longer, each at least
--   an even share of the time left, the fourth until palliative care (O.plan_line in
--   lib/oncology.lua). Then palliative care for 1-2
--   months and hospice for 1-5 weeks (median hospice length of stay 18 days: NHPCO Facts and
--   Figures 2022) until death.
-- * CEA 5-60 ng/mL at a line's start, 20-300 at progression (non-small cell) [assumption]; ECOG
--   +1 at each progression, up to 3; 3-4 in hospice [assumption].

local O = lib("oncology")

local DRUG = {
  osimertinib = O.OSIMERTINIB, alectinib = O.ALECTINIB, carboplatin = O.CARBOPLATIN, cisplatin = O.CISPLATIN,
  pemetrexed = O.PEMETREXED, paclitaxel = O.PACLITAXEL, docetaxel = O.DOCETAXEL, etoposide = O.ETOPOSIDE,
  pembrolizumab = O.PEMBROLIZUMAB,
}
local ORAL = { osimertinib = true, alectinib = true }

local LINES = {
  EGFR = { { { "osimertinib" }, 18.9 }, { { "carboplatin", "pemetrexed" }, 4.2 }, { { "docetaxel" }, 3.0 } },
  ALK = { { { "alectinib" }, 34.8 }, { { "carboplatin", "pemetrexed" }, 4.2 }, { { "docetaxel" }, 3.0 } },
  PDL1 = { { { "pembrolizumab" }, 10.3 }, { { "carboplatin", "pemetrexed" }, 4.9 }, { { "docetaxel" }, 3.0 } },
  PDL1_SQ = { { { "pembrolizumab" }, 10.3 }, { { "carboplatin", "paclitaxel" }, 4.9 }, { { "docetaxel" }, 3.0 } },
  NSQ = { { { "carboplatin", "pemetrexed", "pembrolizumab" }, 8.8 }, { { "docetaxel" }, 3.0 } },
  SQ = { { { "carboplatin", "paclitaxel", "pembrolizumab" }, 6.4 }, { { "docetaxel" }, 3.0 } },
  SCLC = { { { "carboplatin", "etoposide" }, 4.3 }, { { "carboplatin", "etoposide" }, 4.7 } },
}
local OS = { EGFR = { 1.0, 32 }, ALK = { 0.9, 62 }, PDL1 = { 0.8, 20.5 }, PDL1_SQ = { 0.8, 20.5 }, NSQ = { 0.9, 16 },
             SQ = { 0.9, 11.5 }, SCLC = { 1.3, 10 } }
local BSC = { [1] = 0.15, [2] = 0.35, [3] = 0.60 }

local function group(p)
  local h, d, pd = p:attr("lung_histology"), p:attr("lung_driver"), p:attr("lung_pdl1")
  if h == "sclc" then return "SCLC" end
  if d == "EGFR" then return "EGFR" elseif d == "ALK" then return "ALK" end
  if pd == "high" then return h == "squamous" and "PDL1_SQ" or "PDL1" end
  return h == "squamous" and "SQ" or "NSQ"
end

local function bsc_p(p) return BSC[math.min(3, math.max(1, p:attr("lung_ecog") or 1))] end

-- the instant palliative care starts: overall survival drawn once, less the palliative and hospice
-- time that follows
local function palliative_at(p)
  local k, median
  if p:attr("lung_bsc") then k, median = 1.0, 2.5 else k, median = OS[group(p)][1], OS[group(p)][2] end
  local scale = median / 12 / math.log(2) ^ (1 / k)
  local os_years = scale * (-math.log(1 - p:random())) ^ (1 / k)
  local before = (1 + 2 * p:random()) / 12
  return p.time + math.max(0.5 / 12, os_years - before) * O.YEAR_MS
end

local function line(p) return p:attr("lung_line") or 0 end
local function regimen(p)
  local L, l = LINES[group(p)], line(p)
  if l > #L then l = #L - 1 + (l - #L + 1) % 2 end
  return L[l]
end
local function has_drug(name)
  return function(p) for _, d in ipairs(regimen(p)[1]) do if d == name then return true end end; return false end
end
local function infusion(p)
  for _, d in ipairs(regimen(p)[1]) do if not ORAL[d] then return true end end
  return false
end

local BEST = { { { 0.03, "CR" }, { 0.40, "PR" }, { 0.35, "SD" }, { 0.22, "PD" } },
               { { 0.01, "CR" }, { 0.15, "PR" }, { 0.40, "SD" }, { 0.44, "PD" } } }

local MAX_LINES = 4
local function plan_line(p)
  local at, best = O.plan_line(p, line(p), BEST, regimen(p)[2], MAX_LINES, p:attr("lung_palliative_at"))
  p:set("lung_best_response", best)
  return at
end

local S = {
  Initial = { type = "Initial", direct_transition = "Stop_Adjuvant_Check" },
  Stop_Adjuvant_Check = { type = "Simple", conditional_transition = when {
    { attribute("lung_adjuvant_tki", "is not nil"), "Stop_Adjuvant" }, { "Care_Choice" } } },
  Stop_Adjuvant = { type = "MedicationEnd", referenced_by_attribute = "lung_adjuvant_tki", direct_transition = "Clear_Adjuvant" },
  Clear_Adjuvant = { type = "SetAttribute", attribute = "lung_adjuvant_tki", direct_transition = "Care_Choice" },
  Care_Choice = { type = "Simple", distributed_transition = {
    { distribution = bsc_p, transition = "Supportive_Only" },
    { distribution = function(p) return 1 - bsc_p(p) end, transition = "Survival" } } },
  Supportive_Only = { type = "SetAttribute", attribute = "lung_bsc", value = true, direct_transition = "BSC_Survival" },
  BSC_Survival = { type = "SetAttribute", attribute = "lung_palliative_at", value = palliative_at, direct_transition = "Palliative_Visit" },
  Survival = { type = "SetAttribute", attribute = "lung_palliative_at", value = palliative_at, direct_transition = "Next_Line" },

  Next_Line = { type = "Counter", attribute = "lung_line", action = "increment", direct_transition = "Plan_Line" },
  Plan_Line = { type = "SetAttribute", attribute = "lung_progression_at", value = plan_line, direct_transition = "Line_Visit" },
  Line_Visit = { type = "Encounter", encounter_class = "outpatient", reason = "lung_condition", codes = { O.ENC_FOLLOWUP },
                 conditional_transition = when { { attribute("lung_histology", "==", "sclc"), "Line_ECOG" }, { "Line_CEA" } } },
  Line_CEA = { type = "Observation", category = "laboratory", unit = "ng/mL", codes = { O.CEA },
               range = { low = 5, high = 60, decimals = 1 }, direct_transition = "Line_ECOG" },
  Line_ECOG = { type = "Observation", category = "survey", unit = "{score}", codes = { O.ECOG }, attribute = "lung_ecog",
                direct_transition = "Line_Size" },
  Line_Size = { type = "Observation", category = "laboratory", unit = "mm", codes = { O.TUMOR_SIZE },
                range = { low = 15, high = 90, decimals = 0 }, direct_transition = "Line_Chemo_Check" },
  Line_Chemo_Check = { type = "Simple", conditional_transition = when { { infusion, "Line_Neutrophils" }, { "Give_Drugs" } } },
  Line_Neutrophils = { type = "Observation", category = "laboratory", unit = "10*3/uL", codes = { O.NEUTROPHILS },
                       range = { low = 1.0, high = 6.0, decimals = 1 }, direct_transition = "Line_Chemo" },
  Line_Chemo = { type = "Procedure", reason = "lung_condition", codes = { O.CHEMOTHERAPY },
                 duration = { low = 60, high = 180, unit = "minutes" }, direct_transition = "Give_Drugs" },
  Give_Drugs = { type = "Simple", direct_transition = "Drug_osimertinib_Check" },
  Line_End = { type = "EncounterEnd", direct_transition = "On_Line" },

  -- assessments every 3 months until progression
  On_Line = { type = "Delay", distribution = function(p) return math.min(0.25, O.years_until(p, p:attr("lung_progression_at"))) end,
              unit = "years", direct_transition = "Assessment" },
  Assessment = { type = "Encounter", encounter_class = "outpatient", reason = "lung_condition", codes = { O.ENC_FOLLOWUP },
                 conditional_transition = when { { function(p) return O.due(p, p:attr("lung_progression_at")) end, "Progression" }, { "Response_Kind" } } },
  Response_Kind = { type = "Simple", conditional_transition = when {
    { attribute("lung_best_response", "==", "CR"), "Response_CR" }, { attribute("lung_best_response", "==", "PR"), "Response_PR" },
    { "Response_SD" } } },
  Response_CR = { type = "Observation", category = "survey", codes = { O.RESPONSE }, value_code = O.RECIST.CR,
                  direct_transition = "Assessment_Drugs" },
  Response_PR = { type = "Observation", category = "survey", codes = { O.RESPONSE }, value_code = O.RECIST.PR,
                  direct_transition = "Assessment_Drugs" },
  Response_SD = { type = "Observation", category = "survey", codes = { O.RESPONSE }, value_code = O.RECIST.SD,
                  direct_transition = "Assessment_Drugs" },
  Assessment_Drugs = { type = "Simple", conditional_transition = when { { infusion, "Line_Neutrophils" }, { "Line_End" } } },

  Progression = { type = "Observation", category = "survey", codes = { O.RESPONSE }, value_code = O.RECIST.PD,
                  conditional_transition = when { { attribute("lung_histology", "==", "sclc"), "Progression_Size" }, { "Progression_CEA" } } },
  Progression_CEA = { type = "Observation", category = "laboratory", unit = "ng/mL", codes = { O.CEA },
                      range = { low = 20, high = 300, decimals = 1 }, direct_transition = "Progression_Size" },
  Progression_Size = { type = "Observation", category = "laboratory", unit = "mm", codes = { O.TUMOR_SIZE },
                       range = { low = 30, high = 120, decimals = 0 }, direct_transition = "Worse_ECOG" },
  Worse_ECOG = { type = "SetAttribute", attribute = "lung_ecog",
                 value = function(p) return math.min(3, (p:attr("lung_ecog") or 1) + 1) end, direct_transition = "Stop_Oral_Check" },
  Progression_End = { type = "EncounterEnd", conditional_transition = when {
    { function(p) return O.due(p, p:attr("lung_palliative_at")) end, "Palliative_Visit" }, { "Next_Line" } } },

}

-- each drug of the line: oral drugs as a chronic order once per line (ended at progression),
-- infusions given at the line's first visit and at every assessment
local order = { "osimertinib", "alectinib", "carboplatin", "cisplatin", "pemetrexed", "paclitaxel", "etoposide", "docetaxel",
                "pembrolizumab" }
for i, name in ipairs(order) do
  local nxt = order[i + 1] and ("Drug_" .. order[i + 1] .. "_Check") or "Line_End"
  S["Drug_" .. name .. "_Check"] = { type = "Simple", conditional_transition = when {
    { all_of { has_drug(name), negate(prior_state("Drug_" .. name, { since = ORAL[name] and "Next_Line" or "Line_Chemo" })) },
      "Drug_" .. name },
    { nxt } } }
  S["Drug_" .. name] = { type = "MedicationOrder", reason = "lung_condition", codes = { DRUG[name] },
                         administration = not ORAL[name] or nil, chronic = ORAL[name] or nil,
                         assign_to_attribute = ORAL[name] and "lung_line_drug" or nil,
                         prescription = ORAL[name] and { dosage = { amount = 1, frequency = 1, period = 1, unit = "days" } } or nil,
                         direct_transition = nxt }
end

O.stop_oral(S, "lung_line_drug", "Progression_End")
O.end_of_life(S, "lung_condition", {
  -- until the time drawn for palliative care has passed, then 1-2 months
  supportive = function(p) return O.years_until(p, p:attr("lung_palliative_at")) + (1 + p:random()) / 12 end,
  supportive_unit = "years", hospice_weeks = { 1, 5 } })

return { name = "Lung Cancer Metastatic Care", states = S }
