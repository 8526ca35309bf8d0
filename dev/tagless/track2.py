import os, sys, json
sys.path.insert(0, "src"); sys.path.insert(0, "/tmp/work")
import numpy as np
from calib import gates_from_env, sim_from_env, cfg_from_env
from seoul.metro.engine.tagless.simulator import plan, run_job, _scene
from seoul.metro.engine.tagless.detector import build_grid, _bin, _emissions, _side_tracks
from seoul.metro.engine.tagless.model import ReadingBatch
n, seed, ji, i = map(int, sys.argv[1:5])
g, p, c = gates_from_env(), sim_from_env(), cfg_from_env()
jobs = plan(n, seed, json.loads(os.environ["MIX"]), p)
b = run_job(jobs[ji], g, p)
print(b.truth[i])
rng = np.random.default_rng(jobs[ji].seed)
per = {"crowd": 3.0, "neighbour": 2.0, "paid_side": 3.0}.get(jobs[ji].scenario, 1.0)
s = jobs[ji].windows if per == 1.0 else max(1, int(np.ceil(jobs[ji].windows / per * 1.2)) + 2)
sc = _scene(rng, jobs[ji].scenario, s, g, p)
if per == 1.0: print("wp", np.round(sc.wp[i,0],2).tolist(), "tau", np.round(sc.tau[i,0],1).tolist())
batch = ReadingBatch.of([b.readings[i]])
grid = build_grid(g, c)
binned = _bin(batch, g.beacon_count, len(g.anchor_xyz), c)
ll = _emissions(binned, grid, c)
side = _side_tracks(ll, grid, c)
print("classes", np.round(side.score[0] - side.score[0].max(), 1))
for k in range(2):
    print("track", k, [(round(float(grid.x[cc]),1), float(grid.y[r])) for r, cc in zip(side.track[0,k], side.track_col[0,k])][::2])
print("heard per bin", binned.mask[0].sum(-1).astype(int).tolist())
