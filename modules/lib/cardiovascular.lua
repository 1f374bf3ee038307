-- Shared codes and risk helpers of the cardiovascular family (coronary_heart_disease.lua,
-- stroke.lua, chronic_kidney_disease.lua).
--
-- Code sources (codes and names only): SNOMED CT fully specified names and RxNorm clinical drug
-- (SCD) names as used in Synthea's cardiovascular modules (synthetichealth/synthea,
-- CardiovascularDiseaseModule.java and modules/heart/*.json) and HL7 FHIR implementation
-- guides (CKD stage value sets); LOINC long common names from LOINC 2.7x.
--
-- Risk factors read (docs/library.md; a missing attribute counts as absent): `smoker`,
-- `former_smoker` (lifecycle), `hypertension`, `diabetes`, `hyperlipidemia`, `statin`
-- (cardiometabolic); the coronary heart disease record of coronary_heart_disease.lua.
--
-- Expected risk-factor prevalence by age, used to divide the relative risks by their population
-- mean so that the baseline hazards stay population figures (approximate, rounded):
-- * current smoking 18-44 14%, 45-64 15%, 65+ 9%; former smoking 10%, 25%, 40% (Cornelius ME
--   et al. MMWR 2022;71:397-405, NHIS 2020; former smokers from NHIS 2019 Early Release)
-- * hypertension (>= 130/80 or treated) 18-39 22%, 40-59 55%, 60+ 75% (Ostchega Y et al. NCHS
--   Data Brief 364, 2020, NHANES 2017-2018)
-- * diabetes (diagnosed or not) 18-44 4%, 45-64 17%, 65+ 27% (CDC National Diabetes Statistics
--   Report 2020, Table 1a)
-- * hyperlipidemia (cardiometabolic's definition, LDL >= 160 or treated) about 10% at 18-39,
--   30% at 40-59, 40% at 60+ [assumption: NCHS Data Brief 363 high cholesterol plus statin use]

local sct, loinc, rx = codes.snomed, codes.loinc, codes.rxnorm

local L = {}

-- Encounters ---------------------------------------------------------------------------------
L.ENC_ER = sct(50849002, "Emergency room admission (procedure)")
L.ENC_ADMIT = sct(32485007, "Hospital admission (procedure)")
L.ENC_PROBLEM = sct(185347001, "Encounter for problem (procedure)")
L.ENC_FOLLOWUP = sct(390906007, "Follow-up encounter (procedure)")

-- Conditions -----------------------------------------------------------------------------------
L.CHD = sct(53741008, "Coronary arteriosclerosis (disorder)")
L.ANGINA = sct(194828000, "Angina (disorder)")
L.MI = sct(22298006, "Myocardial infarction (disorder)")
L.STEMI = sct(401303003, "Acute ST segment elevation myocardial infarction (disorder)")
L.NSTEMI = sct(401314000, "Acute non-ST segment elevation myocardial infarction (disorder)")
L.MI_HISTORY = sct(399211009, "History of myocardial infarction (situation)")
L.STROKE = sct(230690007, "Cerebrovascular accident (disorder)")
L.ISCHEMIC_STROKE = sct(422504002, "Ischemic stroke (disorder)")
L.HEMORRHAGIC_STROKE = sct(274100004, "Cerebral hemorrhage (disorder)")
L.STROKE_HISTORY_DEFICIT = sct(440140008, "History of cerebrovascular accident with residual deficit (situation)")
L.STROKE_HISTORY = sct(429993008, "History of cerebrovascular accident without residual deficits (situation)")
L.CKD = {
  sct(431855005, "Chronic kidney disease stage 1 (disorder)"),
  sct(431856006, "Chronic kidney disease stage 2 (disorder)"),
  sct(433144002, "Chronic kidney disease stage 3 (disorder)"),
  sct(431857002, "Chronic kidney disease stage 4 (disorder)"),
  sct(433146000, "Chronic kidney disease stage 5 (disorder)"),
}

-- Procedures -----------------------------------------------------------------------------------
L.ECG = sct(29303009, "Electrocardiographic procedure (procedure)")
L.CORONARY_ANGIOGRAPHY = sct(33367005, "Angiography of coronary artery (procedure)")
L.PCI = sct(415070008, "Percutaneous coronary intervention (procedure)")
L.CABG = sct(232717009, "Coronary artery bypass grafting (procedure)")
L.ECHO = sct(40701008, "Echocardiography (procedure)")
L.CT_HEAD = sct(303653007, "Computed tomography of head (procedure)")
L.DIALYSIS = sct(265764009, "Renal dialysis (procedure)")
L.REHAB = sct(52052004, "Rehabilitation therapy (regime/therapy)")

-- Observations ---------------------------------------------------------------------------------
L.TROPONIN = loinc("89579-7", "Troponin I.cardiac [Mass/volume] in Serum or Plasma by High sensitivity method")
L.CREATININE = loinc("38483-4", "Creatinine [Mass/volume] in Blood")
L.ACR = loinc("9318-7", "Albumin/Creatinine [Mass Ratio] in Urine")
L.EGFR = loinc("98979-8",
  "Glomerular filtration rate/1.73 sq M.predicted [Volume Rate/Area] in Serum, Plasma or Blood by Creatinine-based formula (CKD-EPI 2021)")

-- Medications (RxNorm SCD) ---------------------------------------------------------------------
L.ASPIRIN = rx(243670, "aspirin 81 MG Oral Tablet")
L.CLOPIDOGREL = rx(309362, "clopidogrel 75 MG Oral Tablet")
L.ATORVASTATIN = rx(259255, "atorvastatin 80 MG Oral Tablet")
L.METOPROLOL = rx(866436, "24 HR metoprolol succinate 50 MG Extended Release Oral Tablet")
L.NITROGLYCERIN = rx(705129, "nitroglycerin 0.4 MG/ACTUAT Mucosal Spray")
L.ALTEPLASE = rx(1804799, "alteplase 100 MG Injection")
L.LISINOPRIL = rx(314076, "lisinopril 10 MG Oral Tablet")

-- Risk -------------------------------------------------------------------------------------------
local H = lib("hazard")
L.YEAR_MS = H.YEAR_MS
L.interp = H.interp -- piecewise-linear interpolation in {x, y} knots (flat outside)

L.age = H.age_years

local function prev_smoke(age) return age < 45 and 0.14 or age < 65 and 0.15 or 0.09 end
local function prev_former(age) return age < 45 and 0.10 or age < 65 and 0.25 or 0.40 end
local function prev_htn(age) return age < 40 and 0.22 or age < 60 and 0.55 or 0.75 end
local function prev_dm(age) return age < 45 and 0.04 or age < 65 and 0.17 or 0.27 end
local function prev_lip(age) return age < 40 and 0.10 or age < 60 and 0.30 or 0.40 end
-- coronary heart disease ever diagnosed (the target of coronary_heart_disease.lua)
local function prev_chd(age) return age < 45 and 0.01 or age < 65 and 0.063 or age < 75 and 0.143 or 0.242 end

-- rr = { smoker =, former =, hypertension =, diabetes =, hyperlipidemia =, statin_moderate =,
--        statin_high =, chd = (optional) } (relative risks; the statin factors multiply the
--        hyperlipidemia excess; chd: an active coronary arteriosclerosis record)
-- Returns the patient's risk multiplier divided by its expected population mean at this age.
function L.relative_risk(p, rr, age)
  local m = 1
  if p:attr("smoker") == true then
    m = m * rr.smoker
  elseif p:attr("former_smoker") == true then
    m = m * rr.former
  end
  if p:attr("hypertension") == true then m = m * rr.hypertension end
  if p:attr("diabetes") == true then m = m * rr.diabetes end
  if p:attr("hyperlipidemia") == true then
    local st = p:attr("statin")
    local f = rr.hyperlipidemia
    if st == "moderate" then
      f = 1 + (f - 1) * rr.statin_moderate
    elseif st == "high" then
      f = 1 + (f - 1) * rr.statin_high
    end
    m = m * f
  end
  local s, fo = prev_smoke(age), prev_former(age)
  local mean = (1 - s - fo + s * rr.smoker + fo * rr.former)
    * (1 + prev_htn(age) * (rr.hypertension - 1))
    * (1 + prev_dm(age) * (rr.diabetes - 1))
    * (1 + prev_lip(age) * (rr.hyperlipidemia - 1) * 0.7)
  if rr.chd then
    if p:has_condition(L.CHD) then m = m * rr.chd end
    mean = mean * (1 + prev_chd(age) * (rr.chd - 1))
  end
  return m / mean
end

return L
