"""Failover probe (not yet Clearway lodgements): 4 clients insert keys through the multi-host URL of
scripts/pgha.sh (cluster at /tmp/resil-ha, base port 47300) for 30 s; after 5 s the leader is crashed (kill -9 Patroni and
postmaster). Prints acknowledged inserts, how many are missing afterwards, and the longest gap without a write."""
import psycopg, time, subprocess, threading
dsn="host=127.0.0.1,127.0.0.1 port=47302,47303 dbname=clearway user=postgres target_session_attrs=read-write connect_timeout=2"
with psycopg.connect(dsn, autocommit=True) as c: c.execute("create table if not exists t(k text primary key)")
acked=[]; stop=time.monotonic()+30; last_ok=[0.0]; gaps=[]
def worker(w):
    i=0; conn=None
    while time.monotonic()<stop:
        k=f"{w}-{i}"
        try:
            if conn is None: conn=psycopg.connect(dsn, autocommit=True)
            conn.execute("insert into t values (%s) on conflict do nothing",(k,))
            acked.append(k); i+=1; now=time.monotonic()
            if last_ok[0] and now-last_ok[0]>0.5: gaps.append(now-last_ok[0])
            last_ok[0]=now
        except Exception:
            conn=None; time.sleep(0.1)
ts=[threading.Thread(target=worker,args=(w,)) for w in range(4)]
[t.start() for t in ts]
time.sleep(5); leader=subprocess.check_output(["/work/wt/resilience/scripts/pgha.sh","leader","/tmp/resil-ha"],text=True).strip()
t0=time.monotonic(); subprocess.run(["/work/wt/resilience/scripts/pgha.sh","crash","/tmp/resil-ha",leader]); print("killed",leader)
[t.join() for t in ts]
with psycopg.connect(dsn) as c: have={r[0] for r in c.execute("select k from t")}
print("acked",len(acked),"missing",len(set(acked)-have),"max gap s %.1f"%max(gaps or [0]))
