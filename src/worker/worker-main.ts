/**
 * The worker script. As a SharedWorker it serves every tab of the origin through one WorkerHost
 * (one writer per store); as a dedicated worker it serves its page.
 */
import * as Comlink from 'comlink';
import { installErrorTransfer } from './comlink-errors.js';
import { WorkerHost } from './host.js';
import { serveDispatch } from './dispatch-port.js';
import { toWire } from './store-engine.js';

installErrorTransfer();

const host = new WorkerHost();
const scope = self as unknown as { onconnect?: (e: MessageEvent) => void } & Worker;

if ('onconnect' in scope) {
  scope.onconnect = (e: MessageEvent) => {
    // Dispatch first: its listener takes the plain dispatch messages before Comlink sees them.
    serveDispatch(host, e.ports[0]!, toWire);
    Comlink.expose(host, e.ports[0]);
  };
} else {
  serveDispatch(host, scope, toWire);
  Comlink.expose(host, scope);
}
