-- Sandbox attack: load a C library
local os = require("os")
return { name = "Attack", states = { Initial = { type = "Initial", direct_transition = "T" }, T = { type = "Terminal" } } }
