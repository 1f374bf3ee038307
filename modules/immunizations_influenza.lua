-- Seasonal influenza vaccination (immunizations family).
--
-- Each season (from September 1) the patient decides whether to be vaccinated, and when. Between the
-- start of the season and that date, a check-up gives the dose (immunizations.lua reads `imm_flu_due`);
-- otherwise the dose is given at a vaccination visit of its own on that date, as most adult influenza
-- vaccinations are (pharmacies, clinics, workplaces). Children aged 6 months to 8 years who have had
-- fewer than 2 doses need a second dose 4-6 weeks later (ACIP: Grohskopf LA et al., Prevention and
-- Control of Seasonal Influenza with Vaccines, MMWR Recomm Rep 2024;73(RR-5)); how many get it, and
-- the product of each season and age, are set in modules/lib/immunizations.lua.
--
-- Recommendation history (no dose before a group was recommended): adults 65+ (recommended since the
-- 1960s; modelled from 1980, with today's uptake); 50-64 years from 2000 (MMWR Recomm Rep
-- 2000;49(RR-3)); children 6-23 months from the 2004-05 season (MMWR Recomm Rep 2004;53(RR-6)),
-- 24-59 months from 2006-07 (MMWR Recomm Rep 2006;55(RR-10)), 5-18 years from 2008-09 (MMWR Recomm
-- Rep 2008;57(RR-7)); everyone 6 months and older, so adults 18-49 too, from 2010-11 (MMWR Recomm Rep
-- 2010;59(RR-8)).
--
-- Uptake per season:
-- * adults, influenza vaccination in the preceding 12 months, NHIS 2018: 19-49 years 34.2%, 50-64
--   years 46.9%, 65+ 68.8% (Lu PJ et al., MMWR Surveill Summ 2021;70(3), Table 5);
-- * children 6 months-17 years, 2022-23 season: 57.4% (CDC FluVaxView, Flu Vaccination Coverage,
--   United States, 2022-23 Influenza Season, NIS-Flu; adults 18+ 46.9% the same season, BRFSS);
-- * children 6-23 months, at least one dose in the season: 60.9% to 66.6% in the 2010-11 to 2014-15
--   seasons (Lin X, Fiebelkorn AP, Pabst LJ. Trends in compliance with two-dose influenza vaccine
--   recommendations in children aged 6 months through 8 years, 2010-2015. Vaccine 2016,
--   doi:10.1016/j.vaccine.2016.09.037, IIS sentinel sites).
-- Vaccination is a habit: the same people are vaccinated year after year. Each person has a lasting
-- propensity (the latent imm_u_flu, drawn at birth, correlated 0.5 with the family's childhood
-- vaccine propensity); four classes of it are vaccinated in a season with these probabilities, which
-- reproduce the published means (classes of 30/20/20/30%):
--                 regular  frequent  occasional  rare
--   6-23 mo        0.98     0.85       0.60       0.22   -> 65.0%
--   2-17 y         0.96     0.78       0.47       0.12   -> 57.4%
--   18-49 y        0.76     0.40       0.15       0.02   -> 34.4%
--   50-64 y        0.92     0.62       0.32       0.06   -> 48.2%
--   65+ y          0.98     0.87       0.67       0.32   -> 69.8%
-- (the age group is taken on September 1; simulated 2023-24 season, -p 4000: 2-17 y and 6-23 mo
-- together 58%, 18-49 y 33-35%, 50-64 y 47%, 65+ 67-71%).
-- The class shares and the spread between classes are assumptions (the surveys report only means).
-- Children whose families decline every vaccine (immunizations.lua) get none before 18.
-- Timing: the date is drawn from September 1 + triangular(0, 40, 150 days), so most doses fall in
-- September-November (assumed, in line with ACIP's advice to vaccinate by the end of October).

local V = lib("immunizations")
local sct = codes.snomed
local on_or_after = V.on_or_after

-- days from 1970-01-01 to a civil date (Howard Hinnant's days_from_civil)
local function days_from_civil(y, m, d)
  if m <= 2 then y = y - 1 end
  local era = (y >= 0 and y or y - 399) // 400
  local yoe = y - era * 400
  local mp = (m + 9) % 12
  local doy = (153 * mp + 2) // 5 + d - 1
  local doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
  return era * 146097 + doe - 719468
end

-- days until the next September 1 (at least half a day away: a Delay ends to the millisecond, so
-- "now" may sit just before the September 1 it was aimed at)
local function to_next_season(p)
  local y = p.year
  local now = p.time / 86400000
  local t = days_from_civil(y, 9, 1)
  if t - now < 0.5 then t = days_from_civil(y + 1, 9, 1) end
  return t - now
end

-- per-season probability of each propensity class (regular, frequent, occasional, rare)
local PROB = {
  infant = { 0.98, 0.85, 0.60, 0.22 },
  child = { 0.96, 0.78, 0.47, 0.12 },
  a18 = { 0.76, 0.40, 0.15, 0.02 },
  a50 = { 0.92, 0.62, 0.32, 0.06 },
  a65 = { 0.98, 0.87, 0.67, 0.32 },
}
local CLASS_BOUNDS = { 0.30, 0.50, 0.70 } -- on the propensity scale: 30/20/20/30%

local S = {}
-- the age group first (one comparison per branch), then the date the group was first recommended,
-- then the class: cheap to evaluate once a year for every patient
S.Season = { type = "Simple", conditional_transition = when {
  { age(">=", 65), "Gate_a65" }, { age(">=", 50), "Gate_a50" }, { age(">=", 18), "Gate_a18" },
  { attribute("imm_refuser", "==", true), "Next_Season" }, { age(">=", 1, "months"), "Gate_child" },
  { "Next_Season" } } }
S.Gate_a65 = { type = "Simple", conditional_transition = when { { on_or_after(1980, 7, 1), "Class_a65" }, { "Next_Season" } } }
S.Gate_a50 = { type = "Simple", conditional_transition = when { { on_or_after(2000, 7, 1), "Class_a50" }, { "Next_Season" } } }
S.Gate_a18 = { type = "Simple", conditional_transition = when { { on_or_after(2010, 7, 1), "Class_a18" }, { "Next_Season" } } }
S.Gate_child = { type = "Simple", conditional_transition = when {
  { on_or_after(2008, 7, 1), "Young" },
  { all_of { on_or_after(2006, 7, 1), age("<", 5) }, "Young" },
  { all_of { on_or_after(2004, 7, 1), age("<", 24, "months") }, "Young" },
  { "Next_Season" } } }
S.Young = { type = "Simple", conditional_transition = when { { age("<", 2), "Class_infant" }, { "Class_child" } } }
for g, pr in pairs(PROB) do
  S["Class_" .. g] = { type = "Simple", conditional_transition = when {
    { attribute("imm_u_flu", "<", CLASS_BOUNDS[1]), "Pick_" .. g .. "_1" },
    { attribute("imm_u_flu", "<", CLASS_BOUNDS[2]), "Pick_" .. g .. "_2" },
    { attribute("imm_u_flu", "<", CLASS_BOUNDS[3]), "Pick_" .. g .. "_3" },
    { "Pick_" .. g .. "_4" } } }
  for i = 1, 4 do
    S["Pick_" .. g .. "_" .. i] = { type = "Simple",
      distributed_transition = pick { { pr[i], "Plan" }, { 1 - pr[i], "Next_Season" } } }
  end
end

local VISIT = sct(33879002, "Administration of vaccine to produce active immunity (procedure)")

-- the lasting propensity: correlated 0.5 with the family's childhood propensity z when
-- immunizations.lua drew one (imm_z), independent otherwise
local function propensity(p)
  local z, e = p:attr("imm_z"), V.normal(p)
  if type(z) == "number" then return V.Phi(math.sqrt(0.5) * z + math.sqrt(0.5) * e) end
  return V.Phi(e)
end

S.Initial = { type = "Initial", direct_transition = "Count_Init" }
for k, v in pairs {
  Count_Init = { type = "SetAttribute", attribute = "imm_n_flu", value = 0, direct_transition = "Propensity" },
  Propensity = { type = "SetAttribute", attribute = "imm_u_flu", value = propensity, direct_transition = "To_Season" },
  To_Season = { type = "Delay", distribution = to_next_season, unit = "days", direct_transition = "Season" },
  Plan = { type = "SetAttribute", attribute = "imm_flu_due", value = true, direct_transition = "When" },
  When = { type = "Delay", distribution = triangular { min = days(0), mode = days(40), max = days(150) },
           direct_transition = "Old_Enough" },
  Old_Enough = { type = "Guard", allow = age(">=", 6, "months"), direct_transition = "Still_Due" },
  -- given at a check-up meanwhile?
  Still_Due = { type = "Simple", conditional_transition = when {
    { attribute("imm_flu_due", "==", true), "Visit" }, { "Second_Check" } } },
  Visit = { type = "Encounter", encounter_class = "outpatient", codes = { VISIT }, direct_transition = "Visit_Dose" },
  Visit_End = { type = "EncounterEnd", direct_transition = "Second_Check" },
  Second_Check = { type = "Simple", conditional_transition = when {
    { attribute("imm_flu_second_due", "==", true), "Second_Wait" }, { "Next_Season" } } },
  Second_Wait = { type = "Delay", distribution = uniform { days(28), days(42) }, direct_transition = "Second_Visit" },
  Second_Visit = { type = "Encounter", encounter_class = "outpatient", codes = { VISIT },
                   direct_transition = "Second_Clear" },
  Second_Clear = { type = "SetAttribute", attribute = "imm_flu_second_due", value = false,
                   direct_transition = "Second_Dose" },
  Second_End = { type = "EncounterEnd", direct_transition = "Next_Season" },
  Next_Season = { type = "Delay", distribution = to_next_season, unit = "days", direct_transition = "Season" },
} do S[k] = v end
S.Visit_Dose = { type = "Simple", direct_transition = V.flu_dose(S, "Visit", "Visit_End", true) }
S.Second_Dose = { type = "Simple", direct_transition = V.flu_dose(S, "Second", "Second_End", false) }

return { name = "Influenza Vaccination", states = S }
