/**
 * The worker thread that checks large flow files (dist/flow-check-worker.js):
 * a 4 MB file takes seconds to parse, and on the extension host's main thread
 * those seconds freeze every extension. It answers one message per request,
 * with plain data only (see flow-check-data.ts).
 */
import { parentPort } from 'node:worker_threads';
import { checkFlowText } from './flow-check-data';
import type { FlowCheckRequest, FlowCheckResponse } from './flow-checker';

if (!parentPort) throw new Error('flow-check-worker.js runs only as a worker thread');
const port = parentPort;
port.on('message', (request: FlowCheckRequest) => {
  let response: FlowCheckResponse;
  try {
    response = { id: request.id, result: checkFlowText(request.text, request.fileName) };
  } catch (error) {
    // Only the message crosses: a stack could quote the file's text.
    response = { id: request.id, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
  }
  port.postMessage(response);
});
