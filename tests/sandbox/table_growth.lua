-- Sandbox attack: a table that grows without end
return { name = "Attack", states = {
  Initial = { type = "Initial", direct_transition = "Grow" },
  Grow = { type = "SetAttribute", attribute = "x", value = function(p)
    local t, chunk = {}, string.rep("x", 1000000)
    for i = 1, 1e9 do t[i] = chunk .. i end
    return #t
  end, direct_transition = "T" },
  T = { type = "Terminal" } } }
