-- Shared pieces of the pregnancy family (modules/pregnancy.lua): the codes it records, the
-- period fertility schedule and the helpers that turn it into waiting times. The figures are
-- cited here, next to the tables, and again in the header of modules/pregnancy.lua.
--
-- Code sources (codes and names only): SNOMED CT fully specified names and LOINC long common
-- names as listed in modules/data/sex_specific_codes.csv (checked there against SNOMED CT and
-- LOINC publications), in HL7 FHIR implementation guides (encounter codes 424441002, 424619006,
-- 169762003, 183460006; 236973005; EPDS 71354-5) and in modules/lib/lifecycle.lua.

local sct, loinc = codes.snomed, codes.loinc

local C = {
  -- conditions
  pregnancy = sct(72892002, "Normal pregnancy (finding)"),
  miscarriage_1 = sct(19169002, "Miscarriage in first trimester (disorder)"),
  miscarriage_2 = sct(85116003, "Miscarriage in second trimester (disorder)"),
  gdm = sct(11687002, "Gestational diabetes mellitus (disorder)"),
  postpartum = sct(86569001, "Postpartum state (finding)"),
  complication = sct(609496007, "Complication occurring during pregnancy (disorder)"),
  -- encounters
  enc_prenatal_initial = sct(424441002, "Prenatal initial visit (regime/therapy)"),
  enc_prenatal = sct(424619006, "Prenatal visit (regime/therapy)"),
  enc_postnatal = sct(169762003, "Postnatal visit (regime/therapy)"),
  enc_obstetric_admission = sct(183460006, "Obstetric emergency hospital admission (procedure)"),
  enc_problem = sct(185347001, "Encounter for problem (procedure)"),
  -- procedures
  us_viability = sct(169230002, "Ultrasound scan for fetal viability (procedure)"),
  us_anatomy = sct(271442007, "Fetal anatomy study (procedure)"),
  fundal_height = sct(274804006, "Evaluation of uterine fundal height (procedure)"),
  fetal_heart = sct(225158009, "Auscultation of the fetal heart (procedure)"),
  rhd_screen = sct(169673001, "Antenatal RhD antibody screening (procedure)"),
  vaginal_delivery = sct(700000006, "Vaginal delivery of fetus (procedure)"),
  cesarean = sct(11466000, "Cesarean section (procedure)"),
  -- laboratory (first prenatal visit; glucose challenge at 24-28 weeks)
  hemoglobin = loinc("718-7", "Hemoglobin [Mass/volume] in Blood"),
  abo = loinc("883-9", "ABO group [Type] in Blood"),
  rh = loinc("10331-7", "Rh [Type] in Blood"),
  hbsag = loinc("5196-1", "Hepatitis B virus surface Ag [Presence] in Serum or Plasma by Immunoassay"),
  hiv = loinc("56888-1", "HIV 1+2 Ab+HIV1 p24 Ag [Presence] in Serum or Plasma by Immunoassay"),
  rpr = loinc("20507-0", "Reagin Ab [Presence] in Serum by RPR"),
  urine_culture = loinc("630-4", "Bacteria identified in Urine by Culture"),
  gct = loinc("1504-0", "Glucose [Mass/volume] in Serum or Plasma --1 hour post 50 g glucose PO"),
  -- postpartum depression screening (category survey)
  epds_panel = loinc("71354-5", "Edinburgh Postnatal Depression Scale [EPDS]"),
  epds_total = loinc("99046-5", "Total score [EPDS]"),
  -- result values
  negative = sct(260385009, "Negative (qualifier value)"),
  no_growth = sct(264868006, "No growth (qualifier value)"),
  group_o = sct(58460004, "Blood group O (finding)"),
  group_a = sct(112144000, "Blood group A (finding)"),
  group_b = sct(112149005, "Blood group B (finding)"),
  group_ab = sct(165743006, "Blood group AB (finding)"),
  rh_pos = sct(165747007, "RhD positive (finding)"),
  rh_neg = sct(165746003, "RhD negative (finding)"),
  -- immunization
  tdap = codes.cvx(115, "Tdap"),
  -- discharge
  home = codes.nubc("01", "Discharged to home care or self care (routine discharge)"),
}

local H = lib("hazard")
local YEAR_MS = H.YEAR_MS
local WEEK_MS = 604800000

-- Age-specific birth rates, live births per 1,000 women, by calendar year; columns are the age
-- of the mother 15-19, 20-24, 25-29, 30-34, 35-39, 40-44, 45-49.
-- 1950-2006: Health, United States 2009, Trend Table 4 (NCHS). 1940: NCHS, Vital Statistics of
-- the United States (TFR 2.30). 1957 (the peak, TFR 3.77), 1975 (TFR 1.77) and 2007 (TFR 2.12):
-- NCHS natality series. 2010: Martin JA et al. Births: Final Data for 2010, NVSR 61(1), 2012,
-- Table 4. 2015: Martin JA et al. Births: Final Data for 2015, NVSR 66(1), 2017, Table 2. 2019:
-- Martin JA et al. Births: Final Data for 2019, NVSR 70(2), 2021, Table 2 (TFR 1.71). 2021:
-- Osterman MJK et al. Births: Final Data for 2021, NVSR 72(1), 2023, Table 2 (TFR 1.66). 2023:
-- Osterman MJK et al. Births: Final Data for 2023, NVSR 74(1), 2025, Table 2 (TFR 1.62).
-- Years between rows are interpolated linearly; before 1940 the 1940 row, after 2023 the 2023 row.
local ASFR = {
  { 1940, { 54.1, 135.6, 122.8, 83.4, 46.3, 15.6, 1.9 } },
  { 1950, { 81.6, 196.6, 166.1, 103.7, 52.9, 15.1, 1.2 } },
  { 1957, { 96.3, 260.6, 199.4, 118.9, 59.9, 16.3, 1.1 } },
  { 1960, { 89.1, 258.1, 197.4, 112.7, 56.2, 15.5, 0.9 } },
  { 1970, { 68.3, 167.8, 145.1, 73.3, 31.7, 8.1, 0.5 } },
  { 1975, { 55.6, 113.0, 108.2, 52.3, 19.5, 4.6, 0.3 } },
  { 1980, { 53.0, 115.1, 112.9, 61.9, 19.8, 3.9, 0.2 } },
  { 1985, { 51.0, 108.3, 111.0, 69.1, 24.0, 4.0, 0.2 } },
  { 1990, { 59.9, 116.5, 120.2, 80.8, 31.7, 5.5, 0.2 } },
  { 1995, { 56.0, 107.5, 108.8, 81.1, 34.0, 6.6, 0.3 } },
  { 2000, { 47.7, 109.7, 113.5, 91.2, 39.7, 8.0, 0.5 } },
  { 2006, { 41.9, 105.9, 116.7, 97.7, 47.3, 9.4, 0.6 } },
  { 2007, { 41.5, 106.3, 117.5, 99.9, 47.5, 9.5, 0.6 } },
  { 2010, { 34.2, 90.0, 108.3, 96.5, 45.9, 10.2, 0.7 } },
  { 2015, { 22.3, 76.8, 104.3, 101.5, 51.8, 11.0, 0.8 } },
  { 2019, { 16.7, 66.6, 93.7, 98.3, 52.8, 11.6, 0.9 } },
  { 2021, { 13.9, 61.5, 93.0, 97.6, 53.7, 12.0, 1.0 } },
  { 2023, { 12.7, 56.7, 91.0, 95.8, 54.4, 12.5, 1.1 } },
}

-- births per woman-year at a (fractional) age and calendar year
local function birth_rate(age, year)
  if age < 15 or age >= 50 then return 0 end
  local band = math.floor((age - 15) / 5) + 1
  if year <= ASFR[1][1] then return ASFR[1][2][band] / 1000 end
  for i = 2, #ASFR do
    local y1 = ASFR[i][1]
    if year <= y1 then
      local y0, r0, r1 = ASFR[i - 1][1], ASFR[i - 1][2][band], ASFR[i][2][band]
      return (r0 + (r1 - r0) * (year - y0) / (y1 - y0)) / 1000
    end
  end
  return ASFR[#ASFR][2][band] / 1000
end

-- calendar year (fractional) of an instant in ms since 1970
local function year_of(t)
  return 1970 + t / YEAR_MS
end

local interp = H.interp

-- Years from now to the next conception, or 300 (beyond any life) when none comes before 50.
-- The hazard of conceiving at age a in year y is the birth rate at the age and date of the
-- delivery (37 weeks later), raised for the recognized pregnancies that end in loss
-- (loss_share) and for the time a woman cannot conceive because she is pregnant or postpartum
-- (about `unavailable` years per birth, at the woman's own rate: `mult` is her fecundity).
-- Integrated in monthly steps from one Exp(1) draw.
local function conception_wait(p, loss_share, unavailable, mult)
  local need = -math.log(1 - p:random())
  local age = (p.time - p.birth) / YEAR_MS
  local year = year_of(p.time)
  local t, dt = 0, 1 / 12
  local lead = 37 / 52.1775
  while age + t < 50 do
    local b = birth_rate(age + t + dt / 2 + lead, year + t + dt / 2 + lead)
    local h = 0
    if b > 0 then
      local mb = mult * b
      h = mb / (1 - loss_share) / math.max(0.3, 1 - mb * unavailable)
    end
    if h * dt >= need then return t + need / h end
    need = need - h * dt
    t = t + dt
  end
  return 300
end

-- Cesarean share of births by year, percent: 5.5 (1970), 10.4 (1975), 16.5 (1980), 22.7 (1985)
-- from the National Hospital Discharge Survey (Taffel SM, Placek PJ, Liss T. Trends in the
-- United States cesarean section rate and reasons for the 1980-85 rise. Am J Public Health
-- 1987;77:955-959); 24.7 (1988, NHDS peak), 20.7 (1996), 22.9 (2000), 30.3 (2005), 32.9 (2009),
-- 32.0 (2015), 31.7 (2019), 32.1 (2021), 32.4 (2023) from birth certificates (Martin JA et al.
-- Births: Final Data for 2009, NVSR 60(1), 2011, and the Final Data reports cited above);
-- 4.5 before 1965 [assumption: the 1965 NHDS level].
local CESAREAN = {
  { 1965, 4.5 }, { 1970, 5.5 }, { 1975, 10.4 }, { 1980, 16.5 }, { 1985, 22.7 }, { 1988, 24.7 },
  { 1996, 20.7 }, { 2000, 22.9 }, { 2005, 30.3 }, { 2009, 32.9 }, { 2015, 32.0 }, { 2019, 31.7 },
  { 2021, 32.1 }, { 2023, 32.4 },
}
local function cesarean_share(p)
  return interp(CESAREAN, year_of(p.time)) / 100
end

-- Gestational diabetes, percent of mothers with a birth: 6.0 (2016) to 8.3 (2021) (Gregory ECW,
-- Ely DM. Trends and characteristics in gestational diabetes: United States, 2016-2020, NVSR
-- 71(3), 2022; NCHS Data Brief 2023 for 2021); 6.0 before 2016 [assumption].
local GDM = { { 2016, 6.0 }, { 2021, 8.3 } }
local function gdm_share(p)
  return interp(GDM, year_of(p.time)) / 100
end

-- Tdap during pregnancy: 0 before 2013, 15% in 2013 rising to 56.6% in 2018 and after (Razzaghi
-- H et al. MMWR 2020;69:1391-1397) [assumption on the ramp].
local TDAP = { { 2012.9, 0 }, { 2013, 15 }, { 2018, 56.6 } }
local function tdap_share(p)
  return interp(TDAP, year_of(p.time)) / 100
end

-- Maternal deaths per 100,000 live births by year (sources in modules/pregnancy.lua's header).
local MMR = {
  { 1940, 376.0 }, { 1950, 83.3 }, { 1960, 37.1 }, { 1970, 21.5 }, { 1980, 9.2 }, { 1990, 8.2 },
  { 2000, 9.8 }, { 2007, 12.7 }, { 2018, 17.4 }, { 2019, 20.1 }, { 2020, 23.8 }, { 2021, 32.9 },
  { 2022, 22.3 }, { 2023, 18.6 },
}
local function maternal_death_risk(p)
  return interp(MMR, year_of(p.time)) / 100000
end

return {
  codes = C,
  maternal_death_risk = maternal_death_risk,
  tdap_share = tdap_share,
  YEAR_MS = YEAR_MS,
  WEEK_MS = WEEK_MS,
  birth_rate = birth_rate,
  conception_wait = conception_wait,
  cesarean_share = cesarean_share,
  gdm_share = gdm_share,
  interp = interp,
}
