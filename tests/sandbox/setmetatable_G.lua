-- Sandbox attack: take over the globals with setmetatable(_G, ...)
setmetatable(_G, { __index = function(t, k) return os end })
return { name = "Attack", states = { Initial = { type = "Initial", direct_transition = "T" }, T = { type = "Terminal" } } }
