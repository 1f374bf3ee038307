-- Sandbox attack: load bytecode made by string.dump
return { name = "Attack", states = {
  Initial = { type = "Initial", direct_transition = "Run" },
  Run = { type = "Guard", allow = function(p)
    local code = string.dump(function() return true end)
    return load(code, "x", "b")()
  end, direct_transition = "T" },
  T = { type = "Terminal" } } }
