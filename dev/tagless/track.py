import os, sys, json
sys.path.insert(0, "src")
sys.path.insert(0, "/tmp/work")
import numpy as np
from calib import gates_from_env, sim_from_env, cfg_from_env
from seoul.metro.engine.tagless import SCENARIOS
from seoul.metro.engine.tagless.simulator import plan, run_job, _scene, _positions
from seoul.metro.engine.tagless.detector import _analyse, build_grid, _bin, _emissions, _side_tracks
from seoul.metro.engine.tagless.model import ReadingBatch
n, seed, ji, i = map(int, sys.argv[1:5])
g, p, c = gates_from_env(), sim_from_env(), cfg_from_env()
jobs = plan(n, seed, {s:1.0 for s in SCENARIOS}, p)
b = run_job(jobs[ji], g, p)
w = b.readings[i]
print(b.truth[i])
batch = ReadingBatch.of([w])
grid = build_grid(g, c)
binned = _bin(batch, g.beacon_count, len(g.anchor_xyz), c)
ll = _emissions(binned, grid, c)
side = _side_tracks(ll, grid, c)
print("classes", side.score)
for k in range(2):
    print("track", k, [(float(grid.x[cc]), float(grid.y[r])) for r, cc in zip(side.track[0,k], side.track_col[0,k])][::2])
rng = np.random.default_rng(jobs[ji].seed)
s = max(1, int(np.ceil(jobs[ji].windows / 1.0 * 1.2)) + 2)
sc = _scene(rng, jobs[ji].scenario, s, g, p)
print("wp", np.round(sc.wp[i,0],2).tolist(), "tau", np.round(sc.tau[i,0],1).tolist())
print("array x", g.array_x_min, g.array_x_max)
print("runner", side.score[0] - side.score[0].max())
# per-bin heard beacons count and loudest zone rows
gi = g
zc = gi.zone_count; K = gi.lanes
conc = list(range(4*K, 4*K+2*zc)); paid = list(range(4*K+2*zc, 4*K+4*zc))
for t in range(0, binned.rssi.shape[1], 2):
    m = binned.mask[0, t] > 0
    r = binned.rssi[0, t]
    cn = [int(r[b]) for b in conc if m[b]]; pd = [int(r[b]) for b in paid if m[b]]
    print(t*c.dt, "heard", int(m.sum()), "conc", cn, "paid", pd)
