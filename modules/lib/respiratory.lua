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

-- Time helpers (lib/hazard.lua) ------------------------------------------------------------------
local H = lib("hazard")
L.YEAR_MS = H.YEAR_MS
L.age_years = H.age_years
L.wait_years = H.wait_years
L.rate_now = H.rate_now

return L
