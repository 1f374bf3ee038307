-- Shared codes and helpers of the acute-illness family (acute_uri, acute_otitis_media,
-- acute_strep_pharyngitis, acute_uti, acute_bronchitis).
--
-- Code sources (codes and names only):
-- * SNOMED CT fully specified names as written in Synthea's modules and its genuine 2024 sample
--   (/work/shared/data/synthea-sample: 185345009, 43878008, 10509002, 65363002, 68566005) and in
--   HL7 FHIR implementation guides and terminology tables (54150009, qualifier values, organism).
-- * LOINC long common names: 8310-5, 5799-2, 5802-4, 630-4 as in the Synthea 2024 sample
--   (observations.csv); 78012-2 as listed in the NCQA eCQM "Group A Streptococcus Test" value set
--   (CMS146, Appropriate Testing for Pharyngitis).
-- * RxNorm clinical drugs (SCD), rxcui and name as listed in an eCQM antibiotic value set
--   (VSAC, as mirrored in public repositories) and the openFDA NDC directory.

local sct, loinc, rx = codes.snomed, codes.loinc, codes.rxnorm

local A = {}

-- Encounters ---------------------------------------------------------------------------------
A.ENC_SYMPTOM = sct(185345009, "Encounter for symptom (procedure)")
A.ENC_URGENT = sct(702927004, "Urgent care clinic (environment)")
A.ENC_ER = sct(50849002, "Emergency room admission (procedure)")

-- Conditions -----------------------------------------------------------------------------------
A.URI = sct(54150009, "Upper respiratory infection (disorder)")
A.OTITIS_MEDIA = sct(65363002, "Otitis media (disorder)")
A.STREP_THROAT = sct(43878008, "Streptococcal sore throat (disorder)")
A.UTI = sct(68566005, "Urinary tract infectious disease (disorder)")
A.BRONCHITIS = sct(10509002, "Acute bronchitis (disorder)")

-- Observations ---------------------------------------------------------------------------------
A.TEMPERATURE = loinc("8310-5", "Body temperature")
A.RAPID_STREP = loinc("78012-2", "Streptococcus pyogenes Ag [Presence] in Throat by Rapid immunoassay")
A.URINE_LEUK = loinc("5799-2", "Leukocyte esterase [Presence] in Urine by Test strip")
A.URINE_NITRITE = loinc("5802-4", "Nitrite [Presence] in Urine by Test strip")
A.URINE_CULTURE = loinc("630-4", "Bacteria identified in Urine by Culture")
A.POSITIVE = sct(10828004, "Positive (qualifier value)")
A.NEGATIVE = sct(260385009, "Negative (qualifier value)")
A.E_COLI = sct(112283007, "Escherichia coli (organism)")

-- Drugs (RxNorm SCD) ---------------------------------------------------------------------------
A.AMOX_SUSP_HIGH = rx(308189, "amoxicillin 80 MG/ML Oral Suspension")   -- 400 mg/5 mL
A.AMOX_SUSP = rx(239191, "amoxicillin 50 MG/ML Oral Suspension")        -- 250 mg/5 mL
A.AMOX_500 = rx(308191, "amoxicillin 500 MG Oral Capsule")
A.PEN_V_500 = rx(834102, "penicillin V potassium 500 MG Oral Tablet")
A.AZITHRO_250 = rx(308460, "azithromycin 250 MG Oral Tablet")
A.NITROFURANTOIN = rx(1648755, "nitrofurantoin, macrocrystals 25 MG / nitrofurantoin, monohydrate 75 MG Oral Capsule")
A.TMP_SMX_DS = rx(198335, "sulfamethoxazole 800 MG / trimethoprim 160 MG Oral Tablet")
A.CEPHALEXIN_SUSP = rx(309113, "cephalexin 50 MG/ML Oral Suspension")

-- Time helpers (lib/hazard.lua) ------------------------------------------------------------------
local H = lib("hazard")
A.YEAR_MS = H.YEAR_MS
A.wait_years = H.wait_years

-- A personal susceptibility drawn once: a two-point mixture with mean 1, `prone_share` of people
-- at `prone_mult` times the average rate and the rest at the rate that keeps the mean at 1.
function A.susceptibility(p, prone_share, prone_mult)
  if p:random() < prone_share then return prone_mult end
  return (1 - prone_share * prone_mult) / (1 - prone_share)
end

return A
