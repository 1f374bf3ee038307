-- Metastatic breast cancer (called by breast_cancer.lua at a de novo stage IV diagnosis or at a
-- distant recurrence): up to four lines of systemic therapy by subtype, each with response
-- assessments (RECIST), tumor size, CA 15-3 and ECOG; progression to the next line or to
-- palliative care; hospice; death certified to the breast cancer (bc_condition).
--
-- Figures and their sources (medians of progression-free survival, months; time on a line is
-- exponential with that median):
-- * HR+/HER2-: 1st line aromatase inhibitor (letrozole) 20 [between letrozole alone 14.5 and
--   letrozole + palbociclib 24.8: Finn RS et al. N Engl J Med 2016;375:1925-1936, PALOMA-2];
--   2nd tamoxifen 6 [fulvestrant 500 mg 6.5: Di Leo A et al. J Clin Oncol 2010;28:4594, CONFIRM,
--   used for the endocrine second line]; 3rd paclitaxel 6 (5.9: Miller K et al. N Engl J Med
--   2007;357:2666-2676, E2100 paclitaxel arm); 4th capecitabine 4 [assumption, near eribulin 3.7:
--   Cortes J et al. Lancet 2011;377:914-923, EMBRACE].
-- * HER2+: 1st trastuzumab + paclitaxel 12.4 (Baselga J et al. N Engl J Med 2012;366:109-119,
--   CLEOPATRA control arm); 2nd ado-trastuzumab emtansine 9.6 (Verma S et al. N Engl J Med
--   2012;367:1783-1791, EMILIA); 3rd capecitabine 5, 4th paclitaxel 4 [assumption].
-- * Triple negative: 1st paclitaxel 5.6 (Cortes J et al. Lancet 2020;396:1817-1828, KEYNOTE-355
--   chemotherapy arm); 2nd capecitabine 4, 3rd doxorubicin + cyclophosphamide 3 [assumption].
-- * Best response by line (CR/PR/SD/PD): 1st 5/35/40/20%, later 2/20/40/38% [assumption,
--   objective response about 40% first line and 20% later]; PD as best response ends the line at
--   the first assessment (6-10 weeks). Assessments every 3 months.
-- * Overall survival from the start of metastatic care is drawn once (Weibull), fitted to SEER
--   5-year relative survival of distant disease by subtype, 2014-2020 [approximate reading of
--   SEER Cancer Stat Facts: Female Breast Cancer Subtypes; scaled so that the subtype mix gives
--   the all-subtype 31.9%]: HR+/HER2- 33% (shape 1.2, scale 4.59 years, median 3.4 years),
--   HR+/HER2+ 44% (1.2, 5.9), HR-/HER2+ 38% (1.2, 5.14), triple negative 12% (0.9, 2.17, median
--   17 months; KEYNOTE-355 chemotherapy arm median OS 16.1 months). Lines follow one another
--   until 1.5-4 months before that time; after the listed lines the last two alternate, up to 6
--   lines [assumption: real-world series of metastatic breast cancer report a median of 3-4 lines,
--   few beyond 6]; a long survivor's lines last longer, each at least an even share of the time
--   left, the sixth until palliative care (O.plan_line in lib/oncology.lua). Then
--   palliative care for 1-3 months, and hospice for 1-6 weeks (median hospice length of stay 18
--   days: NHPCO Facts and Figures 2022) until death.
-- * CA 15-3 (normal < 30 U/mL) 40-150 U/mL at a line's start, 80-400 at progression; ECOG 1 at the
--   first line, +1 at each progression, up to 3; 3-4 in hospice [assumption].

local O = lib("oncology")
local rx = codes.rxnorm

local DRUG = {
  letrozole = rx(200064, "letrozole 2.5 MG Oral Tablet"),
  tamoxifen = rx(198240, "tamoxifen 10 MG Oral Tablet"),
  capecitabine = rx(200327, "capecitabine 500 MG Oral Tablet"),
  paclitaxel = O.PACLITAXEL,
  trastuzumab = rx(1922509, "trastuzumab 150 MG Injection"),
  tdm1 = rx(1658084, "ado-trastuzumab emtansine 100 MG Injection"),
  doxorubicin = rx(1790099, "10 ML doxorubicin hydrochloride 2 MG/ML Injection"),
  cyclophosphamide = rx(1734919, "cyclophosphamide 1000 MG Injection"),
}
local ORAL = { letrozole = true, tamoxifen = true, capecitabine = true }

-- regimens and PFS medians (months) by subtype and line
local LINES = {
  ["HR+/HER2-"] = { { { "letrozole" }, 20 }, { { "tamoxifen" }, 6 }, { { "paclitaxel" }, 6 }, { { "capecitabine" }, 4 } },
  HER2 = { { { "trastuzumab", "paclitaxel" }, 12.4 }, { { "tdm1" }, 9.6 }, { { "capecitabine" }, 5 }, { { "paclitaxel" }, 4 } },
  TN = { { { "paclitaxel" }, 5.6 }, { { "capecitabine" }, 4 }, { { "doxorubicin", "cyclophosphamide" }, 3 } },
}
local OS = { ["HR+/HER2-"] = { 1.2, 4.59 }, ["HR+/HER2+"] = { 1.2, 5.9 }, ["HR-/HER2+"] = { 1.2, 5.14 }, TN = { 0.9, 2.17 } }

-- the instant palliative care starts: overall survival drawn once, less the palliative and
-- hospice time that follows
local function palliative_at(p)
  local w = OS[p:attr("bc_subtype")] or OS["HR+/HER2-"]
  local os_years = w[2] * (-math.log(1 - p:random())) ^ (1 / w[1])
  local before = (1.5 + 2.5 * p:random()) / 12
  return p.time + math.max(1 / 12, os_years - before) * O.YEAR_MS
end

local function lines(p)
  local s = p:attr("bc_subtype")
  if s == "HR+/HER2-" then return LINES["HR+/HER2-"] elseif s == "TN" then return LINES.TN end
  return LINES.HER2
end
local function line(p) return p:attr("bc_line") or 0 end
local function regimen(p)
  local L, l = lines(p), line(p)
  if l > #L then l = #L - 1 + (l - #L + 1) % 2 end
  return L[l]
end
local function has_drug(name) return function(p) local r = regimen(p); for _, d in ipairs(r[1]) do if d == name then return true end end; return false end end

local BEST = { { { 0.05, "CR" }, { 0.35, "PR" }, { 0.40, "SD" }, { 0.20, "PD" } },
               { { 0.02, "CR" }, { 0.20, "PR" }, { 0.40, "SD" }, { 0.38, "PD" } } }

local MAX_LINES = 6
local function plan_line(p)
  local at, best = O.plan_line(p, line(p), BEST, regimen(p)[2], MAX_LINES, p:attr("bc_palliative_at"))
  p:set("bc_best_response", best)
  return at
end

local S = {
  Initial = { type = "Initial", direct_transition = "Survival" },
  Survival = { type = "SetAttribute", attribute = "bc_palliative_at", value = palliative_at, conditional_transition = when {
    { attribute("bc_endocrine", "is not nil"), "Stop_Adjuvant" }, { "Next_Line" } } },
  Stop_Adjuvant = { type = "MedicationEnd", referenced_by_attribute = "bc_endocrine", direct_transition = "Clear_Adjuvant" },
  Clear_Adjuvant = { type = "SetAttribute", attribute = "bc_endocrine", direct_transition = "Next_Line" },

  Next_Line = { type = "Counter", attribute = "bc_line", action = "increment", direct_transition = "Plan_Line" },
  Plan_Line = { type = "SetAttribute", attribute = "bc_progression_at", value = plan_line, direct_transition = "Line_Visit" },
  Line_Visit = { type = "Encounter", encounter_class = "outpatient", reason = "bc_condition", codes = { O.ENC_FOLLOWUP },
                 direct_transition = "Line_CA15_3" },
  Line_CA15_3 = { type = "Observation", category = "laboratory", unit = "U/mL", codes = { O.CA15_3 },
                  range = { low = 40, high = 150, decimals = 0 }, direct_transition = "Line_ECOG" },
  Line_ECOG = { type = "Observation", category = "survey", unit = "{score}", codes = { O.ECOG }, attribute = "bc_ecog",
                direct_transition = "Line_Size" },
  Line_Size = { type = "Observation", category = "laboratory", unit = "mm", codes = { O.TUMOR_SIZE },
                range = { low = 15, high = 80, decimals = 0 }, direct_transition = "Line_Chemo_Check" },
  Line_Chemo_Check = { type = "Simple", conditional_transition = when {
    { any_of { has_drug("paclitaxel"), has_drug("tdm1"), has_drug("doxorubicin"), has_drug("trastuzumab") }, "Line_Neutrophils" },
    { "Give_Drugs" } } },
  Line_Neutrophils = { type = "Observation", category = "laboratory", unit = "10*3/uL", codes = { O.NEUTROPHILS },
                       range = { low = 1.0, high = 6.0, decimals = 1 }, direct_transition = "Line_Chemo" },
  Line_Chemo = { type = "Procedure", reason = "bc_condition", codes = { O.CHEMOTHERAPY },
                 duration = { low = 60, high = 180, unit = "minutes" }, direct_transition = "Give_Drugs" },
  Give_Drugs = { type = "Simple", direct_transition = "Drug_letrozole_Check" },
  Line_End = { type = "EncounterEnd", direct_transition = "On_Line" },

  -- assessments every 3 months until progression
  On_Line = { type = "Delay", distribution = function(p) return math.min(0.25, O.years_until(p, p:attr("bc_progression_at"))) end,
              unit = "years", direct_transition = "Assessment" },
  Assessment = { type = "Encounter", encounter_class = "outpatient", reason = "bc_condition", codes = { O.ENC_FOLLOWUP },
                 conditional_transition = when { { function(p) return O.due(p, p:attr("bc_progression_at")) end, "Progression" }, { "Response_Kind" } } },
  Response_Kind = { type = "Simple", conditional_transition = when {
    { attribute("bc_best_response", "==", "CR"), "Response_CR" }, { attribute("bc_best_response", "==", "PR"), "Response_PR" },
    { "Response_SD" } } },
  Response_CR = { type = "Observation", category = "survey", codes = { O.RESPONSE }, value_code = O.RECIST.CR,
                  direct_transition = "Assessment_Drugs" },
  Response_PR = { type = "Observation", category = "survey", codes = { O.RESPONSE }, value_code = O.RECIST.PR,
                  direct_transition = "Assessment_Drugs" },
  Response_SD = { type = "Observation", category = "survey", codes = { O.RESPONSE }, value_code = O.RECIST.SD,
                  direct_transition = "Assessment_Drugs" },
  Assessment_Drugs = { type = "Simple", conditional_transition = when {
    { any_of { has_drug("paclitaxel"), has_drug("tdm1"), has_drug("doxorubicin"), has_drug("trastuzumab") }, "Line_Neutrophils" },
    { "Line_End" } } },

  Progression = { type = "Observation", category = "survey", codes = { O.RESPONSE }, value_code = O.RECIST.PD,
                  direct_transition = "Progression_CA15_3" },
  Progression_CA15_3 = { type = "Observation", category = "laboratory", unit = "U/mL", codes = { O.CA15_3 },
                         range = { low = 80, high = 400, decimals = 0 }, direct_transition = "Progression_Size" },
  Progression_Size = { type = "Observation", category = "laboratory", unit = "mm", codes = { O.TUMOR_SIZE },
                       range = { low = 30, high = 120, decimals = 0 }, direct_transition = "Worse_ECOG" },
  Worse_ECOG = { type = "SetAttribute", attribute = "bc_ecog",
                 value = function(p) return math.min(3, (p:attr("bc_ecog") or 1) + 1) end, direct_transition = "Stop_Oral_Check" },
  Progression_End = { type = "EncounterEnd", conditional_transition = when {
    { function(p) return O.due(p, p:attr("bc_palliative_at")) end, "Palliative_Visit" }, { "Next_Line" } } },

}

-- each drug of the line: oral drugs as a chronic order once per line (ended at progression),
-- infusions given at the line's first visit and at every assessment
local order = { "letrozole", "tamoxifen", "capecitabine", "trastuzumab", "tdm1", "paclitaxel", "doxorubicin", "cyclophosphamide" }
for i, name in ipairs(order) do
  local nxt = order[i + 1] and ("Drug_" .. order[i + 1] .. "_Check") or "Line_End"
  S["Drug_" .. name .. "_Check"] = { type = "Simple", conditional_transition = when {
    { all_of { has_drug(name), negate(prior_state("Drug_" .. name, { since = ORAL[name] and "Next_Line" or "Line_Chemo" })) },
      "Drug_" .. name },
    { nxt } } }
  S["Drug_" .. name] = { type = "MedicationOrder", reason = "bc_condition", codes = { DRUG[name] },
                         administration = not ORAL[name] or nil, chronic = ORAL[name] or nil,
                         assign_to_attribute = ORAL[name] and "bc_line_drug" or nil,
                         prescription = ORAL[name] and { dosage = { amount = 1, frequency = 1, period = 1, unit = "days" } } or nil,
                         direct_transition = nxt }
end

O.stop_oral(S, "bc_line_drug", "Progression_End")
O.end_of_life(S, "bc_condition")

return { name = "Breast Cancer Metastatic Care", states = S }
