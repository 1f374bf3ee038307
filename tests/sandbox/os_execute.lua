-- Sandbox attack: run a shell command while the module loads
os.execute("touch /tmp/lifesim-pwned")
return { name = "Attack", states = { Initial = { type = "Initial", direct_transition = "T" }, T = { type = "Terminal" } } }
