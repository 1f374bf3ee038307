-- Osteoarthritis of the knee and hip: symptomatic, diagnosed OA from age 40 with an onset rate that
-- rises with age, is higher in women and (for the knee) much higher with obesity; diagnosis at an
-- office visit with a pain score and a plain radiograph; treatment per ACR/AF 2019 (oral NSAID or
-- acetaminophen, physical therapy) and total joint replacement for a share of patients.
-- Numbers marked [assumption] are modelling choices with no published figure behind them.
--
-- Figures and their sources:
-- * Symptomatic radiographic knee OA in US adults 60 and over: 12.1% (radiographic 37.4%; 1.6% had
--   a knee replacement), no significant sex difference in symptomatic OA; higher odds with BMI >= 30:
--   Dillon CF, Rasch EK, Gu Q, Hirsch R. Prevalence of knee osteoarthritis in the United States:
--   arthritis data from the Third National Health and Nutrition Examination Survey 1991-94.
--   J Rheumatol 2006;33(11):2271-2279. The calibration target (realism row oa_knee_60_99).
-- * Symptomatic knee OA in Framingham, 60 and over: 10% of men, 13% of women, as reviewed by Zhang Y,
--   Jordan JM. Epidemiology of osteoarthritis. Clin Geriatr Med 2010;26(3):355-369. Rates here are
--   x0.85 for men and x1.15 for women [assumption from that ratio].
-- * Incidence of symptomatic (radiograph-confirmed) OA, age- and sex-standardized, per 100,000
--   person-years: knee 240, hip 88; rising with age, higher in women after 50, levelling off around
--   80; knee about 1%/year in women 70-89: Oliveria SA, Felson DT, Reed JI, Cirillo PA, Walker AM.
--   Incidence of symptomatic hand, hip, and knee osteoarthritis among patients in a health
--   maintenance organization. Arthritis Rheum 1995;38(8):1134-1141. Knee onset per year (sex
--   average, average BMI): 40-55 0.17%, 55-70 0.56%, 70-85 1.0%, 85+ 0.9% [shape after Oliveria,
--   level fitted to Dillon 2006]; hip = 88/240 of the knee rate.
-- * Obesity: knee OA odds ratio 2.63 for obesity: Blagojevic M, Jinks C, Jeffery A, Jordan KP. Risk
--   factors for onset of osteoarthritis of the knee in older adults: a systematic review and
--   meta-analysis. Osteoarthritis Cartilage 2010;18(1):24-33. Hip OA RR 1.11 per 5 kg/m2: Jiang L
--   et al. Body mass index and hip osteoarthritis: a systematic review and meta-analysis. Joint
--   Bone Spine 2011;78(2):150-155; 1.25 for BMI >= 30 is used. Normalised with adult obesity
--   prevalence 41.9%: Stierman B et al. NHANES 2017-March 2020 prepandemic data files. NHSR 158,
--   2021. The BMI vital sign is read at 40, 55, 70 and 85 (the rate is redrawn at each).
-- * Treatment: oral NSAIDs strongly recommended, acetaminophen conditionally (preferred when NSAIDs
--   are contraindicated: age 75+ or CKD stage 3+ here), exercise and physical therapy strongly
--   recommended: Kolasinski SL et al. 2019 American College of Rheumatology/Arthritis Foundation
--   Guideline for the Management of Osteoarthritis of the Hand, Hip, and Knee. Arthritis Care Res
--   2020;72(2):149-162. NSAID for 60% of others, physical therapy for 50% [assumption]. Naproxen
--   only from its US approval (1976, Drugs@FDA); joint replacement not before 1975 [assumption].
-- * Joint replacement: prevalence of total knee arthroplasty 10.4% and of total hip arthroplasty
--   5.3% at age 80 (1.52% and 0.83% of the whole population, 2010): Maradit Kremers H et al.
--   Prevalence of total hip and knee replacement in the United States. J Bone Joint Surg Am
--   2015;97(17):1386-1397. Here 45% of knee and 55% of hip OA patients have the joint replaced,
--   1-10 years after diagnosis and before 85 [assumption fitted to those prevalences].
--   Hospital stay 1-3 days [assumption].
-- * No deaths: OA mortality is in the life table.

local M = lib("mental_msk")

local P = parameters {
  onset_multiplier = param(1.0, "multiplies the knee and hip OA onset rates"),
}

-- knee onset per year by age (sex average, average BMI)
local KNEE = { { 40, 0 }, { 55, 0.0017 }, { 70, 0.0056 }, { 85, 0.010 }, { 130, 0.009 } }
local HIP_RATIO = 88 / 240
local SEX_RR = { M = 0.85, F = 1.15 }
local KNEE_OBESE_RR, HIP_OBESE_RR, OBESE_SHARE = 2.63, 1.25, 0.419
local CHECKPOINTS = { 55, 70, 85, 130 }

-- the next checkpoint age (the end of the current segment)
local function segment_end(a)
  for _, c in ipairs(CHECKPOINTS) do
    if a < c - 1e-6 then return c end
  end
  return 300
end

-- plans the next event: which joint (or "checkpoint") and when (years, stored in oa_wait)
local function plan(p)
  local a = M.age_years(p)
  local base = M.rate_now(p, KNEE) * SEX_RR[p.sex] * P.onset_multiplier
  local rk = p:attr("oa_knee") and 0 or base * M.bmi_multiplier(p, KNEE_OBESE_RR, OBESE_SHARE)
  local rh = p:attr("oa_hip") and 0 or base * HIP_RATIO * M.bmi_multiplier(p, HIP_OBESE_RR, OBESE_SHARE)
  local span = segment_end(a) - a
  local r = rk + rh
  local w = r > 0 and -math.log(1 - p:random()) / r or 1e9
  if w >= span then
    p:set("oa_wait", span)
    return "checkpoint"
  end
  p:set("oa_wait", w)
  if p:random() * r < rk then return "knee" end
  return "hip"
end

local function nsaid_ok(p)
  return p.age < 75 and (p:attr("ckd_stage") or 0) < 3 and p.year >= 1976
end

-- years until the joint replacement (1-10 years), or no surgery if that would be past 85
local function surgery_wait(p)
  local w = 1 + 9 * p:random()
  -- total knee and hip arthroplasty in routine use from the mid-1970s [assumption]
  local year = 1970 + p.time / M.YEAR_MS
  if year + w < 1975 then w = 1975 - year + p:random() end
  if M.age_years(p) + w >= 85 then return 300 end
  return w
end

local function joint_states(J, cond, xray, p_replace, replacement)
  local S = {}
  S[J .. "_Onset"] = { type = "ConditionOnset", codes = { cond }, target_encounter = J .. "_Visit",
                       assign_to_attribute = "oa_" .. J:lower() .. "_condition", direct_transition = J .. "_Mark" }
  S[J .. "_Mark"] = { type = "SetAttribute", attribute = "oa_" .. J:lower(), value = true, direct_transition = J .. "_Symptoms" }
  S[J .. "_Symptoms"] = { type = "Delay", distribution = uniform { weeks(4), weeks(26) }, direct_transition = J .. "_Visit" }
  S[J .. "_Visit"] = { type = "Encounter", encounter_class = "ambulatory", reason = "oa_" .. J:lower() .. "_condition",
                       codes = { M.ENC_PROBLEM }, direct_transition = J .. "_Pain" }
  S[J .. "_Pain"] = { type = "Observation", category = "survey", unit = "{score}", codes = { M.PAIN_SCORE },
                      range = { low = 4, high = 8, decimals = 0 }, direct_transition = J .. "_Xray" }
  S[J .. "_Xray"] = { type = "Procedure", reason = "oa_" .. J:lower() .. "_condition", codes = { xray },
                      duration = { low = 10, high = 20, unit = "minutes" }, direct_transition = J .. "_Drug" }
  S[J .. "_Drug"] = { type = "Simple", conditional_transition = when {
    { all_of { active_medication(M.NAPROXEN) }, J .. "_PT" },
    { all_of { active_medication(M.ACETAMINOPHEN) }, J .. "_PT" },
    { nsaid_ok, J .. "_Drug_Choice" },
    { J .. "_Acetaminophen" } } }
  S[J .. "_Drug_Choice"] = { type = "Simple", distributed_transition = pick { { 0.6, J .. "_Naproxen" }, { 0.4, J .. "_Acetaminophen" } } }
  S[J .. "_Naproxen"] = { type = "MedicationOrder", reason = "oa_" .. J:lower() .. "_condition", codes = { M.NAPROXEN },
                          chronic = true, prescription = { as_needed = true, refills = 3,
                            dosage = { amount = 1, frequency = 2, period = 1, unit = "days" } },
                          direct_transition = J .. "_PT" }
  S[J .. "_Acetaminophen"] = { type = "MedicationOrder", reason = "oa_" .. J:lower() .. "_condition", codes = { M.ACETAMINOPHEN },
                               chronic = true, prescription = { as_needed = true, refills = 3,
                                 dosage = { amount = 2, frequency = 3, period = 1, unit = "days" } },
                               direct_transition = J .. "_PT" }
  S[J .. "_PT"] = { type = "Simple", distributed_transition = pick { { 0.5, J .. "_PT_Plan" }, { 0.5, J .. "_End_Visit" } } }
  S[J .. "_PT_Plan"] = { type = "CarePlanStart", reason = "oa_" .. J:lower() .. "_condition", codes = { M.PT_PLAN },
                         activities = { M.PHYSICAL_THERAPY, M.STRETCHING }, assign_to_attribute = "oa_" .. J:lower() .. "_pt",
                         direct_transition = J .. "_End_Visit" }
  S[J .. "_End_Visit"] = { type = "EncounterEnd", conditional_transition = when {
    { attribute("oa_" .. J:lower() .. "_pt", "is not nil"), J .. "_PT_Course" }, { J .. "_Replace" } } }
  S[J .. "_PT_Course"] = { type = "Delay", distribution = uniform { weeks(6), weeks(12) }, direct_transition = J .. "_PT_End" }
  S[J .. "_PT_End"] = { type = "CarePlanEnd", referenced_by_attribute = "oa_" .. J:lower() .. "_pt", direct_transition = J .. "_Replace" }
  S[J .. "_Replace"] = { type = "Simple", distributed_transition = pick { { p_replace, J .. "_Until_Surgery" }, { 1 - p_replace, "Plan" } } }
  S[J .. "_Until_Surgery"] = { type = "SetAttribute", attribute = "oa_" .. J:lower() .. "_surgery_at",
                               value = function(p) return p.time + surgery_wait(p) * M.YEAR_MS end, direct_transition = "Plan" }
  -- the surgery, when it comes before the next OA onset is planned (see Dispatch)
  S[J .. "_Admission"] = { type = "Encounter", encounter_class = "inpatient", reason = "oa_" .. J:lower() .. "_condition",
                           codes = { M.ENC_ADMIT }, direct_transition = J .. "_Replacement" }
  S[J .. "_Replacement"] = { type = "Procedure", reason = "oa_" .. J:lower() .. "_condition", codes = { replacement },
                             duration = { low = 60, high = 120, unit = "minutes" }, direct_transition = J .. "_Stay" }
  S[J .. "_Stay"] = { type = "Delay", distribution = uniform { days(1), days(3) }, direct_transition = J .. "_Discharge" }
  S[J .. "_Discharge"] = { type = "EncounterEnd",
                           discharge_disposition = codes.nubc("01", "Discharged to home care or self care (routine discharge)"),
                           direct_transition = J .. "_Operated" }
  S[J .. "_Operated"] = { type = "SetAttribute", attribute = "oa_" .. J:lower() .. "_surgery_at", direct_transition = "Plan" }
  return S
end

-- the time (ms) of the earliest surgery still to come, and which joint
local function next_surgery(p)
  local k, h = p:attr("oa_knee_surgery_at"), p:attr("oa_hip_surgery_at")
  if k and (not h or k <= h) then return k, "Knee" end
  if h then return h, "Hip" end
  return nil
end

local S = {
  Initial = { type = "Initial", direct_transition = "Age_40" },
  Age_40 = { type = "Guard", allow = age(">=", 40), direct_transition = "Plan" },
  Plan = { type = "SetAttribute", attribute = "oa_next", value = plan, direct_transition = "Wait" },
  -- wait for the planned event, unless a planned surgery comes first
  Wait = { type = "Delay", distribution = function(p)
             local w = p:attr("oa_wait") or 1
             local t = next_surgery(p)
             if t then w = math.min(w, math.max(0, (t - p.time) / M.YEAR_MS)) end
             return w
           end, unit = "years", direct_transition = "Dispatch" },
  Dispatch = { type = "Simple", conditional_transition = when {
    { function(p) local t = next_surgery(p); return t ~= nil and p.time >= t - 1000 end, "Surgery" },
    { attribute("oa_next", "==", "knee"), "Knee_Onset" },
    { attribute("oa_next", "==", "hip"), "Hip_Onset" },
    { "Plan" } } },
  Surgery = { type = "Simple", conditional_transition = when {
    { function(p) local _, j = next_surgery(p); return j == "Knee" end, "Knee_Admission" },
    { "Hip_Admission" } } },
}
for k, v in pairs(joint_states("Knee", M.OA_KNEE, M.XRAY_KNEE, 0.45, M.TKR)) do S[k] = v end
for k, v in pairs(joint_states("Hip", M.OA_HIP, M.XRAY_HIP, 0.55, M.THR)) do S[k] = v end

return {
  name = "Osteoarthritis",
  states = S,
}
