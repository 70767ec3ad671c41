// The ajv peer of benches/compare.sh: JSON.parse + a compiled ajv 8 validate per line, on one
// thread, against the committed tolerant response schema (draft 2020-12, formats on through
// ajv-formats, as in the validator).
//
//   node benches/peers/ajv.mjs schemas/order-get.response.schema.json responses.ndjson
import { readFileSync, createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

const [schemaPath, dataPath] = process.argv.slice(2);
const ajv = new Ajv2020({ allErrors: false, strict: false });
addFormats(ajv);
const validate = ajv.compile(JSON.parse(readFileSync(schemaPath, "utf8")));

let lines = 0;
let passed = 0;
const input = createInterface({ input: createReadStream(dataPath), crlfDelay: Infinity });
for await (const line of input) {
  if (line.trim() === "") continue;
  lines += 1;
  try {
    if (validate(JSON.parse(line))) passed += 1;
  } catch {
    // Not JSON: counted as read, not passed.
  }
}
console.log(`${lines} lines, ${passed} passed`);
