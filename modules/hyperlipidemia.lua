-- Hyperlipidemia (high LDL cholesterol) in adults: onset drawn once by age, sex and adiposity; LDL
-- rises from onset (the physiology reads `hyperlipidemia`), the diagnosis comes at a check-up with
-- a lipid panel, and statins follow the 2018 AHA/ACC cholesterol guideline, reviewed yearly at the
-- check-ups.
-- Attributes written (docs/library.md): `hyperlipidemia` (true from onset, diagnosed or not),
-- `statin` ("none", "moderate", "high": intensity). Family-private: `hld_condition`.
-- Numbers marked [assumption] are modelling choices with no published figure behind them.
--
-- Figures and their sources:
-- * High total cholesterol (>= 240 mg/dL, measured), 2015-2018: 20-39 7.5% (men 9.5%, women
--   5.5%), 40-59 15.7% (14.5%, 16.9%), 60+ 11.4% (6.0%, 15.9%) (Carroll MD, Fryar CD. Total and
--   high-density lipoprotein cholesterol in adults: United States, 2015-2018. NCHS Data Brief 363,
--   2020; QuickStats, MMWR 2020;69(22):690). This is the calibration target: with
--   `hyperlipidemia` the physiology puts untreated LDL at >= 160 mg/dL (total cholesterol about
--   240 and above), without it below 160; statins lower it.
-- * Onset hazard per year (fitted with realism runs to the figures above, statin use included):
--   men 0.016 (18-39), 0.022 (40-59), 0.004 (60+); women 0.004, 0.018, 0.008. Adiposity relative
--   risk exp(0.3 z - 0.045) [assumption: LDL rises with weight, Dattilo AM, Kris-Etherton PM. Am J
--   Clin Nutr 1992;56:320-328].
-- * Diagnosis: each attended check-up after onset finds it with probability 0.25 [assumption:
--   lipid screening every 4-6 years from 20 (Grundy SM et al. 2018 AHA/ACC guideline on the
--   management of blood cholesterol, Circulation 2019;139:e1082-e1143, section 4.1) plus case
--   finding]. The visit records a lipid panel.
-- * Statins (Grundy 2018, sections 4.2-4.4 and Table 3; moderate intensity = atorvastatin 10-20 mg,
--   high = 40-80 mg): LDL >= 190 mg/dL at 20-75: high intensity; 40-75 otherwise: moderate with
--   probability 0.7 (the share whose 10-year risk is >= 7.5%, not computed here [assumption]); over
--   75: moderate with probability 0.4; under 40: lifestyle. At the yearly review: a statin is
--   started at 40-75 with probability 0.3, and moderate intensity is raised to high with
--   probability 0.15 when LDL stays >= 130 mg/dL [assumption]. Users aged 40+: 17% at 40-59 and 48%
--   at 75+ took a cholesterol-lowering drug in 2011-2012 (Gu Q et al. NCHS Data Brief 177, 2014).

local C = lib("cardiometabolic")

local P = parameters {
  onset_multiplier = param(1.0, "multiplies the onset hazard of hyperlipidemia"),
}

local RATE = {
  M = { { 40, 0.016 }, { 60, 0.022 }, { 200, 0.004 } },
  F = { { 40, 0.004 }, { 60, 0.018 }, { 200, 0.008 } },
}
local DETECT = 0.25

local function onset_wait(p)
  return C.wait_years(p, RATE[p.sex], C.adiposity_rr(p, 0.3) * P.onset_multiplier)
end

local function ldl(p) return p:vital("LDL") or 160 end

-- the statin at diagnosis: "high", "moderate" or "none"
local function p_high(p)
  local a = C.age_years(p)
  if ldl(p) >= 190 and a <= 75 then return 1 end
  return 0
end
local function p_moderate(p)
  if p_high(p) > 0 then return 0 end
  local a = C.age_years(p)
  if a < 40 then return 0 end
  if a <= 75 then return 0.7 end
  return 0.4
end

local function p_start(p)
  local a = C.age_years(p)
  if a >= 40 and a <= 75 then return 0.3 end
  return 0
end
local function p_raise(p)
  if ldl(p) >= 130 then return 0.15 end
  return 0
end

local function statin_order(name, code, next_state)
  return { type = "MedicationOrder", reason = "hld_condition", codes = { code }, chronic = true,
           prescription = { refills = 11, dosage = { amount = 1, frequency = 1, period = 1, unit = "days" } },
           direct_transition = next_state }
end

return {
  name = "Hyperlipidemia",
  states = {
    Initial = { type = "Initial", direct_transition = "Adulthood" },
    Adulthood = { type = "Delay", exact = years(18), direct_transition = "Await_Onset" },
    Await_Onset = { type = "Delay", distribution = onset_wait, unit = "years", direct_transition = "Onset" },
    Onset = { type = "SetAttribute", attribute = "hyperlipidemia", value = true, direct_transition = "No_Statin" },
    No_Statin = { type = "SetAttribute", attribute = "statin", value = "none", direct_transition = "Condition" },
    Condition = { type = "ConditionOnset", target_encounter = "Diagnosis_Visit", assign_to_attribute = "hld_condition",
                  codes = { C.HYPERLIPIDEMIA }, direct_transition = "Onset_Physiology" },
    Onset_Physiology = { type = "CallSubmodule", submodule = "lifecycle/physiology", direct_transition = "Undiagnosed" },

    Undiagnosed = { type = "Simple", distributed_transition = pick { { DETECT, "Diagnosis_Visit" }, { 1 - DETECT, "Missed_Visit" } } },
    Missed_Visit = { type = "Encounter", wellness = true, direct_transition = "Missed_End" },
    Missed_End = { type = "EncounterEnd", direct_transition = "Missed_Gap" },
    Missed_Gap = { type = "Delay", exact = days(30), direct_transition = "Undiagnosed" },

    Diagnosis_Visit = { type = "Encounter", wellness = true, direct_transition = "Diagnosis_Physiology" },
    Diagnosis_Physiology = { type = "CallSubmodule", submodule = "lifecycle/physiology", direct_transition = "Diagnosis_Panel" },
    Diagnosis_Panel = C.lipid_state("Statin_Decision"),
    Statin_Decision = { type = "Simple", distributed_transition = {
      { distribution = p_high, transition = "High_Intensity" },
      { distribution = p_moderate, transition = "Moderate_Intensity" },
      { distribution = function(p) return 1 - p_high(p) - p_moderate(p) end, transition = "End_Visit" } } },
    Moderate_Intensity = statin_order("Moderate_Intensity", C.ATORVASTATIN_20, "On_Moderate"),
    On_Moderate = { type = "SetAttribute", attribute = "statin", value = "moderate", direct_transition = "End_Visit" },
    High_Intensity = statin_order("High_Intensity", C.ATORVASTATIN_40, "On_High"),
    On_High = { type = "SetAttribute", attribute = "statin", value = "high", direct_transition = "End_Visit" },
    End_Visit = { type = "EncounterEnd", direct_transition = "Review_Gap" },

    -- yearly review at the check-up (the lipid panel itself is wellness.lua's, yearly on a statin)
    Review_Gap = { type = "Delay", exact = days(30), direct_transition = "Review" },
    Review = { type = "Encounter", wellness = true, direct_transition = "Review_Physiology" },
    Review_Physiology = { type = "CallSubmodule", submodule = "lifecycle/physiology", direct_transition = "Review_Route" },
    Review_Route = { type = "Simple", conditional_transition = when {
      { attribute("statin", "==", "none"), "Consider_Start" },
      { attribute("statin", "==", "moderate"), "Consider_Raise" },
      { "End_Visit" } } },
    Consider_Start = { type = "Simple", distributed_transition = {
      { distribution = p_start, transition = "Review_Panel_Start" },
      { distribution = function(p) return 1 - p_start(p) end, transition = "End_Visit" } } },
    Review_Panel_Start = C.lipid_state("Moderate_Intensity"),
    Consider_Raise = { type = "Simple", distributed_transition = {
      { distribution = p_raise, transition = "Stop_Moderate" },
      { distribution = function(p) return 1 - p_raise(p) end, transition = "End_Visit" } } },
    Stop_Moderate = { type = "MedicationEnd", medication_order = "Moderate_Intensity", direct_transition = "High_Intensity" },
  },
}
