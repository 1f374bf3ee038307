-- Major depressive disorder: episodes from adolescence through old age (first onset by age and
-- sex, remission, recurrence), diagnosis at an office visit or after a positive PHQ-2 at a
-- check-up, PHQ-9 at diagnosis and follow-up, and treatment per APA/ACP: an SSRI and/or
-- psychotherapy, second line (switch or add bupropion) when the episode has not remitted at the
-- 6-8 week review, antidepressant continued for six months after remission. Many episodes are never
-- diagnosed or treated.
-- Sets attribute `depression` = true while an episode lasts (diagnosed or not), false after it;
-- wellness.lua reads it for the PHQ-2 at check-ups.
-- Numbers marked [assumption] are modelling choices with no published figure behind them.
--
-- Figures and their sources:
-- * Ever told by a health professional that one has a depressive disorder, adults 18+: 18.4%
--   (95% CI 18.1-18.6), BRFSS 2020: Lee B, Wang Y, Carlson SA, et al. National, state-level, and
--   county-level prevalence estimates of adults aged >=18 years self-reporting a lifetime
--   diagnosis of depression - United States, 2020. MMWR 2023;72(24):644-650. This is the
--   calibration target (realism row depression_ever_dx_18_plus). It includes minor depression and
--   dysthymia, which this module does not model.
-- * Lifetime prevalence of DSM-IV major depressive disorder 16.6%, projected lifetime risk to age
--   75 23.2%: Kessler RC et al. Lifetime prevalence and age-of-onset distributions of DSM-IV
--   disorders in the NCS-R. Arch Gen Psychiatry 2005;62(6):593-602 (Tables 2 and 3); women about
--   1.7 times men: Kessler RC et al. The epidemiology of major depressive disorder (NCS-R). JAMA
--   2003;289(23):3095-3105. Median age of onset 32 years (Kessler 2005, Table 2).
-- * Past-year major depressive episode 2021: adults 8.3% (18-25 18.6%, 26-49 9.3%, 50+ 4.5%;
--   women 10.3%, men 6.2%), adolescents 12-17 20.1%; 61.0% of adults and 40.6% of adolescents with
--   a past-year MDE received treatment: SAMHSA, Key substance use and mental health indicators in
--   the United States: results from the 2021 National Survey on Drug Use and Health (HHS Pub. No.
--   PEP22-07-01-005, NSDUH Series H-57), 2022. Disorder-specific treatment of 12-month DSM-5 mood
--   disorders 37.8% (95% CI 36.1-39.6): Olfson M, Blanco C, Wall MM, Liu SM, Grant BF. Treatment
--   of common mental disorders in the United States: results from NESARC-III. J Clin Psychiatry
--   2019;80(3):18m12532. The module aims between the two: 50% of adult and 30% of adolescent
--   episodes bring the patient to an office visit [assumption]; the others are diagnosed only after
--   a positive PHQ-2 at a check-up during the episode (about two thirds of episodes are diagnosed
--   in all: 637 of 993 in a 1,200-patient trace), and 8-10% of the diagnosed decline treatment.
-- * First-onset rates per year (women; men x0.55): 12-18 2.7%, 18-30 1.1%, 30-45 0.36%, 45-65
--   0.11%, 65+ 0.055% [assumption: shape after the NSDUH 2021 age gradient of past-year MDE and the
--   NCS-R age-of-onset curve, level fitted to BRFSS 2020]. Lifetime risk by 75 about 31% (women)
--   and 19% (men), close to the NCS-R projection (23%).
--   Simulated (1,200-patient trace, seed 9): ever an episode 22% of adults, ever diagnosed 17%;
--   an episode in the past year 7% at 18-25, 4% at 26-49, 3% at 50+, 3% at 12-17 (NSDUH: 18.6,
--   9.3, 4.5, 20.1): the module reaches about half the NSDUH 12-month figures, whose MDE
--   definition (self-report interview, any severity) is broader than a diagnosable episode.
-- * Episode length: median about 3 months, 63% recovered by 6 months, 76% by 12, 20% not by 24
--   months: Spijker J et al. Duration of major depressive episodes in the general population
--   (NEMESIS). Br J Psychiatry 2002;181:208-213. Modelled as 80% lasting 1-12 months (mode 3) and
--   20% lasting 12-36 months.
-- * Recurrence: at least 60% after a single episode, 70% after two, 90% after three: American
--   Psychiatric Association, Diagnostic and Statistical Manual of Mental Disorders, 4th ed., text
--   revision (DSM-IV-TR), 2000, Major Depressive Disorder, "Course" (also Burcusa SL, Iacono WG.
--   Risk for recurrence in depression. Clin Psychol Rev 2007;27(8):959-985).
--   Modelled as a course drawn after the first episode: single (40%) or recurrent (60%), in which
--   each episode is followed by another with probability 0.9 (about 10 episodes over some 20
--   years), 6 months plus an exponential with mean 9 months after remission [assumption]. The
--   recurrent course is what brings the 12-month prevalence towards NSDUH's (8.3% of adults, about
--   40% of the ever-depressed in a given year) with a lifetime prevalence near the NCS-R's.
-- * Severity of 12-month MDD: mild 10.4%, moderate 38.6%, severe 38.0%, very severe 12.9% (Kessler
--   2003, Table 3). Mapped to PHQ-9 totals 10-14 (mild and moderate, 49%), 15-19 (severe, 38%) and
--   20-27 (very severe, 13%): Kroenke K, Spitzer RL, Williams JB. The PHQ-9. J Gen Intern Med
--   2001;16(9):606-613 (10/15/20 cut points). Remission is PHQ-9 < 5.
-- * PHQ-2 >= 3 as the positive screen: Kroenke K, Spitzer RL, Williams JB. The Patient Health
--   Questionnaire-2. Med Care 2003;41(11):1284-1292. 80% of positive screens lead to a diagnostic
--   visit within two weeks [assumption].
-- * Treatment: second-generation antidepressant or cognitive behavioural therapy as first line,
--   combination for severe depression; review at 4-8 weeks and switch or augment when there is no
--   remission; continue the antidepressant 4-9 months after remission: APA Practice Guideline 2010;
--   Qaseem A et al. Nonpharmacologic versus pharmacologic treatment of adult patients with major
--   depressive disorder: ACP clinical practice guideline. Ann Intern Med 2016;164(5):350-359 (and
--   the 2023 update). Switch or bupropion augmentation at the second step: Rush AJ et al. NEJM
--   2006;354:1231-1242; Trivedi MH et al. NEJM 2006;354:1243-1252 (STAR*D). Adolescents: therapy
--   first, escitalopram (FDA-approved from 12) when medication is used: Cheung AH et al. Guidelines
--   for Adolescent Depression in Primary Care (GLAD-PC) part II. Pediatrics 2018;141(3):e20174082.
--   Treatment mix among diagnosed adults: medication + therapy 35%, medication 35%, therapy 22%,
--   none 8%; adolescents 30/15/45/10 [assumption]. Drugs only from their US approval: sertraline
--   1991, escitalopram 2002, bupropion extended-release (XL) 2003 (FDA approval dates, Drugs@FDA);
--   before 1991 psychotherapy stands in for the antidepressant.
-- * Suicide deaths are left to the life table (no Death state).

local M = lib("mental_msk")
local YEAR = M.YEAR_MS

local P = parameters {
  onset_multiplier = param(1.0, "multiplies the first-onset rate of major depression"),
}

-- first onset, events per year, by age (women); men x0.55
local ONSET_F = { { 12, 0 }, { 18, 0.027 }, { 30, 0.011 }, { 45, 0.0036 }, { 65, 0.0011 }, { 130, 0.00055 } }
local MALE_RR = 0.55

local function first_onset_years(p)
  local mult = P.onset_multiplier * (p.sex == "M" and MALE_RR or 1)
  return M.wait_years(p, ONSET_F, mult)
end

-- episode length in years
local function episode_years(p)
  if p:random() < 0.8 then
    -- triangular 1-12 months, mode 3
    local u = p:random()
    local a, c, b = 1, 3, 12
    local f = (c - a) / (b - a)
    local m
    if u < f then m = a + math.sqrt(u * (b - a) * (c - a)) else m = b - math.sqrt((1 - u) * (b - a) * (b - c)) end
    return m / 12
  end
  return 1 + 2 * p:random()
end

-- after the first episode half the patients follow a recurrent course (the course is drawn once);
-- in it each episode is followed by another with probability 0.88
local function recurrence_p(p)
  if p:attr("depression_course") == "recurrent" then return 0.9 end
  return 0
end

local function in_episode(p)
  local t = p:attr("depression_remit_at")
  return t ~= nil and p.time < t - 1000
end

local function years_to_remission(p)
  local t = p:attr("depression_remit_at") or p.time
  return math.max(0, (t - p.time) / YEAR)
end

-- the module's own diagnosis: at an office visit the patient seeks (by age)
local function p_office(p)
  return p.age < 18 and 0.30 or 0.50
end

-- a PHQ-2 recorded at a check-up since the episode began (or since the last one seen)
local function new_screen(p)
  local s = p:attr("wellness_phq2")
  return s ~= nil and s ~= p:attr("depression_phq2_seen")
end

local function screen_positive(p)
  return (p:attr("wellness_phq2") or 0) >= 3
end

local function initial_phq9(p)
  local u = p:random()
  if u < 0.49 then return math.random(10, 14) end
  if u < 0.87 then return math.random(15, 19) end
  return math.random(20, 27)
end

local function followup_phq9(p)
  -- not remitted: better than at diagnosis, still 10 or more [assumption]
  local s = (p:attr("depression_phq9") or 14) - math.random(0, 6)
  return math.max(10, s)
end

local function phq9_states(prefix, score_fn, next_state)
  return {
    [prefix .. "_Score"] = { type = "SetAttribute", attribute = "depression_phq9", value = score_fn,
                             conditional_transition = when { { age("<", 18), prefix .. "_Teen" }, { prefix .. "_Adult" } } },
    [prefix .. "_Adult"] = { type = "MultiObservation", category = "survey", codes = { M.PHQ9_PANEL },
                             observations = { { codes = { M.PHQ9_TOTAL }, unit = "{score}", attribute = "depression_phq9" } },
                             direct_transition = next_state },
    [prefix .. "_Teen"] = { type = "Observation", category = "survey", codes = { M.PHQ9_TEEN }, unit = "{score}",
                            attribute = "depression_phq9", direct_transition = next_state },
  }
end

local S = {
  Initial = { type = "Initial", direct_transition = "Until_First_Onset" },
  Until_First_Onset = { type = "Delay", distribution = first_onset_years, unit = "years",
                        direct_transition = "Episode_Begins" },

  -- an episode -----------------------------------------------------------------------------------
  Episode_Begins = { type = "Counter", attribute = "depression_episodes", action = "increment",
                     direct_transition = "Plan_Remission" },
  Plan_Remission = { type = "SetAttribute", attribute = "depression_remit_at",
                     value = function(p) return p.time + episode_years(p) * YEAR end,
                     direct_transition = "Depressed" },
  Depressed = { type = "SetAttribute", attribute = "depression", value = true, direct_transition = "Seen_PHQ2" },
  -- the check-up PHQ-2 already on record when the episode began (a later, different one is new)
  Seen_PHQ2 = { type = "SetAttribute", attribute = "depression_phq2_seen",
                value = function(p) return p:attr("wellness_phq2") or -1 end,
                direct_transition = "Route" },
  Route = { type = "Simple", distributed_transition = {
    { distribution = p_office, transition = "Seek_Care" },
    { distribution = function(p) return 1 - p_office(p) end, transition = "Unseen" } } },

  -- the patient seeks care: a visit 2-8 weeks into the episode (if it lasts that long)
  Seek_Care = { type = "Delay", distribution = function(p)
                  return math.min((2 + 6 * p:random()) / 52.18, years_to_remission(p) * 0.5) end,
                unit = "years", conditional_transition = when {
                  { attribute("depression_episodes", ">", 1), "Onset_Recurrent_Office" }, { "Onset_Single_Office" } } },
  Onset_Single_Office = { type = "ConditionOnset", codes = { M.MDD_SINGLE }, target_encounter = "Office_Visit",
                          assign_to_attribute = "depression_condition", direct_transition = "Office_Visit" },
  Onset_Recurrent_Office = { type = "ConditionOnset", codes = { M.MDD_RECURRENT }, target_encounter = "Office_Visit",
                             assign_to_attribute = "depression_condition", direct_transition = "Office_Visit" },
  Office_Visit = { type = "Encounter", encounter_class = "ambulatory", reason = "depression_condition",
                   codes = { M.ENC_PROBLEM }, direct_transition = "Screening" },

  -- not seeking care: found only if a check-up PHQ-2 is positive before the episode ends
  Unseen = { type = "Guard", poll = days(14),
             allow = function(p) return not in_episode(p) or new_screen(p) end,
             conditional_transition = when {
               { negate(in_episode), "Remits_Unseen" }, { screen_positive, "Screen_Positive" }, { "Seen_Negative" } } },
  Seen_Negative = { type = "SetAttribute", attribute = "depression_phq2_seen",
                    value = function(p) return p:attr("wellness_phq2") or -1 end, direct_transition = "Unseen" },
  Screen_Positive = { type = "Simple", distributed_transition = pick { { 0.8, "Screen_Followup_Delay" }, { 0.2, "Wait_Unseen" } } },
  Wait_Unseen = { type = "Delay", distribution = years_to_remission, unit = "years", direct_transition = "Remits_Unseen" },
  Screen_Followup_Delay = { type = "Delay", distribution = uniform { days(1), days(14) },
                            conditional_transition = when {
                              { attribute("depression_episodes", ">", 1), "Onset_Recurrent_Screen" }, { "Onset_Single_Screen" } } },
  Onset_Single_Screen = { type = "ConditionOnset", codes = { M.MDD_SINGLE }, target_encounter = "Screen_Visit",
                          assign_to_attribute = "depression_condition", direct_transition = "Screen_Visit" },
  Onset_Recurrent_Screen = { type = "ConditionOnset", codes = { M.MDD_RECURRENT }, target_encounter = "Screen_Visit",
                             assign_to_attribute = "depression_condition", direct_transition = "Screen_Visit" },
  Screen_Visit = { type = "Encounter", encounter_class = "ambulatory", reason = "depression_condition",
                   codes = { M.ENC_FOLLOWUP }, direct_transition = "Screening" },
  Remits_Unseen = { type = "SetAttribute", attribute = "depression", value = false, direct_transition = "Recurrence" },

  -- the diagnostic visit -------------------------------------------------------------------------
  Screening = { type = "Procedure", reason = "depression_condition", codes = { M.PHQ9_SCREENING },
                duration = { low = 5, high = 10, unit = "minutes" }, direct_transition = "Dx_Score" },
  Treatment_Choice = { type = "Simple", complex_transition = {
    { condition = age("<", 18), distributions = {
      { distribution = 0.30, transition = "Med_And_Therapy" }, { distribution = 0.15, transition = "Med_Only" },
      { distribution = 0.45, transition = "Therapy_Only" }, { distribution = 0.10, transition = "No_Treatment" } } },
    { distributions = {
      { distribution = 0.35, transition = "Med_And_Therapy" }, { distribution = 0.35, transition = "Med_Only" },
      { distribution = 0.22, transition = "Therapy_Only" }, { distribution = 0.08, transition = "No_Treatment" } } } } },
  Med_And_Therapy = { type = "SetAttribute", attribute = "depression_therapy", value = true, direct_transition = "First_Drug" },
  Med_Only = { type = "SetAttribute", attribute = "depression_therapy", value = false, direct_transition = "First_Drug" },
  Therapy_Only = { type = "SetAttribute", attribute = "depression_therapy", value = true, direct_transition = "Psychotherapy" },
  No_Treatment = { type = "SetAttribute", attribute = "depression_therapy", value = false, direct_transition = "End_Dx_Visit" },
  First_Drug = { type = "Simple", complex_transition = {
    { condition = date("<", 1991), distributions = { { distribution = 1, transition = "Pre_SSRI" } } },
    { condition = date("<", 2002), distributions = { { distribution = 1, transition = "Sertraline" } } },
    { condition = age("<", 18), distributions = { { distribution = 1, transition = "Escitalopram" } } },
    { distributions = { { distribution = 0.55, transition = "Sertraline" }, { distribution = 0.45, transition = "Escitalopram" } } } } },
  -- before the first SSRI in this module (sertraline, FDA 1991): psychotherapy instead
  Pre_SSRI = { type = "SetAttribute", attribute = "depression_therapy", value = true, direct_transition = "Psychotherapy" },
  Sertraline = { type = "MedicationOrder", reason = "depression_condition", codes = { M.SERTRALINE }, chronic = true,
                 assign_to_attribute = "depression_med",
                 prescription = { refills = 5, dosage = { amount = 1, frequency = 1, period = 1, unit = "days" } },
                 conditional_transition = when { { attribute("depression_therapy", "==", true), "Psychotherapy" }, { "End_Dx_Visit" } } },
  Escitalopram = { type = "MedicationOrder", reason = "depression_condition", codes = { M.ESCITALOPRAM }, chronic = true,
                   assign_to_attribute = "depression_med",
                   prescription = { refills = 5, dosage = { amount = 1, frequency = 1, period = 1, unit = "days" } },
                   conditional_transition = when { { attribute("depression_therapy", "==", true), "Psychotherapy" }, { "End_Dx_Visit" } } },
  Psychotherapy = { type = "Procedure", reason = "depression_condition", codes = { M.PSYCHOTHERAPY },
                    duration = { low = 45, high = 60, unit = "minutes" }, direct_transition = "End_Dx_Visit" },
  End_Dx_Visit = { type = "EncounterEnd", direct_transition = "Until_Review" },

  -- the review at 6-8 weeks: not remitted -> second step --------------------------------------
  Until_Review = { type = "Delay", distribution = function(p)
                     return math.min((6 + 2 * p:random()) / 52.18, years_to_remission(p)) end,
                   unit = "years", conditional_transition = when {
                     { negate(in_episode), "Remits" },
                     { attribute("depression_treated", "==", false), "Until_Remission" },
                     { "Review_Visit" } } },
  Review_Visit = { type = "Encounter", encounter_class = "ambulatory", reason = "depression_condition",
                   codes = { M.ENC_FOLLOWUP }, direct_transition = "Review_Score" },
  Second_Step = { type = "Simple", conditional_transition = when {
    { attribute("depression_med", "is nil"), "Add_Drug_Check" },
    { active_medication(M.SERTRALINE), "Switch_From_Sertraline" },
    { age("<", 18), "Switch_From_Escitalopram" },
    { "Switch_Or_Augment" } } },
  -- therapy alone and not remitted: add an antidepressant (if treated at all)
  Add_Drug_Check = { type = "Simple", conditional_transition = when {
    { attribute("depression_therapy", "==", true), "First_Drug_Review" }, { "End_Review" } } },
  First_Drug_Review = { type = "Simple", complex_transition = {
    { condition = date("<", 1991), distributions = { { distribution = 1, transition = "End_Review" } } },
    { condition = date("<", 2002), distributions = { { distribution = 1, transition = "Sertraline_2" } } },
    { condition = age("<", 18), distributions = { { distribution = 1, transition = "Escitalopram_2" } } },
    { distributions = { { distribution = 0.55, transition = "Sertraline_2" }, { distribution = 0.45, transition = "Escitalopram_2" } } } } },
  Switch_From_Sertraline = { type = "Simple", complex_transition = {
    { condition = date("<", 2002), distributions = { { distribution = 1, transition = "End_Review" } } },
    { distributions = { { distribution = 0.5, transition = "Stop_Sertraline" }, { distribution = 0.5, transition = "Bupropion_Check" } } } } },
  Switch_Or_Augment = { type = "Simple", distributed_transition = pick { { 0.5, "Stop_Escitalopram" }, { 0.5, "Bupropion_Check" } } },
  Switch_From_Escitalopram = { type = "Simple", direct_transition = "Stop_Escitalopram" },
  Bupropion_Check = { type = "Simple", conditional_transition = when {
    { date("<", 2003), "Stop_Escitalopram_Check" }, { age("<", 18), "End_Review" }, { "Bupropion" } } },
  Stop_Escitalopram_Check = { type = "Simple", conditional_transition = when {
    { active_medication(M.ESCITALOPRAM), "Stop_Escitalopram" }, { "End_Review" } } },
  Stop_Sertraline = { type = "MedicationEnd", codes = { M.SERTRALINE }, direct_transition = "Escitalopram_2" },
  Stop_Escitalopram = { type = "MedicationEnd", codes = { M.ESCITALOPRAM }, direct_transition = "Sertraline_2" },
  Sertraline_2 = { type = "MedicationOrder", reason = "depression_condition", codes = { M.SERTRALINE }, chronic = true,
                   assign_to_attribute = "depression_med",
                   prescription = { refills = 5, dosage = { amount = 1, frequency = 1, period = 1, unit = "days" } },
                   direct_transition = "End_Review" },
  Escitalopram_2 = { type = "MedicationOrder", reason = "depression_condition", codes = { M.ESCITALOPRAM }, chronic = true,
                     assign_to_attribute = "depression_med",
                     prescription = { refills = 5, dosage = { amount = 1, frequency = 1, period = 1, unit = "days" } },
                     direct_transition = "End_Review" },
  Bupropion = { type = "MedicationOrder", reason = "depression_condition", codes = { M.BUPROPION }, chronic = true,
                prescription = { refills = 5, dosage = { amount = 1, frequency = 1, period = 1, unit = "days" } },
                direct_transition = "End_Review" },
  End_Review = { type = "EncounterEnd", direct_transition = "Until_Remission" },

  Until_Remission = { type = "Delay", distribution = years_to_remission, unit = "years", direct_transition = "Remits" },

  -- remission of a diagnosed episode ------------------------------------------------------------
  Remits = { type = "SetAttribute", attribute = "depression", value = false, conditional_transition = when {
    { attribute("depression_treated", "==", true), "Remission_Visit" }, { "Remission" } } },
  Remission_Visit = { type = "Encounter", encounter_class = "ambulatory", reason = "depression_condition",
                      codes = { M.ENC_FOLLOWUP }, direct_transition = "Remission_Score" },
  End_Remission_Visit = { type = "EncounterEnd", direct_transition = "Remission" },
  Remission = { type = "ConditionEnd", referenced_by_attribute = "depression_condition", conditional_transition = when {
    { any_of { active_medication(M.SERTRALINE), active_medication(M.ESCITALOPRAM), active_medication(M.BUPROPION) },
      "Continuation" },
    { "Clear_Episode" } } },
  -- continuation phase: the antidepressant goes on for six months after remission
  Continuation = { type = "Delay", distribution = exact(months(6)), direct_transition = "End_Sertraline" },
  End_Sertraline = { type = "Simple", conditional_transition = when {
    { active_medication(M.SERTRALINE), "Stop_Sertraline_Cont" }, { "End_Escitalopram" } } },
  Stop_Sertraline_Cont = { type = "MedicationEnd", codes = { M.SERTRALINE }, direct_transition = "End_Escitalopram" },
  End_Escitalopram = { type = "Simple", conditional_transition = when {
    { active_medication(M.ESCITALOPRAM), "Stop_Escitalopram_Cont" }, { "End_Bupropion" } } },
  Stop_Escitalopram_Cont = { type = "MedicationEnd", codes = { M.ESCITALOPRAM }, direct_transition = "End_Bupropion" },
  End_Bupropion = { type = "Simple", conditional_transition = when {
    { active_medication(M.BUPROPION), "Stop_Bupropion_Cont" }, { "Clear_Episode" } } },
  Stop_Bupropion_Cont = { type = "MedicationEnd", codes = { M.BUPROPION }, direct_transition = "Clear_Episode" },
  Clear_Episode = { type = "SetAttribute", attribute = "depression_med", direct_transition = "Clear_Treated" },
  Clear_Treated = { type = "SetAttribute", attribute = "depression_treated", direct_transition = "Recurrence" },

  -- the next episode ----------------------------------------------------------------------------
  Recurrence = { type = "Simple", conditional_transition = when {
    { attribute("depression_course", "is nil"), "Course" }, { "Next_Episode" } } },
  Course = { type = "SetAttribute", attribute = "depression_course",
             value = function(p) return p:random() < 0.6 and "recurrent" or "single" end,
             direct_transition = "Next_Episode" },
  Next_Episode = { type = "Simple", distributed_transition = {
    { distribution = recurrence_p, transition = "Until_Recurrence" },
    { distribution = function(p) return 1 - recurrence_p(p) end, transition = "Terminal" } } },
  Until_Recurrence = { type = "Delay", distribution = function(p) return 0.5 + 0.75 * -math.log(1 - p:random()) end,
                       unit = "years", direct_transition = "Episode_Begins" },
  Terminal = { type = "Terminal" },
}

-- PHQ-9 at diagnosis, at the review, at remission
for k, v in pairs(phq9_states("Dx", initial_phq9, "Mark_Treated")) do S[k] = v end
for k, v in pairs(phq9_states("Review", followup_phq9, "Second_Step")) do S[k] = v end
for k, v in pairs(phq9_states("Remission", function() return math.random(0, 4) end, "End_Remission_Visit")) do S[k] = v end

-- whether the episode is treated (medication or psychotherapy), decided at the diagnostic visit
S.Mark_Treated = { type = "Simple", direct_transition = "Treatment_Choice" }
S.No_Treatment.direct_transition = "Untreated"
S.Untreated = { type = "SetAttribute", attribute = "depression_treated", value = false, direct_transition = "End_Dx_Visit" }
for _, name in ipairs({ "Med_And_Therapy", "Med_Only", "Therapy_Only" }) do
  local nxt = S[name].direct_transition
  S[name].direct_transition = name .. "_Treated"
  S[name .. "_Treated"] = { type = "SetAttribute", attribute = "depression_treated", value = true, direct_transition = nxt }
end

return {
  name = "Depression",
  states = S,
}
