-- Shared codes and helpers of the cardiometabolic family (hypertension.lua, diabetes.lua,
-- hyperlipidemia.lua, obesity.lua). No figures live here: each module's header cites its own.
--
-- Code sources (codes and names only):
-- * SNOMED CT fully specified names as used in Synthea's modules and its 2024 sample output
--   (/work/shared/data/synthea-sample) and in the VSAC eCQM value sets (eCQM Update 2025-05-08).
-- * RxNorm clinical drugs (SCD) with their RxNorm names; names checked against the VSAC eCQM
--   value sets and the NLM RxNorm crosswalk where available (RxNorm's own lower-case names, not
--   the FDA Tall Man spellings such as glipiZIDE).
-- * LOINC long common names: the table of docs/library.md (the same as lib/lifecycle.lua).

local sct, loinc, rx = codes.snomed, codes.loinc, codes.rxnorm

local C = {}

-- Conditions ------------------------------------------------------------------------------------
C.HYPERTENSION = sct(59621000, "Essential hypertension (disorder)")
C.PREDIABETES = sct(714628002, "Prediabetes (finding)") -- replaces the inactive 15777000
C.DIABETES = sct(44054006, "Diabetes mellitus type 2 (disorder)")
C.RETINOPATHY = sct(1551000119108, "Nonproliferative diabetic retinopathy due to type 2 diabetes mellitus (disorder)")
C.NEUROPATHY = sct(368581000119106, "Neuropathy due to type 2 diabetes mellitus (disorder)")
C.MICROALBUMINURIA = sct(90781000119102, "Microalbuminuria due to type 2 diabetes mellitus (disorder)")
C.HYPERLIPIDEMIA = sct(55822004, "Hyperlipidemia (disorder)")
C.OBESITY = sct(162864005, "Body mass index 30+ - obesity (finding)")

-- Care plans and their activities ------------------------------------------------------------------
C.HTN_PLAN = sct(443402002, "Lifestyle education regarding hypertension (procedure)")
C.DM_PLAN = sct(698360004, "Diabetes self management plan (record artifact)")
C.EXERCISE = sct(229065009, "Exercise therapy (regime/therapy)")
C.HEALTHY_DIET = sct(226234005, "Healthy diet (regime/therapy)")
C.DIABETIC_DIET = sct(160670007, "Diabetic diet (finding)")
C.WEIGHT_DIET = sct(266724001, "Weight-reducing diet education (procedure)")
C.WEIGHT_ADVICE = sct(275919002, "Weight loss advised (situation)")

-- Medications (RxNorm SCD) ----------------------------------------------------------------------
C.LISINOPRIL = rx(314076, "lisinopril 10 MG Oral Tablet")
C.AMLODIPINE = rx(197361, "amlodipine 5 MG Oral Tablet")
C.HCTZ = rx(310798, "hydrochlorothiazide 25 MG Oral Tablet")
C.METFORMIN = rx(861007, "metformin hydrochloride 500 MG Oral Tablet")
C.GLIPIZIDE = rx(310490, "glipizide 5 MG Oral Tablet")
C.GLARGINE = rx(311041, "insulin glargine 100 UNT/ML Injectable Solution")
C.ATORVASTATIN_20 = rx(617310, "atorvastatin 20 MG Oral Tablet")
C.ATORVASTATIN_40 = rx(617311, "atorvastatin 40 MG Oral Tablet")

-- Observations (LOINC; the vital signs of docs/library.md) -------------------------------------------
C.BP_PANEL = loinc("85354-9", "Blood pressure panel with all children optional")
C.SBP = loinc("8480-6", "Systolic blood pressure")
C.DBP = loinc("8462-4", "Diastolic blood pressure")
C.GLUCOSE = loinc("2339-0", "Glucose [Mass/volume] in Blood")
C.A1C = loinc("4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood")
C.LIPID_PANEL = loinc("57698-3", "Lipid panel with direct LDL - Serum or Plasma")
C.CHOL = loinc("2093-3", "Cholesterol [Mass/volume] in Serum or Plasma")
C.LDL = loinc("18262-6", "Cholesterol in LDL [Mass/volume] in Serum or Plasma by Direct assay")
C.HDL = loinc("2085-9", "Cholesterol in HDL [Mass/volume] in Serum or Plasma")
C.TG = loinc("2571-8", "Triglyceride [Mass/volume] in Serum or Plasma")

-- State builders -------------------------------------------------------------------------------------
local function lab(code, vital, unit)
  return { codes = { code }, unit = unit, vital_sign = vital }
end

-- a blood pressure panel (the physiology's current values)
function C.bp_state(next_state)
  return { type = "MultiObservation", category = "vital-signs", codes = { C.BP_PANEL },
           observations = { lab(C.SBP, "Systolic Blood Pressure", "mm[Hg]"),
                            lab(C.DBP, "Diastolic Blood Pressure", "mm[Hg]") },
           direct_transition = next_state }
end

-- HbA1c and fasting glucose, as laboratory observations
function C.a1c_state(next_state)
  return { type = "Observation", category = "laboratory", codes = { C.A1C }, unit = "%",
           vital_sign = "HbA1c", direct_transition = next_state }
end
function C.glucose_state(next_state)
  return { type = "Observation", category = "laboratory", codes = { C.GLUCOSE }, unit = "mg/dL",
           vital_sign = "Glucose", direct_transition = next_state }
end

-- the lipid panel as a diagnostic report
function C.lipid_state(next_state)
  return { type = "DiagnosticReport", codes = { C.LIPID_PANEL },
           observations = { lab(C.CHOL, "Total Cholesterol", "mg/dL"), lab(C.LDL, "LDL", "mg/dL"),
                            lab(C.HDL, "HDL", "mg/dL"), lab(C.TG, "Triglycerides", "mg/dL") },
           direct_transition = next_state }
end

-- Time and risk helpers (lib/hazard.lua) ------------------------------------------------------------------
local H = lib("hazard")
C.YEAR_MS = H.YEAR_MS
C.age_years = H.age_years
C.wait_years = H.wait_years

-- the relative risk of a person's adiposity: exp(b z - b^2/2), z the lifecycle adiposity z-score
-- (lc_adipo_z, the person's stable BMI position); averages 1 over the population
function C.adiposity_rr(p, b)
  local z = p:attr("lc_adipo_z")
  if type(z) ~= "number" then return 1 end
  return math.exp(b * z - b * b / 2)
end

return C
