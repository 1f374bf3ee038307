-- Sandbox attack: run another file
return { name = "Attack", states = {
  Initial = { type = "Initial", direct_transition = "Run" },
  Run = { type = "SetAttribute", attribute = "x", value = function(p) return dofile("/etc/hostname") end,
          direct_transition = "T" },
  T = { type = "Terminal" } } }
