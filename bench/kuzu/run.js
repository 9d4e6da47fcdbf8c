// The Kùzu side of stablegraph's comparison with Kùzu (bench/kuzu.go, run by
// `go run ./bench/cmd/benchreport -kuzu-only`): load the world from the CSV files the Go
// side wrote, then run each query warm, timing every run on its own, and print the medians
// as JSON on standard output.
//
//   node run.js DATA_DIR DB_DIR QUERIES_JSON
//
// DATA_DIR holds players.csv, guilds.csv, member_of.csv and friend.csv (bench.WriteKuzuCSV);
// DB_DIR must not exist yet: the database is made there. QUERIES_JSON is
// {"warm": N, "runs": N, "queries": [{"name", "cypher", "params", "count"}]}.
//
// Each query is a prepared statement, run with the synchronous API, the cheapest way to Kùzu
// from Node.js, and timed two ways, alternately, run by run: "exec", executeSync alone (Kùzu
// runs the query to the end and holds its rows; getNumTuples reads their number), and
// "rows", executeSync and then getAllSync, which reads every row into JavaScript objects as
// a Node.js program would. A prepared `RETURN 1` timed the same way says what the binding
// itself costs per query.
"use strict";

const fs = require("fs");
const path = require("path");
const kuzu = require("kuzu");

function fail(msg) {
  process.stderr.write(`run.js: ${msg}\n`);
  process.exit(1);
}

const [dataDir, dbDir, queriesFile] = process.argv.slice(2);
if (!queriesFile) {
  fail("usage: node run.js DATA_DIR DB_DIR QUERIES_JSON");
}
if (fs.existsSync(dbDir)) {
  fail(`${dbDir} exists already: give a new database path`);
}
const spec = JSON.parse(fs.readFileSync(queriesFile, "utf8"));

const db = new kuzu.Database(dbDir);
const conn = new kuzu.Connection(db);

function run(statement) {
  const r = conn.querySync(statement);
  const rows = r.getAllSync();
  r.close();
  return rows;
}

// The same attributes and relations as the store's world: many-to-many relations, as an
// N-Triples import makes them.
const csv = (name) => JSON.stringify(path.join(dataDir, name));
const loadStart = process.hrtime.bigint();
run("CREATE NODE TABLE Player(id INT64, name STRING, health INT64, x DOUBLE, y DOUBLE, dx DOUBLE, dy DOUBLE, PRIMARY KEY (id))");
run("CREATE NODE TABLE Guild(id INT64, name STRING, PRIMARY KEY (id))");
run("CREATE REL TABLE member_of(FROM Player TO Guild)");
run("CREATE REL TABLE friend(FROM Player TO Player)");
run(`COPY Player FROM ${csv("players.csv")} (HEADER=true)`);
run(`COPY Guild FROM ${csv("guilds.csv")} (HEADER=true)`);
run(`COPY member_of FROM ${csv("member_of.csv")} (HEADER=true)`);
run(`COPY friend FROM ${csv("friend.csv")} (HEADER=true)`);
const loadNs = Number(process.hrtime.bigint() - loadStart);

// answerOf returns the rows' count, or a COUNT's value, and the ids of the rows.
function answerOf(rows, count) {
  if (count) {
    if (rows.length !== 1) {
      fail(`a COUNT returned ${rows.length} rows`);
    }
    return { answer: Number(Object.values(rows[0])[0]), ids: [] };
  }
  return { answer: rows.length, ids: rows.map((r) => Number(Object.values(r)[0])) };
}

function measure(q) {
  const ps = conn.prepareSync(q.cypher);
  if (!ps.isSuccess()) {
    fail(`${q.cypher}: ${ps.getErrorMessage()}`);
  }
  const params = q.params || {};
  const modes = {
    exec: () => {
      const r = conn.executeSync(ps, params);
      const n = r.getNumTuples();
      r.close();
      return n;
    },
    rows: () => {
      const r = conn.executeSync(ps, params);
      const rows = r.getAllSync();
      r.close();
      return rows.length;
    },
  };
  const r = conn.executeSync(ps, params);
  const first = answerOf(r.getAllSync(), q.count);
  r.close();
  const tuples = q.count ? 1 : first.answer;
  for (let i = 0; i < spec.warm; i++) {
    modes.exec();
    modes.rows();
  }
  const out = { name: q.name, answer: first.answer, ids: first.ids };
  const times = { exec: new Array(spec.runs), rows: new Array(spec.runs) };
  const cpuNs = { exec: 0, rows: 0 };
  for (let i = 0; i < spec.runs; i++) {
    for (const mode of ["exec", "rows"]) {
      const cpu0 = process.cpuUsage();
      const t0 = process.hrtime.bigint();
      const n = modes[mode]();
      times[mode][i] = Number(process.hrtime.bigint() - t0);
      const cpu = process.cpuUsage(cpu0);
      cpuNs[mode] += (cpu.user + cpu.system) * 1000;
      if (n !== tuples) {
        fail(`${q.cypher}: run ${i} (${mode}) gave ${n} rows, the first ${tuples}`);
      }
    }
  }
  for (const mode of ["exec", "rows"]) {
    const t = times[mode].sort((a, b) => a - b);
    const at = (p) => t[Math.round(p * (t.length - 1))];
    out[mode] = {
      runs: spec.runs,
      median_ns: at(0.5),
      p10_ns: at(0.1),
      p90_ns: at(0.9),
      cpu_ns: cpuNs[mode] / spec.runs,
      answer: first.answer,
    };
  }
  return out;
}

const out = {
  version: kuzu.VERSION,
  load_ns: loadNs,
  empty: measure({ name: "RETURN 1", cypher: "RETURN 1", count: true }),
  queries: spec.queries.map(measure),
};
conn.closeSync();
db.closeSync();
process.stdout.write(JSON.stringify(out) + "\n");
