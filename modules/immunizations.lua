-- Immunizations: the CDC/ACIP childhood, adolescent and adult schedules, given at check-ups.
--
-- Every dose is given at a check-up: the module waits for the next wellness encounter (opened by the
-- lifecycle family's wellness.lua at the AAP well-child ages, then yearly 3-21, then adult check-ups),
-- joins it, gives what is due and leaves. A dose missed at one check-up is caught up at a later one
-- (as the catch-up schedule does), so a missed or late check-up delays doses rather than losing them.
-- Influenza is seasonal and is decided by immunizations_influenza.lua, which sets `imm_flu_due` for the
-- season; a check-up that falls in that window gives the dose here, otherwise the influenza module
-- gives it at a vaccination visit of its own.
--
-- Schedule (ages, intervals, catch-up limits):
-- * Wodi AP, Murthy N, McNally VV, Daley MF, Cineas S. ACIP Recommended Immunization Schedule for
--   Children and Adolescents Aged 18 Years or Younger - United States, 2024. MMWR 2024;73(1):6-10, and
--   the schedule's Table 1 (by age), Table 2 (catch-up) and Notes: HepB birth, 1-2, 6-18 mo; DTaP 2, 4,
--   6, 15-18 mo, 4-6 y (not at 7 y or older; dose 5 not needed when dose 4 was given at 4 y or
--   older); IPV 2, 4, 6-18 mo, 4-6 y (dose 4 not needed when dose 3 was given at 4 y or older); Hib
--   PRP-OMP 2, 4, 12-15 mo (not for healthy children 5 y or older); PCV 2, 4, 6, 12-15 mo (healthy
--   children through 59 months); rotavirus RV5 2, 4, 6 mo (dose 1 by 14 weeks 6 days, none after
--   8 months 0 days); MMR and varicella 12-15 mo and 4-6 y; HepA 12-23 mo, 2 doses 6 months apart;
--   Tdap 11-12 y; MenACWY 11-12 y and 16 y (no booster when dose 1 was given at 16 y or older);
--   MenB 16-23 y by shared decision; HPV 11-12 y, 2 doses 6-12 months apart when started before 15 y,
--   otherwise 3 doses, through 26 y.
-- * Murthy N, Wodi AP, McNally VV, Daley MF, Cineas S. ACIP Recommended Adult Immunization Schedule
--   - United States, 2024. MMWR 2024;73(1):11-15: Td or Tdap every 10 years (one Tdap as an adult);
--   recombinant zoster vaccine, 2 doses 2-6 months apart, from 50 y; pneumococcal PCV20 (or PCV15 +
--   PPSV23) at 65 y.
-- * Minimum ages and intervals: CDC/ACIP General Best Practice Guidelines for Immunization, Table 3-1
--   (the same table modules/data/vaccine_age_windows.csv is built from); 4-day grace period used for
--   the HepA interval (178 days).
--
-- When each vaccine entered routine US use (doses are only given from then on, older products
-- before): DTP (CVX 01) until the all-acellular schedule of 1997 (MMWR Recomm Rep 1997;46(RR-7)),
-- DTaP after; OPV (CVX 02) from 1963 until the all-IPV schedule of 2000 (MMWR Recomm Rep
-- 2000;49(RR-5)), IPV before and after; MMR licensed 1971, second dose recommended 1989 (MMWR
-- 1989;38(S-9)); infant Hib conjugate 1991 (MMWR Recomm Rep 1991;40(RR-1)); universal infant HepB
-- 1991 (MMWR Recomm Rep 1991;40(RR-13)), catch-up of children and adolescents; varicella from its
-- licensure in March 1995 (ACIP: MMWR Recomm Rep 1996;45(RR-11)), second dose 2007 (MMWR Recomm Rep 2007;56(RR-4)); PCV7 2000
-- (MMWR Recomm Rep 2000;49(RR-9)), PCV13 2010 (MMWR 2010;59(9)), PCV20 for children from 2024
-- (licensed 2023); rotavirus RV5 2006 (MMWR Recomm Rep 2006;55(RR-12)); routine HepA at 12-23 months
-- 2006 (MMWR Recomm Rep 2006;55(RR-7)); adolescent Tdap 2006 (MMWR Recomm Rep 2006;55(RR-3)), Td
-- before; MenACWY 2005 (MMWR Recomm Rep 2005;54(RR-7)), booster at 16 y 2011 (MMWR 2011;60(3)),
-- MenACWY-CRM (CVX 136) used from 2011; MenB 2015 (MMWR 2015;64(41)); HPV for girls 2006 (MMWR Recomm
-- Rep 2007;56(RR-2)) and boys 2011 (MMWR 2011;60(50)), 9-valent from 2016, 2-dose schedule from
-- December 2016 (MMWR 2016;65(49)); zoster live at 60 y 2008-2017 (MMWR Recomm Rep 2008;57(RR-5)),
-- recombinant at 50 y from 2018 (MMWR 2018;67(3)); PPSV23 at 65 y from 1984; PCV13 then PPSV23 at
-- 65 y from September 2014 (MMWR 2014;63(37)), PPSV23 alone again from November 2019 (PCV13 by
-- shared clinical decision-making: Matanock A et al., MMWR 2019;68(46):1069-1075); PCV20 from 2022 (MMWR 2022;71(4)); adult Tdap 2006 (MMWR Recomm
-- Rep 2006;55(RR-17)), extended to 65 y and older 2012 (MMWR 2012;61(25)). Vaccines are offered
-- from these dates; the newer ones with an uptake that rises over the years after their
-- introduction to today's (RAMP below), the older ones with today's uptake. DTaP stops at 2550
-- days and Hib at 1820 days of age (a margin inside "not at 7 years or older" and "not for healthy
-- children 5 years or older", as modules/data/vaccine_age_windows.csv counts them in days).
--
-- Coverage (calibrated; the simulated values are checked in modules/data/realism/immunizations.csv):
-- * Children by 24 months: Hill HA, Chen M, Elam-Evans LD, Yankey D, Singleton JA. Vaccination
--   Coverage by Age 24 Months Among Children Born During 2018-2019 - National Immunization
--   Survey-Child, United States, 2019-2021. MMWR 2023;72(2):33-38, Table 1 (birth years 2018-2019):
--   DTaP >=3 94.2%, >=4 81.9%; poliovirus >=3 93.4%; MMR >=1 91.6%; Hib primary series 93.6%, full
--   series 80.0%; HepB birth dose 79.8%, >=3 92.7%; varicella >=1 91.1%; PCV >=3 93.3%, >=4 83.5%;
--   HepA >=1 88.3%, >=2 47.3% (by 35 months 79.6%); rotavirus complete by 8 months 77.1%;
--   combined 7-vaccine series 70.1%; no vaccinations 0.9%.
-- * First doses and second doses the survey does not report (DTaP, polio, PCV and Hib dose 1 96-97.5%,
--   dose 2 95-96%; HepB dose 1 97.5%, dose 2 96.5%; rotavirus dose 1 84%, dose 2 81%) are assumed,
--   between the 99.1% with any vaccine and the reported >=3-dose and completion figures.
-- * Kindergarten (catch-up by school entry): Seither R et al. Coverage with Selected Vaccines and
--   Exemption from School Vaccine Requirements Among Children in Kindergarten - United States,
--   2022-23 School Year. MMWR 2023;72(45):1217-1224: DTaP 92.7%, MMR (2 doses) 93.1%, polio 93.1%,
--   varicella 92.9%.
-- * Adolescents 13-17 years by age at interview: Pingali C et al. National Vaccination Coverage Among
--   Adolescents Aged 13-17 Years - National Immunization Survey-Teen, United States, 2022. MMWR
--   2023;72(34):912-919, Table 1: Tdap >=1 85.1% at 13 y, 90.7% at 14, 91.5% at 15 (89.9% overall);
--   MenACWY >=1 84.5% at 13, 89.2% at 14, 89.8% at 16, 90.7% at 17 (88.6% overall), >=2 at 17 y
--   60.8%; MenB >=1 at 17 y 29.4%, >=2 11.9%; HPV >=1 68.9% at 13, 75.8% at 14, 78.5% at 15, 79.6% at
--   16 (76.0% overall; girls 77.8%, boys 74.4%); HPV up to date 50.0% at 13, 60.3% at 14, 65.8% at 15,
--   68.8% at 16 (62.6% overall; girls 64.6%, boys 60.6%). MMR >=2 92.4% and HepB >=3 92.6%: NIS-Teen
--   2020 (ChildStats.gov, America's Children, Table HC3.B).
-- * Adults: Lu PJ et al. Surveillance of Vaccination Coverage Among Adult Populations - United States,
--   2018. MMWR Surveill Summ 2021;70(3):1-26, Table 5 (NHIS 2018): Td or Tdap in the past 10 years
--   62.9% (19-49 y 64.5%, 50-64 y 62.8%, 65+ 58.9%); Tdap 31.2%; pneumococcal vaccine ever at 65+
--   69.0%. Zoster vaccine live at 60+ 34.9% by 2017: Hung MC et al. Am J Prev Med 2020;59(1):21-31.
--   Modelled as persistent adult "takers" (Td/Tdap 70%, pneumococcal 73%, zoster 40%) who are
--   vaccinated at the first check-up where the dose is due; half of the adult boosters given where
--   Tdap is allowed are Tdap (calibrated to the 31.2%); takers complete the 2-dose recombinant zoster
--   series (assumed).
--
-- Who gets what: children differ. A share of families (parameter no_vaccine_share, 0.9% from NIS-Child)
-- declines every vaccine. Every other child has a latent propensity z ~ N(0,1) (families' attitudes
-- and access), and each vaccine series s a latent w_s = sqrt(r) z + sqrt(1-r) e_s with its own noise
-- e_s; the child gets dose k of series s by age a when Phi(w_s) is below the cumulative coverage of
-- dose k by age a. One latent per series keeps doses nested (no dose 4 without dose 3); the shared z
-- correlates the series: r = 0.8 reproduces the 70.1% combined 7-vaccine series from the separate
-- coverages (independent series would give 36%). Adult uptake uses the same construction, its
-- latents drawn with a weaker link (0.3) to the childhood z.
--
-- Simplifications: single-antigen products only (no combination vaccines): Hib is PRP-OMP (full series
-- 3 doses) and rotavirus RV5 (complete = 3 doses), so the survey's "full series" and "complete"
-- are counts of doses. No COVID-19, RSV (nirsevimab) or risk-based vaccines; no dengue, travel or
-- pregnancy vaccines (Tdap in pregnancy belongs to the pregnancy family).

local V = lib("immunizations")
local C, on_or_after, before = V.codes, V.on_or_after, V.before

local P = parameters {
  no_vaccine_share = param(0.009, "share of children whose families decline every vaccine (NIS-Child 0.9%)"),
  correlation = param(0.8, "correlation of a child's propensity across vaccine series"),
  hesitancy_shift = param(0.0, "shifts every child's propensity, in standard deviations (positive: fewer and later vaccines)"),
}

local R = 1 - P.no_vaccine_share -- thresholds are coverages among all children; latents only among the rest

-- ---------------------------------------------------------------------------------------------
-- The series. Each dose: min/max age, interval after the previous dose, and tiers {coverage, age}:
-- the cumulative share of ALL children who have had the dose by that age (the age is the check-up
-- from which it is given; a little below the nominal visit age so that an early visit counts).

local function A(q, unit) return { q, unit } end
local mo = function(n) return A(n, "months") end
local yr = function(n) return A(n, "years") end
local dy = function(n) return A(n, "days") end

local SERIES = {
  { id = "HepB", n = "imm_n_HepB", u = "imm_u_hepb", born = 1980, from = 1992,
    products = { { state = "HepB_Give", code = C.hepb } },
    doses = {
      { tiers = { { 0.798, dy(0) }, { 0.965, mo(0.9) }, { 0.972, mo(8.5) }, { 0.975, yr(3.9) } } },
      { interval = dy(28), tiers = { { 0.600, mo(0.9) }, { 0.955, mo(1.5) }, { 0.962, mo(8.5) }, { 0.965, yr(3.9) } } },
      { min = dy(168), interval = dy(56), tiers = { { 0.800, mo(5.5) }, { 0.927, mo(8.5) }, { 0.935, yr(3.9) } } },
    } },
  { id = "DTaP", n = "imm_n_DTaP", u = "imm_u_dtap", from = 1948, max = dy(2550),
    products = { { state = "DTP_Give", code = C.dtp, when = before(1997) }, { state = "DTaP_Give", code = C.dtap } },
    doses = {
      { min = dy(42), tiers = { { 0.960, mo(1.5) }, { 0.975, mo(8.5) } } },
      { min = dy(70), interval = dy(28), tiers = { { 0.950, mo(3.5) }, { 0.962, mo(8.5) } } },
      { interval = dy(28), tiers = { { 0.920, mo(5.5) }, { 0.942, mo(8.5) }, { 0.950, yr(3.9) } } },
      { min = mo(12), interval = mo(6), tiers = { { 0.740, mo(14.5) }, { 0.819, mo(17.5) }, { 0.927, yr(3.9) } } },
      { min = yr(4), interval = mo(6), unless = "imm_dtap_done", tiers = { { 0.900, yr(3.9) }, { 0.927, yr(4.9) } } },
    },
    -- dose 5 is not needed when dose 4 was given at 4 years or older
    done_after = { dose = 4, age = yr(4), attribute = "imm_dtap_done" } },
  { id = "Polio", n = "imm_n_Polio", u = "imm_u_ipv", from = 1955,
    products = { { state = "OPV_Give", code = C.opv, when = all_of { on_or_after(1963), before(2000) } },
                 { state = "IPV_Give", code = C.ipv } },
    doses = {
      { min = dy(42), tiers = { { 0.960, mo(1.5) }, { 0.975, mo(8.5) } } },
      { interval = dy(28), tiers = { { 0.950, mo(3.5) }, { 0.962, mo(8.5) } } },
      { interval = dy(28), tiers = { { 0.800, mo(5.5) }, { 0.934, mo(8.5) }, { 0.945, yr(3.9) } } },
      { min = yr(4), interval = mo(6), unless = "imm_ipv_done", tiers = { { 0.900, yr(3.9) }, { 0.931, yr(4.9) } } },
    },
    done_after = { dose = 3, age = yr(4), attribute = "imm_ipv_done" } },
  { id = "Hib", n = "imm_n_Hib", u = "imm_u_hib", born = 1989, from = 1991, max = dy(1820),
    products = { { state = "Hib_Give", code = C.hib } },
    doses = {
      { min = dy(42), tiers = { { 0.955, mo(1.5) }, { 0.970, mo(8.5) } } },
      { interval = dy(28), tiers = { { 0.936, mo(3.5) }, { 0.945, mo(8.5) } } },
      { min = mo(12), interval = dy(56), tiers = { { 0.700, mo(11.9) }, { 0.800, mo(14.5) }, { 0.830, yr(3.9) } } },
    } },
  { id = "PCV", n = "imm_n_PCV", u = "imm_u_pcv", born = 1998, from = 2000, max = yr(5),
    products = { { state = "PCV7_Give", code = C.pcv7, when = before(2010, 3, 1) },
                 { state = "PCV13_Give", code = C.pcv13, when = before(2024) },
                 { state = "PCV20_Give", code = C.pcv20 } },
    doses = {
      { min = dy(42), tiers = { { 0.960, mo(1.5) }, { 0.975, mo(8.5) } } },
      { interval = dy(28), tiers = { { 0.950, mo(3.5) }, { 0.962, mo(8.5) } } },
      { interval = dy(28), tiers = { { 0.920, mo(5.5) }, { 0.933, mo(8.5) } } },
      { min = mo(12), interval = dy(56), tiers = { { 0.720, mo(11.9) }, { 0.835, mo(14.5) }, { 0.860, yr(3.9) } } },
    } },
  { id = "Rota", n = "imm_n_Rota", u = "imm_u_rv", born = 2006, from = 2006,
    products = { { state = "RV5_Give", code = C.rv5 } },
    doses = {
      { min = dy(42), max = A(15, "weeks"), tiers = { { 0.840, mo(1.5) } } },
      { interval = dy(28), max = mo(8), tiers = { { 0.810, mo(3.5) } } },
      { interval = dy(28), max = mo(8), tiers = { { 0.771, mo(5.5) } } },
    } },
  { id = "MMR", n = "imm_n_MMR", u = "imm_u_mmr", born = 1957, from = 1971,
    products = { { state = "MMR_Give", code = C.mmr } },
    doses = {
      { min = mo(12), tiers = { { 0.850, mo(11.9) }, { 0.916, mo(14.5) }, { 0.945, yr(3.9) } } },
      { from = 1989, interval = dy(28), tiers = { { 0.900, yr(3.9) }, { 0.931, yr(4.9) } } },
    } },
  { id = "Varicella", n = "imm_n_Varicella", u = "imm_u_var", born = 1990, from = 1995,
    products = { { state = "VAR_Give", code = C.var } },
    doses = {
      { min = mo(12), tiers = { { 0.840, mo(11.9) }, { 0.911, mo(14.5) }, { 0.945, yr(3.9) } } },
      { from = 2007, interval = mo(3), tiers = { { 0.900, yr(3.9) }, { 0.929, yr(4.9) } } },
    } },
  { id = "HepA", n = "imm_n_HepA", u = "imm_u_hepa", born = 2005, from = 2006,
    products = { { state = "HepA_Give", code = C.hepa } },
    doses = {
      { min = mo(12), tiers = { { 0.800, mo(11.9) }, { 0.883, mo(14.5) }, { 0.900, yr(3.9) } } },
      { interval = dy(178), tiers = { { 0.473, mo(17.5) }, { 0.796, mo(23.5) }, { 0.850, yr(3.9) } } },
    } },
  -- the adolescent tetanus booster: Td until Tdap (2006 schedule), then Tdap
  { id = "TetTeen", n = "imm_n_TetTeen", u = "imm_u_tdap", from = 1960, max = yr(19),
    -- Td until Tdap was licensed (mid-2005); in the years Tdap took over, some still got Td
    -- (imm_teen_td, drawn at birth from the Tdap share of RAMP)
    products = { { state = "TetTeen_Td", code = C.td_2lf, when = any_of { before(2005, 7, 1),
                                                                         attribute("imm_teen_td", "==", true) } },
                 { state = "TetTeen_Tdap", code = C.tdap, set = "imm_tdap_ever" } },
    doses = {
      { min = yr(10.9), tiers = { { 0.750, yr(10.9) }, { 0.820, yr(11.9) }, { 0.851, yr(12.9) }, { 0.905, yr(13.9) }, { 0.913, yr(14.9) } } },
    } },
  { id = "MenACWY", n = "imm_n_MenACWY", u = "imm_u_mcv", born = 1987, from = 2005, max = yr(22),
    products = { { state = "MCV4P_Give", code = C.mcv4p, when = before(2011) }, { state = "MCV4O_Give", code = C.mcv4o } },
    doses = {
      { min = yr(10.9), tiers = { { 0.740, yr(10.9) }, { 0.810, yr(11.9) }, { 0.845, yr(12.9) }, { 0.892, yr(13.9) },
                                  { 0.898, yr(14.9) }, { 0.900, yr(15.9) }, { 0.907, yr(16.9) } } },
      { from = 2011, min = yr(15.9), interval = dy(56), unless = "imm_mcv_done",
        tiers = { { 0.550, yr(15.9) }, { 0.608, yr(16.9) }, { 0.640, yr(17.9) } } },
    },
    -- no booster when dose 1 was given at 16 years or older
    done_after = { dose = 1, age = yr(16), attribute = "imm_mcv_done" } },
}

-- series that also run at adult check-ups (catch-up through 23 and 26 years)
local BOTH = {
  { id = "MenB", n = "imm_n_MenB", u = "imm_u_menb", born = 1997, from = 2015, max = yr(24),
    products = { { state = "MenB_Give", code = C.menb } },
    doses = {
      { min = yr(15.9), tiers = { { 0.200, yr(15.9) }, { 0.294, yr(16.9) } } },
      { interval = mo(1), tiers = { { 0.119, yr(16.9) } } },
    } },
  -- HPV: girls from 2006 (born 1980 on: catch-up through 26), boys from 2011 (born 1990 on)
  { id = "HPV", n = "imm_n_HPV", u = "imm_u_hpv", max = yr(27), sexes = {
      F = { born = 1980, from = 2006, dose1 = 1.024, later = 1.032 },
      M = { born = 1990, from = 2011, dose1 = 0.979, later = 0.968 } },
    products = { { state = "HPV4_Give", code = C.hpv4, when = before(2016) }, { state = "HPV9_Give", code = C.hpv9 } },
    doses = {
      { min = yr(10.9), tiers = { { 0.550, yr(10.9) }, { 0.640, yr(11.9) }, { 0.689, yr(12.9) }, { 0.758, yr(13.9) },
                                  { 0.785, yr(14.9) }, { 0.796, yr(15.9) } } },
      { interval = mo(5), tiers = { { 0.350, yr(11.9) }, { 0.500, yr(12.9) }, { 0.603, yr(13.9) }, { 0.658, yr(14.9) },
                                    { 0.688, yr(15.9) } } },
      -- the third dose of the 3-dose schedule (started at 15 or older, or before December 2016)
      { interval = dy(84), only = "imm_hpv_three", tiers = { { 0.688, yr(10.9) } } },
    },
    three_doses = true },
}

-- ---------------------------------------------------------------------------------------------
-- Condition builders

local function age_ge(a) return age(">=", a[1], a[2]) end
local function age_lt(a) return age("<", a[1], a[2]) end

-- dose k of series s is due now (sex = nil, "F" or "M" for sex-specific thresholds)
local function dose_due(s, k, d, sex)
  -- cheap tests first (an And stops at the first false): the dose count, then the child's latent,
  -- then the ages
  local c = { attribute(s.n, "==", k - 1) }
  if d.from then c[#c + 1] = on_or_after(d.from) end
  if d.unless then c[#c + 1] = attribute(d.unless, "!=", true) end
  if d.only then c[#c + 1] = attribute(d.only, "==", true) end
  local f = 1
  if sex then f = (k == 1) and s.sexes[sex].dose1 or s.sexes[sex].later end
  local tiers = {}
  for _, t in ipairs(d.tiers) do
    local cov = math.min(t[1] * f, 0.999) / R
    tiers[#tiers + 1] = all_of { attribute(s.u, "<", cov), age_ge(t[2]) }
  end
  c[#c + 1] = (#tiers == 1) and tiers[1] or any_of(tiers)
  if d.min then c[#c + 1] = age_ge(d.min) end
  local maxa = d.max or s.max
  if maxa then c[#c + 1] = age_lt(maxa) end
  if d.interval then
    c[#c + 1] = negate(prior_state(s.id .. "_Count", { within = { quantity = d.interval[1], unit = d.interval[2] } }))
  end
  return all_of(c)
end

local function series_due(s)
  local alts = {}
  if s.sexes then
    for _, sex in ipairs { "F", "M" } do
      local g = s.sexes[sex]
      local doses = {}
      for k, d in ipairs(s.doses) do doses[#doses + 1] = dose_due(s, k, d, sex) end
      alts[#alts + 1] = all_of { attribute("imm_birth_year", ">=", g.born), gender(sex), on_or_after(g.from), any_of(doses) }
    end
    return any_of(alts)
  end
  local doses = {}
  for k, d in ipairs(s.doses) do doses[#doses + 1] = dose_due(s, k, d) end
  local c = {}
  if s.born then c[#c + 1] = attribute("imm_birth_year", ">=", s.born) end
  if s.from then c[#c + 1] = on_or_after(s.from) end
  c[#c + 1] = any_of(doses)
  return all_of(c)
end

-- ---------------------------------------------------------------------------------------------
-- States

local S = {}

-- Adds a series: <id>_Check -> product -> Immunization -> <id>_Count -> (hooks) -> after.
local function add_series(s, after)
  local check, pick, count = s.id .. "_Check", s.id .. "_Product", s.id .. "_Count"
  S[check] = { type = "Simple", conditional_transition = when { { series_due(s), pick }, { after } } }
  local opts = {}
  for _, pr in ipairs(s.products) do
    opts[#opts + 1] = pr.when and { pr.when, pr.state } or { pr.state }
    if pr.set then
      S[pr.state] = { type = "Immunization", codes = { pr.code }, direct_transition = pr.state .. "_Mark" }
      S[pr.state .. "_Mark"] = { type = "SetAttribute", attribute = pr.set, value = true, direct_transition = count }
    else
      S[pr.state] = { type = "Immunization", codes = { pr.code }, direct_transition = count }
    end
  end
  S[pick] = (#opts == 1) and { type = "Simple", direct_transition = opts[1][1] }
                           or { type = "Simple", conditional_transition = when(opts) }
  local next_after_count = after
  if s.done_after then
    local h = s.done_after
    next_after_count = s.id .. "_Hook"
    S[next_after_count] = { type = "Simple", conditional_transition = when {
      { all_of { attribute(s.n, "==", h.dose), age_ge(h.age) }, s.id .. "_Done" }, { after } } }
    S[s.id .. "_Done"] = { type = "SetAttribute", attribute = h.attribute, value = true, direct_transition = after }
  end
  if s.three_doses then
    -- a series started at 15 or older, or before the 2-dose schedule (December 2016), needs 3 doses
    next_after_count = s.id .. "_Hook"
    S[next_after_count] = { type = "Simple", conditional_transition = when {
      { all_of { attribute(s.n, "==", 1), any_of { age(">=", 15), before(2016, 12, 16) } }, s.id .. "_Three" },
      { after } } }
    S[s.id .. "_Three"] = { type = "SetAttribute", attribute = "imm_hpv_three", value = true, direct_transition = after }
  end
  S[count] = { type = "Counter", attribute = s.n, action = "increment", direct_transition = next_after_count }
  return check
end

-- adult series, written out (each has its own rules)
local function taker(u, share) return attribute(u, "<", share) end

local function add_adult(after)
  -- Pneumococcal at 65: PPSV23 until 2014; PCV13 then PPSV23 a year later from September 2014;
  -- PPSV23 alone from November 2019 (PCV13 by shared decision only); PCV20 from 2022.
  S.Pneumo_Check = { type = "Simple", conditional_transition = when {
    { all_of { attribute("imm_n_Pneumo", "==", 0), age(">=", 65), on_or_after(1984), taker("imm_u_pn", 0.73) }, "Pneumo_Product" },
    { all_of { attribute("imm_pn_ppsv_due", "==", true),
               negate(prior_state("Pneumo_Count", { within = { quantity = 1, unit = "years" } })) }, "Pneumo_PPSV23_Second" },
    { "ZVL_Check" } } }
  S.Pneumo_Product = { type = "Simple", conditional_transition = when {
    { before(2014, 9, 1), "Pneumo_PPSV23" }, { before(2019, 11, 22), "Pneumo_PCV13" },
    { before(2022), "Pneumo_PPSV23" }, { "Pneumo_PCV20" } } }
  S.Pneumo_PPSV23 = { type = "Immunization", codes = { C.ppsv23 }, direct_transition = "Pneumo_Count" }
  S.Pneumo_PCV13 = { type = "Immunization", codes = { C.pcv13 }, direct_transition = "Pneumo_Flag" }
  S.Pneumo_Flag = { type = "SetAttribute", attribute = "imm_pn_ppsv_due", value = true, direct_transition = "Pneumo_Count" }
  S.Pneumo_PCV20 = { type = "Immunization", codes = { C.pcv20 }, direct_transition = "Pneumo_Count" }
  S.Pneumo_PPSV23_Second = { type = "Immunization", codes = { C.ppsv23 }, direct_transition = "Pneumo_Unflag" }
  S.Pneumo_Unflag = { type = "SetAttribute", attribute = "imm_pn_ppsv_due", value = false, direct_transition = "Pneumo_Count" }
  S.Pneumo_Count = { type = "Counter", attribute = "imm_n_Pneumo", action = "increment", direct_transition = "ZVL_Check" }

  -- Zoster: live vaccine at 60+ 2008-2017; recombinant (2 doses, 2-6 months apart) at 50+ from 2018.
  S.ZVL_Check = { type = "Simple", conditional_transition = when {
    { all_of { attribute("imm_n_ZVL", "==", 0), age(">=", 60), on_or_after(2008), before(2018), taker("imm_u_zos", 0.40) }, "ZVL_Give" },
    { "RZV_Check" } } }
  S.ZVL_Give = { type = "Immunization", codes = { C.zvl }, direct_transition = "ZVL_Count" }
  S.ZVL_Count = { type = "Counter", attribute = "imm_n_ZVL", action = "increment", direct_transition = "RZV_Check" }
  S.RZV_Check = { type = "Simple", conditional_transition = when {
    { all_of { age(">=", 50), on_or_after(2018), taker("imm_u_zos", 0.40),
               any_of { attribute("imm_n_RZV", "==", 0),
                        all_of { attribute("imm_n_RZV", "==", 1),
                                 negate(prior_state("RZV_Count", { within = { quantity = 8, unit = "weeks" } })) } },
               negate(prior_state("ZVL_Count", { within = { quantity = 8, unit = "weeks" } })) }, "RZV_Give" },
    { after } } }
  S.RZV_Give = { type = "Immunization", codes = { C.rzv }, direct_transition = "RZV_Count" }
  S.RZV_Count = { type = "Counter", attribute = "imm_n_RZV", action = "increment", direct_transition = after }
end

-- Td/Tdap booster every 10 years from 19 y (the adolescent booster starts the clock)
local function add_td(after)
  local recent = any_of {
    prior_state("TdAdult_Count", { within = { quantity = 10, unit = "years" } }),
    prior_state("TetTeen_Count", { within = { quantity = 10, unit = "years" } }) }
  S.TdAdult_Check = { type = "Simple", conditional_transition = when {
    { all_of { age(">=", 19), on_or_after(1960), taker("imm_u_td", 0.70), negate(recent) }, "TdAdult_Product" },
    { after } } }
  -- one adult Tdap (19-64 from 2006, every age from 2012), otherwise Td
  local tdap_ok = all_of { attribute("imm_tdap_ever", "!=", true),
                           any_of { all_of { on_or_after(2006), age("<", 65) }, on_or_after(2012, 7, 1) } }
  S.TdAdult_Product = { type = "Simple", complex_transition = {
    { condition = tdap_ok, distributions = { { distribution = 0.5, transition = "TdAdult_Tdap" },
                                             { distribution = 0.5, transition = "TdAdult_Td" } } },
    { transition = "TdAdult_Td" } } }
  S.TdAdult_Tdap = { type = "Immunization", codes = { C.tdap }, direct_transition = "TdAdult_Mark" }
  S.TdAdult_Mark = { type = "SetAttribute", attribute = "imm_tdap_ever", value = true, direct_transition = "TdAdult_Count" }
  S.TdAdult_Td = { type = "Simple", conditional_transition = when { { before(2004), "TdAdult_Td_2Lf" }, { "TdAdult_Td_5Lf" } } }
  S.TdAdult_Td_2Lf = { type = "Immunization", codes = { C.td_2lf }, direct_transition = "TdAdult_Count" }
  S.TdAdult_Td_5Lf = { type = "Immunization", codes = { C.td }, direct_transition = "TdAdult_Count" }
  S.TdAdult_Count = { type = "Counter", attribute = "imm_n_TdAdult", action = "increment", direct_transition = after }
end

-- ---------------------------------------------------------------------------------------------
-- The latent propensities, drawn once at birth (the only Lua that runs per patient). Every
-- attribute name is written out where it is set, so that `lifesim lint` sees who sets it.
--
-- Uptake after an introduction [assumption, shaped by the survey trends: NIS-Teen HPV >=1 dose
-- 60.4% in 2016 and 65.5% in 2017 (Walker TY et al., MMWR 2018;67(33):909-917) against 76.0% in
-- 2022; HPV among girls 28 and 17 points below Tdap and MenACWY in 2014 (Reagan-Steiner S et al.,
-- MMWR 2016;65(33):850-858)]: a cohort that reaches the schedule age in the introduction year is
-- vaccinated at `start` times today's coverage, rising linearly to today's coverage in the year
-- `full`; cohorts older than the schedule age at the introduction (catch-up) get the `start`
-- share. Dividing the latent by that share scales every dose of the series alike. The adolescent
-- tetanus booster keeps today's coverage throughout (Td before Tdap); its ramp is the share of
-- boosters that are Tdap rather than Td [assumption: 15% for teens reaching 11 in 2005, all by 2012].
local RAMP = {
  var = { age = 1, intro = 1995, start = 0.30, full = 2005 },
  pcv = { age = 0, intro = 2000, start = 0.50, full = 2006 },
  rv = { age = 0, intro = 2006, start = 0.40, full = 2014 },
  hepa = { age = 1, intro = 2006, start = 0.50, full = 2012 },
  tdap = { age = 11, intro = 2005, start = 0.15, full = 2012 },
  mcv = { age = 11, intro = 2005, start = 0.15, full = 2016 },
  menb = { age = 16, intro = 2015, start = 0.40, full = 2018 },
  hpv_F = { age = 11, intro = 2006, start = 0.30, full = 2018 },
  hpv_M = { age = 11, intro = 2011, start = 0.10, full = 2018 },
}
local function ramp(name, born)
  local r = RAMP[name]
  local y = born + r.age
  if y >= r.full then return 1 end
  if y <= r.intro then return r.start end
  return r.start + (1 - r.start) * (y - r.intro) / (r.full - r.intro)
end

local function setup(p)
  local refuser = p:random() < P.no_vaccine_share
  local a, b = math.sqrt(P.correlation), math.sqrt(1 - P.correlation)
  local z = V.normal(p) + P.hesitancy_shift
  local born = p.year
  -- a childhood series: refusers never (2 is above every threshold); others by their latent
  local function child(name)
    if refuser then return 2 end
    local u = V.Phi(a * z + b * V.normal(p))
    if name then u = u / ramp(name, born) end
    return u
  end
  p:set("imm_u_hepb", child())
  p:set("imm_u_dtap", child())
  p:set("imm_u_ipv", child())
  p:set("imm_u_hib", child())
  p:set("imm_u_pcv", child("pcv"))
  p:set("imm_u_rv", child("rv"))
  p:set("imm_u_mmr", child())
  p:set("imm_u_var", child("var"))
  p:set("imm_u_hepa", child("hepa"))
  p:set("imm_u_tdap", child())
  p:set("imm_teen_td", p:random() >= ramp("tdap", born))
  p:set("imm_u_mcv", child("mcv"))
  p:set("imm_u_menb", child("menb"))
  p:set("imm_u_hpv", child(p.sex == "F" and "hpv_F" or "hpv_M"))
  -- adult uptake: weakly linked (0.3) to the childhood propensity
  local a2, b2 = math.sqrt(0.3), math.sqrt(0.7)
  p:set("imm_u_td", V.Phi(a2 * z + b2 * V.normal(p)))
  p:set("imm_u_pn", V.Phi(a2 * z + b2 * V.normal(p)))
  p:set("imm_u_zos", V.Phi(a2 * z + b2 * V.normal(p)))
  -- dose counters
  p:set("imm_n_HepB", 0)
  p:set("imm_n_DTaP", 0)
  p:set("imm_n_Polio", 0)
  p:set("imm_n_Hib", 0)
  p:set("imm_n_PCV", 0)
  p:set("imm_n_Rota", 0)
  p:set("imm_n_MMR", 0)
  p:set("imm_n_Varicella", 0)
  p:set("imm_n_HepA", 0)
  p:set("imm_n_TetTeen", 0)
  p:set("imm_n_MenACWY", 0)
  p:set("imm_n_MenB", 0)
  p:set("imm_n_HPV", 0)
  p:set("imm_n_TdAdult", 0)
  p:set("imm_n_Pneumo", 0)
  p:set("imm_n_ZVL", 0)
  p:set("imm_n_RZV", 0)
  p:set("imm_birth_year", born)
  p:set("imm_z", z)
  return refuser
end

-- ---------------------------------------------------------------------------------------------
-- The visit: children run every series; from 19 y only the catch-up of MenB/HPV and the adult ones.

S.Initial = { type = "Initial", direct_transition = "Setup" }
S.Setup = { type = "SetAttribute", attribute = "imm_refuser", value = setup, direct_transition = "Checkup" }
S.Checkup = { type = "Encounter", wellness = true, direct_transition = "Route" }

local first_child
do
  local chain = {}
  for _, s in ipairs(SERIES) do chain[#chain + 1] = s end
  local nexts = "MenB_Check"
  for i = #chain, 1, -1 do nexts = add_series(chain[i], nexts) end
  first_child = nexts
end
add_series(BOTH[1], "HPV_Check")
add_series(BOTH[2], "Adult_Route")
S.Adult_Route = { type = "Simple", conditional_transition = when { { age("<", 19), "Flu_Check" }, { "TdAdult_Check" } } }
add_td("Pneumo_Check")
add_adult("Flu_Check")

S.Route = { type = "Simple", conditional_transition = when { { age("<", 19), first_child }, { "MenB_Check" } } }

-- influenza: the season's dose when the check-up falls between the start of the season and the date
-- immunizations_influenza.lua planned for it
S.Flu_Check = { type = "Simple", conditional_transition = when {
  { all_of { attribute("imm_flu_due", "==", true), age(">=", 6, "months") }, "Flu_Start" }, { "Leave" } } }
S.Flu_Start = { type = "Simple", direct_transition = V.flu_dose(S, "Checkup", "Leave", true) }

S.Leave = { type = "EncounterEnd", direct_transition = "Between_Checkups" }
-- time must move on before waiting again, or the same check-up would be joined twice
S.Between_Checkups = { type = "Delay", exact = days(1), direct_transition = "Checkup" }

return { name = "Immunizations", states = S }
