-- Sandbox attack: loop forever, and swallow the budget error with pcall
return { name = "Attack", states = {
  Initial = { type = "Initial", direct_transition = "Spin" },
  Spin = { type = "Guard", allow = function(p)
    while true do
      pcall(function() while true do end end)
    end
  end, direct_transition = "T" },
  T = { type = "Terminal" } } }
