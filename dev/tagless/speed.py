import os, sys, json, time
os.environ["OPENBLAS_NUM_THREADS"]="1"
sys.path.insert(0,"src"); sys.path.insert(0,"/tmp/work")
from calib import gates_from_env, sim_from_env, cfg_from_env
from seoul.metro.engine.tagless.simulator import plan, run_job
from seoul.metro.engine.tagless.detector import detect_batch, detect
g,p,c = gates_from_env(), sim_from_env(), cfg_from_env()
jobs = plan(2000, 1, {"clean":1}, p)
t=time.perf_counter(); b = run_job(jobs[0], g, p); t1=time.perf_counter()
d = detect_batch(b.readings, g, c); t2=time.perf_counter()
lat=[]
for i in range(200):
    w=b.readings[i]; s=time.perf_counter(); detect(w,g,c); lat.append(time.perf_counter()-s)
lat.sort()
print(f"sim {1000*(t1-t)/2000:.2f} ms/window detect {1000*(t2-t1)/2000:.2f} ms/window single p50 {1000*lat[100]:.1f} p99 {1000*lat[198]:.1f}")
