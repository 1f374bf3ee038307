---@meta lifesim
-- Lifesim's module API for the Lua Language Server (LuaLS): completion of state fields and
-- helpers, and a warning on a field no state type has. The repository's .luarc.json loads this
-- file. Annotate a module's table so the editor knows what it is:
--
--   ---@type lifesim.Module
--   local M = { name = "My Disease", states = { ... } }
--   return M
--
-- tests/unit/test_lsp.c keeps this file in step with the compiler: every field a state type
-- accepts is declared on lifesim.State, and every helper a module can call is declared below.

---@class lifesim.Code
---@field system "SNOMED-CT"|"LOINC"|"RxNorm"|"CVX"|"ICD-10-CM"|"NUBC"|"DICOM-DCM"|"DICOM-SOP"
---@field code string
---@field display string

---@class lifesim.Duration
---@field quantity number
---@field unit "milliseconds"|"seconds"|"minutes"|"hours"|"days"|"weeks"|"months"|"years"

---@class lifesim.Range
---@field low number
---@field high number
---@field unit? string
---@field decimals? integer

---@class lifesim.Distribution
---@field kind "EXACT"|"UNIFORM"|"GAUSSIAN"|"EXPONENTIAL"|"TRIANGULAR"|"WEIBULL"|"LOGNORMAL"|"GAMMA"
---@field parameters table<string, number>
---@field unit? string
---@field round? integer

---@class lifesim.Condition
---@field condition_type "Gender"|"Age"|"Date"|"Socioeconomic Status"|"Race"|"Symptom"|"Observation"|"Vital Sign"|"Active Condition"|"Active Medication"|"Active CarePlan"|"Active Allergy"|"Attribute"|"PriorState"|"And"|"Or"|"Not"|"At Least"|"At Most"|"True"|"False"
---@field operator? "<"|"<="|"=="|">="|">"|"!="|"is nil"|"is not nil"
---@field quantity? number
---@field unit? string
---@field gender? "M"|"F"
---@field year? integer
---@field date? table
---@field category? "Low"|"Middle"|"High"
---@field race? string
---@field symptom? string
---@field vital_sign? string
---@field value? any
---@field value_code? lifesim.Code
---@field codes? lifesim.Code[]
---@field referenced_by_attribute? string
---@field attribute? string
---@field name? string
---@field since? string
---@field within? lifesim.Duration
---@field conditions? lifesim.Condition[]
---@field condition? lifesim.Condition
---@field minimum? integer
---@field maximum? integer

---@alias lifesim.When lifesim.Condition|fun(p: lifesim.Patient): boolean

---@class lifesim.DistributedBranch
---@field distribution number|{attribute: string, default: number}|fun(p: lifesim.Patient): number
---@field transition string

---@class lifesim.ConditionalBranch
---@field condition? lifesim.When
---@field transition string

---@class lifesim.ComplexBranch
---@field condition? lifesim.When
---@field distributions? lifesim.DistributedBranch[]
---@field transition? string

---@class lifesim.LookupBranch
---@field transition string
---@field default_probability number
---@field lookup_table_name string

---A state: the fields of every state type (see docs/modules.md for which type takes which).
---@class (exact) lifesim.State
---@field type "Initial"|"Terminal"|"Simple"|"Guard"|"Delay"|"SetAttribute"|"Counter"|"CallSubmodule"|"Encounter"|"EncounterEnd"|"ConditionOnset"|"ConditionEnd"|"AllergyOnset"|"AllergyEnd"|"MedicationOrder"|"MedicationEnd"|"CarePlanStart"|"CarePlanEnd"|"Procedure"|"Immunization"|"Vaccine"|"Observation"|"MultiObservation"|"DiagnosticReport"|"VitalSign"|"Symptom"|"Device"|"DeviceEnd"|"SupplyList"|"ImagingStudy"|"Death"
---@field name? string
---@field remarks? string|string[]
---@field direct_transition? string
---@field distributed_transition? lifesim.DistributedBranch[]
---@field conditional_transition? lifesim.ConditionalBranch[]
---@field complex_transition? lifesim.ComplexBranch[]
---@field lookup_table_transition? lifesim.LookupBranch[]
---@field allow? lifesim.When Guard
---@field poll? lifesim.Duration Guard on a Lua function: re-test interval
---@field exact? any Delay, Death, Procedure, SetAttribute, Observation, VitalSign, Symptom
---@field range? lifesim.Range
---@field distribution? lifesim.Distribution|fun(p: lifesim.Patient): number
---@field unit? string a time unit, or a UCUM unit for a value
---@field attribute? string SetAttribute, Counter, Observation
---@field value? any
---@field value_code? lifesim.Code
---@field expression? string
---@field action? "increment"|"decrement" Counter
---@field amount? number Counter
---@field submodule? string CallSubmodule: "folder/name"
---@field wellness? boolean Encounter: join the next check-up
---@field encounter_class? "ambulatory"|"emergency"|"inpatient"|"wellness"|"urgentcare"|"outpatient"|"home"|"hospice"|"snf"|"virtual"
---@field codes? lifesim.Code[]
---@field code? lifesim.Code Device
---@field reason? string a state, or an attribute naming a condition
---@field telemedicine_possibility? string
---@field discharge_disposition? lifesim.Code EncounterEnd (NUBC)
---@field target_encounter? string
---@field assign_to_attribute? string
---@field condition_onset? string
---@field referenced_by_attribute? string
---@field allergy_onset? string
---@field allergy_type? "allergy"|"intolerance"
---@field category? string AllergyOnset (food, medication, environment, biologic); Observation (vital-signs, laboratory, survey, ...)
---@field reactions? {reaction: lifesim.Code, possible_severities: {level: "mild"|"moderate"|"severe", value: number}[]}[]
---@field prescription? {refills?: integer, as_needed?: boolean, dosage?: {amount: number, frequency: number, period: number, unit: string}, duration?: lifesim.Duration, instructions?: lifesim.Code[]}
---@field chronic? boolean
---@field administration? boolean
---@field medication_order? string
---@field activities? lifesim.Code[]
---@field goals? {text?: string, codes?: lifesim.Code[], addresses?: string[], observation?: table}[]
---@field careplan? string
---@field duration? lifesim.Range Procedure
---@field series? table Immunization series; ImagingStudy series
---@field observations? table[] MultiObservation, DiagnosticReport
---@field vital_sign? string
---@field symptom? string
---@field cause? string
---@field probability? number
---@field manufacturer? string
---@field model? string
---@field device? string
---@field supplies? {quantity: integer, code: lifesim.Code}[]
---@field procedure_code? lifesim.Code

---@class lifesim.Module
---@field name string
---@field remarks? string|string[]
---@field gmf_version? integer
---@field specialty? string
---@field parameters? table
---@field states table<string, lifesim.State>

---The patient, as Lua functions receive it.
---@class lifesim.Patient
---@field age integer completed years
---@field age_months integer
---@field sex "M"|"F"
---@field gender "M"|"F"
---@field race string
---@field ethnicity string
---@field ses "Low"|"Middle"|"High"
---@field income number
---@field time integer ms since 1970 (UTC)
---@field date string
---@field year integer
---@field birth integer
local Patient = {}
---@param unit "days"|"weeks"|"months"|"years"
---@return integer
function Patient:age_in(unit) end
---@param name string
---@return any
function Patient:attr(name) end
---@param name string
---@param value any
function Patient:set(name, value) end
---@param code string|lifesim.Code
---@return boolean
function Patient:has_condition(code) end
---@param code string|lifesim.Code
---@return boolean
function Patient:has_medication(code) end
---@param code string|lifesim.Code
---@return boolean
function Patient:has_careplan(code) end
---@param code string|lifesim.Code
---@return boolean
function Patient:has_allergy(code) end
---@param name string
---@return number?
function Patient:vital(name) end
---@param name string a vital sign, e.g. "Weight"
---@param value number
function Patient:set_vital(name, value) end
---@param name string
---@return number?
function Patient:symptom(name) end
---@param code string|lifesim.Code
---@return any
function Patient:observation(code) end
---@return number in [0, 1), from the module's own stream
function Patient:random() end

-- ---- helpers ----

---@class lifesim.Codes
---@field snomed fun(code: integer|string, display: string): lifesim.Code
---@field loinc fun(code: string, display: string): lifesim.Code
---@field rxnorm fun(code: integer|string, display: string): lifesim.Code
---@field cvx fun(code: integer|string, display: string): lifesim.Code
---@field icd10 fun(code: string, display: string): lifesim.Code
---@field nubc fun(code: integer|string, display: string): lifesim.Code
---@field dicom_dcm fun(code: string, display: string): lifesim.Code
---@field dicom_sop fun(code: string, display: string): lifesim.Code
---@type lifesim.Codes
codes = {}

---@param n number @return lifesim.Duration
function milliseconds(n) end
---@param n number @return lifesim.Duration
function seconds(n) end
---@param n number @return lifesim.Duration
function minutes(n) end
---@param n number @return lifesim.Duration
function hours(n) end
---@param n number @return lifesim.Duration
function days(n) end
---@param n number @return lifesim.Duration
function weeks(n) end
---@param n number @return lifesim.Duration
function months(n) end
---@param n number @return lifesim.Duration
function years(n) end
---@param lo lifesim.Duration|number
---@param hi lifesim.Duration|number
---@return lifesim.Range
function between(lo, hi) end

---@param v lifesim.Duration|number @return lifesim.Distribution
function exact(v) end
---@param t {low: any, high: any}|any[] @return lifesim.Distribution
function uniform(t) end
---@param t {mean: any, standardDeviation: any, min?: any, max?: any, round?: integer} @return lifesim.Distribution
function gaussian(t) end
---@param t {mean: any, sd: any, min?: any, max?: any, round?: integer} @return lifesim.Distribution
function normal(t) end
---@param t {mean: any} @return lifesim.Distribution
function exponential(t) end
---@param t {min: any, mode: any, max: any} @return lifesim.Distribution
function triangular(t) end
---@param t {shape: number, scale: any} @return lifesim.Distribution
function weibull(t) end
---@param t {mu: number, sigma: number} @return lifesim.Distribution
function lognormal(t) end
---@param t {shape: number, scale: any} @return lifesim.Distribution
function gamma(t) end

---@param op string @param n number @param unit? string @return lifesim.Condition
function age(op, n, unit) end
---@param lo number @param hi number @return lifesim.Condition lo <= age < hi (years)
function age_between(lo, hi) end
---@type lifesim.Condition
male = {}
---@type lifesim.Condition
female = {}
---@param g "M"|"F" @return lifesim.Condition
function gender(g) end
---@param name string @param op string @param value any @return lifesim.Condition
function attribute(name, op, value) end
---@param name string @return lifesim.Condition
function has_attribute(name) end
---@param c lifesim.Code|lifesim.Code[]|string @return lifesim.Condition
function active_condition(c) end
---@param c lifesim.Code|lifesim.Code[]|string @return lifesim.Condition
function active_medication(c) end
---@param c lifesim.Code|lifesim.Code[]|string @return lifesim.Condition
function active_careplan(c) end
---@param c lifesim.Code|lifesim.Code[]|string @return lifesim.Condition
function active_allergy(c) end
---@param t lifesim.When[] @return lifesim.Condition
function all_of(t) end
---@param t lifesim.When[] @return lifesim.Condition
function any_of(t) end
---@param c lifesim.When @return lifesim.Condition
function negate(c) end
---@param n integer @param t lifesim.When[] @return lifesim.Condition
function at_least(n, t) end
---@param n integer @param t lifesim.When[] @return lifesim.Condition
function at_most(n, t) end
---@param name string @param opts? {since?: string, within?: lifesim.Duration} @return lifesim.Condition
function prior_state(name, opts) end
---@param op string @param year integer @return lifesim.Condition
function date(op, year) end
---@param category "Low"|"Middle"|"High" @return lifesim.Condition
function ses(category) end
---@param r string @return lifesim.Condition
function race(r) end
---@param name string @param op string @param value number @return lifesim.Condition
function symptom(name, op, value) end
---@param name string @param op string @param value number @return lifesim.Condition
function vital(name, op, value) end
---@param code lifesim.Code|lifesim.Code[] @param op string @param value any @return lifesim.Condition
function observation(code, op, value) end
---@type lifesim.Condition
always = {}
---@type lifesim.Condition
never = {}

---@param t {[1]: number|fun(p: lifesim.Patient): number, [2]: string}[] @return lifesim.DistributedBranch[]
function pick(t) end
---@param t ({[1]: lifesim.When, [2]: string}|{[1]: string})[] @return lifesim.ConditionalBranch[]
function when(t) end

---@param default number @param meaning string @return number
function param(default, meaning) end
---Declares the module's parameters; a scenario overrides them as module.name.
---@generic T
---@param t T @return T
function parameters(t) end
---The value returned by modules/lib/<name>.lua, loaded once.
---@param name string @return any
function lib(name) end
