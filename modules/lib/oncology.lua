-- Shared codes and helpers of the oncology family (breast_cancer.lua now; lung, colorectal and
-- prostate later with the same pattern): staging, performance status, response assessment,
-- tumor markers, blood counts during chemotherapy, palliative and hospice care, and the timing
-- helpers (onset drawn once from an age-specific incidence table; times kept as absolute
-- instants in attributes so that one Delay waits for the next event).
--
-- Code sources (codes and names only; each checked against public FHIR implementation guides):
-- * LOINC 21908-9 "Stage group.clinical Cancer", 33728-7 "Size.maximum dimension in Tumor",
--   88040-1 "Response to cancer treatment", 60568-3 "Pathology Synoptic report" (HL7 mCODE STU2/3
--   value sets); 89247-1 "ECOG Performance Status score" (mCODE ECOGPerformanceStatus profile);
--   6875-9 "Cancer Ag 15-3 [Units/volume] in Serum or Plasma"; 751-8 "Neutrophils [#/volume] in
--   Blood by Automated count" (LOINC 2.7x long common names); 21906-3 "Regional lymph
--   nodes.clinical [Class] Cancer" with SNOMED 62455006 "N0 category (finding)" and 53623008 "N1
--   category (finding)" (the eCQM/CQL value sets of the mCODE test kit).
-- * RECIST answers (LOINC answer list): LA28366-5 Complete response, LA28369-9 Partial response,
--   LA28371-5 Stable disease, LA28370-7 Progressive disease.
-- * SNOMED CT stage values 258215001 / 258219007 / 258224005 / 258228008 "Stage 1..4 (qualifier
--   value)"; 10828004 "Positive (qualifier value)", 260385009 "Negative (qualifier value)".

local sct, loinc = codes.snomed, codes.loinc

local O = {}
local H = lib("hazard")
local YEAR_MS = H.YEAR_MS

-- Encounters ---------------------------------------------------------------------------------
O.ENC_PROBLEM = sct(185347001, "Encounter for problem (procedure)")
O.ENC_FOLLOWUP = sct(390906007, "Follow-up encounter (procedure)")
O.ENC_ADMIT = sct(32485007, "Hospital admission (procedure)")

-- Conditions shared by the cancer modules ----------------------------------------------------
O.METASTASIS = sct(128462008, "Secondary malignant neoplastic disease (disorder)")

-- Procedures / care plans ---------------------------------------------------------------------
O.CHEMOTHERAPY = sct(367336001, "Chemotherapy (procedure)")
O.TELERADIOTHERAPY = sct(33195004, "Teleradiotherapy procedure (procedure)")
O.PALLIATIVE_CARE = sct(103735009, "Palliative care (regime/therapy)")
O.HOSPICE_CARE = sct(385763009, "Hospice care (regime/therapy)")

-- Observations -------------------------------------------------------------------------------
O.STAGE_GROUP = loinc("21908-9", "Stage group.clinical Cancer")
O.NODES = loinc("21906-3", "Regional lymph nodes.clinical [Class] Cancer")
O.TUMOR_SIZE = loinc("33728-7", "Size.maximum dimension in Tumor")
O.RESPONSE = loinc("88040-1", "Response to cancer treatment")
O.ECOG = loinc("89247-1", "ECOG Performance Status score")
O.CA15_3 = loinc("6875-9", "Cancer Ag 15-3 [Units/volume] in Serum or Plasma")
O.NEUTROPHILS = loinc("751-8", "Neutrophils [#/volume] in Blood by Automated count")
O.PATHOLOGY_REPORT = loinc("60568-3", "Pathology Synoptic report")

-- Values -------------------------------------------------------------------------------------
O.STAGE = {
  sct(258215001, "Stage 1 (qualifier value)"),
  sct(258219007, "Stage 2 (qualifier value)"),
  sct(258224005, "Stage 3 (qualifier value)"),
  sct(258228008, "Stage 4 (qualifier value)"),
}
O.N0 = sct(62455006, "N0 category (finding)")
O.N1 = sct(53623008, "N1 category (finding)")
O.POSITIVE = sct(10828004, "Positive (qualifier value)")
O.NEGATIVE = sct(260385009, "Negative (qualifier value)")
O.RECIST = {
  CR = loinc("LA28366-5", "Complete response"),
  PR = loinc("LA28369-9", "Partial response"),
  SD = loinc("LA28371-5", "Stable disease"),
  PD = loinc("LA28370-7", "Progressive disease"),
}

-- Helpers ------------------------------------------------------------------------------------
-- (age and piecewise-constant hazard waits are lib("hazard")'s, re-exported for the modules)
O.YEAR_MS = H.YEAR_MS
O.age = H.age_years
O.wait_years = H.wait_years

-- an exponential draw (years) with the given median in months
function O.exp_months(p, median_months)
  return -math.log(1 - p:random()) * median_months / math.log(2) / 12
end

-- Absolute instants kept in attributes: the module passes the value (p:attr("name"), literally,
-- so that lint and the attribute map see the read).
-- years from now until instant `at` (>= 0; 500 when unset). An instant counts as reached within
-- a minute of it (a Delay's end is rounded to the ms).
function O.years_until(p, at)
  if not at then return 500 end
  return math.max(0, (at - p.time) / YEAR_MS) + 1 / (365.2425 * 1440)
end

function O.due(p, at)
  return at ~= nil and p.time >= at - 60000
end

-- A line of therapy for advanced disease: its best response, drawn from best_by_line ({first line,
-- later lines}, each {{weight, "CR"|"PR"|"SD"|"PD"}, ...}), and the instant it ends. Time on the
-- line is exponential with the regimen's median progression-free survival (median_months; at least
-- 2 months), 1.5-2.5 months when the best response is progression. Overall survival is drawn
-- first (until_at: when palliative care begins), so a long survivor would otherwise run through a
-- dozen short lines; instead no line ends before an even share of the time left among the lines
-- still allowed (max_lines in all), and the last allowed line lasts until until_at: long survivors
-- have durable responses. Returns the end instant and the best response (the module sets it).
function O.plan_line(p, line, best_by_line, median_months, max_lines, until_at)
  local best = O.choose(p, best_by_line[line == 1 and 1 or 2])
  local months
  if best == "PD" then months = 1.5 + p:random() else months = math.max(2, O.exp_months(p, median_months) * 12) end
  local at = p.time + months / 12 * YEAR_MS
  local left = max_lines - line + 1
  if left <= 1 then at = until_at else at = math.max(at, p.time + (until_at - p.time) / left) end
  return math.min(at, until_at), best
end

-- weighted choice among {{weight, value}, ...}
function O.choose(p, list)
  local u, acc = p:random(), 0
  for i = 1, #list do
    acc = acc + list[i][1]
    if u < acc then return list[i][2] end
  end
  return list[#list][2]
end

-- Tumor markers and drugs of the lung family -----------------------------------------------------
-- LOINC 2039-6 "Carcinoembryonic Ag [Mass/volume] in Serum or Plasma" (HL7 FHIR IG value sets of
-- tumor markers, several sources).
O.CEA = loinc("2039-6", "Carcinoembryonic Ag [Mass/volume] in Serum or Plasma")

-- Lung cancer drugs (RxNorm clinical drugs). Checked in public code/value-set listings of RxNorm
-- codes (Synthea-derived code lists and FHIR examples): 597195, 309311, 1734340, 1657750, 1721581,
-- 1860480, 583214 ("paclitaxel 100 MG Injection", the name Synthea's records carry; the breast
-- modules use it too [verify in RxNav]).
-- NOT verified (from memory; check in RxNav before merging): 1728083 pemetrexed, 1727455 alectinib.
local rx = codes.rxnorm
O.CARBOPLATIN = rx(597195, "carboplatin 10 MG/ML Injectable Solution")
O.CISPLATIN = rx(309311, "cisplatin 1 MG/ML Injectable Solution")
O.ETOPOSIDE = rx(1734340, "etoposide 100 MG Injection")
O.PACLITAXEL = rx(583214, "paclitaxel 100 MG Injection")
O.DOCETAXEL = rx(1860480, "1 ML docetaxel 20 MG/ML Injection")
O.PEMBROLIZUMAB = rx(1657750, "4 ML pembrolizumab 25 MG/ML Injection")
O.PEMETREXED = rx(1728083, "pemetrexed 500 MG Injection")
O.OSIMERTINIB = rx(1721581, "osimertinib 80 MG Oral Tablet")
O.ALECTINIB = rx(1727455, "alectinib 150 MG Oral Capsule")

-- Tumor marker of the prostate family ------------------------------------------------------------
-- LOINC 2857-1 "Prostate specific Ag [Mass/volume] in Serum or Plasma" (VSAC value set Prostate
-- Specific Antigen Test 2.16.840.1.113883.3.526.3.401; MII/BIH ProstateCancerSpec PSA profile).
O.PSA = loinc("2857-1", "Prostate specific Ag [Mass/volume] in Serum or Plasma")

-- Imaging and answers of the colorectal family ---------------------------------------------------
-- SNOMED 418023006 "Computed tomography of chest, abdomen and pelvis (procedure)"; LOINC answers
-- LA11882-0 "Detected" / LA11883-8 "Not detected" (answer list LL1055-4, as bound in public FHIR
-- IGs). (CEA, above, is shared with the lung family.)
O.CT_CAP = sct(418023006, "Computed tomography of chest, abdomen and pelvis (procedure)")
O.DETECTED = loinc("LA11882-0", "Detected")
O.NOT_DETECTED = loinc("LA11883-8", "Not detected")

-- State blocks every metastatic course shares (added to the module's state table S) ------------
-- After progression: end the line's oral drug, if any (its order is in attribute `drug_attr`),
-- then go to `next`.
function O.stop_oral(S, drug_attr, next)
  S.Stop_Oral_Check = { type = "Simple", conditional_transition = when {
    { attribute(drug_attr, "is not nil"), "Stop_Oral" }, { next } } }
  S.Stop_Oral = { type = "MedicationEnd", referenced_by_attribute = drug_attr, direct_transition = "Clear_Oral" }
  S.Clear_Oral = { type = "SetAttribute", attribute = drug_attr, direct_transition = next }
end

-- Palliative care, hospice and death from the cancer (the condition in attribute `cond_attr`):
-- Palliative_Visit (with its care plan), a Supportive delay (default 1-3 months; opts.supportive
-- and opts.supportive_unit to replace it), the hospice encounter with ECOG 3-4 and its care plan,
-- a stay of opts.hospice_weeks (default {1, 6}) weeks, Death, Terminal.
function O.end_of_life(S, cond_attr, opts)
  opts = opts or {}
  local stay = opts.hospice_weeks or { 1, 6 }
  S.Palliative_Visit = { type = "Encounter", encounter_class = "ambulatory", reason = cond_attr, codes = { O.ENC_FOLLOWUP },
                         direct_transition = "Palliative_Plan" }
  S.Palliative_Plan = { type = "CarePlanStart", reason = cond_attr, codes = { O.PALLIATIVE_CARE },
                        direct_transition = "Palliative_End" }
  S.Palliative_End = { type = "EncounterEnd", direct_transition = "Supportive" }
  S.Supportive = { type = "Delay", distribution = opts.supportive or uniform { months(1), months(3) },
                   unit = opts.supportive_unit, direct_transition = "Hospice" }
  S.Hospice = { type = "Encounter", encounter_class = "hospice", reason = cond_attr, codes = { O.HOSPICE_CARE },
                direct_transition = "Hospice_ECOG" }
  S.Hospice_ECOG = { type = "Observation", category = "survey", unit = "{score}", codes = { O.ECOG },
                     range = { low = 3, high = 4, decimals = 0 }, direct_transition = "Hospice_Plan" }
  S.Hospice_Plan = { type = "CarePlanStart", reason = cond_attr, codes = { O.HOSPICE_CARE }, direct_transition = "Hospice_Stay" }
  S.Hospice_Stay = { type = "Delay", distribution = uniform { weeks(stay[1]), weeks(stay[2]) }, direct_transition = "Death" }
  S.Death = { type = "Death", referenced_by_attribute = cond_attr, direct_transition = "Terminal" }
  S.Terminal = { type = "Terminal" }
end

return O
