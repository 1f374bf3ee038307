-- Shared codes and helpers of the respiratory family (asthma.lua, copd.lua).
--
-- Code sources (codes and names only):
-- * SNOMED CT fully specified names (with semantic tag) as used in Synthea's asthma and COPD
--   modules and HL7 FHIR implementation guides; LOINC long common names (loinc.org).
-- * RxNorm clinical drugs (SCD) with their RxNorm names; each rxcui checked against the openFDA
--   NDC directory (e.g. 485032 on the tiotropium 18 mcg capsules, 1246288 / 1246304 on the
--   budesonide-formoterol 80/4.5 and 160/4.5 mcg inhalers).

local sct, loinc, rx = codes.snomed, codes.loinc, codes.rxnorm

local L = {}

-- Conditions ---------------------------------------------------------------------------------
L.ASTHMA = sct(195967001, "Asthma (disorder)")
L.CHILDHOOD_ASTHMA = sct(233678006, "Childhood asthma (disorder)")
L.COPD = sct(13645005, "Chronic obstructive lung disease (disorder)")

-- Encounters ---------------------------------------------------------------------------------
L.ENC_SYMPTOM = sct(185345009, "Encounter for symptom (procedure)")
L.ENC_PROBLEM = sct(185347001, "Encounter for problem (procedure)")
L.ENC_CHECKUP = sct(185349003, "Encounter for check up (procedure)")
L.ENC_FOLLOWUP = sct(390906007, "Follow-up encounter (procedure)")
L.ENC_ER = sct(50849002, "Emergency room admission (procedure)")
L.ENC_URGENT = sct(702927004, "Urgent care clinic (environment)")
L.ENC_ADMIT = sct(32485007, "Hospital admission (procedure)")
L.DISCHARGE_HOME = codes.nubc("01", "Discharged to home care or self care (routine discharge)")

-- Tests --------------------------------------------------------------------------------------
L.SPIROMETRY = sct(127783003, "Spirometry (procedure)")
L.FEV1_FVC = loinc("19926-5", "FEV1/FVC")

-- Drugs (RxNorm SCD) ---------------------------------------------------------------------------
-- relievers
L.ALBUTEROL_MDI = rx(745679, "200 ACTUAT albuterol 0.09 MG/ACTUAT Metered Dose Inhaler")
L.ALBUTEROL_NEB = rx(245314, "albuterol 5 MG/ML Inhalation Solution")
-- asthma controllers
L.FLUTICASONE_44 = rx(895994, "120 ACTUAT fluticasone propionate 0.044 MG/ACTUAT Metered Dose Inhaler")
L.BUD_FORM_80 = rx(1246288, "120 ACTUAT budesonide 0.08 MG/ACTUAT / formoterol fumarate 0.0045 MG/ACTUAT Metered Dose Inhaler")
L.BUD_FORM_160 = rx(1246304, "120 ACTUAT budesonide 0.16 MG/ACTUAT / formoterol fumarate 0.0045 MG/ACTUAT Metered Dose Inhaler")
-- COPD maintenance
L.TIOTROPIUM = rx(485032, "tiotropium 0.018 MG Inhalation Powder")
L.FLUTICASONE_SALMETEROL = rx(896209, "60 ACTUAT fluticasone propionate 0.25 MG/ACTUAT / salmeterol 0.05 MG/ACTUAT Dry Powder Inhaler")
-- exacerbations
L.PREDNISONE_20 = rx(312615, "prednisone 20 MG Oral Tablet")
L.AZITHROMYCIN = rx(308460, "azithromycin 250 MG Oral Tablet")

-- Time helpers ---------------------------------------------------------------------------------
-- A year is the mean Gregorian year, as the engine's `years` unit (365.2425 days).
local YEAR_MS = 365.2425 * 86400000
L.YEAR_MS = YEAR_MS

-- exact age in years (fractional)
function L.age_years(p)
  return (p.time - p.birth) / YEAR_MS
end

-- Years until the next event of a process whose hazard is piecewise constant in age.
-- `bands` is a list of {upper_age, events_per_year}, ascending; ages past the last band have no
-- events. `mult` multiplies every rate (risk factors). One uniform draw: the event happens when
-- the cumulative hazard from now reaches an Exp(1) variate, so the waiting time is exact across
-- band boundaries (no ticking). Returns 300 (beyond any life) when no event comes.
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

return L
