-- Sandbox attack: a runaway string.rep
return { name = "Attack", states = {
  Initial = { type = "Initial", direct_transition = "Grow" },
  Grow = { type = "SetAttribute", attribute = "x", value = function(p) return #string.rep("x", 1e9) end,
           direct_transition = "T" },
  T = { type = "Terminal" } } }
