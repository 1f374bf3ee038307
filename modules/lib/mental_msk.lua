-- Shared codes and helpers of the mental-health / musculoskeletal family (depression.lua,
-- osteoarthritis.lua).
--
-- Code sources (codes and names only):
-- * SNOMED CT: Synthea's modules (osteoarthritis.json, total_joint_replacement.json) and genuine
--   2024 sample output (/work/shared/data/synthea-sample), with the semantic tag of the fully
--   specified name; eCQM value sets (VSAC) for psychotherapy (75516001).
-- * LOINC: PHQ-9 panel 44249-1 and total score 44261-6 (LOINC long common names as used in US Core
--   and LHC-Forms); PHQ-9 Modified for Teens 89204-2 and pain score 72514-3 as written by Synthea.
-- * RxNorm clinical drugs (SCD): VSAC eCQM "Antidepressant Medication" expansion (312941, 349332,
--   993541); Synthea sample output (849574); NLM RxNorm names for 198014 and 198440.

local sct, loinc, rx = codes.snomed, codes.loinc, codes.rxnorm

local L = {}

-- Encounters ---------------------------------------------------------------------------------
L.ENC_PROBLEM = sct(185347001, "Encounter for problem (procedure)")
L.ENC_FOLLOWUP = sct(390906007, "Follow-up encounter (procedure)")
L.ENC_ADMIT = sct(32485007, "Hospital admission (procedure)")

-- Depression ---------------------------------------------------------------------------------
L.MDD_SINGLE = sct(36923009, "Major depression, single episode (disorder)")
L.MDD_RECURRENT = sct(66344007, "Recurrent major depression (disorder)")
L.MDD = sct(370143000, "Major depressive disorder (disorder)")
L.PHQ9_SCREENING = sct(715252007, "Depression screening using Patient Health Questionnaire Nine Item score (procedure)")
L.PSYCHOTHERAPY = sct(75516001, "Psychotherapy (regime/therapy)")
L.PHQ9_PANEL = loinc("44249-1", "PHQ-9 quick depression assessment panel [Reported.PHQ]")
L.PHQ9_TOTAL = loinc("44261-6", "Patient Health Questionnaire 9 item (PHQ-9) total score [Reported]")
L.PHQ9_TEEN = loinc("89204-2", "Patient Health Questionnaire-9: Modified for Teens total score [Reported.PHQ.Teen]")
L.SERTRALINE = rx(312941, "sertraline 50 MG Oral Tablet")
L.ESCITALOPRAM = rx(349332, "escitalopram 10 MG Oral Tablet")
L.BUPROPION = rx(993541, "24 HR bupropion hydrochloride 150 MG Extended Release Oral Tablet")

-- Osteoarthritis -----------------------------------------------------------------------------
L.OA_KNEE = sct(239873007, "Osteoarthritis of knee (disorder)")
L.OA_HIP = sct(239872002, "Osteoarthritis of hip (disorder)")
L.XRAY_KNEE = sct(396181006, "Plain X-ray of knee (procedure)")
L.XRAY_HIP = sct(783628002, "Plain X-ray of hip (procedure)")
L.PAIN_SCORE = loinc("72514-3", "Pain severity - 0-10 verbal numeric rating [Score] - Reported")
L.PT_PLAN = sct(773513001, "Physiotherapy care plan (record artifact)")
L.PHYSICAL_THERAPY = sct(91251008, "Physical therapy procedure (regime/therapy)")
L.STRETCHING = sct(229070002, "Stretching exercises (regime/therapy)")
L.TKR = sct(609588000, "Prosthetic total arthroplasty of knee joint (procedure)")
L.THR = sct(52734007, "Total replacement of hip (procedure)")
L.ACETAMINOPHEN = rx(198440, "acetaminophen 500 MG Oral Tablet")
L.NAPROXEN = rx(198014, "naproxen 500 MG Oral Tablet")

-- Time helpers (lib/hazard.lua) ------------------------------------------------------------------
local H = lib("hazard")
L.YEAR_MS = H.YEAR_MS
L.age_years = H.age_years
L.wait_years = H.wait_years
L.rate_now = H.rate_now

-- A BMI risk multiplier normalised so the adult population average is 1 (obese_rr: hazard ratio
-- for BMI >= 30 against < 30; obese_share: adult obesity prevalence); 1 when no BMI is recorded.
function L.bmi_multiplier(p, obese_rr, obese_share)
  local bmi = p:vital("BMI")
  if bmi == nil then return 1 end
  local mean = obese_share * obese_rr + (1 - obese_share)
  if bmi >= 30 then return obese_rr / mean end
  return 1 / mean
end

return L
