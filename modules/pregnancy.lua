-- Pregnancy and childbirth: conceptions at the period's age-specific birth rates, miscarriage,
-- prenatal care on the ACOG schedule with the first-visit labs and the glucose challenge,
-- gestational diabetes, delivery (vaginal or cesarean) and the postpartum visit.
--
-- Figures and their sources:
-- * Age-specific birth rates by calendar year, live births per 1,000 women 15-19 ... 45-49
--   (the table is in modules/lib/pregnancy.lua): Health, United States 2009, Trend Table 4
--   (NCHS; 1950-2006, e.g. 1960: 89.1 / 258.1 / 197.4 / 112.7 / 56.2 / 15.5 / 0.9); NCHS natality
--   series for 1940 (TFR 2.30), 1957 (TFR 3.77), 1975 (TFR 1.77) and 2007 (TFR 2.12); Births:
--   Final Data for 2010 (NVSR 61(1), Table 4: 34.2 / 90.0 / 108.3 / 96.5 / 45.9 / 10.2 / 0.7),
--   2015 (NVSR 66(1)), 2019 (NVSR 70(2), TFR 1.71), 2021 (Osterman MJK et al. NVSR 72(1), 2023,
--   TFR 1.66) and 2023 (NVSR 74(1), TFR 1.62). A woman born in 1935 has her children at the
--   rates of the baby boom, one born in 1995 at those of the 2010s-2020s.
-- * Conceptions are drawn, one at a time, from a hazard equal to the birth rate at the age and
--   date of delivery, divided by the share of recognized pregnancies that end in a live birth and
--   by the share of time a woman can conceive (about 1 year per birth is spent pregnant or
--   postpartum). Women differ in fecundity: the rate is multiplied by a gamma variate of mean 1
--   and shape 6 drawn once [assumption], calibrated so that about 15% of women 40-44 have not
--   given birth: 14% in 2016 (Livingston G. They're waiting longer, but U.S. women today more
--   likely to have children than a decade ago. Pew Research Center, 2018, from the CPS June 2016
--   Fertility Supplement), 18% in 2002 (Dye JL. Fertility of American Women: June 2002, Census
--   P20-548, 2003); 85% of women had had a birth by 40 (Martinez G, Daniels K, Chandra A. NHSR 51,
--   2012, NSFG 2006-2010). No parity dependence beyond that [assumption].
-- * Pregnancy loss: 15.3% of recognized pregnancies (Quenby S et al. Miscarriage matters: the
--   epidemiological, physical, psychological, and economic costs of early pregnancy loss. Lancet
--   2021;397:1658-1667); about 80% of losses in the first trimester (ACOG Practice Bulletin 200,
--   Early Pregnancy Loss, 2018): 12.2% first-trimester, 3.1% second-trimester losses here.
--   Induced abortion, ectopic pregnancy and stillbirth are not modelled.
-- * Prenatal visits: every 4 weeks to 28 weeks, every 2 weeks to 36, weekly to delivery (AAP/ACOG
--   Guidelines for Perinatal Care, 8th ed., 2017); the first visit at 6-9 weeks' gestation
--   [assumption]. Labs at the first visit (ABO/Rh type, hemoglobin, HBsAg, HIV, syphilis, urine
--   culture) and the 50 g glucose challenge at 24-28 weeks, positive at >= 140 mg/dL (ACOG
--   Practice Bulletin 190, Gestational Diabetes Mellitus, 2018); the anatomy ultrasound at 18-22
--   weeks (ACOG Practice Bulletin 175, 2016). By period [assumption on the dates]: HBsAg from 1988
--   (universal prenatal screening, ACIP, MMWR 1988;37:341-346), HIV from 1995 (USPHS, MMWR
--   1995;44(RR-7)), ultrasound from 1980, glucose challenge (and so a recorded gestational
--   diabetes) from 1985 (Second/Third International Workshop-Conferences on GDM, 1980/1985).
-- * ABO groups O 44%, A 42%, B 10%, AB 4%, RhD negative 15% of US donors [assumption: rounded
--   from Garratty G et al. Transfusion 2004;44:703-706, all ethnic groups together].
-- * Hemoglobin in pregnancy 11-14 g/dL (anemia below 11 g/dL: CDC, MMWR 1998;47(RR-3)) [assumption:
--   uniform over the range, no anemia modelled].
-- * Gestational diabetes 6.0% (2016) to 8.3% (2021) of mothers (Gregory ECW, Ely DM. NVSR 71(3),
--   2022; NCHS Data Brief 2023); 6.0% earlier [assumption]. Ends at delivery.
-- * Gestational age at delivery: 10.5% preterm (< 37 weeks; Osterman 2023, 2021 data) drawn
--   from 32-37 weeks; the rest 37-41.5 weeks, mode 39.3 [assumption].
-- * Cesarean share by year: 5.5% (1970), 16.5% (1980), 22.7% (1985) (Taffel SM, Placek PJ,
--   Liss T. Am J Public Health 1987;77:955-959); 20.7% (1996), 32.9% (2009), 31.7% (2019), 32.1%
--   (2021), 32.4% (2023) (NVSR Births: Final Data); the table is in modules/lib/pregnancy.lua.
-- * Hospital stay 2.6 days after a vaginal delivery, 3.9 after a cesarean (Podulka J, Stranges E,
--   Steiner C. Hospitalizations related to childbirth, 2008. HCUP Statistical Brief 110, 2011).
-- * Postpartum visit within 4-8 weeks (ACOG Committee Opinion 736, Optimizing Postpartum Care,
--   2018), with the Edinburgh Postnatal Depression Scale; 13.2% of mothers report postpartum
--   depressive symptoms (Bauman BL et al. MMWR 2020;69:575-581, PRAMS 2018), given an EPDS of
--   13-24 here, the others 0-12 [assumption]. No depression diagnosis (the mental-health family
--   owns it).
-- * Tdap in every pregnancy at 27-36 weeks, recommended since 2012 (ACIP, MMWR 2013;62:131-135);
--   56.6% of recent mothers received it during pregnancy (Razzaghi H et al. MMWR 2020;69:1391-1397,
--   April 2020 internet panel survey); uptake ramps from 15% in 2013 to that level in 2018
--   [assumption]. Influenza vaccination belongs to immunizations_influenza.lua.
-- * Maternal deaths per 100,000 live births: 376 (1940), 83.3 (1950), 37.1 (1960), 21.5 (1970),
--   9.2 (1980), 8.2 (1990), 9.8 (2000), 12.7 (2007) (NCHS, Health, United States 2010, maternal
--   mortality trend table); 17.4 (2018), 20.1 (2019), 23.8 (2020), 32.9 (2021) (Hoyert DL. Maternal
--   mortality rates in the United States, 2021. NCHS Health E-Stats, 2023); 22.3 (2022), 18.6
--   (2023) (Hoyert DL, NCHS Health E-Stats, 2025). All are placed within 10 days of delivery, cause
--   "Complication occurring during pregnancy" [assumption: deaths in pregnancy and up to 42 days
--   after it are not told apart].
-- * Fecundity returns 0-4 months after the postpartum visit, 1-3 months after a loss [assumption].
-- Attributes: `pregnant` (true while pregnant, read by lifecycle/physiology for weight gain and
-- BP); preg_* attributes are this module's own bookkeeping.

local PL = lib("pregnancy")
local LC = lib("lifecycle")
local C, V = PL.codes, LC.codes

-- gestational age in weeks (from the last menstrual period, 2 weeks before conception)
local function gest_age(p)
  local c = p:attr("preg_conceived")
  if type(c) ~= "number" then return 0 end
  return 2 + (p.time - c) / PL.WEEK_MS
end

local P = parameters {
  fertility_multiplier = param(1.0, "multiplies the period age-specific birth rates"),
  loss_share = param(0.153, "share of recognized pregnancies that end in miscarriage"),
}

local LOSS = P.loss_share
local LOSS_1 = LOSS * 0.8
local UNAVAILABLE = 1.0 -- years per birth spent pregnant or postpartum (see the header)
local FRAILTY_SHAPE = 6 -- gamma shape of the fecundity multiplier (see the header)

local function draw_term(p)
  if p:random() < 0.105 then return 32 + 5 * p:random() end
  -- triangular 37 .. 39.3 .. 41.5
  local u, a, m, b = p:random(), 37, 39.3, 41.5
  local f = (m - a) / (b - a)
  if u < f then return a + math.sqrt(u * (b - a) * (m - a)) end
  return b - math.sqrt((1 - u) * (b - a) * (b - m))
end

-- weeks to the next prenatal visit (or to the end of the pregnancy, if sooner)
local function to_next_visit(p)
  local ga, term = gest_age(p), p:attr("preg_term_ga")
  local step = ga < 28 and 4 or ga < 36 and 2 or 1
  local target = math.min(ga + step, term)
  return math.max(0, target - ga)
end

local function at_term(p)
  return gest_age(p) >= p:attr("preg_term_ga") - 1e-6
end

local function ga_between(lo, hi)
  return function(p)
    local ga = gest_age(p)
    return ga >= lo and ga < hi
  end
end

local BP = { type = "MultiObservation", category = "vital-signs", codes = { V.bp_panel },
             observations = { { codes = { V.sbp }, unit = "mm[Hg]", vital_sign = "Systolic Blood Pressure" },
                              { codes = { V.dbp }, unit = "mm[Hg]", vital_sign = "Diastolic Blood Pressure" } } }
local function bp(next_state)
  local s = {}
  for k, v in pairs(BP) do s[k] = v end
  s.direct_transition = next_state
  return s
end

return {
  name = "Pregnancy",
  states = {
    Initial = { type = "Initial", conditional_transition = when { { female, "Fecund" }, { "Terminal" } } },
    Fecund = { type = "Guard", allow = age(">=", 14), direct_transition = "Blood_Type" },
    -- the woman's blood group, recorded at each first prenatal visit
    Blood_Type = { type = "SetAttribute", attribute = "preg_abo",
                   value = function(p)
                     local u = p:random()
                     return u < 0.44 and "O" or u < 0.86 and "A" or u < 0.96 and "B" or "AB"
                   end, direct_transition = "Rh_Type" },
    Rh_Type = { type = "SetAttribute", attribute = "preg_rh_negative",
                value = function(p) return p:random() < 0.15 end, direct_transition = "Fecundity" },
    -- the woman's own fecundity: a gamma(shape K, mean 1) multiplier of the period rates
    Fecundity = { type = "SetAttribute", attribute = "preg_fecundity",
                  value = function(p)
                    local prod = 1
                    for _ = 1, FRAILTY_SHAPE do prod = prod * (1 - p:random()) end
                    return -math.log(prod) / FRAILTY_SHAPE
                  end, direct_transition = "Wait_Conception" },

    Wait_Conception = { type = "Delay", unit = "years",
                        distribution = function(p)
                          return PL.conception_wait(p, LOSS, UNAVAILABLE, P.fertility_multiplier * p:attr("preg_fecundity"))
                        end,
                        direct_transition = "Conception" },
    Conception = { type = "SetAttribute", attribute = "preg_conceived", value = function(p) return p.time end,
                   direct_transition = "Outcome" },
    Outcome = { type = "SetAttribute", attribute = "preg_outcome",
                value = function(p)
                  local u = p:random()
                  return u < LOSS_1 and "loss1" or u < LOSS and "loss2" or "birth"
                end, direct_transition = "Term" },
    Term = { type = "SetAttribute", attribute = "preg_term_ga",
             value = function(p)
               local o = p:attr("preg_outcome")
               if o == "loss1" then return 10 + 2.5 * p:random() end
               if o == "loss2" then return 13 + 7 * p:random() end
               return draw_term(p)
             end, direct_transition = "Tdap_Decision" },
    Tdap_Decision = { type = "SetAttribute", attribute = "preg_tdap",
                      value = function(p) return p:random() < PL.tdap_share(p) end,
                      direct_transition = "Recognition" },
    Recognition = { type = "Delay", distribution = uniform { weeks(4), weeks(7) }, direct_transition = "Pregnancy_Onset" },

    Pregnancy_Onset = { type = "ConditionOnset", target_encounter = "First_Visit", codes = { C.pregnancy },
                        direct_transition = "Pregnant" },
    Pregnant = { type = "SetAttribute", attribute = "pregnant", value = true, direct_transition = "First_Visit" },

    -- first prenatal visit: examination, labs, dating ultrasound
    First_Visit = { type = "Encounter", encounter_class = "ambulatory", reason = "Pregnancy_Onset",
                    codes = { C.enc_prenatal_initial }, direct_transition = "First_Physiology" },
    First_Physiology = { type = "CallSubmodule", submodule = "lifecycle/physiology", direct_transition = "First_Weight" },
    First_Weight = { type = "Observation", category = "vital-signs", codes = { V.weight }, unit = "kg",
                     vital_sign = "Weight", direct_transition = "First_BP" },
    First_BP = bp("ABO"),
    ABO = { type = "Simple", conditional_transition = when {
      { attribute("preg_abo", "==", "O"), "ABO_O" }, { attribute("preg_abo", "==", "A"), "ABO_A" },
      { attribute("preg_abo", "==", "B"), "ABO_B" }, { "ABO_AB" } } },
    ABO_O = { type = "Observation", category = "laboratory", codes = { C.abo }, value_code = C.group_o, direct_transition = "Rh" },
    ABO_A = { type = "Observation", category = "laboratory", codes = { C.abo }, value_code = C.group_a, direct_transition = "Rh" },
    ABO_B = { type = "Observation", category = "laboratory", codes = { C.abo }, value_code = C.group_b, direct_transition = "Rh" },
    ABO_AB = { type = "Observation", category = "laboratory", codes = { C.abo }, value_code = C.group_ab, direct_transition = "Rh" },
    Rh = { type = "Simple", conditional_transition = when { { attribute("preg_rh_negative", "==", true), "Rh_Neg" }, { "Rh_Pos" } } },
    Rh_Neg = { type = "Observation", category = "laboratory", codes = { C.rh }, value_code = C.rh_neg, direct_transition = "Antibody_Screen" },
    Rh_Pos = { type = "Observation", category = "laboratory", codes = { C.rh }, value_code = C.rh_pos, direct_transition = "Antibody_Screen" },
    Antibody_Screen = { type = "Procedure", reason = "Pregnancy_Onset", codes = { C.rhd_screen }, direct_transition = "Hemoglobin" },
    Hemoglobin = { type = "Observation", category = "laboratory", codes = { C.hemoglobin }, unit = "g/dL",
                   range = { low = 11.0, high = 14.0, decimals = 1 },
                   conditional_transition = when { { date(">=", 1988), "HBsAg" }, { "Syphilis" } } },
    HBsAg = { type = "Observation", category = "laboratory", codes = { C.hbsag }, value_code = C.negative,
              conditional_transition = when { { date(">=", 1995), "HIV" }, { "Syphilis" } } },
    HIV = { type = "Observation", category = "laboratory", codes = { C.hiv }, value_code = C.negative, direct_transition = "Syphilis" },
    Syphilis = { type = "Observation", category = "laboratory", codes = { C.rpr }, value_code = C.negative, direct_transition = "Urine_Culture" },
    Urine_Culture = { type = "Observation", category = "laboratory", codes = { C.urine_culture }, value_code = C.no_growth,
                      conditional_transition = when { { date(">=", 1980), "Dating_Ultrasound" }, { "End_First_Visit" } } },
    Dating_Ultrasound = { type = "Procedure", reason = "Pregnancy_Onset", codes = { C.us_viability },
                          duration = { low = 15, high = 30, unit = "minutes" }, direct_transition = "End_First_Visit" },
    End_First_Visit = { type = "EncounterEnd", conditional_transition = when {
      { attribute("preg_outcome", "==", "loss1"), "Early_Loss_Wait" }, { "Next_Visit" } } },

    -- the prenatal visits, until delivery (or a second-trimester loss)
    Next_Visit = { type = "Delay", unit = "weeks", distribution = to_next_visit, conditional_transition = when {
      { at_term, "Term_Reached" }, { "Visit" } } },
    Term_Reached = { type = "Simple", conditional_transition = when {
      { attribute("preg_outcome", "==", "loss2"), "Late_Loss" }, { "Admission" } } },
    Visit = { type = "Encounter", encounter_class = "ambulatory", reason = "Pregnancy_Onset",
              codes = { C.enc_prenatal }, direct_transition = "Visit_Physiology" },
    Visit_Physiology = { type = "CallSubmodule", submodule = "lifecycle/physiology", direct_transition = "Visit_Weight" },
    Visit_Weight = { type = "Observation", category = "vital-signs", codes = { V.weight }, unit = "kg",
                     vital_sign = "Weight", direct_transition = "Visit_BP" },
    Visit_BP = bp("Fetal_Heart"),
    Fetal_Heart = { type = "Procedure", reason = "Pregnancy_Onset", codes = { C.fetal_heart },
                    conditional_transition = when { { ga_between(20, 45), "Fundal_Height" }, { "Anatomy_Check" } } },
    Fundal_Height = { type = "Procedure", reason = "Pregnancy_Onset", codes = { C.fundal_height },
                      direct_transition = "Anatomy_Check" },
    Anatomy_Check = { type = "Simple", conditional_transition = when {
      { all_of { ga_between(18, 22), date(">=", 1980) }, "Anatomy_Scan" }, { "GCT_Check" } } },
    Anatomy_Scan = { type = "Procedure", reason = "Pregnancy_Onset", codes = { C.us_anatomy },
                     duration = { low = 30, high = 45, unit = "minutes" }, direct_transition = "GCT_Check" },
    GCT_Check = { type = "Simple", conditional_transition = when {
      { all_of { ga_between(24, 28.9), date(">=", 1985), negate(prior_state("GCT_Normal", { since = "Conception" })),
                 negate(prior_state("GCT_High", { since = "Conception" })) }, "GCT" },
      { "Tdap_Check" } } },
    GCT = { type = "Simple", distributed_transition = {
      { distribution = PL.gdm_share, transition = "GCT_High" },
      { distribution = function(p) return 1 - PL.gdm_share(p) end, transition = "GCT_Normal" } } },
    GCT_Normal = { type = "Observation", category = "laboratory", codes = { C.gct }, unit = "mg/dL",
                   range = { low = 80, high = 139, decimals = 0 }, direct_transition = "Tdap_Check" },
    GCT_High = { type = "Observation", category = "laboratory", codes = { C.gct }, unit = "mg/dL",
                 range = { low = 140, high = 200, decimals = 0 }, direct_transition = "GDM" },
    GDM = { type = "ConditionOnset", codes = { C.gdm }, direct_transition = "Tdap_Check" },
    Tdap_Check = { type = "Simple", conditional_transition = when {
      { all_of { attribute("preg_tdap", "==", true), ga_between(27, 36.9),
                 negate(prior_state("Tdap", { since = "Conception" })) }, "Tdap" },
      { "End_Visit" } } },
    Tdap = { type = "Immunization", codes = { C.tdap }, direct_transition = "End_Visit" },
    End_Visit = { type = "EncounterEnd", direct_transition = "Next_Visit" },

    -- pregnancy loss
    Early_Loss_Wait = { type = "Delay", unit = "weeks",
                        distribution = function(p) return math.max(0.5, p:attr("preg_term_ga") - gest_age(p)) end,
                        direct_transition = "Early_Loss" },
    Early_Loss = { type = "ConditionOnset", target_encounter = "Loss_Visit", codes = { C.miscarriage_1 },
                   direct_transition = "Loss_Visit" },
    Late_Loss = { type = "ConditionOnset", target_encounter = "Loss_Visit", codes = { C.miscarriage_2 },
                  direct_transition = "Loss_Visit" },
    Loss_Visit = { type = "Encounter", encounter_class = "ambulatory", reason = "Pregnancy_Onset",
                   codes = { C.enc_problem }, direct_transition = "Loss_Exam" },
    Loss_Ultrasound = { type = "Procedure", reason = "Pregnancy_Onset", codes = { C.us_viability },
                        duration = { low = 15, high = 30, unit = "minutes" }, direct_transition = "Loss_End_Pregnancy" },
    Loss_Exam = { type = "Simple", conditional_transition = when {
      { date(">=", 1980), "Loss_Ultrasound" }, { "Loss_End_Pregnancy" } } },
    Loss_End_Pregnancy = { type = "ConditionEnd", condition_onset = "Pregnancy_Onset", direct_transition = "Loss_Not_Pregnant" },
    Loss_Not_Pregnant = { type = "SetAttribute", attribute = "pregnant", value = false, direct_transition = "Loss_GDM_Check" },
    Loss_GDM_Check = { type = "Simple", conditional_transition = when {
      { active_condition(C.gdm), "Loss_GDM_End" }, { "End_Loss_Visit" } } },
    Loss_GDM_End = { type = "ConditionEnd", codes = { C.gdm }, direct_transition = "End_Loss_Visit" },
    End_Loss_Visit = { type = "EncounterEnd", direct_transition = "Loss_Recovery" },
    Loss_Recovery = { type = "Delay", distribution = uniform { weeks(2), weeks(4) }, direct_transition = "Loss_Resolved" },
    Loss_Resolved = { type = "ConditionEnd", codes = { C.miscarriage_1, C.miscarriage_2 }, direct_transition = "After_Loss" },
    After_Loss = { type = "Delay", distribution = uniform { months(1), months(3) }, direct_transition = "Wait_Conception" },

    -- delivery
    Admission = { type = "Encounter", encounter_class = "inpatient", reason = "Pregnancy_Onset",
                  codes = { C.enc_obstetric_admission }, direct_transition = "Mode" },
    Mode = { type = "Simple", distributed_transition = {
      { distribution = PL.cesarean_share, transition = "Cesarean" },
      { distribution = function(p) return 1 - PL.cesarean_share(p) end, transition = "Vaginal" } } },
    Cesarean = { type = "Procedure", reason = "Pregnancy_Onset", codes = { C.cesarean },
                 duration = { low = 45, high = 90, unit = "minutes" }, direct_transition = "Birth" },
    Vaginal = { type = "Procedure", reason = "Pregnancy_Onset", codes = { C.vaginal_delivery },
                duration = { low = 2, high = 12, unit = "hours" }, direct_transition = "Birth" },
    Birth = { type = "ConditionEnd", condition_onset = "Pregnancy_Onset", direct_transition = "Not_Pregnant" },
    Not_Pregnant = { type = "SetAttribute", attribute = "pregnant", value = false, direct_transition = "Birth_GDM_Check" },
    Birth_GDM_Check = { type = "Simple", conditional_transition = when {
      { active_condition(C.gdm), "Birth_GDM_End" }, { "Postpartum" } } },
    Birth_GDM_End = { type = "ConditionEnd", codes = { C.gdm }, direct_transition = "Postpartum" },
    Postpartum = { type = "ConditionOnset", codes = { C.postpartum }, distributed_transition = {
      { distribution = PL.maternal_death_risk, transition = "Maternal_Complication" },
      { distribution = function(p) return 1 - PL.maternal_death_risk(p) end, transition = "Length_Of_Stay" } } },
    Length_Of_Stay = { type = "Simple", conditional_transition = when {
      { prior_state("Cesarean", { since = "Conception" }), "Stay_Cesarean" }, { "Stay_Vaginal" } } },
    Maternal_Complication = { type = "ConditionOnset", codes = { C.complication }, direct_transition = "Maternal_Death" },
    Maternal_Death = { type = "Death", condition_onset = "Maternal_Complication",
                       range = { low = 0, high = 10, unit = "days" }, direct_transition = "Terminal" },
    Stay_Vaginal = { type = "Delay", distribution = triangular { min = days(1), mode = days(2.2), max = days(4) },
                     direct_transition = "Discharge" },
    Stay_Cesarean = { type = "Delay", distribution = triangular { min = days(2), mode = days(3.5), max = days(6) },
                      direct_transition = "Discharge" },
    Discharge = { type = "EncounterEnd", discharge_disposition = C.home, direct_transition = "Postpartum_Wait" },

    -- postpartum visit
    Postpartum_Wait = { type = "Delay", distribution = uniform { weeks(4), weeks(8) }, direct_transition = "Postnatal_Visit" },
    Postnatal_Visit = { type = "Encounter", encounter_class = "ambulatory", reason = "Postpartum",
                        codes = { C.enc_postnatal }, direct_transition = "Postnatal_Physiology" },
    Postnatal_Physiology = { type = "CallSubmodule", submodule = "lifecycle/physiology", direct_transition = "Postnatal_Weight" },
    Postnatal_Weight = { type = "Observation", category = "vital-signs", codes = { V.weight }, unit = "kg",
                         vital_sign = "Weight", direct_transition = "Postnatal_BP" },
    Postnatal_BP = bp("EPDS"),
    EPDS = { type = "Simple", distributed_transition = pick { { 0.132, "EPDS_High" }, { 0.868, "EPDS_Low" } } },
    EPDS_High = { type = "MultiObservation", category = "survey", codes = { C.epds_panel },
                  observations = { { codes = { C.epds_total }, unit = "{score}", range = { low = 13, high = 24, decimals = 0 } } },
                  direct_transition = "End_Postnatal_Visit" },
    EPDS_Low = { type = "MultiObservation", category = "survey", codes = { C.epds_panel },
                 observations = { { codes = { C.epds_total }, unit = "{score}",
                                    distribution = function(p) return math.floor(13 * p:random() ^ 1.6) end } },
                 direct_transition = "End_Postnatal_Visit" },
    End_Postnatal_Visit = { type = "EncounterEnd", direct_transition = "Postpartum_End" },
    Postpartum_End = { type = "ConditionEnd", condition_onset = "Postpartum", direct_transition = "Fecundity_Returns" },
    Fecundity_Returns = { type = "Delay", distribution = uniform { months(0), months(4) }, direct_transition = "Wait_Conception" },

    Terminal = { type = "Terminal" },
  },
}
