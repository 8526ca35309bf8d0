import pickle, numpy as np, sys, itertools
by = pickle.load(open(sys.argv[1],'rb')); ps = pickle.load(open(sys.argv[2],'rb'))
bi, ai = 0, 3  # before 6 bins, after 8 bins
def arr(rows):
    return (np.array([r[2] for r in rows]), np.array([r[6] for r in rows]), np.array([r[7]<2 for r in rows]),
            np.array([bool(r[4] and r[5]) for r in rows]), np.array([min(r[11][bi], r[11][ai]) for r in rows]), np.array([r[1] for r in rows]), np.array([r[0] for r in rows]))
bu, bm, bc, _, bcon, bcarry, bsc = arr([r for r in by if not r[3]])
pu, pm, pc, pok, pcon, pcarry, psc = arr([r for r in ps if r[3]])
for uw in (False, True):
    bsel = (bu == uw) & bc
    print("uwb", uw, "bystanders", int((bu==uw).sum()), "top con", np.round(np.sort(bcon[bsel])[-4:],1), "top margin", np.round(np.sort(bm[bsel])[-4:],1))
    for th, mth in itertools.product((0, 2, 4, 6), (0, 20, 40, 60)):
        psel = pu == uw
        ok = psel & pc & pok & (pcon >= th) & (pm >= mth)
        nb = int((bsel & (bcon >= th) & (bm >= mth)).sum())
        worst = min((ok & (pcarry==c)).sum()/max((psel&(pcarry==c)).sum(),1) for c in ("hand","pocket","bag"))
        print(f"  c{th} m{mth}: passers {ok.sum()/psel.sum():.3f} worst-carry {worst:.3f} bystanders {nb}")
