-- prelude.lua — helper constructors available to every module (embedded in the lifesim binary).
--
-- Each helper returns the plain GMF table a module could have written by hand, so a module that
-- uses none of them is still a valid module, and the compiler sees only GMF. The reference for
-- every helper is docs/modules.md.

local H = {}

local function is_duration(v) return type(v) == "table" and rawget(v, "__duration") == true end

-- Durations --------------------------------------------------------------------------------
local unit_ms = {
  milliseconds = 1, seconds = 1000, minutes = 60000, hours = 3600000, days = 86400000,
  weeks = 604800000, months = 2629746000, years = 31556952000,
}

local function duration(unit)
  return function(n)
    if type(n) ~= "number" then
      error(unit .. "(n): n must be a number, got " .. type(n), 2)
    end
    return { quantity = n, unit = unit, __duration = true }
  end
end
for _, u in ipairs { "milliseconds", "seconds", "minutes", "hours", "days", "weeks", "months", "years" } do
  H[u] = duration(u)
end

-- Converts a list of numbers and durations to plain numbers in one unit (the first duration's).
local function common_unit(values, who)
  local unit
  for _, v in ipairs(values) do
    if is_duration(v) then unit = unit or v.unit end
  end
  local out = {}
  for i, v in ipairs(values) do
    if is_duration(v) then
      -- the same unit: untouched, so a helper and the plain GMF table give identical numbers
      out[i] = v.unit == unit and v.quantity or v.quantity * unit_ms[v.unit] / unit_ms[unit]
    elseif type(v) == "number" then
      out[i] = v
    elseif v == nil then
      out[i] = nil
    else
      error(who .. ": expected a number or a duration such as days(3), got " .. type(v), 3)
    end
  end
  return out, unit
end

-- between(days(1), days(3)) -> GMF range {low, high, unit}
function H.between(lo, hi)
  local v, unit = common_unit({ lo, hi }, "between")
  return { low = v[1], high = v[2], unit = unit }
end

-- Codes --------------------------------------------------------------------------------------
local function code_text(c)
  if math.type(c) == "integer" then return string.format("%d", c) end
  if type(c) == "number" and c == math.floor(c) then return string.format("%.0f", c) end
  if type(c) ~= "string" then error("a code must be a string or an integer, got " .. type(c), 3) end
  return c
end

local function coder(system)
  return function(code, display)
    if display == nil then error("a code needs its display name: " .. system .. "(" ..
      tostring(code) .. ", \"...\")", 2) end
    return { system = system, code = code_text(code), display = display }
  end
end

H.codes = {
  snomed = coder("SNOMED-CT"),
  loinc = coder("LOINC"),
  rxnorm = coder("RxNorm"),
  cvx = coder("CVX"),
  icd10 = coder("ICD-10-CM"),
  nubc = coder("NUBC"),
  dicom_dcm = coder("DICOM-DCM"),
  dicom_sop = coder("DICOM-SOP"),
}

-- Distributions ------------------------------------------------------------------------------
local function dist(kind, names)
  return function(t)
    if type(t) ~= "table" then error(kind:lower() .. "{...}: expected a table of parameters", 2) end
    local vals, order = {}, {}
    for i, n in ipairs(names) do
      local v = t[n]
      if v == nil then v = t[i] end
      vals[#vals + 1] = v
      order[#order + 1] = n
    end
    for _, extra in ipairs { "min", "max" } do
      if t[extra] ~= nil then
        vals[#vals + 1] = t[extra]
        order[#order + 1] = extra
      end
    end
    local nums, unit = common_unit(vals, kind:lower())
    local p = {}
    for i, n in ipairs(order) do p[n] = nums[i] end
    return { kind = kind, parameters = p, unit = unit, round = t.round }
  end
end

H.uniform = dist("UNIFORM", { "low", "high" })
H.gaussian = dist("GAUSSIAN", { "mean", "standardDeviation" })
H.normal = function(t)
  if type(t) == "table" and t.sd ~= nil then
    local c = {}
    for k, v in pairs(t) do if k ~= "sd" then c[k] = v end end
    c.standardDeviation = t.sd
    t = c
  end
  return H.gaussian(t)
end
H.exponential = dist("EXPONENTIAL", { "mean" })
H.triangular = dist("TRIANGULAR", { "min", "mode", "max" })
H.weibull = dist("WEIBULL", { "shape", "scale" })
H.lognormal = dist("LOGNORMAL", { "mu", "sigma" })
H.gamma = dist("GAMMA", { "shape", "scale" })
function H.exact(v)
  local nums, unit = common_unit({ v }, "exact")
  return { kind = "EXACT", parameters = { value = nums[1] }, unit = unit }
end

-- Conditions ---------------------------------------------------------------------------------
local function list(t, who)
  if type(t) ~= "table" then error(who .. ": expected a list of conditions", 3) end
  return t
end

function H.age(op, n, unit)
  if is_duration(n) then return { condition_type = "Age", operator = op, quantity = n.quantity, unit = n.unit } end
  return { condition_type = "Age", operator = op, quantity = n, unit = unit or "years" }
end
-- lo <= age < hi, in years
function H.age_between(lo, hi)
  return { condition_type = "And", conditions = { H.age(">=", lo), H.age("<", hi) } }
end
function H.gender(g) return { condition_type = "Gender", gender = g } end
H.male = { condition_type = "Gender", gender = "M" }
H.female = { condition_type = "Gender", gender = "F" }
function H.attribute(name, op, value)
  return { condition_type = "Attribute", attribute = name, operator = op, value = value }
end
function H.has_attribute(name) return { condition_type = "Attribute", attribute = name, operator = "is not nil" } end
local function active(kind)
  return function(c)
    if type(c) == "string" then return { condition_type = kind, referenced_by_attribute = c } end
    if c.system then c = { c } end
    return { condition_type = kind, codes = c }
  end
end
H.active_condition = active("Active Condition")
H.active_medication = active("Active Medication")
H.active_careplan = active("Active CarePlan")
H.active_allergy = active("Active Allergy")
function H.all_of(t) return { condition_type = "And", conditions = list(t, "all_of") } end
function H.any_of(t) return { condition_type = "Or", conditions = list(t, "any_of") } end
function H.negate(c) return { condition_type = "Not", condition = c } end
function H.at_least(n, t) return { condition_type = "At Least", minimum = n, conditions = list(t, "at_least") } end
function H.at_most(n, t) return { condition_type = "At Most", maximum = n, conditions = list(t, "at_most") } end
function H.prior_state(name, opts)
  local c = { condition_type = "PriorState", name = name }
  if opts then
    c.since = opts.since
    if opts.within then c.within = opts.within end
  end
  return c
end
function H.date(op, year) return { condition_type = "Date", operator = op, year = year } end
function H.ses(category) return { condition_type = "Socioeconomic Status", category = category } end
function H.race(r) return { condition_type = "Race", race = r } end
function H.symptom(name, op, value) return { condition_type = "Symptom", symptom = name, operator = op, value = value } end
function H.vital(name, op, value) return { condition_type = "Vital Sign", vital_sign = name, operator = op, value = value } end
function H.observation(code, op, value)
  if code.system then code = { code } end
  return { condition_type = "Observation", codes = code, operator = op, value = value }
end
H.always = { condition_type = "True" }
H.never = { condition_type = "False" }

-- Transitions --------------------------------------------------------------------------------
-- pick{ {0.3, "A"}, {0.7, "B"} }  ->  distributed_transition list
function H.pick(t)
  local out = {}
  for i, e in ipairs(t) do
    if type(e) ~= "table" or e[2] == nil then
      error("pick{...}: entry " .. i .. " must be {probability, \"State\"}", 2)
    end
    out[i] = { distribution = e[1], transition = e[2] }
  end
  return out
end
-- when{ {condition, "A"}, {condition, "B"}, {"Otherwise"} }  ->  conditional_transition list
function H.when(t)
  local out = {}
  for i, e in ipairs(t) do
    if type(e) ~= "table" then error("when{...}: entry " .. i .. " must be {condition, \"State\"} or {\"State\"}", 2) end
    if e[2] == nil then out[i] = { transition = e[1] } else out[i] = { condition = e[1], transition = e[2] } end
  end
  return out
end

return H
