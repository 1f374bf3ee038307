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

-- Time helpers ---------------------------------------------------------------------------------
local YEAR_MS = 365.2425 * 86400000
L.YEAR_MS = YEAR_MS

function L.age_years(p)
  return (p.time - p.birth) / YEAR_MS
end

-- Years until the next event of a process whose hazard is piecewise constant in age: `bands` is an
-- ascending list of {upper_age, events_per_year}; past the last band there are no events. One
-- uniform draw (the cumulative hazard reaches an Exp(1) variate), exact across band edges.
-- Returns 300 when no event comes within the bands.
function L.wait_years(p, bands, mult)
  local a = L.age_years(p)
  local need = -math.log(1 - p:random())
  local t = 0
  mult = mult or 1
  for i = 1, #bands do
    local hi, r = bands[i][1], bands[i][2] * mult
    if a < hi then
      local span = hi - a
      if r > 0 and need <= r * span then return t + need / r end
      if r > 0 then need = need - r * span end
      t = t + span
      a = hi
    end
  end
  return 300
end

-- the rate of a piecewise-constant schedule at the patient's current age
function L.rate_now(p, bands)
  local a = L.age_years(p)
  for i = 1, #bands do
    if a < bands[i][1] then return bands[i][2] end
  end
  return 0
end

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
