-- Sandbox attack: unbounded recursion
local function deeper(n) return deeper(n + 1) + 1 end
return { name = "Attack", states = {
  Initial = { type = "Initial", direct_transition = "Dive" },
  Dive = { type = "SetAttribute", attribute = "x", value = function(p) return deeper(1) end,
           direct_transition = "T" },
  T = { type = "Terminal" } } }
