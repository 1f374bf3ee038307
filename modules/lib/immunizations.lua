-- Shared by the immunizations family (immunizations.lua, immunizations_influenza.lua): the vaccine
-- codes, the influenza product of each season and age, and the latent-propensity helpers.
--
-- CVX codes and their short descriptions: CDC IIS "CVX - Vaccines Administered" table, snapshot of
-- 2025-09-03 (as carried in the SMART Health Cards 'immunization-all-cvx' value set and in
-- modules/data/vaccine_age_windows.csv), and CDC's "Mapping CVX to Vaccine Groups" page for the codes
-- with a leading zero (01, 02, 03, 08, 09). CDC has renamed several short descriptions (02 "OPV" is
-- now "OPV, trivalent"; 09 and 113 name their Lf content; 140 was "Influenza, seasonal, injectable,
-- preservative free"); the current names are used.
--
-- Influenza products by season (the season runs from July 1):
-- * trivalent split-virus vaccine until the 2012-13 season, quadrivalent from 2013-14 (FDA licensed
--   the first quadrivalent inactivated vaccines for 2013-14) to 2023-24, trivalent again from 2024-25
--   (FDA/VRBPAC removed the B/Yamagata lineage for 2024-25): Grohskopf LA et al., Prevention and
--   Control of Seasonal Influenza with Vaccines, ACIP recommendations, MMWR Recomm Rep 2013;62(RR-7)
--   and MMWR Recomm Rep 2024;73(RR-5).
-- * adults aged 65 years or older: high-dose vaccine (licensed December 2009, first season 2010-11;
--   quadrivalent 2020-21 to 2023-24); ACIP has preferred high-dose, adjuvanted or recombinant vaccine
--   at 65+ since 2022-23 (MMWR Recomm Rep 2022;71(RR-1)). Modelled as high-dose for everyone 65+ from
--   2010-11, standard-dose before.

local cvx = codes.cvx

local C = {
  hepb = cvx("08", "Hep B, adolescent or pediatric"),
  dtp = cvx("01", "DTP"),
  dtap = cvx(20, "DTaP"),
  opv = cvx("02", "OPV, trivalent"),
  ipv = cvx(10, "IPV"),
  hib = cvx(49, "Hib (PRP-OMP)"),
  pcv7 = cvx(100, "pneumococcal conjugate PCV 7"),
  pcv13 = cvx(133, "Pneumococcal conjugate PCV 13"),
  pcv20 = cvx(216, "Pneumococcal conjugate PCV20, polysaccharide CRM197 conjugate, adjuvant, PF"),
  ppsv23 = cvx(33, "pneumococcal polysaccharide PPV23"),
  rv5 = cvx(116, "rotavirus, pentavalent"),
  mmr = cvx("03", "MMR"),
  var = cvx(21, "varicella"),
  hepa = cvx(83, "Hep A, ped/adol, 2 dose"),
  td_2lf = cvx("09", "Td (adult), 2 Lf tetanus toxoid, preservative free, adsorbed"),
  td = cvx(113, "Td (adult), 5 Lf tetanus toxoid, preservative free, adsorbed"),
  tdap = cvx(115, "Tdap"),
  mcv4p = cvx(114, "meningococcal MCV4P"),
  mcv4o = cvx(136, "Meningococcal MCV4O"),
  menb = cvx(163, "meningococcal B, OMV"),
  hpv4 = cvx(62, "HPV, quadrivalent"),
  hpv9 = cvx(165, "HPV9"),
  zvl = cvx(121, "zoster live"),
  rzv = cvx(187, "zoster recombinant"),
  flu3 = cvx(140, "Influenza, split virus, trivalent, PF"),
  flu4 = cvx(150, "Influenza, split virus, quadrivalent, PF"),
  flu_hd3 = cvx(135, "Influenza, high-dose, trivalent, PF"),
  flu_hd4 = cvx(197, "Influenza, high-dose, quadrivalent, PF"),
}

-- a calendar instant as a Date condition: on or after / before y-m-d
local function on_or_after(y, m, d)
  return { condition_type = "Date", operator = ">=", date = { year = y, month = m or 1, day = d or 1 } }
end
local function before(y, m, d)
  return { condition_type = "Date", operator = "<", date = { year = y, month = m or 1, day = d or 1 } }
end

-- Standard normal draw (Box-Muller) and distribution function (Abramowitz & Stegun 7.1.26,
-- |error| < 1.5e-7), for the latent propensities drawn once per patient.
local function normal(p)
  local u1 = p:random()
  if u1 < 1e-300 then u1 = 1e-300 end
  return math.sqrt(-2 * math.log(u1)) * math.cos(2 * math.pi * p:random())
end
local function Phi(x)
  local z = math.abs(x) / math.sqrt(2)
  local t = 1 / (1 + 0.3275911 * z)
  local y = 1 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t
    + 0.254829592) * t * math.exp(-z * z)
  if x >= 0 then return 0.5 * (1 + y) end
  return 0.5 * (1 - y)
end

-- Adds the states that give one influenza dose inside the encounter the runner is in, then go to
-- `after`. `first` (true for the season's first dose): a child aged 6 months to 8 years with fewer
-- than 2 earlier doses also needs a second dose 4 weeks later (ACIP, MMWR Recomm Rep 2024;73(RR-5)),
-- flagged in `imm_flu_second_due` for immunizations_influenza.lua. Every path clears `imm_flu_due`.
-- Not every child who needs the second dose gets it. Two-dose compliance in the IIS sentinel sites
-- rose from 49% to 60% among children aged 6-23 months in 2007-2012 and was 3 to 12 times lower
-- among children aged 2-8 years (Trends in compliance with two-dose influenza vaccine
-- recommendations among children aged 6 months through 8 years. Vaccine 2013;31(31):3116-3120):
-- modelled as 60% under 2 years (the 2012 figure) and 12% at 2-8 years [assumption within that
-- range]. Checked against the NIS-Child coverage with >=2 doses by 24 months (realism table).
local SECOND_UNDER_2, SECOND_2_TO_8 = 0.60, 0.12
local function flu_dose(S, prefix, after, first)
  local pick = prefix .. "_Flu_Product"
  if first then
    local flag = prefix .. "_Flu_Flag_Second"
    local function split(q) return { { distribution = q, transition = flag }, { distribution = 1 - q, transition = pick } } end
    S[prefix .. "_Flu_Needs_Two"] = {
      type = "Simple",
      complex_transition = {
        { condition = all_of { age("<", 2), attribute("imm_n_flu", "<", 2) }, distributions = split(SECOND_UNDER_2) },
        { condition = all_of { age("<", 9), attribute("imm_n_flu", "<", 2) }, distributions = split(SECOND_2_TO_8) },
        { transition = pick } } }
    S[prefix .. "_Flu_Flag_Second"] = { type = "SetAttribute", attribute = "imm_flu_second_due", value = true,
                                        direct_transition = pick }
  end
  local hd_season = all_of { age(">=", 65), on_or_after(2010, 7, 1) }
  S[pick] = {
    type = "Simple",
    conditional_transition = when {
      { all_of { hd_season, any_of { before(2020, 7, 1), on_or_after(2024, 7, 1) } }, prefix .. "_Flu_HD3" },
      { hd_season, prefix .. "_Flu_HD4" },
      { any_of { before(2013, 7, 1), on_or_after(2024, 7, 1) }, prefix .. "_Flu_3" },
      { prefix .. "_Flu_4" } } }
  local count = prefix .. "_Flu_Count"
  S[prefix .. "_Flu_HD3"] = { type = "Immunization", codes = { C.flu_hd3 }, direct_transition = count }
  S[prefix .. "_Flu_HD4"] = { type = "Immunization", codes = { C.flu_hd4 }, direct_transition = count }
  S[prefix .. "_Flu_3"] = { type = "Immunization", codes = { C.flu3 }, direct_transition = count }
  S[prefix .. "_Flu_4"] = { type = "Immunization", codes = { C.flu4 }, direct_transition = count }
  S[count] = { type = "Counter", attribute = "imm_n_flu", action = "increment",
               direct_transition = prefix .. "_Flu_Done" }
  S[prefix .. "_Flu_Done"] = { type = "SetAttribute", attribute = "imm_flu_due", value = false,
                               direct_transition = after }
  return first and (prefix .. "_Flu_Needs_Two") or pick
end

return {
  codes = C,
  on_or_after = on_or_after,
  before = before,
  normal = normal,
  Phi = Phi,
  flu_dose = flu_dose,
}
