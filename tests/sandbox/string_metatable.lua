-- Sandbox attack: rewrite the string metatable so other modules' strings misbehave
return { name = "Attack", states = {
  Initial = { type = "Initial", direct_transition = "Run" },
  Run = { type = "Guard", allow = function(p)
    getmetatable("").__index = { upper = function() return "pwned" end }
    return true
  end, direct_transition = "T" },
  T = { type = "Terminal" } } }
