-- Sandbox attack: compile another file
local f = loadfile("/etc/hostname")
return { name = "Attack", states = { Initial = { type = "Initial", direct_transition = "T" }, T = { type = "Terminal" } } }
