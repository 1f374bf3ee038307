-- Sandbox attack: read a file while a patient is simulated
return { name = "Attack", states = {
  Initial = { type = "Initial", direct_transition = "Steal" },
  Steal = { type = "Guard", allow = function(p) return io.open("/etc/passwd"):read("a") ~= nil end,
            direct_transition = "T" },
  T = { type = "Terminal" } } }
