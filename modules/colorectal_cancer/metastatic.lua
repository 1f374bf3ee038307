-- Metastatic colorectal cancer (called by colorectal_cancer.lua at a de novo stage IV diagnosis or
-- at a distant recurrence): up to three lines of systemic therapy by MSI and KRAS status, each with
-- response assessments (RECIST), tumor size, CEA and ECOG; progression to the next line or to
-- palliative care; hospice; death certified to the colorectal cancer (crc_condition).
--
-- Figures and their sources (medians of progression-free survival, months; time on a line is
-- exponential with that median):
-- * MSI-high: 1st pembrolizumab 16.5 (Andre T et al. N Engl J Med 2020;383:2207-2218,
--   KEYNOTE-177); 2nd FOLFOX + bevacizumab 7.3 (Giantonio BJ et al. J Clin Oncol 2007;25:1539-1544,
--   E3200); 3rd FOLFIRI + bevacizumab 5.7 (Bennouna J et al. Lancet Oncol 2013;14:29-37, ML18147).
-- * KRAS wild-type, MSS: 1st FOLFIRI + cetuximab 9.9 (Van Cutsem E et al. N Engl J Med
--   2009;360:1408-1417, CRYSTAL, KRAS wild-type); 2nd FOLFOX + bevacizumab 7.3 (E3200); 3rd
--   capecitabine + bevacizumab 3 [assumption].
-- * KRAS mutant, MSS: 1st FOLFOX + bevacizumab 9.4 (Saltz LB et al. J Clin Oncol 2008;26:2013-2019,
--   NO16966); 2nd FOLFIRI + bevacizumab 5.7 (ML18147); 3rd capecitabine + bevacizumab 3
--   [assumption]. (Extended RAS and BRAF testing, trifluridine/tipiracil and regorafenib are not
--   modelled.)
-- * Best response by line (CR/PR/SD/PD): 1st 5/45/35/15%, later 2/20/45/33% [assumption, objective
--   response about 50% first line and 20% later]; PD as best response ends the line at the first
--   assessment (6-10 weeks). Assessments (CT) every 10 weeks [assumption; NCCN: every 2-3 months].
-- * Overall survival from the start of metastatic care is drawn once, exponential (Weibull shape
--   1), scale 2.335 years for MSS (median 19 months) and 5 years for MSI-high [assumption], fitted
--   to SEER 5-year relative survival of distant colorectal cancer, 13% (SEER 22 2014-2020; see
--   calibration/fit_recurrence.py). Lines follow one another until 1.5-4 months before that time;
--   after the third line the last two alternate, up to 5 lines [assumption: real-world series of
--   metastatic colorectal cancer see most patients receive 1-3 lines, few more than 5]; a long
--   survivor's lines last longer, each at least an even share of the time left, the fifth until
--   palliative care (O.plan_line in lib/oncology.lua). Then palliative care for 1-3 months and hospice
--   for 1-6 weeks (median hospice length of stay 18 days: NHPCO Facts and Figures 2022) until death.
-- * First line 2-4 weeks after the diagnosis (or recurrence) visit [assumption].
-- * CEA (normal < 5 ng/mL) as at diagnosis at the first line's start, 10-200 at a later line's start, 30-800 at progression; tumor size 20-90 mm at a
--   line's start, 30-120 at progression; ECOG 1 at the first line, +1 at each progression, up to 3;
--   3-4 in hospice [assumption].

local O = lib("oncology")
local rx = codes.rxnorm

local DRUG = {
  oxaliplatin = rx(1736776, "10 ML oxaliplatin 5 MG/ML Injection"),
  irinotecan = rx(1726325, "5 ML Irinotecan hydrochloride 20 MG/ML Injection [Camptosar]"),
  leucovorin = rx(1803932, "Leucovorin 100 MG Injection"),
  fluorouracil = rx(1791701, "10 ML Fluorouracil 50 MG/ML Injection"),
  bevacizumab = rx(1657066, "4 ML bevacizumab 25 MG/ML Injection"),
  cetuximab = rx(318341, "cetuximab"),
  pembrolizumab = rx(1657750, "4 ML pembrolizumab 25 MG/ML Injection"),
  capecitabine = rx(200327, "capecitabine 500 MG Oral Tablet"),
}
local ORAL = { capecitabine = true }
local CHEMO = { oxaliplatin = true, irinotecan = true, fluorouracil = true, capecitabine = true }

local FOLFOX = { "oxaliplatin", "leucovorin", "fluorouracil" }
local FOLFIRI = { "irinotecan", "leucovorin", "fluorouracil" }
local function with(base, extra) local t = { table.unpack(base) }; t[#t + 1] = extra; return t end

-- regimens and PFS medians (months) by biomarker group and line
local LINES = {
  MSI = { { { "pembrolizumab" }, 16.5 }, { with(FOLFOX, "bevacizumab"), 7.3 }, { with(FOLFIRI, "bevacizumab"), 5.7 } },
  KRAS_WT = { { with(FOLFIRI, "cetuximab"), 9.9 }, { with(FOLFOX, "bevacizumab"), 7.3 }, { { "capecitabine", "bevacizumab" }, 3 } },
  KRAS_MUT = { { with(FOLFOX, "bevacizumab"), 9.4 }, { with(FOLFIRI, "bevacizumab"), 5.7 }, { { "capecitabine", "bevacizumab" }, 3 } },
}

local function group(p)
  if p:attr("crc_msi_high") == true then return "MSI" end
  return p:attr("crc_kras_mutant") == true and "KRAS_MUT" or "KRAS_WT"
end

-- the instant palliative care starts: overall survival drawn once, less the palliative and
-- hospice time that follows
local function palliative_at(p)
  local scale = group(p) == "MSI" and 5.0 or 2.335
  local os_years = -math.log(1 - p:random()) * scale
  local before = (1.5 + 2.5 * p:random()) / 12
  return p.time + math.max(1 / 12, os_years - before) * O.YEAR_MS
end

local function line(p) return p:attr("crc_line") or 0 end
local function regimen(p)
  local L, l = LINES[group(p)], line(p)
  if l > #L then l = #L - 1 + (l - #L + 1) % 2 end
  return L[math.max(1, l)]
end
local function has_drug(name)
  return function(p)
    for _, d in ipairs(regimen(p)[1]) do if d == name then return true end end
    return false
  end
end
local function chemo(p)
  for _, d in ipairs(regimen(p)[1]) do if CHEMO[d] then return true end end
  return false
end

local BEST = { { { 0.05, "CR" }, { 0.45, "PR" }, { 0.35, "SD" }, { 0.15, "PD" } },
               { { 0.02, "CR" }, { 0.20, "PR" }, { 0.45, "SD" }, { 0.33, "PD" } } }

local MAX_LINES = 5
local function plan_line(p)
  local at, best = O.plan_line(p, line(p), BEST, regimen(p)[2], MAX_LINES, p:attr("crc_palliative_at"))
  p:set("crc_best_response", best)
  return at
end

local S = {
  Initial = { type = "Initial", direct_transition = "Start_Delay" },
  Start_Delay = { type = "Delay", distribution = uniform { weeks(2), weeks(4) }, direct_transition = "Survival" },
  Survival = { type = "SetAttribute", attribute = "crc_palliative_at", value = palliative_at, direct_transition = "Next_Line" },

  Next_Line = { type = "Counter", attribute = "crc_line", action = "increment", direct_transition = "Plan_Line" },
  Plan_Line = { type = "SetAttribute", attribute = "crc_progression_at", value = plan_line, direct_transition = "Line_Visit" },
  Line_Visit = { type = "Encounter", encounter_class = "outpatient", reason = "crc_condition", codes = { O.ENC_FOLLOWUP },
                 conditional_transition = when { { attribute("crc_line", "==", 1), "First_CEA" }, { "Line_CEA" } } },
  First_CEA = { type = "Observation", category = "laboratory", unit = "ng/mL", codes = { O.CEA }, attribute = "crc_cea",
                direct_transition = "Line_ECOG" },
  Line_CEA = { type = "Observation", category = "laboratory", unit = "ng/mL", codes = { O.CEA },
               range = { low = 10, high = 200, decimals = 1 }, direct_transition = "Line_ECOG" },
  Line_ECOG = { type = "Observation", category = "survey", unit = "{score}", codes = { O.ECOG }, attribute = "crc_ecog",
                direct_transition = "Line_Size" },
  Line_Size = { type = "Observation", category = "laboratory", unit = "mm", codes = { O.TUMOR_SIZE },
                range = { low = 20, high = 90, decimals = 0 }, direct_transition = "Line_Chemo_Check" },
  Line_Chemo_Check = { type = "Simple", conditional_transition = when { { chemo, "Line_Neutrophils" }, { "Give_Drugs" } } },
  Line_Neutrophils = { type = "Observation", category = "laboratory", unit = "10*3/uL", codes = { O.NEUTROPHILS },
                       range = { low = 1.0, high = 6.0, decimals = 1 }, direct_transition = "Line_Chemo" },
  Line_Chemo = { type = "Procedure", reason = "crc_condition", codes = { O.CHEMOTHERAPY },
                 duration = { low = 60, high = 240, unit = "minutes" }, direct_transition = "Give_Drugs" },
  Give_Drugs = { type = "Simple", direct_transition = "Drug_pembrolizumab_Check" },
  Line_End = { type = "EncounterEnd", direct_transition = "On_Line" },

  -- assessments every 10 weeks until progression
  On_Line = { type = "Delay", distribution = function(p) return math.min(70 / 365.2425, O.years_until(p, p:attr("crc_progression_at"))) end,
              unit = "years", direct_transition = "Assessment" },
  Assessment = { type = "Encounter", encounter_class = "outpatient", reason = "crc_condition", codes = { O.ENC_FOLLOWUP },
                 conditional_transition = when { { function(p) return O.due(p, p:attr("crc_progression_at")) end, "Progression_CT" }, { "Assessment_CT" } } },
  Assessment_CT = { type = "Procedure", reason = "crc_condition", codes = { O.CT_CAP }, duration = { low = 15, high = 30, unit = "minutes" },
                    direct_transition = "Response_Kind" },
  Response_Kind = { type = "Simple", conditional_transition = when {
    { attribute("crc_best_response", "==", "CR"), "Response_CR" }, { attribute("crc_best_response", "==", "PR"), "Response_PR" },
    { "Response_SD" } } },
  Response_CR = { type = "Observation", category = "survey", codes = { O.RESPONSE }, value_code = O.RECIST.CR,
                  direct_transition = "Assessment_CEA" },
  Response_PR = { type = "Observation", category = "survey", codes = { O.RESPONSE }, value_code = O.RECIST.PR,
                  direct_transition = "Assessment_CEA" },
  Response_SD = { type = "Observation", category = "survey", codes = { O.RESPONSE }, value_code = O.RECIST.SD,
                  direct_transition = "Assessment_CEA" },
  Assessment_CEA = { type = "Observation", category = "laboratory", unit = "ng/mL", codes = { O.CEA },
                     range = { low = 2, high = 60, decimals = 1 }, direct_transition = "Line_Chemo_Check" },

  Progression_CT = { type = "Procedure", reason = "crc_condition", codes = { O.CT_CAP }, duration = { low = 15, high = 30, unit = "minutes" },
                     direct_transition = "Progression" },
  Progression = { type = "Observation", category = "survey", codes = { O.RESPONSE }, value_code = O.RECIST.PD,
                  direct_transition = "Progression_CEA" },
  Progression_CEA = { type = "Observation", category = "laboratory", unit = "ng/mL", codes = { O.CEA },
                      range = { low = 30, high = 800, decimals = 1 }, direct_transition = "Progression_Size" },
  Progression_Size = { type = "Observation", category = "laboratory", unit = "mm", codes = { O.TUMOR_SIZE },
                       range = { low = 30, high = 120, decimals = 0 }, direct_transition = "Worse_ECOG" },
  Worse_ECOG = { type = "SetAttribute", attribute = "crc_ecog",
                 value = function(p) return math.min(3, (p:attr("crc_ecog") or 1) + 1) end, direct_transition = "Stop_Oral_Check" },
  Progression_End = { type = "EncounterEnd", conditional_transition = when {
    { function(p) return O.due(p, p:attr("crc_palliative_at")) end, "Palliative_Visit" }, { "Next_Line" } } },

}

-- each drug of the line: the oral drug as a chronic order once per line (ended at progression),
-- infusions given at the line's first visit and at every assessment
local order = { "pembrolizumab", "oxaliplatin", "irinotecan", "leucovorin", "fluorouracil", "cetuximab", "bevacizumab", "capecitabine" }
for i, name in ipairs(order) do
  local nxt = order[i + 1] and ("Drug_" .. order[i + 1] .. "_Check") or "Line_End"
  S["Drug_" .. name .. "_Check"] = { type = "Simple", conditional_transition = when {
    { ORAL[name] and all_of { has_drug(name), negate(prior_state("Drug_" .. name, { since = "Next_Line" })) } or has_drug(name),
      "Drug_" .. name },
    { nxt } } }
  S["Drug_" .. name] = { type = "MedicationOrder", reason = "crc_condition", codes = { DRUG[name] },
                         administration = not ORAL[name] or nil, chronic = ORAL[name] or nil,
                         assign_to_attribute = ORAL[name] and "crc_line_drug" or nil,
                         prescription = ORAL[name] and { dosage = { amount = 4, frequency = 2, period = 1, unit = "days" } } or nil,
                         direct_transition = nxt }
end

O.stop_oral(S, "crc_line_drug", "Progression_End")
O.end_of_life(S, "crc_condition")

return { name = "Colorectal Cancer Metastatic Care", states = S }
