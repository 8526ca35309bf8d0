import os, sys, json, time
os.environ.setdefault("OPENBLAS_NUM_THREADS","1")
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
import numpy as np
sys.path.insert(0, "src")
from seoul.metro.engine.tagless import GateArray, SimParams, DetectorConfig, SCENARIOS
from seoul.metro.engine.tagless.simulator import plan, run_job
from seoul.metro.engine.tagless.detector import _analyse, _slice

def cfg_from_env():
    kw = json.loads(os.environ.get("CFG", "{}"))
    return DetectorConfig(**kw)
def sim_from_env():
    return SimParams(**json.loads(os.environ.get("SIM", "{}")))
def gates_from_env():
    kw = json.loads(os.environ.get("GATES", "{}"))
    if "zone_rows" in kw: kw["zone_rows"] = tuple(kw["zone_rows"])
    return GateArray(**kw)

def depth(binned, g, d, span_bins):
    r = np.where(binned.mask > 0, binned.rssi, -100.0)
    zc, K = g.zone_count, g.lanes
    nrow = len(g.zone_rows)
    conc_deep = list(range(4*K + zc, 4*K + nrow*zc))
    paid_deep = list(range(4*K + nrow*zc + zc, 4*K + 2*nrow*zc))
    unpaid_all = list(g.unpaid_side_beacons); paid_all = list(g.paid_side_beacons)
    cd = r[:, :, conc_deep].max(-1); pd = r[:, :, paid_deep].max(-1)
    ua = r[:, :, unpaid_all].max(-1); pa = r[:, :, paid_all].max(-1)
    inn = (d == 0)[:, None]
    B = np.where(inn, cd - pa, pd - ua)
    A = np.where(inn, pd - ua, cd - pa)
    out = []
    for sp in (6, 8, 10):
        out.append(np.clip(B[:, :sp], -30, 30).mean(1))
        out.append(np.clip(A[:, -sp:], -30, 30).mean(1))
    return np.stack(out, 1), None

def work(arg):
    ji, job = arg
    g, p, c = gates_from_env(), sim_from_env(), cfg_from_env()
    b = run_job(job, g, p)
    out = []
    for s in range(0, b.readings.size, c.batch_size):
        e = min(s + c.batch_size, b.readings.size)
        a = _analyse(_slice(b.readings, s, e), g, c)
        bf, af = depth(a.binned, g, a.d, int(os.environ.get("SPAN", "6")))
        for w in range(e - s):
            i = s + w
            tr = b.truth[i]
            ok_dir = tr.passed and ("in", "out")[int(a.d[w])] == tr.direction
            ok_t = tr.passed and abs(a.crossed_at[w] - tr.crossed_at) <= 1.0
            out.append((tr.scenario, tr.carry, tr.uwb, tr.passed, bool(ok_dir), bool(ok_t), float(a.margin[w]), int(a.best[w]), bool(a.informative[w]), ji, i, bf[w].tolist()))
    return out

if __name__ == "__main__":
    n, seed = int(sys.argv[1]), int(sys.argv[2])
    mix = {s: 1.0 for s in SCENARIOS} if len(sys.argv) < 4 else json.loads(sys.argv[3])
    jobs = plan(n, seed, mix, sim_from_env())
    t = time.time()
    rows = []
    with ProcessPoolExecutor(2) as ex:
        for r in ex.map(work, list(enumerate(jobs))): rows.extend(r)
    print("wall", round(time.time()-t,1))
    import pickle; pickle.dump(rows, open(os.environ.get("OUT","/tmp/work/calib.pkl"),"wb"))
    rows = np.array(rows, dtype=object)
    passed = rows[:,3].astype(bool); uwb = rows[:,2].astype(bool); m = rows[:,6].astype(float)
    okd = rows[:,4].astype(bool); okt=rows[:,5].astype(bool); best=rows[:,7].astype(int)
    cross = best < 2
    for label, sel in (("ble", ~uwb), ("uwb", uwb)):
        by = (~passed) & sel
        bm = np.where(cross[by], m[by], -999)
        top = np.sort(bm)[-8:]
        print(label, "bystanders", by.sum(), "top margins", np.round(top,1))
        ps = passed & sel
        for th in (10, 20, 25, 30, 35, 40, 50):
            good = ps & cross & okd & okt & (m >= th)
            print(f"  th {th}: passers {good.sum()/ps.sum():.3f}  bystanders>= {int(((~passed)&sel&cross&(m>=th)).sum())}")
        # wrong direction/time among passers with high margin
        bad = ps & cross & (m >= 30) & ~(okd & okt)
        print("  passers charged wrong (m>=30):", int(bad.sum()))
    for sc in SCENARIOS:
        for carry in ("hand","pocket","bag"):
            sel = passed & (rows[:,0]==sc) & (rows[:,1]==carry) & ~uwb
            if sel.sum(): print(sc, carry, "ble pass>=35", round(float((sel & cross & okd & okt & (m>=35)).sum()/sel.sum()),3), sel.sum())
