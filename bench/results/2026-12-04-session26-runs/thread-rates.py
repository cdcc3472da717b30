import collections, sys, statistics
rows=[l.split() for l in open(sys.argv[1])]
data=collections.defaultdict(list)
for r in rows:
    try:
        ts=float(r[0]); run=int(r[-2]); wait=int(r[-1]); comm=r[-3]; tid=r[-4]; pat=' '.join(r[1:-4])
    except: continue
    data[(pat,tid,comm)].append((ts,run,wait))
for k,v in sorted(data.items()):
    if len(v)<4: continue
    rates=[((b[1]-a[1])/1e6/(b[0]-a[0]), (b[2]-a[2])/1e6/(b[0]-a[0])) for a,b in zip(v,v[1:])]
    runs=sorted(r for r,_ in rates); waits=sorted(w for _,w in rates)
    if max(runs)<3: continue
    print(f"{k[0][:22]:22} tid {k[1]:7} n={len(rates):3} run ms/s median {statistics.median(runs):6.1f} p25 {runs[len(runs)//4]:6.1f} | wait ms/s median {statistics.median(waits):6.1f}")
