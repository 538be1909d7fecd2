// npm run example:chaos — three instances behind etcd under steady load; one killed, one slowed
// tenfold. Ends with `success=<ratio> p99_vs_healthy=<ratio> duplicates=<n>`; exits 1 on a missed goal.
import { goalsMet, runChaos } from "./scenario.js";

const r = await runChaos({ log: (line) => console.error(line) });
console.error(`calls ${r.calls}, failed ${r.failed}, p99 healthy ${r.healthyP99Ms.toFixed(1)}ms, chaos ${r.chaosP99Ms.toFixed(1)}ms`);
for (const e of r.errors) console.error(`  error: ${e}`);
console.log(`success=${r.success.toFixed(4)} p99_vs_healthy=${r.p99VsHealthy.toFixed(2)} duplicates=${r.duplicates}`);
process.exit(goalsMet(r) ? 0 : 1);
