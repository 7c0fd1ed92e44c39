// A stdio MCP server (2025 era) with one tool: the conformance suite's `json_schema_2020_12_tool`,
// whose inputSchema uses the JSON Schema 2020-12 keywords a relay must not strip ($schema, $defs,
// $ref, additionalProperties). The hub fronts it, so a test can check the hub passes the schema
// through byte for byte. Raw JSON-RPC, so no SDK on this side can rewrite the schema either.
import { createInterface } from 'node:readline';

const TOOL = {
  name: 'json_schema_2020_12_tool',
  description: 'Tool with JSON Schema 2020-12 features',
  inputSchema: {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    type: 'object',
    $defs: {
      address: {
        type: 'object',
        properties: { street: { type: 'string' }, city: { type: 'string' } },
      },
    },
    properties: {
      name: { type: 'string' },
      address: { $ref: '#/$defs/address' },
    },
    additionalProperties: false,
  },
};

const send = (message) => process.stdout.write(`${JSON.stringify({ jsonrpc: '2.0', ...message })}\n`);

createInterface({ input: process.stdin }).on('line', (line) => {
  let request;
  try {
    request = JSON.parse(line);
  } catch {
    return;
  }
  if (request.id === undefined) return; // a notification
  if (request.method === 'initialize') {
    send({
      id: request.id,
      result: {
        protocolVersion: request.params?.protocolVersion ?? '2025-11-25',
        capabilities: { tools: {} },
        serverInfo: { name: 'json-schema-2020-12', version: '1.0.0' },
      },
    });
  } else if (request.method === 'tools/list') {
    send({ id: request.id, result: { tools: [TOOL] } });
  } else if (request.method === 'ping') {
    send({ id: request.id, result: {} });
  } else {
    // Includes server/discover: a 2025-era server does not know it, and clients fall back.
    send({ id: request.id, error: { code: -32601, message: `Method not found: ${request.method}` } });
  }
});
process.stdin.on('end', () => process.exit(0));
