// Experiment tool: in a V8 heap snapshot, counts the objects of one constructor and prints a
// shortest retainer path (from the GC roots) of the first N, grouped; weak edges are not followed.
//   node --max-old-space-size=8000 bench/agent/experiments/retainers.cjs FILE.heapsnapshot IncomingMessage [N]
// With SPYGLASS_AGENT_READABLE=1 the agent is built with its class names kept.
const { readFileSync } = require('node:fs');

const [file, wanted, many = '20'] = process.argv.slice(2);
const snap = JSON.parse(readFileSync(file, 'utf8'));
const meta = snap.snapshot.meta;
const NF = meta.node_fields.length;
const EF = meta.edge_fields.length;
const [nType, nName, nEdges] = ['type', 'name', 'edge_count'].map((f) => meta.node_fields.indexOf(f));
const [eType, eName, eTo] = ['type', 'name_or_index', 'to_node'].map((f) => meta.edge_fields.indexOf(f));
const nodeTypes = meta.node_types[0];
const edgeTypes = meta.edge_types[0];
const { nodes, edges, strings } = snap;
const count = nodes.length / NF;

const retainers = Array.from({ length: count }, () => []);
for (let i = 0, e = 0; i < count; i++)
  for (const end = e + nodes[i * NF + nEdges] * EF; e < end; e += EF)
    if (edgeTypes[edges[e + eType]] !== 'weak') retainers[edges[e + eTo] / NF].push([i, e]);

const name = (i) => strings[nodes[i * NF + nName]];
const type = (i) => nodeTypes[nodes[i * NF + nType]];
const edgeName = (e) => {
  const kind = edgeTypes[edges[e + eType]];
  const v = edges[e + eName];
  return kind === 'element' || kind === 'hidden' ? `[${v}]` : strings[v];
};

const hits = [];
for (let i = 0; i < count; i++) if (type(i) === 'object' && name(i) === wanted) hits.push(i);
console.log(`${wanted}: ${hits.length} alive`);

const paths = new Map();
for (const hit of hits.slice(0, Number(many))) {
  const previous = new Map([[hit, null]]);
  const queue = [hit];
  let root = -1;
  while (queue.length > 0 && root < 0) {
    const x = queue.shift();
    for (const [r, e] of retainers[x]) {
      if (previous.has(r)) continue;
      previous.set(r, [x, e]);
      if (r === 0) root = r;
      else queue.push(r);
    }
  }
  const steps = [];
  for (let x = root; x !== hit && x >= 0;) {
    const [child, e] = previous.get(x);
    steps.push(`${type(x)}:${name(x).slice(0, 40)} --${edgeName(e).replace(/^\[\d+\]$/, '[n]')}-->`);
    x = child;
  }
  const path = steps.length > 0 ? `${steps.join(' ')} ${wanted}` : '(no path from the roots)';
  paths.set(path, (paths.get(path) ?? 0) + 1);
}
for (const [path, n] of [...paths].sort((a, b) => b[1] - a[1]))
  console.log(`${String(n).padStart(4)}  ${path}`);
