-- Metastatic prostate cancer (called by prostate_cancer.lua at a de novo distant diagnosis or at a
-- metastatic recurrence): continuous androgen deprivation (leuprolide) with lines of systemic
-- therapy, each with response assessments (RECIST), PSA, ECOG and, during chemotherapy, neutrophil
-- counts; progression (castration resistance after the first line) to the next line; palliative
-- care, hospice, and death certified to the prostate cancer (pc_condition).
--
-- Figures and their sources (medians of radiographic progression-free survival, months; time on a
-- line is exponential with that median):
-- * 1st line, metastatic hormone-sensitive: ADT + abiraterone acetate 1000 mg + prednisone 5 mg
--   (60%) or ADT + enzalutamide 160 mg (40%) [assumption]; 33 months (LATITUDE final analysis,
--   abiraterone arm: Fizazi K et al. Lancet Oncol 2019;20:686-700; used for both drugs).
--   Progression on it is castration resistance.
-- * 2nd line: docetaxel 75 mg/m2 every 3 weeks + prednisone, 8 months [assumption: TAX327 median
--   overall survival 18.9 months, Tannock IF et al. N Engl J Med 2004;351:1502-1512, no rPFS given].
-- * 3rd line: cabazitaxel 25 mg/m2 every 3 weeks + prednisone, 8.0 months (CARD: de Wit R et al.
--   N Engl J Med 2019;381:2506-2518).
-- * 4th line: the androgen-receptor pathway inhibitor not used first (enzalutamide or abiraterone),
--   3.7 months (CARD comparator arm, ibid.). After it, the last two lines alternate.
-- * Best response by line (CR/PR/SD/PD): 1st 10/50/30/10%, later 2/25/40/33% [assumption]; PD as
--   best response ends the line at the first assessment (6-10 weeks). Assessments every 3 months.
-- * PSA (ng/mL) [assumption]: at a line's start the value at progression (or at diagnosis); under
--   response falls to 5% (CR), 20% (PR) or 70% (SD) of it; at progression 1.5-3 times the start.
-- * Overall survival from the start of metastatic care drawn once, Weibull shape 1.2, scale 5.0
--   years (median 3.7 years), fitted to SEER 5-year relative survival of distant disease, 37%
--   (2014-2020; American Cancer Society 2025) [assumption: the same for metastatic recurrence].
--   Lines follow one another until 1.5-4 months before that time, up to 5 [assumption: few men
--   with metastatic castration-resistant disease receive more than 4-5 life-prolonging lines]; a
--   long survivor's lines last longer, each at least an even share of the time left, the fifth
--   until palliative care (O.plan_line in lib/oncology.lua); then palliative care for 1-3
--   months and hospice for 1-6 weeks (median hospice stay 18 days: NHPCO Facts and Figures 2022).
-- * ECOG 1-2 at the first line, +1 at each progression up to 3; 3-4 in hospice; neutrophils before
--   each chemotherapy cycle 1.0-6.0 x10^3/uL [assumption].

local O = lib("oncology")
local sct, rx = codes.snomed, codes.rxnorm

local LEUPROLIDE = rx(752899, "0.25 ML leuprolide acetate 30 MG/ML Prefilled Syringe")
local ADT = sct(707266006, "Androgen deprivation therapy (procedure)")
local DRUG = {
  abiraterone = rx(1100075, "abiraterone acetate 250 MG Oral Tablet"),
  enzalutamide = rx(1307303, "enzalutamide 40 MG Oral Capsule"),
  prednisone = rx(312617, "prednisone 5 MG Oral Tablet"),
  docetaxel = O.DOCETAXEL,
  cabazitaxel = rx(1001433, "1.5 ML cabazitaxel 40 MG/ML Injection"),
}
local ORAL = { abiraterone = true, enzalutamide = true, prednisone = true }
local INFUSION = { docetaxel = true, cabazitaxel = true }

-- regimens by line: {drugs, median rPFS in months}
local function lines(p)
  local first = p:attr("pc_arpi") == "enzalutamide" and { "enzalutamide" } or { "abiraterone", "prednisone" }
  local other = p:attr("pc_arpi") == "enzalutamide" and { "abiraterone", "prednisone" } or { "enzalutamide" }
  return { { first, 33 }, { { "docetaxel", "prednisone" }, 8 }, { { "cabazitaxel", "prednisone" }, 8 }, { other, 3.7 } }
end
local function line(p) return p:attr("pc_line") or 0 end
local function regimen(p)
  local L, l = lines(p), line(p)
  if l > #L then l = #L - 1 + (l - #L + 1) % 2 end
  return L[l]
end
local function has_drug(name)
  return function(p) for _, d in ipairs(regimen(p)[1]) do if d == name then return true end end; return false end
end
local chemo = any_of { has_drug("docetaxel"), has_drug("cabazitaxel") }

local function palliative_at(p)
  local os_years = 5.0 * (-math.log(1 - p:random())) ^ (1 / 1.2)
  local before = (1.5 + 2.5 * p:random()) / 12
  return p.time + math.max(1 / 12, os_years - before) * O.YEAR_MS
end

local BEST = { { { 0.10, "CR" }, { 0.50, "PR" }, { 0.30, "SD" }, { 0.10, "PD" } },
               { { 0.02, "CR" }, { 0.25, "PR" }, { 0.40, "SD" }, { 0.33, "PD" } } }
local PSA_FRACTION = { CR = 0.05, PR = 0.2, SD = 0.7 }

local MAX_LINES = 5
local function plan_line(p)
  local at, best = O.plan_line(p, line(p), BEST, regimen(p)[2], MAX_LINES, p:attr("pc_palliative_at"))
  p:set("pc_best_response", best)
  return at
end
local function round(x, d) local m = 10 ^ d; return math.floor(x * m + 0.5) / m end

local S = {
  Initial = { type = "Initial", direct_transition = "Survival" },
  Survival = { type = "SetAttribute", attribute = "pc_palliative_at", value = palliative_at, direct_transition = "ARPI" },
  ARPI = { type = "SetAttribute", attribute = "pc_arpi",
           value = function(p) return p:random() < 0.6 and "abiraterone" or "enzalutamide" end, direct_transition = "ADT_Visit" },
  ADT_Visit = { type = "Encounter", encounter_class = "ambulatory", reason = "pc_condition", codes = { O.ENC_FOLLOWUP },
                conditional_transition = when { { attribute("pc_adt", "is not nil"), "Stop_Adjuvant" }, { "ADT_Procedure" } } },
  Stop_Adjuvant = { type = "MedicationEnd", referenced_by_attribute = "pc_adt", direct_transition = "ADT_Procedure" },
  ADT_Procedure = { type = "Procedure", reason = "pc_condition", codes = { ADT }, direct_transition = "Leuprolide" },
  Leuprolide = { type = "MedicationOrder", reason = "pc_condition", codes = { LEUPROLIDE }, chronic = true,
                 assign_to_attribute = "pc_adt",
                 prescription = { dosage = { amount = 1, frequency = 1, period = 1, unit = "months" } },
                 direct_transition = "ADT_End" },
  ADT_End = { type = "EncounterEnd", direct_transition = "Next_Line" },

  Next_Line = { type = "Counter", attribute = "pc_line", action = "increment", direct_transition = "Plan_Line" },
  Plan_Line = { type = "SetAttribute", attribute = "pc_progression_at", value = plan_line, direct_transition = "Line_PSA_Start" },
  Line_PSA_Start = { type = "SetAttribute", attribute = "pc_line_psa", value = function(p) return p:attr("pc_psa") end,
                     direct_transition = "Line_Visit" },
  Line_Visit = { type = "Encounter", encounter_class = "outpatient", reason = "pc_condition", codes = { O.ENC_FOLLOWUP },
                 direct_transition = "Line_PSA" },
  Line_PSA = { type = "Observation", category = "laboratory", unit = "ng/mL", codes = { O.PSA }, attribute = "pc_psa",
               direct_transition = "Line_ECOG" },
  Line_ECOG = { type = "Observation", category = "survey", unit = "{score}", codes = { O.ECOG }, attribute = "pc_ecog",
                direct_transition = "Line_Size" },
  Line_Size = { type = "Observation", category = "imaging", unit = "mm", codes = { O.TUMOR_SIZE },
                range = { low = 12, high = 50, decimals = 0 }, conditional_transition = when { { chemo, "Line_Neutrophils" }, { "Give_Drugs" } } },
  Line_Neutrophils = { type = "Observation", category = "laboratory", unit = "10*3/uL", codes = { O.NEUTROPHILS },
                       range = { low = 1.0, high = 6.0, decimals = 1 }, direct_transition = "Line_Chemo" },
  Line_Chemo = { type = "Procedure", reason = "pc_condition", codes = { O.CHEMOTHERAPY },
                 duration = { low = 60, high = 120, unit = "minutes" }, direct_transition = "Give_Drugs" },
  Give_Drugs = { type = "Simple", direct_transition = "Drug_abiraterone_Check" },
  Line_End = { type = "EncounterEnd", direct_transition = "On_Line" },

  -- assessments every 3 months until progression
  On_Line = { type = "Delay", distribution = function(p) return math.min(0.25, O.years_until(p, p:attr("pc_progression_at"))) end,
              unit = "years", direct_transition = "Assessment" },
  Assessment = { type = "Encounter", encounter_class = "outpatient", reason = "pc_condition", codes = { O.ENC_FOLLOWUP },
                 conditional_transition = when { { function(p) return O.due(p, p:attr("pc_progression_at")) end, "Progression" },
                                                 { "Response_PSA_Value" } } },
  Response_PSA_Value = { type = "SetAttribute", attribute = "pc_psa", direct_transition = "Response_PSA",
                         value = function(p)
                           local f = PSA_FRACTION[p:attr("pc_best_response")] or 0.7
                           return round(math.max(0.05, (p:attr("pc_line_psa") or 10) * f * (0.8 + 0.4 * p:random())), 2) end },
  Response_PSA = { type = "Observation", category = "laboratory", unit = "ng/mL", codes = { O.PSA }, attribute = "pc_psa",
                   direct_transition = "Response_Kind" },
  Response_Kind = { type = "Simple", conditional_transition = when {
    { attribute("pc_best_response", "==", "CR"), "Response_CR" }, { attribute("pc_best_response", "==", "PR"), "Response_PR" },
    { "Response_SD" } } },
  Response_CR = { type = "Observation", category = "survey", codes = { O.RESPONSE }, value_code = O.RECIST.CR,
                  direct_transition = "Assessment_Drugs" },
  Response_PR = { type = "Observation", category = "survey", codes = { O.RESPONSE }, value_code = O.RECIST.PR,
                  direct_transition = "Assessment_Drugs" },
  Response_SD = { type = "Observation", category = "survey", codes = { O.RESPONSE }, value_code = O.RECIST.SD,
                  direct_transition = "Assessment_Drugs" },
  Assessment_Drugs = { type = "Simple", conditional_transition = when { { chemo, "Line_Neutrophils" }, { "Line_End" } } },

  Progression = { type = "Observation", category = "survey", codes = { O.RESPONSE }, value_code = O.RECIST.PD,
                  direct_transition = "Progression_PSA_Value" },
  Progression_PSA_Value = { type = "SetAttribute", attribute = "pc_psa", direct_transition = "Progression_PSA",
                            value = function(p) return round(math.max(2, (p:attr("pc_line_psa") or 10) * (1.5 + 1.5 * p:random())), 1) end },
  Progression_PSA = { type = "Observation", category = "laboratory", unit = "ng/mL", codes = { O.PSA }, attribute = "pc_psa",
                      direct_transition = "Progression_Size" },
  Progression_Size = { type = "Observation", category = "imaging", unit = "mm", codes = { O.TUMOR_SIZE },
                       range = { low = 20, high = 80, decimals = 0 }, direct_transition = "Worse_ECOG" },
  Worse_ECOG = { type = "SetAttribute", attribute = "pc_ecog",
                 value = function(p) return math.min(3, (p:attr("pc_ecog") or 1) + 1) end, direct_transition = "Stop_Abiraterone_Check" },
  Stop_Abiraterone_Check = { type = "Simple", conditional_transition = when {
    { active_medication(DRUG.abiraterone), "Stop_Abiraterone" }, { "Stop_Enzalutamide_Check" } } },
  Stop_Abiraterone = { type = "MedicationEnd", codes = { DRUG.abiraterone }, direct_transition = "Stop_Enzalutamide_Check" },
  Stop_Enzalutamide_Check = { type = "Simple", conditional_transition = when {
    { active_medication(DRUG.enzalutamide), "Stop_Enzalutamide" }, { "Stop_Prednisone_Check" } } },
  Stop_Enzalutamide = { type = "MedicationEnd", codes = { DRUG.enzalutamide }, direct_transition = "Stop_Prednisone_Check" },
  Stop_Prednisone_Check = { type = "Simple", conditional_transition = when {
    { active_medication(DRUG.prednisone), "Stop_Prednisone" }, { "Progression_End" } } },
  Stop_Prednisone = { type = "MedicationEnd", codes = { DRUG.prednisone }, direct_transition = "Progression_End" },
  Progression_End = { type = "EncounterEnd", conditional_transition = when {
    { function(p) return O.due(p, p:attr("pc_palliative_at")) end, "Palliative_Visit" }, { "Next_Line" } } },

}

-- each drug of the line: oral drugs as a chronic order once per line (ended at progression; an
-- order still active from the previous line is kept), infusions given at the line's first visit and
-- at every assessment
local order = { "abiraterone", "enzalutamide", "prednisone", "docetaxel", "cabazitaxel" }
for i, name in ipairs(order) do
  local nxt = order[i + 1] and ("Drug_" .. order[i + 1] .. "_Check") or "Line_End"
  local given = ORAL[name] and active_medication(DRUG[name]) or prior_state("Drug_" .. name, { since = "Line_Chemo" })
  S["Drug_" .. name .. "_Check"] = { type = "Simple", conditional_transition = when {
    { all_of { has_drug(name), negate(given) }, "Drug_" .. name }, { nxt } } }
  S["Drug_" .. name] = { type = "MedicationOrder", reason = "pc_condition", codes = { DRUG[name] },
                         administration = INFUSION[name] or nil, chronic = ORAL[name] or nil,
                         prescription = ORAL[name] and { dosage = { amount = name == "prednisone" and 1 or 4, frequency = 1, period = 1, unit = "days" } } or nil,
                         direct_transition = nxt }
end

O.end_of_life(S, "pc_condition")

return { name = "Prostate Cancer Metastatic Care", states = S }
